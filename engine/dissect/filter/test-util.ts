/** Test helpers for the filter languages (Node only: excluded from the engine's tsconfig). */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../pcap/index.ts';
import { defaultDecodeAs, dissect, DissectSession, fieldsByName, withDecodeAs, parseDecodeAsRule } from '../index.ts';
import type { DecodeAs, Field } from '../types.ts';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const CI = Boolean(process.env.CI);

/** A frame and its time in seconds since the capture's first frame (TCP analysis reads it). */
export interface Frame { data: Uint8Array; linkType: number; time: number }

export function loadFrames(file: string): Frame[] {
  const cap = readCapture(new Uint8Array(readFileSync(file)));
  if (cap.error) throw new Error(`${file}: ${cap.error.message}`);
  const first = cap.frames[0];
  return cap.frames.map((f) => ({
    data: f.data.slice(), linkType: f.linkType,
    time: first ? f.tsSec - first.tsSec + (f.tsNsec - first.tsNsec) / 1e9 : 0,
  }));
}

/** The Decode-As rules the fixtures were made with (tshark -d ...). */
export const DECODE_AS_ARGS = ['udp.port==10800,vxlan', 'udp.port==10801,vxlan'];

export function fixtureDecodeAs(): DecodeAs {
  const rules = DECODE_AS_ARGS.map((r) => {
    const p = parseDecodeAsRule(r);
    if (!p.ok) throw new Error(p.error);
    return p.rule;
  });
  return withDecodeAs(defaultDecodeAs(), ...rules);
}

/** Every frame of a capture as the display filter sees it (one session, like tshark's pass). */
export function fieldMaps(file: string): Map<string, Field[]>[] {
  const session = new DissectSession();
  const decodeAs = fixtureDecodeAs();
  return loadFrames(file).map((f, i) => fieldsByName(dissect(f.data, f.linkType, decodeAs, { session, frameNumber: i + 1, timeRelative: f.time })));
}

/** True when `cmd args` runs; outside CI a missing tool skips, in CI it fails (see callers). */
export function hasTool(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

export interface ToolRun { status: number; stdout: string; stderr: string }

export function run(cmd: string, args: string[]): ToolRun {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function runAsync(cmd: string, args: string[]): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

/** Runs `work` over `items`, `limit` at a time (tshark takes ~0.3 s of CPU just to start). */
export async function pool<T, R>(items: readonly T[], limit: number, work: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Frame numbers (1-based) tshark's display filter keeps, or tshark's error. */
export async function tsharkFrames(file: string, filter: string): Promise<number[] | { error: string }> {
  const args = ['-r', file, '-n'];
  for (const r of DECODE_AS_ARGS) args.push('-d', r);
  const r = await runAsync('tshark', [...args, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  if (r.status !== 0) return { error: r.stderr.trim() };
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map(Number);
}

/** Frame numbers (1-based) tcpdump's capture filter keeps, matched back by timestamp order. */
export function tcpdumpFrames(file: string, filter: string): number[] | { error: string } {
  const all = run('tcpdump', ['-r', file, '-n', '-tt', '-q']);
  const some = run('tcpdump', ['-r', file, '-n', '-tt', '-q', filter]);
  // tcpdump refuses to read with a filter that can never match ("expression rejects all packets").
  if (some.status !== 0 && some.stderr.includes('expression rejects all packets')) return [];
  if (some.status !== 0) return { error: some.stderr.trim() };
  const stamps = (out: string): string[] => out.split('\n').filter((l) => l.trim() !== '').map((l) => l.split(' ')[0]!);
  const allStamps = stamps(all.stdout);
  const out: number[] = [];
  let from = 0;
  for (const s of stamps(some.stdout)) {
    const i = allStamps.indexOf(s, from);
    if (i < 0) return { error: `timestamp ${s} not in the unfiltered listing` };
    out.push(i + 1);
    from = i + 1;
  }
  return out;
}

/** Whether tcpdump compiles the filter (`tcpdump -d` exits 0). */
export function tcpdumpAccepts(filter: string): boolean {
  return run('tcpdump', ['-d', filter]).status === 0;
}

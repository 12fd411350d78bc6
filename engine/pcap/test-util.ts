/**
 * Test helpers for engine/pcap: hand-built frames, chunking, tshark field extraction, tool gates
 * and a network-namespace pair for live captures. Tests only (uses Node APIs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, beforeAll } from 'vitest';
import type { CaptureFrame } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Bytes

export function hex(text: string): Uint8Array {
  const clean = text.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function ipChecksum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += (bytes[i]! << 8) | (i + 1 < end ? bytes[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface UdpFrameSpec {
  srcMac?: string;
  dstMac?: string;
  src?: string;
  dst?: string;
  srcPort?: number;
  dstPort?: number;
  payload?: Uint8Array;
  ipId?: number;
}

/** A real-looking Ethernet II / IPv4 / UDP frame with correct IPv4 and UDP checksums. */
export function udpFrame(spec: UdpFrameSpec = {}): Uint8Array {
  const payload = spec.payload ?? new Uint8Array([0x68, 0x65, 0x6c, 0x6c, 0x6f]);
  const mac = (m: string): number[] => m.split(':').map((x) => parseInt(x, 16));
  const ip = (a: string): number[] => a.split('.').map(Number);
  const udpLen = 8 + payload.length;
  const ipLen = 20 + udpLen;
  const f = new Uint8Array(14 + ipLen);
  f.set(mac(spec.dstMac ?? '02:00:5e:10:00:02'), 0);
  f.set(mac(spec.srcMac ?? '02:00:5e:10:00:01'), 6);
  f.set([0x08, 0x00], 12);
  const id = spec.ipId ?? 0x1c46;
  f.set([0x45, 0, ipLen >> 8, ipLen & 255, id >> 8, id & 255, 0x40, 0, 64, 17, 0, 0], 14);
  f.set(ip(spec.src ?? '10.200.1.1'), 26);
  f.set(ip(spec.dst ?? '10.200.1.2'), 30);
  const ck = ipChecksum(f, 14, 34);
  f[24] = ck >> 8;
  f[25] = ck & 255;
  const sp = spec.srcPort ?? 40000;
  const dp = spec.dstPort ?? 10800;
  f.set([sp >> 8, sp & 255, dp >> 8, dp & 255, udpLen >> 8, udpLen & 255, 0, 0], 34);
  f.set(payload, 42);
  const pseudo = f[26]! * 0 + ((f[26]! << 8) | f[27]!) + ((f[28]! << 8) | f[29]!) + ((f[30]! << 8) | f[31]!) + ((f[32]! << 8) | f[33]!) + 17 + udpLen;
  let uck = ipChecksum(f, 34, 14 + ipLen, pseudo);
  if (uck === 0) uck = 0xffff;
  f[40] = uck >> 8;
  f[41] = uck & 255;
  return f;
}

/** Splits bytes at the given sizes (cycled), every piece at least one byte. */
export function chunked(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const n = Math.max(1, sizes.length ? sizes[k++ % sizes.length]! : bytes.length);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** A frame without its data view, for comparing readings made from different buffers. */
export function plain(f: CaptureFrame): Omit<CaptureFrame, 'data'> & { bytes: number[] } {
  const { data, ...rest } = f;
  return { ...rest, bytes: Array.from(data) };
}

// ---------------------------------------------------------------------------------------------
// Tools

export interface Gate {
  ok: boolean;
  reason: string;
}

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** Whether the named tools exist (and we are root, when asked). */
export function toolGate(tools: string[], needRoot = false): Gate {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length) return { ok: false, reason: `${missing.join(', ')} not installed` };
  if (needRoot && process.getuid?.() !== 0) return { ok: false, reason: 'needs root for network namespaces' };
  if (needRoot && spawnSync('ip', ['netns', 'list']).status !== 0) return { ok: false, reason: 'ip netns does not work here' };
  return { ok: true, reason: '' };
}

/**
 * describe() for tool-dependent tests: skipped with the reason in its name when a tool (or root)
 * is missing, except when process.env.CI is set, where the missing tool fails the suite.
 */
export function describeWithTools(name: string, gate: Gate, body: () => void): void {
  if (gate.ok) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(`${name}: ${gate.reason} (required when CI is set)`);
      });
      body();
    });
  } else {
    describe.skip(`${name} [skipped: ${gate.reason}]`, body);
  }
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface FieldRow {
  number: number;
  epoch: string;
  len: number;
  capLen: number;
  interfaceId: string;
}

/** tshark's view of every frame; throws with tshark's complaint if it reports any problem. */
export function tsharkRows(file: string): FieldRow[] {
  const r = spawnSync(
    'tshark',
    ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.interface_id'],
    { encoding: 'utf8' },
  );
  const complaints = r.stderr
    .split('\n')
    .filter((l) => l.trim() && !l.includes('Running as user "root"'))
    .join('\n');
  if (r.status !== 0 || complaints) throw new Error(`tshark on ${file}: status ${r.status}: ${complaints}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [n, epoch, len, cap, ifc] = l.split('\t');
      return { number: Number(n), epoch: epoch!, len: Number(len), capLen: Number(cap), interfaceId: ifc ?? '' };
    });
}

/** tshark's epoch text: seconds, a dot, nine digits. */
export function epochText(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

/** Our reading of the same fields; pcapng interface ids are shown, classic pcap has none. */
export function ourRows(frames: CaptureFrame[], pcapng: boolean): FieldRow[] {
  return frames.map((f) => ({
    number: f.index + 1,
    epoch: epochText(f.tsSec, f.tsNsec),
    len: f.originalLength,
    capLen: f.capturedLength,
    interfaceId: pcapng ? String(f.interfaceId) : '',
  }));
}

export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

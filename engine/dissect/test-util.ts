/** Test helpers (Node only): fixtures, tshark, and value normalisation for comparisons. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../pcap/index.ts';
import { defaultDecodeAs, parseDecodeAsRule, withDecodeAs } from './decode-as.ts';
import type { DecodeAs, FieldValue } from './types.ts';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const FIXTURE_NAMES = ['underlay', 'vx800', 'any-sll', 'any-sll2', 'raw'] as const;
/**
 * Compared with tshark like the others, but not part of the label corpus: an unanswered SYN
 * (fixtures/make-syn-retrans.sh) and a bulk transfer into a small window (fixtures/make-bulk-tcp.sh).
 */
export const EXTRA_FIXTURE_NAMES = ['syn-retrans', 'bulk-tcp', 'snaplen'] as const;
export const TSHARK_DECODE_AS = ['udp.port==10800,vxlan', 'udp.port==10801,vxlan'];
export const COLUMNS = ['_ws.col.Protocol', '_ws.col.Source', '_ws.col.Destination', '_ws.col.Info'] as const;

export function compareFieldNames(): string[] {
  return readFileSync(join(FIXTURES, 'fields.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
}

export function fixtureDecodeAs(): DecodeAs {
  const rules = TSHARK_DECODE_AS.map((t) => {
    const r = parseDecodeAsRule(t);
    if (!r.ok) throw new Error(r.error);
    return r.rule;
  });
  return withDecodeAs(defaultDecodeAs(), ...rules);
}

/** A frame with its time in seconds since the capture's first frame (what DissectContext.timeRelative takes). */
export interface FixtureFrame { data: Uint8Array; linkType: number; time: number }

export function loadFixture(name: string): FixtureFrame[] {
  return loadCaptureFile(join(FIXTURES, `${name}.pcap`));
}

export function loadCaptureFile(path: string): FixtureFrame[] {
  const cap = readCapture(new Uint8Array(readFileSync(path)));
  if (cap.error) throw new Error(`${path}: ${cap.error.message}`);
  const first = cap.frames[0];
  return cap.frames.map((f) => ({
    data: f.data.slice(), linkType: f.linkType,
    time: first ? f.tsSec - first.tsSec + (f.tsNsec - first.tsNsec) / 1e9 : 0,
  }));
}

/** Byte-string fields compared as plain hex. */
const BYTE_FIELDS = new Set(['tcp.segment_data']);

/** Fields tshark prints as relative times ("0.000024000"): compared with nanosecond digits. */
export const TIME_FIELDS = new Set(['tcp.analysis.ack_rtt', 'tcp.analysis.initial_rtt', 'tcp.analysis.rto']);

/** One frame of `tshark -T json -e ...`: field name -> values in tree order. */
export type TsharkFrame = Record<string, string[]>;

function layersOf(json: string): TsharkFrame[] {
  const parsed = JSON.parse(json) as Array<{ _source: { layers: TsharkFrame } }>;
  return parsed.map((p) => p._source.layers);
}

export function expectedFrames(name: string): TsharkFrame[] {
  return layersOf(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8'));
}

export function hasTool(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

export function liveTshark(name: string, fields: string[]): TsharkFrame[] {
  const args = ['-r', join(FIXTURES, `${name}.pcap`)];
  for (const r of TSHARK_DECODE_AS) args.push('-d', r);
  args.push('-T', 'json');
  for (const f of [...fields, ...COLUMNS]) args.push('-e', f);
  return layersOf(execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }));
}

/** tshark -e prints numbers in decimal or 0x-hex and booleans as 1/0; we compare on that footing. */
export function normTshark(v: string, name?: string): string {
  if (name !== undefined && TIME_FIELDS.has(name)) return Number(v).toFixed(9);
  // Byte fields: tshark -T json prints some with colons (data.data), some without (tcp.segment_data).
  if (/^[0-9a-f]{2}(:[0-9a-f]{2})*$/.test(v) && name !== undefined && BYTE_FIELDS.has(name)) return v.replace(/:/g, '');
  if (/^0x[0-9a-f]+$/i.test(v)) return String(parseInt(v, 16));
  return v;
}

export function normOurs(v: FieldValue, name?: string): string {
  if (name !== undefined && TIME_FIELDS.has(name) && typeof v === 'number') return v.toFixed(9);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join(name !== undefined && BYTE_FIELDS.has(name) ? '' : ':');
  return String(v);
}

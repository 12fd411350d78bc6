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
  const pseudo = ((f[26]! << 8) | f[27]!) + ((f[28]! << 8) | f[29]!) + ((f[30]! << 8) | f[31]!) + ((f[32]! << 8) | f[33]!) + 17 + udpLen;
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

// SHB (LE, shb_userappl) | IDB (eth0, "uplink", tsresol 10^-9, snaplen 65535) | NRB | EPB (comment
// "héllo" + unknown option 0x8001, cap 5 orig 60) | SPB | ISB | custom 0x40000BAD | PB (comment
// "old") | SHB (BE) | IDB (raw IP, tsresol 2^-10, snaplen 0) | EPB.
export const KNOWN_PCAPNG =
  '0a0d0d0a2c0000004d3c2b1a01000000ffffffffffffffff0400060067656e2e70790000000000002c000000010000003400000001000000ffff000002000400657468300300060075706c696e6b000009000100090000000000000034000000040000001c000000010008000a000001612e6200000000001c000000060000004000000000000000fe9c971715cd853d050000003c00000001020304050000000100060068c3a96c6c6f00000180030078797a000000000040000000030000001400000004000000deadbeef14000000050000001800000000000000000000000000000018000000ad0b004014000000000000000000000014000000020000003000000000000000fe9c971702cac4710400000004000000deadbeef010003006f6c640000000000300000000a0d0d0a0000001c1a2b3c4d00010000ffffffffffffffff0000001c00000001000000200065000000000000000900018a0000000000000000000020000000060000002800000000000001954fc40a000000000500000005010203040500000000000028';


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

// ---------------------------------------------------------------------------------------------
// Live captures between two network namespaces we create (never touching other addresses).

export interface NetnsPair {
  nsA: string;
  nsB: string;
  ifA: string;
  ifB: string;
  addrA: string;
  addrB: string;
  destroy: () => void;
}

/** Two namespaces joined by a veth pair, 10.200.<subnet>.1/24 and .2/24; names carry our pid. */
export function createNetnsPair(subnet: number): NetnsPair {
  const tag = `np${process.pid % 100000}`;
  const p: Omit<NetnsPair, 'destroy'> = {
    nsA: `${tag}a`,
    nsB: `${tag}b`,
    ifA: `${tag}va`,
    ifB: `${tag}vb`,
    addrA: `10.200.${subnet}.1`,
    addrB: `10.200.${subnet}.2`,
  };
  const destroy = (): void => {
    for (const ns of [p.nsA, p.nsB]) spawnSync('ip', ['netns', 'del', ns]);
  };
  destroy();
  try {
    run('ip', ['netns', 'add', p.nsA]);
    run('ip', ['netns', 'add', p.nsB]);
    // Created inside nsA with its peer inside nsB: the host's own namespace is never touched.
    run('ip', ['-n', p.nsA, 'link', 'add', p.ifA, 'type', 'veth', 'peer', 'name', p.ifB, 'netns', p.nsB]);
    run('ip', ['-n', p.nsA, 'addr', 'add', `${p.addrA}/24`, 'dev', p.ifA]);
    run('ip', ['-n', p.nsB, 'addr', 'add', `${p.addrB}/24`, 'dev', p.ifB]);
    for (const [ns, ifc] of [[p.nsA, p.ifA], [p.nsB, p.ifB]] as const) {
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      run('ip', ['-n', ns, 'link', 'set', ifc, 'up']);
    }
  } catch (e) {
    destroy();
    throw e;
  }
  return { ...p, destroy };
}

/** Node script: UDP datagrams and a TCP connection attempt from A to B (B answers with ICMP/RST or accepts). */
export function trafficScript(dst: string): string {
  return `
const dgram = require('node:dgram'); const net = require('node:net');
const s = dgram.createSocket('udp4');
let n = 0;
const tick = () => {
  if (n === 5) { s.close(); const c = net.connect(9998, '${dst}'); c.on('error', () => {}); c.on('connect', () => c.end('hi')); setTimeout(() => process.exit(0), 300); return; }
  s.send(Buffer.alloc(20 + n * 100, n), 9999, '${dst}'); n++; setTimeout(tick, 20);
};
tick();`;
}

/** Node script for B: a TCP listener that echoes and closes, alive for `ms`. */
export function listenerScript(ms: number): string {
  return `
const net = require('node:net');
const srv = net.createServer((c) => { c.on('data', (d) => c.end(d)); c.on('error', () => {}); }).listen(9998);
setTimeout(() => srv.close(() => process.exit(0)), ${ms});`;
}

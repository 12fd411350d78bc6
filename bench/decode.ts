/**
 * Decode benchmark: how fast engine/dissect turns a capture into packet-list lines (the
 * equivalent of `tshark -r F` printing one line per frame) and into full field trees, compared
 * with tshark on the same file.
 *
 *   npx tsx bench/decode.ts [--mb 200] [--tree-mb 50] [--no-tshark] [--keep]
 *
 * The capture (~200 MB classic pcap, Ethernet) is generated deterministically into os.tmpdir():
 * TCP flows with timestamps and payload, UDP datagrams, and VXLAN (UDP 4789) carrying inner TCP,
 * frame sizes 60-1500 bytes. Budget: summary path >= 200 MB/s and faster than tshark.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { defaultDecodeAs, dissect, dissectFields, DissectSession, summarize } from '../engine/dissect/index.ts';
import { compileDisplayFilter } from '../engine/dissect/filter/index.ts';

export interface BenchDecodeOptions {
  /** Size of the generated capture in MB (default 200). */
  sizeMB?: number;
  /** How many MB of it to run through the full-tree path (default 50; the tree path is slower). */
  treeMB?: number;
  /** Run tshark for comparison when installed (default true). */
  tshark?: boolean;
  /** Keep the generated file (default false). */
  keep?: boolean;
  log?: (line: string) => void;
}

export interface BenchDecodeResult {
  file: string;
  fileBytes: number;
  frames: number;
  /** cpuSeconds: user + system CPU time of this process during the phase (the machine is shared). */
  summary: { seconds: number; cpuSeconds: number; mbPerSec: number; cpuMbPerSec: number; framesPerSec: number };
  tree: { bytes: number; frames: number; seconds: number; cpuSeconds: number; mbPerSec: number; cpuMbPerSec: number };
  /** A display filter over the same bytes as `tree`, as the capture worker runs it (`dissectFields`). */
  filter: { text: string; matches: number; seconds: number; cpuSeconds: number; mbPerSec: number; cpuMbPerSec: number };
  tshark: { seconds: number; mbPerSec: number; version: string } | null;
  budget: { summaryMinMBps: number; summaryOk: boolean; fasterThanTshark: boolean | null };
}

const MB = 1024 * 1024;

/** A small deterministic generator (the benchmark must be reproducible). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

function sum16(b: Uint8Array, start: number, end: number, sum = 0): number {
  for (let i = start; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if ((end - start) & 1) sum += b[end - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function put16(b: Uint8Array, o: number, v: number): void { b[o] = v >> 8; b[o + 1] = v & 255; }
function put32(b: Uint8Array, o: number, v: number): void { put16(b, o, v >>> 16); put16(b, o + 2, v & 0xffff); }

function eth(b: Uint8Array, o: number, a: number, z: number): number {
  b.set([2, 0, 0, 0, 0, z, 2, 0, 0, 0, 0, a, 8, 0], o);
  return o + 14;
}

function ipv4(b: Uint8Array, o: number, totalLen: number, proto: number, src: number, dst: number, id: number): number {
  b.set([0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, proto, 0, 0], o);
  put16(b, o + 2, totalLen); put16(b, o + 4, id); put32(b, o + 12, src); put32(b, o + 16, dst);
  put16(b, o + 10, sum16(b, o, o + 20));
  return o + 20;
}

interface Flow { src: number; dst: number; sport: number; dport: number; seq: number; ack: number }

function tcp(b: Uint8Array, o: number, f: Flow, payload: number, flags: number): number {
  put16(b, o, f.sport); put16(b, o + 2, f.dport); put32(b, o + 4, f.seq); put32(b, o + 8, f.ack);
  b[o + 12] = 8 << 4; b[o + 13] = flags; put16(b, o + 14, 502); put16(b, o + 16, 0); put16(b, o + 18, 0);
  b.set([1, 1, 8, 10], o + 20); put32(b, o + 24, f.seq ^ 0x5a5a); put32(b, o + 28, f.ack ^ 0xa5a5);
  f.seq = (f.seq + payload) >>> 0;
  return o + 32 + payload;
}

/** Writes the capture and returns its path, size and frame count. */
export function generateCapture(path: string, sizeBytes: number): { bytes: number; frames: number } {
  const rnd = lcg(42);
  const flows: Flow[] = Array.from({ length: 64 }, (_, i) => ({
    src: 0x0a000004 + i, dst: 0x0d4786b1, sport: 40000 + i, dport: 443, seq: rnd(), ack: rnd(),
  }));
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(4 * MB);
  const header = new Uint8Array(24);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true); dv.setUint16(4, 2, true); dv.setUint16(6, 4, true); dv.setUint32(16, 65535, true); dv.setUint32(20, 1, true);
  writeSync(fd, header);
  let written = 24;
  let frames = 0;
  let used = 0;
  const frame = new Uint8Array(1600);
  while (written < sizeBytes) {
    const r = rnd();
    const kind = r % 10; // 0-5 TCP, 6-7 UDP, 8-9 VXLAN with inner TCP
    const size = 60 + (rnd() % 1441);
    const f = flows[(r >>> 8) % flows.length]!;
    let end: number;
    if (kind < 6) {
      const payload = Math.max(0, size - 14 - 20 - 32);
      const o = ipv4(frame, eth(frame, 0, 1, 2), 20 + 32 + payload, 6, f.src, f.dst, frames & 0xffff);
      end = tcp(frame, o, f, payload, payload ? 0x18 : 0x10);
    } else if (kind < 8) {
      const payload = Math.max(0, size - 14 - 20 - 8);
      const o = ipv4(frame, eth(frame, 0, 1, 2), 28 + payload, 17, f.src, 0x08080808, frames & 0xffff);
      put16(frame, o, 50000 + (r & 1023)); put16(frame, o + 2, 53); put16(frame, o + 4, 8 + payload); put16(frame, o + 6, 0);
      end = o + 8 + payload;
    } else {
      const innerPayload = Math.max(0, size - 14 - 20 - 8 - 8 - 14 - 20 - 32);
      const innerLen = 14 + 20 + 32 + innerPayload;
      let o = ipv4(frame, eth(frame, 0, 1, 2), 20 + 8 + 8 + innerLen, 17, 0x0a000001, 0x0a000002, frames & 0xffff);
      put16(frame, o, 49152 + (r & 8191)); put16(frame, o + 2, 4789); put16(frame, o + 4, 16 + innerLen); put16(frame, o + 6, 0);
      frame.set([8, 0, 0, 0, 0, 3, 0x20, 0], o + 8);
      o = ipv4(frame, eth(frame, o + 16, 3, 4), 20 + 32 + innerPayload, 6, f.src, f.dst, frames & 0xffff);
      end = tcp(frame, o, f, innerPayload, 0x18);
    }
    if (used + 16 + end > chunk.length) { writeSync(fd, chunk, 0, used); used = 0; }
    const rv = new DataView(chunk.buffer, used, 16);
    rv.setUint32(0, 1_700_000_000 + (frames >>> 16), true); rv.setUint32(4, (frames * 7) % 1_000_000, true);
    rv.setUint32(8, end, true); rv.setUint32(12, end, true);
    chunk.set(frame.subarray(0, end), used + 16);
    used += 16 + end;
    written += 16 + end;
    frames++;
  }
  writeSync(fd, chunk, 0, used);
  closeSync(fd);
  return { bytes: written, frames };
}

/** Walks classic-pcap records (little-endian, as generated) and calls `each` per frame. */
function forEachFrame(file: Uint8Array, limit: number, each: (data: Uint8Array, n: number) => void): number {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let o = 24;
  let n = 0;
  while (o + 16 <= file.length && o < limit) {
    const len = dv.getUint32(o + 8, true);
    each(file.subarray(o + 16, o + 16 + len), ++n);
    o += 16 + len;
  }
  return n;
}

export async function benchDecode(opts: BenchDecodeOptions = {}): Promise<BenchDecodeResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const sizeMB = opts.sizeMB ?? 200;
  const treeMB = Math.min(opts.treeMB ?? 50, sizeMB);
  const path = join(tmpdir(), `netplay-bench-decode-${sizeMB}mb.pcap`);
  log(`generating ${sizeMB} MB capture at ${path} ...`);
  const gen = generateCapture(path, sizeMB * MB);
  const file = new Uint8Array(readFileSync(path));
  const decodeAs = defaultDecodeAs();

  // Summary path: one packet-list line per frame, with TCP stream state (relative seq), like `tshark -r`.
  let infoChars = 0;
  const session = new DissectSession();
  const cpuNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let c0 = cpuNow();
  let t0 = performance.now();
  const frames = forEachFrame(file, file.length, (data, n) => {
    infoChars += summarize(data, 1, decodeAs, { session, frameNumber: n }).info.length;
  });
  const summarySec = (performance.now() - t0) / 1000;
  const summaryCpu = cpuNow() - c0;

  // Full trees over the first treeMB.
  const treeSession = new DissectSession();
  let treeFields = 0;
  let treeBytes = 0;
  c0 = cpuNow();
  t0 = performance.now();
  const treeFrames = forEachFrame(file, treeMB * MB, (data, n) => {
    treeFields += dissect(data, 1, decodeAs, { session: treeSession, frameNumber: n }).layers.length;
    treeBytes += data.length + 16;
  });
  const treeSec = (performance.now() - t0) / 1000;
  const treeCpu = cpuNow() - c0;

  // Display filter over the same bytes, the capture worker's way: only the referenced fields.
  const filterText = 'tcp.port == 443 && ip.src == 10.0.0.5 && tcp.len > 100';
  const compiled = compileDisplayFilter(filterText);
  if (!compiled.ok) throw new Error(compiled.error.message);
  const names = new Set(compiled.filter.fields);
  const filterSession = new DissectSession();
  let matches = 0;
  c0 = cpuNow();
  t0 = performance.now();
  forEachFrame(file, treeMB * MB, (data, n) => {
    if (compiled.filter.test(dissectFields(data, 1, decodeAs, names, { session: filterSession, frameNumber: n }))) matches++;
  });
  const filterSec = (performance.now() - t0) / 1000;
  const filterCpu = cpuNow() - c0;

  let tshark: BenchDecodeResult['tshark'] = null;
  if (opts.tshark !== false) {
    const v = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
    if (v.status === 0) {
      log('running tshark -r (this takes a while) ...');
      t0 = performance.now();
      const r = spawnSync('tshark', ['-r', path, '-d', 'udp.port==4789,vxlan'], { stdio: ['ignore', 'ignore', 'ignore'] });
      const sec = (performance.now() - t0) / 1000;
      if (r.status === 0) tshark = { seconds: sec, mbPerSec: gen.bytes / MB / sec, version: v.stdout.split('\n')[0]!.trim() };
      else log(`tshark failed with status ${String(r.status)}`);
    } else {
      log('tshark not installed: comparison skipped');
    }
  }
  if (!opts.keep) rmSync(path, { force: true });

  const summaryMBps = gen.bytes / MB / summarySec;
  const result: BenchDecodeResult = {
    file: path,
    fileBytes: gen.bytes,
    frames,
    summary: { seconds: summarySec, cpuSeconds: summaryCpu, mbPerSec: summaryMBps, cpuMbPerSec: gen.bytes / MB / summaryCpu, framesPerSec: frames / summarySec },
    tree: { bytes: treeBytes, frames: treeFrames, seconds: treeSec, cpuSeconds: treeCpu, mbPerSec: treeBytes / MB / treeSec, cpuMbPerSec: treeBytes / MB / treeCpu },
    filter: { text: filterText, matches, seconds: filterSec, cpuSeconds: filterCpu, mbPerSec: treeBytes / MB / filterSec, cpuMbPerSec: treeBytes / MB / filterCpu },
    tshark,
    budget: { summaryMinMBps: 200, summaryOk: summaryMBps >= 200, fasterThanTshark: tshark ? summarySec < tshark.seconds : null },
  };
  log(`frames ${frames}, file ${(gen.bytes / MB).toFixed(1)} MB (info chars ${infoChars}, tree layers ${treeFields})`);
  log(`summary path : ${summaryMBps.toFixed(1)} MB/s, ${(frames / summarySec / 1000).toFixed(0)} kframes/s (${summarySec.toFixed(2)} s; CPU ${summaryCpu.toFixed(2)} s = ${result.summary.cpuMbPerSec.toFixed(1)} MB/s)`);
  log(`full trees   : ${result.tree.mbPerSec.toFixed(1)} MB/s over ${(treeBytes / MB).toFixed(1)} MB (${treeSec.toFixed(2)} s; CPU ${treeCpu.toFixed(2)} s = ${result.tree.cpuMbPerSec.toFixed(1)} MB/s)`);
  log(`filter       : ${result.filter.mbPerSec.toFixed(1)} MB/s over the same (${filterSec.toFixed(2)} s; CPU ${filterCpu.toFixed(2)} s = ${result.filter.cpuMbPerSec.toFixed(1)} MB/s; '${filterText}' matched ${matches})`);
  if (tshark) log(`tshark -r    : ${tshark.mbPerSec.toFixed(1)} MB/s (${tshark.seconds.toFixed(2)} s, ${tshark.version})`);
  log(`budget: summary >= 200 MB/s ${result.budget.summaryOk ? 'OK' : 'MISSED'}; faster than tshark: ${String(result.budget.fasterThanTshark)}`);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const sizeMB = arg('--mb');
  const treeMB = arg('--tree-mb');
  void benchDecode({
    ...(sizeMB ? { sizeMB: Number(sizeMB) } : {}),
    ...(treeMB ? { treeMB: Number(treeMB) } : {}),
    tshark: !process.argv.includes('--no-tshark'),
    keep: process.argv.includes('--keep'),
  });
}

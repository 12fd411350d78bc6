/**
 * Hand-made TCP conversations for the sequence-analysis tests (Node only, like test-util.ts):
 * each scenario is a list of segments written as Ethernet/IPv4/TCP frames with chosen times,
 * sequence numbers, windows and options, so one case of Wireshark's analysis can be provoked at
 * a time and compared with tshark's verdict on the same bytes.
 */
import { writePcap, type WriteFrame } from '../pcap/index.ts';

export interface Seg {
  /** Microseconds since the scenario started. */
  t: number;
  /** 0: client (10.9.0.1:40000) to server (10.9.0.2:40123, a port no tshark dissector claims); 1: the other way. */
  dir: 0 | 1;
  /** Flag letters: S A F R P. */
  flags: string;
  /** Relative to the sender's ISN (the SYN has 0). */
  seq: number;
  /** Relative to the receiver's ISN. */
  ack?: number;
  len?: number;
  win?: number;
  /** Window scale option (SYNs). */
  ws?: number;
  /** SACK blocks, relative to the receiver's ISN. */
  sack?: Array<[number, number]>;
  /** Use these source / destination ports instead (another connection). */
  ports?: [number, number];
  /** Raw ISN override for this segment's sender (port reuse with a new ISN). */
  isn?: number;
}

export interface Scenario { name: string; segs: Seg[] }

const ISN: [number, number] = [1_000_000, 3_000_000_000];
const FLAG_BITS: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16 };

function frame(s: Seg, isn: [number, number]): Uint8Array {
  const opts: number[] = [];
  if (s.ws !== undefined) opts.push(1, 3, 3, s.ws);
  if (s.sack) {
    opts.push(1, 1, 5, 2 + 8 * s.sack.length);
    for (const [l, r] of s.sack) for (const v of [(l + isn[1 - s.dir]!) >>> 0, (r + isn[1 - s.dir]!) >>> 0]) opts.push(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  }
  while (opts.length % 4) opts.push(1);
  const len = s.len ?? 0;
  const tcpLen = 20 + opts.length + len;
  const b = new Uint8Array(14 + 20 + tcpLen);
  const dv = new DataView(b.buffer);
  b.set([2, 0, 0, 0, 0, s.dir === 0 ? 2 : 1, 2, 0, 0, 0, 0, s.dir === 0 ? 1 : 2], 0);
  dv.setUint16(12, 0x0800);
  b[14] = 0x45;
  dv.setUint16(16, 20 + tcpLen);
  b[22] = 64;
  b[23] = 6;
  b.set(s.dir === 0 ? [10, 9, 0, 1, 10, 9, 0, 2] : [10, 9, 0, 2, 10, 9, 0, 1], 26);
  const [cp, sp] = s.ports!;
  dv.setUint16(34, s.dir === 0 ? cp : sp);
  dv.setUint16(36, s.dir === 0 ? sp : cp);
  dv.setUint32(38, (s.seq + isn[s.dir]!) >>> 0);
  const flags = [...s.flags].reduce((a, c) => a | (FLAG_BITS[c] ?? 0), 0);
  dv.setUint32(42, flags & 16 ? (s.ack! + isn[1 - s.dir]!) >>> 0 : 0);
  b[46] = ((20 + opts.length) / 4) << 4;
  b[47] = flags;
  dv.setUint16(48, s.win ?? 64000);
  b.set(opts, 54);
  for (let i = 0; i < len; i++) b[54 + opts.length + i] = 0x61 + (i % 26);
  return b;
}

function scenarioFrames(sc: Scenario, clientPort: number, t0: number): WriteFrame[] {
  const isn: [number, number] = [...ISN];
  return sc.segs.map((s) => {
    if (s.isn !== undefined) isn[s.dir] = s.isn;
    const t = t0 + s.t;
    return { tsSec: 1_700_000_000 + Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000, data: frame({ ports: [clientPort, 40123], ...s }, isn) };
  });
}

/** The scenario as a classic pcap (Ethernet, microsecond times from 1,700,000,000 s). */
export function scenarioPcap(sc: Scenario): Uint8Array {
  return writePcap(scenarioFrames(sc, 40000, 0), { linkType: 1 });
}

/**
 * A copy of a capture edited as a lossy, reordering, duplicating path would: each frame is
 * dropped (6 %), repeated up to 30 ms later (5 %) or swapped with the one before (5 %), from a
 * seeded generator (the same seed gives the same file).
 */
export function editedCapture(frames: readonly WriteFrame[], linkType: number, seed: number): Uint8Array {
  let s = (seed * 7919) >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: WriteFrame[] = [];
  for (const f of frames) {
    const r = rnd();
    if (r < 0.06) continue;
    out.push(f);
    if (r > 0.95) out.push({ ...f, tsNsec: Math.min(999_999_999, f.tsNsec + 1000 + Math.floor(rnd() * 30e6)) });
    else if (r > 0.9 && out.length > 1) out.push(...out.splice(out.length - 2, 1));
  }
  return writePcap(out, { linkType });
}

/** All scenarios one after another in one pcap, scenario i from client port 40000 + i, 1000 s apart. */
export function allScenariosPcap(): Uint8Array {
  return writePcap(SCENARIOS.flatMap((sc, i) => scenarioFrames(sc, 40000 + i, i * 1e9)), { linkType: 1 });
}

const hs = (t0 = 0, ws?: number): Seg[] => [
  { t: t0, dir: 0, flags: 'S', seq: 0, win: 64240, ...(ws !== undefined ? { ws } : {}) },
  { t: t0 + 1000, dir: 1, flags: 'SA', seq: 0, ack: 1, win: 65160, ...(ws !== undefined ? { ws } : {}) },
  { t: t0 + 2000, dir: 0, flags: 'A', seq: 1, ack: 1 },
];

/** Each case of the analysis at least once, most of them alone. */
export const SCENARIOS: Scenario[] = [
  { name: 'SYN retransmitted with no answer (an exhausted SNAT range)', segs: [0, 1e6, 3e6, 7e6, 15e6].map((t) => ({ t, dir: 0 as const, flags: 'S', seq: 0, win: 64240 })) },
  { name: 'data retransmitted after a timeout', segs: [...hs(), { t: 3000, dir: 0, flags: 'PA', seq: 1, ack: 1, len: 100 }, { t: 3100, dir: 0, flags: 'PA', seq: 101, ack: 1, len: 100 }, { t: 203000, dir: 0, flags: 'PA', seq: 1, ack: 1, len: 100 }, { t: 204000, dir: 1, flags: 'A', seq: 1, ack: 201 }] },
  { name: 'spurious retransmission of acked data, soon and late', segs: [...hs(), { t: 3000, dir: 0, flags: 'PA', seq: 1, ack: 1, len: 100 }, { t: 3100, dir: 0, flags: 'PA', seq: 101, ack: 1, len: 100 }, { t: 4000, dir: 1, flags: 'A', seq: 1, ack: 201 }, { t: 4500, dir: 0, flags: 'PA', seq: 1, ack: 1, len: 100 }, { t: 300000, dir: 0, flags: 'PA', seq: 101, ack: 1, len: 100 }] },
  { name: 'duplicate ACKs and a fast retransmission', segs: [...hs(), ...[0, 1, 2, 3].map((k) => ({ t: 3000 + k * 10, dir: 0 as const, flags: 'A', seq: 1 + k * 100, ack: 1, len: 100 })), ...[0, 1, 2].map((k) => ({ t: 4000 + k * 100, dir: 1 as const, flags: 'A', seq: 1, ack: 101, sack: [[201, 201 + (k + 1) * 100]] as Array<[number, number]> })), { t: 4500, dir: 0, flags: 'A', seq: 101, ack: 1, len: 100 }, { t: 5000, dir: 1, flags: 'A', seq: 1, ack: 401 }] },
  { name: 'out-of-order segments', segs: [...hs(), { t: 3000, dir: 0, flags: 'A', seq: 101, ack: 1, len: 100 }, { t: 3100, dir: 0, flags: 'A', seq: 1, ack: 1, len: 100 }, { t: 3200, dir: 0, flags: 'A', seq: 201, ack: 1, len: 100 }, { t: 4000, dir: 1, flags: 'A', seq: 1, ack: 301 }] },
  { name: 'lost segment and ACKed unseen segment', segs: [...hs(), { t: 3000, dir: 0, flags: 'A', seq: 1, ack: 1, len: 100 }, { t: 3100, dir: 0, flags: 'A', seq: 201, ack: 1, len: 100 }, { t: 4000, dir: 1, flags: 'A', seq: 1, ack: 301 }, { t: 5000, dir: 1, flags: 'PA', seq: 1, ack: 301, len: 10 }, { t: 6000, dir: 0, flags: 'A', seq: 301, ack: 51 }, { t: 7000, dir: 0, flags: 'A', seq: 301, ack: 61 }, { t: 8000, dir: 0, flags: 'A', seq: 301, ack: 61 }] },
  { name: 'window update, zero window, probe and probe ACK', segs: [...hs(), { t: 3000, dir: 0, flags: 'PA', seq: 1, ack: 1, len: 100 }, { t: 4000, dir: 1, flags: 'A', seq: 1, ack: 101, win: 0 }, { t: 5000, dir: 0, flags: 'A', seq: 101, ack: 1, len: 1 }, { t: 6000, dir: 1, flags: 'A', seq: 1, ack: 101, win: 0 }, { t: 7000, dir: 1, flags: 'A', seq: 1, ack: 101, win: 3000 }, { t: 8000, dir: 0, flags: 'A', seq: 101, ack: 1, len: 50 }, { t: 9000, dir: 1, flags: 'A', seq: 1, ack: 151, win: 3000 }, { t: 10000, dir: 1, flags: 'A', seq: 1, ack: 151, win: 5000 }] },
  { name: 'keep-alive and keep-alive ACK', segs: [...hs(), { t: 3000, dir: 0, flags: 'PA', seq: 1, ack: 1, len: 10 }, { t: 4000, dir: 1, flags: 'A', seq: 1, ack: 11 }, { t: 60e6, dir: 0, flags: 'A', seq: 10, ack: 1 }, { t: 60.001e6, dir: 1, flags: 'A', seq: 1, ack: 11 }, { t: 120e6, dir: 0, flags: 'A', seq: 10, ack: 1, len: 1 }, { t: 120.001e6, dir: 1, flags: 'A', seq: 1, ack: 11 }] },
  { name: 'window full with and without scaling', segs: [{ t: 0, dir: 0, flags: 'S', seq: 0, win: 64240 }, { t: 1000, dir: 1, flags: 'SA', seq: 0, ack: 1, win: 300 }, { t: 2000, dir: 0, flags: 'A', seq: 1, ack: 1 }, { t: 3000, dir: 0, flags: 'A', seq: 1, ack: 1, len: 200 }, { t: 3100, dir: 0, flags: 'A', seq: 201, ack: 1, len: 100 }, { t: 4000, dir: 1, flags: 'A', seq: 1, ack: 301, win: 300 }, { t: 5000, dir: 0, flags: 'A', seq: 301, ack: 1, len: 300 }] },
  { name: 'window full right after a scaled handshake (unscaled until the first ACK)', segs: [{ t: 0, dir: 0, flags: 'S', seq: 0, win: 64240, ws: 2 }, { t: 1000, dir: 1, flags: 'SA', seq: 0, ack: 1, win: 100, ws: 2 }, { t: 2000, dir: 0, flags: 'A', seq: 1, ack: 1 }, { t: 3000, dir: 0, flags: 'A', seq: 1, ack: 1, len: 100 }, { t: 3100, dir: 0, flags: 'A', seq: 101, ack: 1, len: 300 }] },
  { name: 'several flags on one segment (Info order)', segs: [...hs(), { t: 3000, dir: 0, flags: 'A', seq: 1, ack: 1, len: 100 }, { t: 4000, dir: 1, flags: 'A', seq: 1, ack: 301, win: 0 }, { t: 5000, dir: 0, flags: 'A', seq: 301, ack: 1, len: 100, win: 0 }, { t: 6000, dir: 0, flags: 'A', seq: 401, ack: 1, win: 0 }, { t: 7000, dir: 0, flags: 'A', seq: 400, ack: 1, win: 0 }] },
  { name: 'window full after a scaled handshake', segs: [...hs(0, 2), { t: 3000, dir: 1, flags: 'A', seq: 1, ack: 1, win: 100 }, { t: 4000, dir: 0, flags: 'A', seq: 1, ack: 1, len: 400 }, { t: 5000, dir: 1, flags: 'A', seq: 1, ack: 401, win: 100 }] },
  { name: 'port reuse after FIN, and a new SYN on an open connection', segs: [...hs(), { t: 3000, dir: 0, flags: 'FA', seq: 1, ack: 1 }, { t: 4000, dir: 1, flags: 'FA', seq: 1, ack: 2 }, { t: 5000, dir: 0, flags: 'A', seq: 2, ack: 2 }, { t: 9e6, dir: 0, flags: 'S', seq: 0, isn: 5_000_000, win: 64240 }, { t: 9.001e6, dir: 1, flags: 'SA', seq: 0, ack: 1, isn: 7_000_000, win: 65160 }, { t: 9.002e6, dir: 0, flags: 'A', seq: 1, ack: 1 }, { t: 12e6, dir: 0, flags: 'S', seq: 0, isn: 9_000_000, win: 64240 }] },
  { name: 'SYN+ACK retransmitted and a RST', segs: [...hs().slice(0, 2), { t: 1500, dir: 1, flags: 'SA', seq: 0, ack: 1, win: 65160 }, { t: 2000, dir: 0, flags: 'A', seq: 1, ack: 1 }, { t: 3000, dir: 0, flags: 'PA', seq: 1, ack: 1, len: 5 }, { t: 4000, dir: 1, flags: 'RA', seq: 1, ack: 6, win: 0 }] },
  { name: 'capture starting mid-connection with bytes in flight and SACK', segs: [{ t: 0, dir: 0, flags: 'A', seq: 1, ack: 1, len: 1000 }, { t: 10, dir: 0, flags: 'A', seq: 1001, ack: 1, len: 1000 }, { t: 20, dir: 0, flags: 'PA', seq: 2001, ack: 1, len: 1000 }, { t: 500, dir: 1, flags: 'A', seq: 1, ack: 1001, sack: [[2001, 3001]] }, { t: 600, dir: 0, flags: 'A', seq: 3001, ack: 1, len: 500 }, { t: 700, dir: 0, flags: 'FPA', seq: 3501, ack: 1, len: 10 }, { t: 900, dir: 1, flags: 'A', seq: 1, ack: 3512 }] },
];

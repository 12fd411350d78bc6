/**
 * Network address translation on top of conntrack, as net/netfilter/nf_nat_core.c (Linux 6.x)
 * does it. The binding is decided once, for the first packet of a connection
 * (nf_nat_setup_info), by choosing a tuple that makes the entry's reply tuple unique
 * (get_unique_tuple); every later packet, in both directions, is rewritten from the entry's
 * tuples (nf_nat_manip_pkt).
 *
 * get_unique_tuple, step by step (reference §G.2):
 *  1. source NAT without --random/--random-fully: keep the original tuple if it is inside the
 *     range and unused (port preservation); if its address is outside the range, reuse the
 *     mapping of another entry with the same original source ip:port (find_appropriate_src).
 *  2. choose the address: a Jenkins hash of the source address (and the destination, unless
 *     --persistent) scaled onto the address range (find_best_ips_proto).
 *  3. keep the port if it is in the range and the tuple unused; otherwise search the range from
 *     a random offset, `min(range, 128)` consecutive ports, then again from a new random offset
 *     with half as many, while the count stays ≥ 16 (nf_nat_l4proto_unique_tuple). In the last
 *     32 attempts of a TCP SYN, an entry in TIME_WAIT whose sequence numbers are behind may be
 *     evicted (nf_nat_used_tuple_harder). If nothing is free, the last tuple tried is kept: the
 *     entry then clashes at confirm time and the packet is dropped.
 */
import {
  IPS_DST_NAT,
  IPS_DST_NAT_DONE,
  IPS_NAT_MASK,
  IPS_SRC_NAT,
  IPS_SRC_NAT_DONE,
  IPS_DYING,
  invertTuple,
  tupleEqual,
  type Conn,
  type ConntrackTable,
  type Dir,
  type Tuple,
} from './conntrack.ts';
import { TCP_STATE } from './tcp-conntrack.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, type NfPacket } from './types.ts';

/** A source of uniform random 32-bit integers (engine/sim's Rng satisfies it). */
export interface RandomSource {
  nextU32(): number;
}

// enum nf_nat_range_flags (include/uapi/linux/netfilter/nf_nat.h)
export const NF_NAT_RANGE_MAP_IPS = 1 << 0;
export const NF_NAT_RANGE_PROTO_SPECIFIED = 1 << 1;
export const NF_NAT_RANGE_PROTO_RANDOM = 1 << 2;
export const NF_NAT_RANGE_PERSISTENT = 1 << 3;
export const NF_NAT_RANGE_PROTO_RANDOM_FULLY = 1 << 4;
export const NF_NAT_RANGE_PROTO_RANDOM_ALL = NF_NAT_RANGE_PROTO_RANDOM | NF_NAT_RANGE_PROTO_RANDOM_FULLY;

const NF_NAT_MAX_ATTEMPTS = 128;
const NF_NAT_HARDER_THRESH = NF_NAT_MAX_ATTEMPTS / 4;

export interface NatRange {
  flags: number;
  minAddr: number;
  maxAddr: number;
  minPort: number;
  maxPort: number;
}

export type ManipType = 'SRC' | 'DST';

function clone(t: Tuple): Tuple {
  return { ...t };
}

function rol32(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** jhash2 (lib/jhash.h, Bob Jenkins' lookup3 hashword) of 32-bit words. */
export function jhash2(k: readonly number[], initval: number): number {
  let len = k.length;
  let a = (0xdeadbeef + (len << 2) + initval) >>> 0;
  let b = a;
  let c = a;
  let i = 0;
  while (len > 3) {
    a = (a + k[i]!) >>> 0;
    b = (b + k[i + 1]!) >>> 0;
    c = (c + k[i + 2]!) >>> 0;
    // __jhash_mix
    a = ((a - c) ^ rol32(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = ((b - a) ^ rol32(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = ((c - b) ^ rol32(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = ((a - c) ^ rol32(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = ((b - a) ^ rol32(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = ((c - b) ^ rol32(b, 4)) >>> 0;
    b = (b + a) >>> 0;
    len -= 3;
    i += 3;
  }
  if (len === 0) return c;
  if (len >= 3) c = (c + k[i + 2]!) >>> 0;
  if (len >= 2) b = (b + k[i + 1]!) >>> 0;
  a = (a + k[i]!) >>> 0;
  // __jhash_final
  c = ((c ^ b) - rol32(b, 14)) >>> 0;
  a = ((a ^ c) - rol32(c, 11)) >>> 0;
  b = ((b ^ a) - rol32(a, 25)) >>> 0;
  c = ((c ^ b) - rol32(b, 16)) >>> 0;
  a = ((a ^ c) - rol32(c, 4)) >>> 0;
  b = ((b ^ a) - rol32(a, 14)) >>> 0;
  c = ((c ^ b) - rol32(b, 24)) >>> 0;
  return c;
}

/** reciprocal_scale: maps a u32 onto [0, n) by (val * n) >> 32. */
function reciprocalScale(val: number, n: number): number {
  return Number((BigInt(val >>> 0) * BigInt(n >>> 0)) >> 32n);
}

/**
 * find_best_ips_proto for IPv4: the address is minip + scale(jhash2(src, dst ^ zone)). The kernel
 * hashes the whole 16-byte address union (the IPv4 address and three zero words) as it lies in
 * memory (network order read on a little-endian CPU, hence `bswap32`), so the same client/server
 * pair gets the same address as on x86 Linux (checked against the kernel in kernel.test.ts).
 */
export function bestAddress(src: number, dst: number, range: NatRange): number {
  if (range.minAddr === range.maxAddr) return range.minAddr;
  const persistent = (range.flags & NF_NAT_RANGE_PERSISTENT) !== 0;
  const j = jhash2([bswap32(src), 0, 0, 0], persistent ? 0 : bswap32(dst));
  const dist = (range.maxAddr - range.minAddr + 1) >>> 0;
  return (range.minAddr + reciprocalScale(j, dist)) >>> 0;
}

function allowClash(proto: number): boolean {
  return proto === PROTO_UDP || proto === PROTO_ICMP;
}

export class Nat {
  constructor(
    private readonly ct: ConntrackTable,
    private readonly rng: RandomSource,
  ) {}

  private random16(): number {
    return this.rng.nextU32() & 0xffff;
  }

  /** nf_nat_used_tuple: would the entry's reply (the inverse of `t`) clash with another entry? */
  private usedTuple(t: Tuple, ignored: Conn, now: number): boolean {
    const reply = invertTuple(t);
    return reply !== null && this.ct.tupleTaken(reply, ignored, now);
  }

  /** nf_nat_used_tuple_new: as usedTuple, but a reverse-direction clash of two un-NATed UDP flows is allowed. */
  private usedTupleNew(t: Tuple, ignored: Conn, now: number): boolean {
    if (!this.usedTuple(t, ignored, now)) return false;
    if (!allowClash(t.proto)) return true;
    if (ignored.status & IPS_NAT_MASK) return true;
    const hit = this.ct.find(t, now) ?? (invertTuple(t) ? this.ct.find(invertTuple(t)!, now) : null);
    if (!hit) return false;
    if (hit.dir !== 1 || hit.conn.status & IPS_NAT_MASK) return true;
    return !(tupleEqual(hit.conn.tuple[0], ignored.tuple[1]) && tupleEqual(hit.conn.tuple[1], ignored.tuple[0]));
  }

  /** nf_nat_used_tuple_harder: near the end of the search, a TCP SYN may evict a TIME_WAIT entry. */
  private usedTupleHarder(t: Tuple, ignored: Conn, attemptsLeft: number, now: number, notes: string[]): boolean {
    const reply = invertTuple(t)!;
    if (attemptsLeft > NF_NAT_HARDER_THRESH || t.proto !== PROTO_TCP || ignored.tcp?.state !== TCP_STATE.SYN_SENT) {
      return this.ct.tupleTaken(reply, ignored, now);
    }
    const hit = this.ct.find(reply, now);
    if (!hit) return false;
    if (hit.dir === 0 || hit.conn === ignored) return true;
    const old = hit.conn;
    // nf_nat_may_kill: TIME_WAIT or later, source-NATed, not dying.
    if (!old.tcp || old.tcp.state < TCP_STATE.TIME_WAIT || !(old.status & IPS_SRC_NAT) || old.status & IPS_DYING) return true;
    // nf_seq_has_advanced: the new SYN's sequence end is past the old connection's.
    const a = ignored.tcp?.tdEnd[0];
    const b = old.tcp.tdEnd[0];
    if (a === null || a === undefined || b === null || ((a - b) | 0) <= 0) return true;
    this.ct.kill(old);
    notes.push(`nat: evicted a TIME_WAIT entry holding ${tupleText(old.tuple[1])} to reuse its port`);
    return false;
  }

  private inRange(t: Tuple, range: NatRange): boolean {
    if (range.flags & NF_NAT_RANGE_MAP_IPS && (t.src < range.minAddr || t.src > range.maxAddr)) return false;
    if (!(range.flags & NF_NAT_RANGE_PROTO_SPECIFIED)) return true;
    return l4InRange(t, 'SRC', range);
  }

  /** find_appropriate_src: the newest entry from the same source ip:port whose mapping is in range. */
  private findAppropriateSrc(orig: Tuple, range: NatRange): Tuple | null {
    for (const c of this.ct.sameSource(orig.proto, orig.src, orig.sport)) {
      if (c.status & IPS_DYING) continue;
      const inv = invertTuple(c.tuple[1]);
      if (!inv) continue;
      const result: Tuple = { ...inv, dst: orig.dst, dport: orig.dport };
      if (this.inRange(result, range)) return result;
    }
    return null;
  }

  /** get_unique_tuple. */
  uniqueTuple(orig: Tuple, range: NatRange, c: Conn, manip: ManipType, now: number, notes: string[]): Tuple {
    if (manip === 'SRC' && !(range.flags & NF_NAT_RANGE_PROTO_RANDOM_ALL)) {
      if (this.inRange(orig, range)) {
        if (!this.usedTupleNew(orig, c, now)) return clone(orig);
      } else {
        const found = this.findAppropriateSrc(orig, range);
        if (found) {
          if (!this.usedTuple(found, c, now)) {
            notes.push(`nat: reused the mapping of an existing connection from the same source (${portText(found)})`);
            return found;
          }
        }
      }
    }
    const t = clone(orig);
    if (range.flags & NF_NAT_RANGE_MAP_IPS) {
      if (manip === 'SRC') t.src = bestAddress(orig.src, orig.dst, range);
      else t.dst = bestAddress(orig.src, orig.dst, range);
    }
    if (!(range.flags & NF_NAT_RANGE_PROTO_RANDOM_ALL)) {
      if (range.flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
        if (l4InRange(t, manip, range) && (range.minPort === range.maxPort || !this.usedTuple(t, c, now))) return t;
      } else if (!this.usedTuple(t, c, now)) return t;
    }
    this.l4UniqueTuple(t, range, manip, c, now, notes);
    return t;
  }

  /** nf_nat_l4proto_unique_tuple: search the port (or ICMP id) range from a random offset. */
  private l4UniqueTuple(t: Tuple, range: NatRange, manip: ManipType, c: Conn, now: number, notes: string[]): void {
    let min: number;
    let size: number;
    const icmp = t.proto === PROTO_ICMP;
    const key = icmp || manip === 'SRC' ? 'sport' : 'dport';
    if (icmp) {
      if (range.flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
        min = range.minPort;
        size = range.maxPort - range.minPort + 1;
      } else {
        min = 0;
        size = 65536;
      }
    } else if (t.proto === PROTO_TCP || t.proto === PROTO_UDP) {
      if (!(range.flags & NF_NAT_RANGE_PROTO_SPECIFIED)) {
        if (manip === 'DST') return; // a destination port is never changed without a range
        const p = t[key];
        // Keep the port class: < 512, 512-1023, ≥ 1024 (RFC 4787 REQ-3a has the same idea).
        if (p < 1024) {
          if (p < 512) [min, size] = [1, 511];
          else [min, size] = [600, 1023 - 600 + 1];
        } else [min, size] = [1024, 65535 - 1024 + 1];
      } else {
        min = Math.min(range.minPort, range.maxPort);
        size = Math.abs(range.maxPort - range.minPort) + 1;
      }
    } else return;

    let off = range.flags & NF_NAT_RANGE_PROTO_RANDOM_ALL || manip !== 'DST' ? this.random16() : 0;
    let attempts = Math.min(size, NF_NAT_MAX_ATTEMPTS);
    let tried = 0;
    for (;;) {
      for (let i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
        t[key] = min + (off % size);
        tried++;
        if (!this.usedTupleHarder(t, c, attempts - i, now, notes)) return;
      }
      if (attempts >= size || attempts < 16) break;
      attempts = attempts >> 1;
      off = this.random16();
    }
    notes.push(`nat: no free ${icmp ? 'id' : 'port'} in ${min}-${min + size - 1} after ${tried} attempts; kept ${t[key]} (in use)`);
  }

  /**
   * nf_nat_setup_info: bind the entry (not yet confirmed) for one manip type. Returns true when
   * the tuple changed (the entry is NATed); the binding is marked done either way.
   */
  setupInfo(c: Conn, range: NatRange, manip: ManipType, now: number, notes: string[]): boolean {
    const curr = invertTuple(c.tuple[1])!;
    const next = this.uniqueTuple(curr, range, c, manip, now, notes);
    let changed = false;
    if (!tupleEqual(next, curr)) {
      c.tuple[1] = invertTuple(next)!;
      c.status |= manip === 'SRC' ? IPS_SRC_NAT : IPS_DST_NAT;
      changed = true;
    }
    if (manip === 'SRC') this.ct.addBySource(c);
    c.status |= manip === 'SRC' ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE;
    return changed;
  }

  /** nf_nat_alloc_null_binding: no rule matched, bind to the current address (ports may still move on a clash). */
  nullBinding(c: Conn, manip: ManipType, now: number, notes: string[]): boolean {
    const ip = manip === 'SRC' ? c.tuple[1].dst : c.tuple[1].src;
    return this.setupInfo(c, { flags: NF_NAT_RANGE_MAP_IPS, minAddr: ip, maxAddr: ip, minPort: 0, maxPort: 0 }, manip, now, notes);
  }
}

/** Is the manipulable part (port or ICMP id) inside the range? */
function l4InRange(t: Tuple, manip: ManipType, r: NatRange): boolean {
  if (t.proto === PROTO_ICMP) return t.sport >= r.minPort && t.sport <= r.maxPort;
  if (t.proto !== PROTO_TCP && t.proto !== PROTO_UDP) return true;
  const p = manip === 'SRC' ? t.sport : t.dport;
  return p >= r.minPort && p <= r.maxPort;
}

export function natInitialized(c: Conn, manip: ManipType): boolean {
  return (c.status & (manip === 'SRC' ? IPS_SRC_NAT_DONE : IPS_DST_NAT_DONE)) !== 0;
}

/** Does a packet in direction `dir` at a hook of this manip type get rewritten? (nf_nat_packet) */
export function needsManip(c: Conn, dir: Dir, manip: ManipType): boolean {
  let bit = manip === 'SRC' ? IPS_SRC_NAT : IPS_DST_NAT;
  if (dir === 1) bit ^= IPS_NAT_MASK;
  return (c.status & bit) !== 0;
}

/**
 * nf_nat_manip_pkt: rewrite the source (SRC) or destination (DST) of a packet to what the
 * inverse of the other direction's tuple says. ICMP queries get their id from it in both cases.
 */
export function manipPacket(p: NfPacket, c: Conn, dir: Dir, manip: ManipType): void {
  const target = invertTuple(c.tuple[dir === 0 ? 1 : 0])!;
  applyManip(p, target, manip);
}

function applyManip(p: { proto: number; src: number; dst: number; sport: number; dport: number; icmpId?: number }, target: Tuple, manip: ManipType): void {
  if (manip === 'SRC') p.src = target.src;
  else p.dst = target.dst;
  if (p.proto === PROTO_ICMP) p.icmpId = target.sport;
  else if (p.proto === PROTO_TCP || p.proto === PROTO_UDP) {
    if (manip === 'SRC') p.sport = target.sport;
    else p.dport = target.dport;
  }
}

/**
 * nf_nat_icmp_reply_translation: an ICMP error RELATED to a NATed connection. The quoted packet
 * gets the opposite manip (so it looks like what the inside host sent), the outer header the
 * normal one.
 */
export function manipIcmpError(p: NfPacket, c: Conn, dir: Dir, manip: ManipType): boolean {
  if (!needsManip(c, dir, manip) || !p.inner) return false;
  const other = c.tuple[dir === 0 ? 1 : 0];
  applyManip(p.inner, other, manip === 'SRC' ? 'DST' : 'SRC');
  const target = invertTuple(other)!;
  if (manip === 'SRC') p.src = target.src;
  else p.dst = target.dst;
  return true;
}

export function portText(t: Tuple): string {
  return `${ipText(t.src)}:${t.sport}`;
}

export function tupleText(t: Tuple): string {
  return `${ipText(t.src)}:${t.sport} → ${ipText(t.dst)}:${t.dport}`;
}

function ipText(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/**
 * The run's TCP connection table: every host's sockets as fixed-size records side by side in one
 * ArrayBuffer (sixteen 32-bit words, the last two an f64), keyed by (host, 4-tuple) through one
 * open-addressing index. A connection is a handle (a number), not an object: with 100,000
 * connections open, objects with a dozen u32 fields cost the garbage collector more than
 * everything else the simulator does, and typed arrays are invisible to it.
 *
 * One table for the run, not one per host: with a thousand hosts visited in turn, a per-host
 * table is a chain of cold objects (stack, table, index array, record arrays) before the record
 * itself. Here the table and its arrays are touched by every segment and stay in cache, and
 * records are handed out in time order, so the sockets busy within one round trip sit in a few
 * kilobytes of records whatever host they belong to.
 *
 * Record, not column, layout: handling one segment reads and writes a dozen variables of one
 * socket, so each socket's variables sit in one 64-byte record (one cache line where the buffer
 * is 64-byte aligned, as large, page-aligned ones are) instead of one line per variable. Read a
 * variable as `t.u[b + SND_NXT]` (u32), `t.w[b + FLOW_ID]` (i32) or `t.d[(b >> 1) + TIMER]`
 * (f64), where `b = baseOf(handle)`; the two ports share a word, and the state, timer kind,
 * retransmission count and booleans share FLAGS (read them through the functions below).
 *
 * The index is linear probing over int32 entries, each a record's slot + 1 and ten more bits of
 * its hash (a tag): a probe that meets another socket's entry rejects it by the tag without
 * reading that socket's record, so looking up a free port costs one index line. Records never
 * move (growing the index rewrites entries only), so handles stay valid. Most segments skip the
 * index altogether: a packet carries its sender's handle (Packet.fromSock), the receiver keeps it
 * (`peer`) and sends it back (Packet.toSock), and holds() checks such a hint on the record alone.
 *
 * A handle is generation * 2^22 + slot. A slot is freed when its socket is CLOSED and forgotten,
 * and its generation moves on, so a handle kept after that (an application's close timer) is
 * stale: `live(h)` is false and nothing acts on a reused slot.
 */
import type { TcpApp, Unacked } from './tcp-socket.ts';

/** A socket handle (see above); valid handles are >= 0. */
export type SocketId = number;

const SLOT_BITS = 22;
const SLOT_SPAN = 2 ** SLOT_BITS;
const SLOT_MASK = SLOT_SPAN - 1;
/** Generations wrap at 2^30, so handles stay below 2^52 (exact doubles). */
const GEN_MASK = 2 ** 30 - 1;

/** Words of one record (64 bytes: one cache line), and log2 of it. */
const REC_WORDS = 16;
export const REC_SHIFT = 4;

// u32 words (read through `u`): addresses and RFC 9293 sequence variables. ISS is not kept: it
// is read only in SYN_SENT and SYN_RECV, where SND_UNA still equals it; IRS is never read.
export const LOCAL_IP = 0;
export const REMOTE_IP = 1;
/** i32: local port | remote port << 16 (read through localPortAt / remotePortAt). */
export const PORTS = 2;
/** i32: the host's number in the table (addHost), part of the key. */
const HOST = 3;
const GEN = 4; // i32
export const FLOW_ID = 5; // i32
/** i32: B_* booleans (bits 0..7), state (8..11), timer kind (12..13), retransmissions (16..23). */
export const FLAGS = 6;
export const SND_NXT = 7;
export const RCV_NXT = 8;
/** Timestamps: our clock offset and the peer's last value. */
export const TS_OFFSET = 9;
export const TS_RECENT = 10;
export const SND_UNA = 11;
/** Retransmission timeout in µs (at most 2^10 s: SYN retries are at most 10). */
export const RTO = 12;
/**
 * While B_TIMED: when the SYN being timed was sent (virtual µs mod 2^32; it is answered within
 * its 1 s RTO or not timed, Karn). Once B_HAS_RTT: the handshake round-trip time in µs.
 */
export const TIMING = 13;
// f64 (read through `d` at (base >> 1) + k): words 14..15.
/** The one timer a socket has running (a scheduler handle, 0 = none); its kind is in FLAGS. */
export const TIMER = 7;

/** The most sockets reserve() makes room for up front (64 MiB of records); more still fit, by growing. */
const MAX_RESERVE = 2 ** 20;
/** Index entries: slot + 1 in the low SLOT_BITS bits, the hash's top bits (a tag) above; 0 = empty. */
const TAG_MASK = ~SLOT_MASK;

/** Per-socket booleans, bits 0..7 of FLAGS. */
export const B_TS = 1; // timestamps negotiated (RFC 7323)
export const B_WSCALE = 2; // window scale offered by both
export const B_SACK = 4; // SACK-permitted offered by both
export const B_CLOSED_BY_APP = 8; // the application called close() (an orphan, for FIN_WAIT2's timeout)
export const B_END_NOTIFIED = 16; // the application has been told the connection ended
export const B_ACK_OWED = 32; // RCV_NXT moved since we last sent an ACK (a reply that carries the ACK saves a pure ACK)
export const B_TIMED = 64; // the SYN in flight is timed (TIMING is when it was sent)
export const B_HAS_RTT = 128; // TIMING is the handshake round-trip time

// FLAGS fields.
export function stateAt(w: Int32Array, b: number): number {
  return (w[b + FLAGS]! >> 8) & 15;
}
export function setStateAt(w: Int32Array, b: number, st: number): void {
  w[b + FLAGS] = (w[b + FLAGS]! & ~0xf00) | (st << 8);
}
export function timerKindAt(w: Int32Array, b: number): number {
  return (w[b + FLAGS]! >> 12) & 3;
}
export function setTimerKindAt(w: Int32Array, b: number, kind: number): void {
  w[b + FLAGS] = (w[b + FLAGS]! & ~0x3000) | (kind << 12);
}
export function retriesAt(w: Int32Array, b: number): number {
  return (w[b + FLAGS]! >> 16) & 255;
}
export function setRetriesAt(w: Int32Array, b: number, n: number): void {
  w[b + FLAGS] = (w[b + FLAGS]! & ~0xff0000) | (n << 16);
}
export function localPortAt(w: Int32Array, b: number): number {
  return w[b + PORTS]! & 0xffff;
}
export function remotePortAt(w: Int32Array, b: number): number {
  return w[b + PORTS]! >>> 16;
}

/**
 * The hash of a key: its low bits place it in the index, its top bits are the entry's tag. The
 * position's low four bits come from the local port's, so sixteen consecutive ports of one
 * 3-tuple share one 64-byte run of the index: connect()'s port walk (ports.ts), which tries port
 * after port towards one destination, reads an index line per eight ports tried, not one per
 * port (a host with 14,000 sockets in TIME_WAIT towards one server tries thousands per connect).
 */
function keyHash(host: number, localIp: number, remoteIp: number, ports: number): number {
  let h = Math.imul(remoteIp ^ Math.imul(host, 0x27d4eb2f), 0x9e3779b1) ^ (ports >>> 4);
  h = Math.imul(h ^ (h >>> 15) ^ localIp, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  // Within the run, the port's low bits turned by four bits of the rest, so that the sockets of
  // one listening port (the same low bits) do not all start at the first entry of their run.
  return (h & TAG_MASK) | (((h << 4) | ((ports + (h >>> 28)) & 15)) & SLOT_MASK);
}

export class SocketTable {
  /** Sockets in the table (every host's). */
  count = 0;
  private cap = 0;
  private slots = 0;
  private hosts = 0;
  /** Sockets reserve() was asked for, all hosts together. */
  private planned = 0;
  private readonly free: number[] = [];
  /** The index (see above): a power of two, at most 3/4 full. */
  private index = new Int32Array(16);
  /** The records, as u32, i32 and f64 views of one buffer. */
  u = new Uint32Array(0);
  w = new Int32Array(0);
  d = new Float64Array(0);
  /** Each socket's application, by slot. */
  private readonly apps: (TcpApp | null)[] = [];
  /**
   * By slot: the peer socket's handle as its last packet said (Packet.fromSock), or -1. Sent
   * back as Packet.toSock, so the peer finds its socket without the index (see holds()).
   */
  peer = new Float64Array(0);
  readonly unacked: (Unacked[] | null)[] = [];
  /** all(): live slots grouped by host (a counting sort), rebuilt when `version` moved on. */
  private version = 0;
  private groupedAt = -1;
  private groupStart = new Int32Array(0);
  private grouped = new Int32Array(0);

  /** A number for a new host: its sockets' key includes it (two hosts may use the same 4-tuple). */
  addHost(): number {
    return this.hosts++;
  }

  /**
   * Makes room for `n` more sockets up front (records and index), so that opening them neither
   * copies the records nor rehashes. Capped: a bigger table still grows as it fills.
   */
  reserve(n: number): void {
    this.planned += Math.max(n, 0);
    const want = Math.min(this.planned, MAX_RESERVE);
    let cap = 16;
    while (cap < want) cap *= 2;
    if (cap > this.cap) this.grow(cap);
    let size = this.index.length;
    while (size * 3 < want * 4) size *= 2;
    if (size > this.index.length) this.rehash(size);
  }

  /** A new socket in state CLOSED with its key (not in the table yet), indexed and counted. */
  open(host: number, localIp: number, localPort: number, remoteIp: number, remotePort: number, flowId: number, app: TcpApp | null): SocketId {
    let i = this.free.pop();
    if (i === undefined) {
      i = this.slots++;
      if (i >= SLOT_MASK) throw new Error('more than 4 million TCP sockets open at once');
      if (i >= this.cap) this.grow();
    }
    this.apps[i] = app;
    const b = i << REC_SHIFT;
    const u = this.u;
    const w = this.w;
    const ports = localPort | (remotePort << 16);
    u[b + LOCAL_IP] = localIp;
    u[b + REMOTE_IP] = remoteIp;
    w[b + PORTS] = ports;
    w[b + HOST] = host;
    w[b + FLOW_ID] = flowId;
    w[b + FLAGS] = 0;
    u[b + SND_NXT] = u[b + RCV_NXT] = u[b + TS_OFFSET] = u[b + TS_RECENT] = u[b + SND_UNA] = 0;
    u[b + RTO] = 1_000_000;
    u[b + TIMING] = 0;
    this.d[(b >> 1) + TIMER] = 0;
    this.peer[i] = -1;
    if (++this.count * 4 > this.index.length * 3) this.rehash(this.index.length * 2);
    this.place(keyHash(host, localIp, remoteIp, ports), i);
    this.version++;
    return w[b + GEN]! * SLOT_SPAN + i;
  }

  /** Takes the socket out of the index (lookups no longer find it; its variables stay). */
  unindex(s: SocketId): void {
    const i = s & SLOT_MASK;
    const idx = this.index;
    const mask = idx.length - 1;
    let k = this.hashAt(i) & mask;
    while ((idx[k]! & SLOT_MASK) !== i + 1) k = (k + 1) & mask;
    // Backward-shift deletion: pull later entries of the run back over the hole, when their
    // home position allows it, so no probe ever stops early at it (no tombstones).
    for (let j = (k + 1) & mask; idx[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashAt((idx[j]! & SLOT_MASK) - 1) & mask;
      if (((j - home) & mask) >= ((j - k) & mask)) {
        idx[k] = idx[j]!;
        k = j;
      }
    }
    idx[k] = 0;
    this.count--;
    this.version++;
  }

  /** Frees an unindexed socket's slot: its handle goes stale. */
  release(s: SocketId): void {
    const i = s & SLOT_MASK;
    const g = (i << REC_SHIFT) + GEN;
    this.w[g] = (this.w[g]! + 1) & GEN_MASK;
    this.apps[i] = null;
    this.unacked[i] = null;
    this.free.push(i);
  }

  find(host: number, localIp: number, localPort: number, remoteIp: number, remotePort: number): SocketId {
    const u = this.u;
    const w = this.w;
    const idx = this.index;
    const mask = idx.length - 1;
    const ports = localPort | (remotePort << 16);
    const h = keyHash(host, localIp, remoteIp, ports);
    const tag = h & TAG_MASK;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const e = idx[k]!;
      if (e === 0) return -1;
      if ((e & TAG_MASK) !== tag) continue;
      const i = (e & SLOT_MASK) - 1;
      const b = i << REC_SHIFT;
      if (w[b + PORTS] === ports && u[b + REMOTE_IP] === remoteIp && u[b + LOCAL_IP] === localIp && w[b + HOST] === host)
        return w[b + GEN]! * SLOT_SPAN + i;
    }
  }

  /**
   * True when `s` is a live socket in the table with exactly this key: the socket find() would
   * return (keys are unique), checked on its record alone, without the index.
   */
  holds(s: SocketId, host: number, localIp: number, localPort: number, remoteIp: number, remotePort: number): boolean {
    if (!this.live(s)) return false;
    const b = (s & SLOT_MASK) << REC_SHIFT;
    const w = this.w;
    return (
      w[b + PORTS] === (localPort | (remotePort << 16)) && this.u[b + REMOTE_IP] === remoteIp && this.u[b + LOCAL_IP] === localIp && w[b + HOST] === host && stateAt(w, b) !== 0
    );
  }

  /** The application of the socket whose record starts at `b` (a live socket's). */
  appAt(b: number): TcpApp | null {
    return this.apps[b >> REC_SHIFT]!;
  }

  /** True while the handle's socket is in the table. */
  live(s: SocketId): boolean {
    if (s < 0) return false;
    const i = s % SLOT_SPAN;
    // Freeing a slot moves its generation on, so a matching generation means the socket is in.
    return i < this.slots && this.w[(i << REC_SHIFT) + GEN] === Math.floor(s / SLOT_SPAN);
  }

  /** Every socket of `host` in the table, in no particular order. */
  all(host: number): SocketId[] {
    if (this.groupedAt !== this.version) this.group();
    const out: SocketId[] = [];
    const w = this.w;
    if (host >= this.hosts) return out;
    for (let k = this.groupStart[host]!; k < this.groupStart[host + 1]!; k++) {
      const i = this.grouped[k]!;
      out.push(w[(i << REC_SHIFT) + GEN]! * SLOT_SPAN + i);
    }
    return out;
  }

  /** Sorts the indexed slots by host (one pass to count, one to place): all() for every host costs one pass. */
  private group(): void {
    const w = this.w;
    const idx = this.index;
    const start = new Int32Array(this.hosts + 1);
    for (let k = 0; k < idx.length; k++) if (idx[k] !== 0) start[w[((idx[k]! & SLOT_MASK) - 1) * REC_WORDS + HOST]! + 1]!++;
    for (let h = 0; h < this.hosts; h++) start[h + 1]! += start[h]!;
    const at = start.slice(0, this.hosts);
    const grouped = new Int32Array(this.count);
    for (let k = 0; k < idx.length; k++) {
      if (idx[k] === 0) continue;
      const i = (idx[k]! & SLOT_MASK) - 1;
      grouped[at[w[i * REC_WORDS + HOST]!]!++] = i;
    }
    this.groupStart = start;
    this.grouped = grouped;
    this.groupedAt = this.version;
  }

  /** The key hash of the socket in slot `i`. */
  private hashAt(i: number): number {
    const b = i << REC_SHIFT;
    return keyHash(this.w[b + HOST]!, this.u[b + LOCAL_IP]!, this.u[b + REMOTE_IP]!, this.w[b + PORTS]!);
  }

  /** Puts slot `i` with hash `h` at the first free entry of its run (its key is not in the index). */
  private place(h: number, i: number): void {
    const idx = this.index;
    const mask = idx.length - 1;
    let k = h & mask;
    while (idx[k] !== 0) k = (k + 1) & mask;
    idx[k] = (h & TAG_MASK) | (i + 1);
  }

  private rehash(n: number): void {
    const old = this.index;
    this.index = new Int32Array(n);
    for (let k = 0; k < old.length; k++) {
      const e = old[k]!;
      if (e !== 0) this.place(this.hashAt((e & SLOT_MASK) - 1), (e & SLOT_MASK) - 1);
    }
  }

  /** Doubles the record buffer, or makes it `to` records (records are copied as they are: views are by word). */
  private grow(to = 0): void {
    const n = Math.max(16, this.cap * 2, to);
    this.cap = n;
    const buf = new ArrayBuffer(n * REC_WORDS * 4);
    const u = new Uint32Array(buf);
    u.set(this.u);
    this.u = u;
    this.w = new Int32Array(buf);
    this.d = new Float64Array(buf);
    const peer = new Float64Array(n);
    peer.set(this.peer);
    this.peer = peer;
    // The per-slot object columns too, so opening a socket never grows an array (reserve() does it at build time).
    for (let i = this.apps.length; i < n; i++) {
      this.apps.push(null);
      this.unacked.push(null);
    }
  }
}

/** The record base of a handle: add a field's offset to it to index the table's views. */
export function baseOf(s: SocketId): number {
  return (s & SLOT_MASK) << REC_SHIFT;
}

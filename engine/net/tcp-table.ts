/**
 * A host's TCP connection table: one fixed-size record per socket, side by side in one
 * ArrayBuffer (sixteen 32-bit words, the last two an f64), and a chained hash index
 * over the 4-tuple. A connection is a handle (a number), not an object: with 100,000 connections
 * open, objects with a dozen u32 fields cost the garbage collector more than everything else the
 * simulator does, and typed arrays are invisible to it.
 *
 * Record, not column, layout: handling one segment reads and writes a dozen variables of one
 * socket, and a thousand small tables are touched in turn, so each socket's variables sit in
 * one 64-byte record (one cache line where the buffer is 64-byte aligned, as large, page-aligned
 * ones are) instead of one line per variable. Read a variable as `t.u[b + SND_NXT]` (u32),
 * `t.w[b + FLOW_ID]` (i32) or `t.d[(b >> 1) + TIMER]` (f64), where `b = baseOf(handle)`; the two
 * ports share a word, and the state, timer kind, retransmission count and booleans share FLAGS
 * (read them through the functions below).
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
const NEXT = 3; // i32, hash chain: slot + 1 of the next socket in the bucket, 0 = end
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

/** The most sockets reserve() makes room for at once (8 MiB of records). */
const MAX_RESERVE = 2 ** 17;

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

/** A small hash of the 4-tuple; chains resolve collisions. */
function tupleHash(remoteIp: number, remotePort: number, localPort: number): number {
  let h = Math.imul(remoteIp ^ (remotePort << 16), 0x9e3779b1) ^ localPort;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class SocketTable {
  /** Sockets in the table. */
  count = 0;
  private cap = 0;
  private slots = 0;
  private readonly free: number[] = [];
  /** Hash index: bucket heads (slot + 1, 0 = empty); chains run through each record's NEXT. */
  private heads = new Int32Array(16);
  /** The records, as u32, i32 and f64 views of one buffer. */
  u = new Uint32Array(0);
  w = new Int32Array(0);
  d = new Float64Array(0);
  /**
   * Each socket's application. Nearly always every socket of a table has the same one (a
   * client's traffic generator, a server's listener), so until a second one opens a socket it is
   * kept once and the per-slot column is neither read nor written (with a thousand hosts visited
   * in turn, that column is one more cold cache line per segment).
   */
  private soleApp: TcpApp | null = null;
  private hasApp = false;
  private appMixed = false;
  private readonly apps: (TcpApp | null)[] = [];
  readonly unacked: (Unacked[] | null)[] = [];

  /**
   * Makes room for `n` sockets up front (records and hash index), so that opening them neither
   * copies the records nor rehashes. Capped: a bigger table still grows as it fills.
   */
  reserve(n: number): void {
    const want = Math.min(Math.max(n, 16), MAX_RESERVE);
    let cap = 16;
    while (cap < want) cap *= 2;
    if (cap > this.cap) this.grow(cap);
    if (cap > this.heads.length) this.rehash(cap);
  }

  /** A new socket in state CLOSED with its 4-tuple, indexed and counted. */
  open(localIp: number, localPort: number, remoteIp: number, remotePort: number, flowId: number, app: TcpApp | null): SocketId {
    let i = this.free.pop();
    if (i === undefined) {
      i = this.slots++;
      if (i >= this.cap) this.grow();
    }
    if (this.appMixed) this.apps[i] = app;
    else if (!this.hasApp) {
      this.soleApp = app;
      this.hasApp = true;
    } else if (app !== this.soleApp) {
      this.appMixed = true;
      for (let k = 0; k < this.slots; k++) this.apps[k] = this.soleApp;
      this.apps[i] = app;
    }
    const b = i << REC_SHIFT;
    const u = this.u;
    const w = this.w;
    u[b + LOCAL_IP] = localIp;
    u[b + REMOTE_IP] = remoteIp;
    w[b + PORTS] = localPort | (remotePort << 16);
    w[b + FLOW_ID] = flowId;
    w[b + FLAGS] = 0;
    u[b + SND_NXT] = u[b + RCV_NXT] = u[b + TS_OFFSET] = u[b + TS_RECENT] = u[b + SND_UNA] = 0;
    u[b + RTO] = 1_000_000;
    u[b + TIMING] = 0;
    this.d[(b >> 1) + TIMER] = 0;
    if (++this.count > this.heads.length) this.rehash(this.heads.length * 2);
    const h = tupleHash(remoteIp, remotePort, localPort) & (this.heads.length - 1);
    w[b + NEXT] = this.heads[h]!;
    this.heads[h] = i + 1;
    return w[b + GEN]! * SLOT_SPAN + i;
  }

  /** Takes the socket out of the index (lookups no longer find it; its variables stay). */
  unindex(s: SocketId): void {
    const i = s & SLOT_MASK;
    const w = this.w;
    const b = i << REC_SHIFT;
    const h = tupleHash(this.u[b + REMOTE_IP]!, remotePortAt(w, b), localPortAt(w, b)) & (this.heads.length - 1);
    let prev = 0;
    for (let j = this.heads[h]!; j !== 0; prev = j, j = w[((j - 1) << REC_SHIFT) + NEXT]!) {
      if (j - 1 !== i) continue;
      if (prev === 0) this.heads[h] = w[b + NEXT]!;
      else w[((prev - 1) << REC_SHIFT) + NEXT] = w[b + NEXT]!;
      break;
    }
    this.count--;
  }

  /** Frees an unindexed socket's slot: its handle goes stale. */
  release(s: SocketId): void {
    const i = s & SLOT_MASK;
    const g = (i << REC_SHIFT) + GEN;
    this.w[g] = (this.w[g]! + 1) & GEN_MASK;
    if (this.appMixed) this.apps[i] = null;
    this.unacked[i] = null;
    this.free.push(i);
  }

  find(localIp: number, localPort: number, remoteIp: number, remotePort: number): SocketId {
    const u = this.u;
    const w = this.w;
    const ports = localPort | (remotePort << 16);
    for (let j = this.heads[tupleHash(remoteIp, remotePort, localPort) & (this.heads.length - 1)]!; j !== 0; ) {
      const b = (j - 1) << REC_SHIFT;
      if (w[b + PORTS] === ports && u[b + REMOTE_IP] === remoteIp && u[b + LOCAL_IP] === localIp)
        return w[b + GEN]! * SLOT_SPAN + j - 1;
      j = w[b + NEXT]!;
    }
    return -1;
  }

  /** The application of the socket whose record starts at `b` (a live socket's). */
  appAt(b: number): TcpApp | null {
    return this.appMixed ? this.apps[b >> REC_SHIFT]! : this.soleApp;
  }

  /** True while the handle's socket is in the table. */
  live(s: SocketId): boolean {
    if (s < 0) return false;
    const i = s % SLOT_SPAN;
    // Freeing a slot moves its generation on, so a matching generation means the socket is in.
    return i < this.slots && this.w[(i << REC_SHIFT) + GEN] === Math.floor(s / SLOT_SPAN);
  }

  /** Every socket in the table, in no particular order. */
  all(): SocketId[] {
    const out: SocketId[] = [];
    const w = this.w;
    for (const head of this.heads)
      for (let j = head; j !== 0; j = w[((j - 1) << REC_SHIFT) + NEXT]!) out.push(w[((j - 1) << REC_SHIFT) + GEN]! * SLOT_SPAN + j - 1);
    return out;
  }

  private rehash(n: number): void {
    const heads = new Int32Array(n);
    const w = this.w;
    for (const head of this.heads)
      for (let j = head; j !== 0; ) {
        const b = (j - 1) << REC_SHIFT;
        const after = w[b + NEXT]!;
        const h = tupleHash(this.u[b + REMOTE_IP]!, remotePortAt(w, b), localPortAt(w, b)) & (n - 1);
        w[b + NEXT] = heads[h]!;
        heads[h] = j;
        j = after;
      }
    this.heads = heads;
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

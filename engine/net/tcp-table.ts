/**
 * A host's TCP connection table: one fixed-size record per socket, side by side in one
 * ArrayBuffer (32-bit words, with four f64 at the end of each record), and a chained hash index
 * over the 4-tuple. A connection is a handle (a number), not an object: with 100,000 connections
 * open, objects with a dozen u32 fields cost the garbage collector more than everything else the
 * simulator does, and typed arrays are invisible to it.
 *
 * Record, not column, layout: handling one segment reads and writes a dozen variables of one
 * socket, and a thousand small tables are touched in turn, so each socket's variables sit in
 * two adjacent cache lines instead of one line per variable. The lookup fields (4-tuple, chain,
 * generation) are in the first line. Read a variable as `t.u[b + SND_NXT]` (u32),
 * `t.w[b + STATE]` (i32) or `t.d[(b >> 1) + RTO]` (f64), where `b = baseOf(handle)`.
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

/** Words of one record (128 bytes), and log2 of it. */
const REC_WORDS = 32;
export const REC_SHIFT = 5;

// u32 words (read through `u`): addresses and RFC 9293 sequence variables.
export const LOCAL_IP = 0;
export const REMOTE_IP = 1;
export const ISS = 2;
export const SND_UNA = 3;
export const SND_NXT = 4;
export const IRS = 5;
export const RCV_NXT = 6;
/** rcvNxt when we last sent an ACK (so a reply that carries the ACK saves a pure ACK). */
export const ACK_SENT = 7;
/** Timestamps: our clock offset and the peer's last value. */
export const TS_OFFSET = 8;
export const TS_RECENT = 9;
// i32 words (read through `w`).
export const FLOW_ID = 10;
/** Retransmissions of the current segment so far. */
export const RETRIES = 11;
const NEXT = 12; // hash chain: slot + 1 of the next socket in the bucket, 0 = end
const GEN = 13;
export const STATE = 14;
export const BITS = 15;
export const TIMER_KIND = 16;
export const LOCAL_PORT = 17;
export const REMOTE_PORT = 18;
// f64 (read through `d` at (base >> 1) + k): words 24..31.
/** The one timer a socket has running (a scheduler handle, 0 = none); its kind is TIMER_KIND. */
export const TIMER = 12;
/** Retransmission timeout in µs. */
export const RTO = 13;
/** When the segment being timed was first sent, -1 when retransmitted (Karn). */
export const TIMED_SINCE = 14;
/** Handshake round-trip time in µs (active opens, when the SYN was not retransmitted), -1 = none. */
export const RTT_US = 15;

/** The most sockets reserve() makes room for at once (16 MiB of records). */
const MAX_RESERVE = 2 ** 17;

/** Per-socket booleans, packed in BITS. */
export const B_TS = 1; // timestamps negotiated (RFC 7323)
export const B_WSCALE = 2; // window scale offered by both
export const B_SACK = 4; // SACK-permitted offered by both
export const B_CLOSED_BY_APP = 8; // the application called close() (an orphan, for FIN_WAIT2's timeout)
export const B_END_NOTIFIED = 16; // the application has been told the connection ended

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
  readonly app: (TcpApp | null)[] = [];
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
      this.app.push(null);
      this.unacked.push(null);
    }
    this.app[i] = app;
    const b = i << REC_SHIFT;
    const u = this.u;
    const w = this.w;
    const d = this.d;
    u[b + LOCAL_IP] = localIp;
    u[b + REMOTE_IP] = remoteIp;
    u[b + ISS] = u[b + SND_UNA] = u[b + SND_NXT] = u[b + IRS] = u[b + RCV_NXT] = u[b + ACK_SENT] = 0;
    u[b + TS_OFFSET] = u[b + TS_RECENT] = 0;
    w[b + FLOW_ID] = flowId;
    w[b + RETRIES] = w[b + STATE] = w[b + BITS] = w[b + TIMER_KIND] = 0;
    w[b + LOCAL_PORT] = localPort;
    w[b + REMOTE_PORT] = remotePort;
    const f = b >> 1;
    d[f + TIMER] = 0;
    d[f + RTO] = 1_000_000;
    d[f + TIMED_SINCE] = -1;
    d[f + RTT_US] = -1;
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
    const h = tupleHash(this.u[b + REMOTE_IP]!, w[b + REMOTE_PORT]!, w[b + LOCAL_PORT]!) & (this.heads.length - 1);
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
    this.app[i] = null;
    this.unacked[i] = null;
    this.free.push(i);
  }

  find(localIp: number, localPort: number, remoteIp: number, remotePort: number): SocketId {
    const u = this.u;
    const w = this.w;
    for (let j = this.heads[tupleHash(remoteIp, remotePort, localPort) & (this.heads.length - 1)]!; j !== 0; ) {
      const b = (j - 1) << REC_SHIFT;
      if (w[b + LOCAL_PORT] === localPort && w[b + REMOTE_PORT] === remotePort && u[b + REMOTE_IP] === remoteIp && u[b + LOCAL_IP] === localIp)
        return w[b + GEN]! * SLOT_SPAN + j - 1;
      j = w[b + NEXT]!;
    }
    return -1;
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
        const h = tupleHash(this.u[b + REMOTE_IP]!, w[b + REMOTE_PORT]!, w[b + LOCAL_PORT]!) & (n - 1);
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
  }
}

/** The record base of a handle: add a field's offset to it to index the table's views. */
export function baseOf(s: SocketId): number {
  return (s & SLOT_MASK) << REC_SHIFT;
}

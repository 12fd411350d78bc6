/**
 * A host's TCP connection table, column by column: one typed array per socket variable, indexed
 * by a slot number, and a chained hash index over the 4-tuple. A connection is a handle (a
 * number), not an object: with 100,000 connections open, objects with a dozen u32 fields (each
 * boxed once it passes 2^31) cost the garbage collector more than everything else the simulator
 * does. Typed arrays hold the same state in ~100 bytes per socket and are invisible to the GC.
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

/** Per-socket booleans, packed in `bits`. */
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
  private gen = new Uint32Array(0);
  /** Hash index: bucket heads and chains (slot + 1, 0 = end). */
  private heads = new Int32Array(16);
  private next = new Int32Array(0);

  state = new Uint8Array(0);
  bits = new Uint8Array(0);
  localIp = new Uint32Array(0);
  remoteIp = new Uint32Array(0);
  localPort = new Uint16Array(0);
  remotePort = new Uint16Array(0);
  flowId = new Int32Array(0);
  /** RFC 9293 send and receive sequence variables (u32). */
  iss = new Uint32Array(0);
  sndUna = new Uint32Array(0);
  sndNxt = new Uint32Array(0);
  irs = new Uint32Array(0);
  rcvNxt = new Uint32Array(0);
  /** rcvNxt when we last sent an ACK (so a reply that carries the ACK saves a pure ACK). */
  ackSent = new Uint32Array(0);
  /** Timestamps: our clock offset and the peer's last value. */
  tsOffset = new Uint32Array(0);
  tsRecent = new Uint32Array(0);
  /** The one timer a socket has running (a scheduler handle, 0 = none) and its kind. */
  timer = new Float64Array(0);
  timerKind = new Uint8Array(0);
  /** Retransmission timeout in µs, and retransmissions of the current segment so far. */
  rto = new Float64Array(0);
  retries = new Int32Array(0);
  /** When the segment being timed was first sent, -1 when retransmitted (Karn). */
  timedSince = new Float64Array(0);
  /** Handshake round-trip time in µs (active opens, when the SYN was not retransmitted), -1 = none. */
  rttUs = new Float64Array(0);
  readonly app: (TcpApp | null)[] = [];
  readonly unacked: (Unacked[] | null)[] = [];

  /** A new socket in state CLOSED with its 4-tuple, indexed and counted. */
  open(localIp: number, localPort: number, remoteIp: number, remotePort: number, flowId: number, app: TcpApp | null): SocketId {
    let i = this.free.pop();
    if (i === undefined) {
      i = this.slots++;
      if (i >= this.cap) this.grow();
      this.app.push(null);
      this.unacked.push(null);
    }
    this.localIp[i] = localIp;
    this.localPort[i] = localPort;
    this.remoteIp[i] = remoteIp;
    this.remotePort[i] = remotePort;
    this.flowId[i] = flowId;
    this.app[i] = app;
    this.state[i] = 0;
    this.bits[i] = 0;
    this.iss[i] = this.sndUna[i] = this.sndNxt[i] = this.irs[i] = this.rcvNxt[i] = this.ackSent[i] = 0;
    this.tsOffset[i] = this.tsRecent[i] = 0;
    this.timer[i] = 0;
    this.timerKind[i] = 0;
    this.rto[i] = 1_000_000;
    this.retries[i] = 0;
    this.timedSince[i] = -1;
    this.rttUs[i] = -1;
    if (++this.count > this.heads.length) this.rehash(this.heads.length * 2);
    const b = tupleHash(remoteIp, remotePort, localPort) & (this.heads.length - 1);
    this.next[i] = this.heads[b]!;
    this.heads[b] = i + 1;
    return this.gen[i]! * SLOT_SPAN + i;
  }

  /** Takes the socket out of the index (lookups no longer find it; its variables stay). */
  unindex(s: SocketId): void {
    const i = s & SLOT_MASK;
    const b = tupleHash(this.remoteIp[i]!, this.remotePort[i]!, this.localPort[i]!) & (this.heads.length - 1);
    let prev = 0;
    for (let j = this.heads[b]!; j !== 0; prev = j, j = this.next[j - 1]!) {
      if (j - 1 !== i) continue;
      if (prev === 0) this.heads[b] = this.next[i]!;
      else this.next[prev - 1] = this.next[i]!;
      break;
    }
    this.count--;
  }

  /** Frees an unindexed socket's slot: its handle goes stale. */
  release(s: SocketId): void {
    const i = s & SLOT_MASK;
    this.gen[i] = (this.gen[i]! + 1) & GEN_MASK;
    this.app[i] = null;
    this.unacked[i] = null;
    this.free.push(i);
  }

  find(localIp: number, localPort: number, remoteIp: number, remotePort: number): SocketId {
    const b = tupleHash(remoteIp, remotePort, localPort) & (this.heads.length - 1);
    for (let j = this.heads[b]!; j !== 0; j = this.next[j - 1]!) {
      const i = j - 1;
      if (this.localPort[i] === localPort && this.remotePort[i] === remotePort && this.remoteIp[i] === remoteIp && this.localIp[i] === localIp)
        return this.gen[i]! * SLOT_SPAN + i;
    }
    return -1;
  }

  /** True while the handle's socket is in the table. */
  live(s: SocketId): boolean {
    if (s < 0) return false;
    const i = s % SLOT_SPAN;
    // Freeing a slot moves its generation on, so a matching generation means the socket is in.
    return i < this.slots && this.gen[i] === Math.floor(s / SLOT_SPAN);
  }

  /** Every socket in the table, in no particular order. */
  all(): SocketId[] {
    const out: SocketId[] = [];
    for (const head of this.heads) for (let j = head; j !== 0; j = this.next[j - 1]!) out.push(this.gen[j - 1]! * SLOT_SPAN + j - 1);
    return out;
  }

  private rehash(n: number): void {
    const heads = new Int32Array(n);
    for (const head of this.heads)
      for (let j = head; j !== 0; ) {
        const i = j - 1;
        const after = this.next[i]!;
        const b = tupleHash(this.remoteIp[i]!, this.remotePort[i]!, this.localPort[i]!) & (n - 1);
        this.next[i] = heads[b]!;
        heads[b] = j;
        j = after;
      }
    this.heads = heads;
  }

  /**
   * Doubles every column. All columns share one new ArrayBuffer (widest first, for alignment):
   * a thousand small tables growing would otherwise make tens of thousands of backing stores.
   */
  private grow(): void {
    const n = Math.max(16, this.cap * 2);
    this.cap = n;
    const buf = new ArrayBuffer(n * (8 * 4 + 4 * 14 + 2 * 2 + 1 * 3));
    let at = 0;
    const take = <T extends Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array>(old: T, make: (b: ArrayBuffer, o: number, n: number) => T): T => {
      const a = make(buf, at, n);
      a.set(old);
      at += n * a.BYTES_PER_ELEMENT;
      return a;
    };
    const f64 = (b: ArrayBuffer, o: number, k: number) => new Float64Array(b, o, k);
    const u32 = (b: ArrayBuffer, o: number, k: number) => new Uint32Array(b, o, k);
    const i32 = (b: ArrayBuffer, o: number, k: number) => new Int32Array(b, o, k);
    const u16 = (b: ArrayBuffer, o: number, k: number) => new Uint16Array(b, o, k);
    const u8 = (b: ArrayBuffer, o: number, k: number) => new Uint8Array(b, o, k);
    this.timer = take(this.timer, f64);
    this.rto = take(this.rto, f64);
    this.timedSince = take(this.timedSince, f64);
    this.rttUs = take(this.rttUs, f64);
    this.gen = take(this.gen, u32);
    this.next = take(this.next, i32);
    this.localIp = take(this.localIp, u32);
    this.remoteIp = take(this.remoteIp, u32);
    this.flowId = take(this.flowId, i32);
    this.iss = take(this.iss, u32);
    this.sndUna = take(this.sndUna, u32);
    this.sndNxt = take(this.sndNxt, u32);
    this.irs = take(this.irs, u32);
    this.rcvNxt = take(this.rcvNxt, u32);
    this.ackSent = take(this.ackSent, u32);
    this.tsOffset = take(this.tsOffset, u32);
    this.tsRecent = take(this.tsRecent, u32);
    this.retries = take(this.retries, i32);
    this.localPort = take(this.localPort, u16);
    this.remotePort = take(this.remotePort, u16);
    this.state = take(this.state, u8);
    this.bits = take(this.bits, u8);
    this.timerKind = take(this.timerKind, u8);
  }
}

/** The slot of a handle (for indexing the table's columns). */
export function slotOf(s: SocketId): number {
  return s & SLOT_MASK;
}

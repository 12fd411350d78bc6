/**
 * What the packet overlay draws, kept outside React: the node table and the hops and drops of
 * recent trace batches, in flat typed arrays. Batches arrive in time order, so the hops stay
 * sorted by their visual start and old ones are dropped from the front.
 *
 * Time on the canvas: a hop that takes 50 µs would be invisible at any speed a person can follow,
 * so every hop is shown for HOP_WALL_MS of wall time (`spanUs` of virtual time at the current
 * speed), and the hops of one packet are shown one after the other: a hop starts when it happened
 * or when the packet's previous hop has finished being shown, whichever is later (but at most
 * MAX_CHAIN spans after it happened). Hops stay sorted by when they happened (`t`), not by when
 * they are shown, so lookups search `t` and then check the visual start.
 */
import { EV_FLOW, EV_KIND, EV_NODE, EV_PACKET, EV_SEQ, EV_STRIDE, EV_T, EV_TO, KIND_CODE, type EventBatch } from '../../engine/api.ts';

/** How long one hop is on screen, in wall-clock ms. */
export const HOP_WALL_MS = 450;
/** How long a drop's ✕ stays, in wall-clock ms. */
export const DROP_WALL_MS = 4000;
/** Hops kept for drawing; older ones go first. */
const MAX_HOPS = 60_000;
const MAX_DROPS = 500;
/** A hop is shown at most this many spans after it happened (a packet's chain of hops). */
export const MAX_CHAIN = 8;

const HOP = KIND_CODE.hop;
const DROP = KIND_CODE.drop;

export function spanUs(speed: number): number {
  return HOP_WALL_MS * 1000 * speed;
}

export interface DropMark {
  readonly t: number;
  readonly node: number;
  readonly seq: number;
  readonly packetId: number;
  readonly flowId: number;
}

export class PacketFeed {
  nodes: string[] = [];
  /** When it happened and when it is shown (virtual µs), from/to node indexes, packet, flow, seq. */
  t = new Float64Array(1024);
  start = new Float64Array(1024);
  from = new Int32Array(1024);
  to = new Int32Array(1024);
  packet = new Float64Array(1024);
  flow = new Float64Array(1024);
  seq = new Float64Array(1024);
  head = 0;
  tail = 0;
  drops: DropMark[] = [];
  /** Increments on every change: the overlay redraws when it or the clock moves. */
  version = 0;
  /** The virtual time of the latest batch (µs): ahead of the store's clock, which React reads less often. */
  latestUs = 0;
  /** Per packet, when its last hop finishes being shown (virtual µs). */
  private busyUntil = new Map<number, number>();

  get size(): number {
    return this.tail - this.head;
  }

  clear(): void {
    this.latestUs = 0;
    this.nodes = [];
    this.head = this.tail = 0;
    this.drops = [];
    this.busyUntil.clear();
    this.version++;
  }

  /** Adds a batch from the worker; `span` is the virtual µs one hop is shown for. */
  apply(b: EventBatch, span: number): void {
    if (b.restart) {
      this.head = this.tail = 0;
      this.drops = [];
      this.busyUntil.clear();
      if (b.nodesFrom === 0) this.nodes = [];
    }
    this.nodes.length = b.nodesFrom;
    for (const n of b.nodes) this.nodes.push(n);
    const d = b.data;
    for (let o = 0; o < b.count * EV_STRIDE; o += EV_STRIDE) {
      const kind = d[o + EV_KIND]!;
      if (kind === DROP) {
        this.drops.push({ t: d[o + EV_T]!, node: d[o + EV_NODE]!, seq: d[o + EV_SEQ]!, packetId: d[o + EV_PACKET]!, flowId: d[o + EV_FLOW]! });
        continue;
      }
      if (kind !== HOP) continue;
      const pid = d[o + EV_PACKET]!;
      const t = d[o + EV_T]!;
      const start = Math.min(t + MAX_CHAIN * span, Math.max(t, this.busyUntil.get(pid) ?? -Infinity));
      this.busyUntil.set(pid, start + span);
      this.push(t, start, d[o + EV_NODE]!, d[o + EV_TO]!, pid, d[o + EV_FLOW]!, d[o + EV_SEQ]!);
    }
    if (this.drops.length > MAX_DROPS) this.drops = this.drops.slice(-MAX_DROPS);
    if (this.busyUntil.size > 4 * MAX_HOPS) this.busyUntil.clear();
    this.version++;
  }

  /** Forgets hops that have surely finished being shown by `now` (virtual µs). */
  prune(now: number, span: number): void {
    const before = this.head;
    while (this.head < this.tail && this.t[this.head]! + (MAX_CHAIN + 1) * span < now) this.head++;
    if (this.head !== before) this.version++;
  }

  /** Index of the first kept hop that happened at or after `t`. */
  lowerBound(t: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private push(t: number, start: number, from: number, to: number, packet: number, flow: number, seq: number): void {
    if (this.tail === this.start.length) this.makeRoom();
    const i = this.tail++;
    this.t[i] = t;
    this.start[i] = start;
    this.from[i] = from;
    this.to[i] = to;
    this.packet[i] = packet;
    this.flow[i] = flow;
    this.seq[i] = seq;
  }

  /** Moves the live hops to the front, growing the arrays when they are mostly full. */
  private makeRoom(): void {
    if (this.size >= MAX_HOPS) this.head = this.tail - Math.floor(MAX_HOPS / 2);
    const live = this.size;
    const cap = live * 2 > this.start.length ? this.start.length * 2 : this.start.length;
    const move = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const out = cap === a.length ? a : make(cap);
      out.set(a.subarray(this.head, this.tail), 0);
      return out;
    };
    this.t = move(this.t, (n) => new Float64Array(n));
    this.start = move(this.start, (n) => new Float64Array(n));
    this.from = move(this.from, (n) => new Int32Array(n));
    this.to = move(this.to, (n) => new Int32Array(n));
    this.packet = move(this.packet, (n) => new Float64Array(n));
    this.flow = move(this.flow, (n) => new Float64Array(n));
    this.seq = move(this.seq, (n) => new Float64Array(n));
    this.head = 0;
    this.tail = live;
  }
}

/** The app's one feed. */
export const packetFeed = new PacketFeed();

/** A stable colour per flow: a golden-angle walk around the hue circle. */
export function flowColor(flowId: number, dark: boolean): string {
  if (flowId < 0) return dark ? '#cbd5e1' : '#475569';
  const hue = Math.round((flowId * 137.508) % 360);
  return dark ? `hsl(${hue} 85% 65%)` : `hsl(${hue} 80% 40%)`;
}

/**
 * What every node of one run shares: the scheduler (the clock), the trace, the flow registry, the
 * drop list, the random streams, and the links between nodes. Links are where hops are counted
 * and where capture taps sit (like smoltcp's pcap_writer wrapping a device), so neither a host
 * stack nor the fabric knows about captures or the trace of hops.
 */
import { Scheduler, type EventSink } from '../sim/scheduler.ts';
import type { Rng } from '../sim/rng.ts';
import { TraceRecorder } from '../sim/trace.ts';
import type { DropRow, PacketView } from '../sim/types.ts';
import type { Mac } from '../wire/addr.ts';
import { FlowTable } from './flows.ts';
import { Packet } from './packet.ts';
import { packetSummary, packetView } from './view.ts';
import type { CaptureTap } from './capture.ts';

/** Anything a link can deliver a packet to. */
export interface NetNode {
  readonly id: string;
  /**
   * A packet arrived at `at`, this node's own end of a link (or its loopback). The end carries the
   * interface name (for drops and the trace) and the node's number for it (`ifIndex`), so a node
   * finds what it keeps per interface by array index, not by looking a name up.
   */
  receive(p: Packet, at: LinkEnd): void;
}

/** One end of a link: the node, its interface name there, and the MAC it has on that link. */
export interface LinkEnd {
  readonly node: NetNode;
  readonly iface: string;
  readonly mac: Mac;
  /** Capture taps on this end, or null (checked once per packet). */
  taps: CaptureTap[] | null;
  /** The node's own number for this interface (e.g. a fabric's NIC port index), -1 when it keeps none. */
  ifIndex: number;
}

/**
 * A map keyed by IPv4 address (a u32): open addressing over an Int32Array, so a lookup on the
 * packet path is a multiply, a shift and a compare or two, and addresses >= 64.0.0.0 (not small
 * integers to V8) cost no boxing or hashing of heap numbers. No deletion: routes and bindings only
 * ever get added during a run.
 */
export class IpMap<V> {
  private keys = new Int32Array(16);
  private vals: (V | undefined)[] = emptySlots(16);
  private shift = 28;
  size = 0;

  get(ip: number): V | undefined {
    const k = ip | 0;
    const mask = this.keys.length - 1;
    for (let i = Math.imul(k, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const v = this.vals[i];
      if (v === undefined) return undefined;
      if (this.keys[i] === k) return v;
    }
  }

  has(ip: number): boolean {
    return this.get(ip) !== undefined;
  }

  /** Sets (or replaces) the value for `ip`; `value` must not be undefined. */
  set(ip: number, value: V): this {
    const k = ip | 0;
    const mask = this.keys.length - 1;
    let i = Math.imul(k, 0x9e3779b1) >>> this.shift;
    while (this.vals[i] !== undefined && this.keys[i] !== k) i = (i + 1) & mask;
    if (this.vals[i] === undefined) {
      if (2 * (this.size + 1) > this.keys.length) {
        this.grow();
        return this.set(ip, value);
      }
      this.size++;
    }
    this.keys[i] = k;
    this.vals[i] = value;
    return this;
  }

  private grow(): void {
    const keys = this.keys;
    const vals = this.vals;
    this.keys = new Int32Array(keys.length * 2);
    this.vals = emptySlots(keys.length * 2);
    this.shift--;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      const v = vals[i];
      if (v !== undefined) this.set(keys[i]!, v);
    }
  }
}

function emptySlots<V>(n: number): (V | undefined)[] {
  const a: (V | undefined)[] = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

/** Spare packet objects kept for reuse (more than are ever in flight at once in our scenarios). */
const MAX_SPARE_PACKETS = 4096;

const TO_A = 1;
const TO_B = 2;

/** A point-to-point link with a one-way latency. It is the event sink for arrivals on it. */
export class Link implements EventSink<unknown> {
  /** Per-packet latency with jitter (settings.latency.jitter: engine/net/latency), or null for exactly latencyUs. */
  jitter: ((baseUs: number) => number) | null = null;

  constructor(
    private readonly ctx: NetContext,
    readonly a: LinkEnd,
    readonly b: LinkEnd,
    readonly latencyUs: number,
  ) {}

  /** Sends `p` from the end on `node` to the other end. */
  send(from: NetNode, p: Packet): void {
    const fromA = from === this.a.node;
    const src = fromA ? this.a : this.b;
    const dst = fromA ? this.b : this.a;
    const ctx = this.ctx;
    ctx.hops++;
    if (ctx.trace.on) {
      const ev = { kind: 'hop' as const, node: src.node.id, iface: src.iface, to: dst.node.id, packetId: p.id, flowId: p.flowId, summary: packetSummary(p) };
      ctx.trace.record(ctx.trace.full ? { ...ev, packet: packetView(p) } : ev);
    }
    if (src.taps !== null) for (const tap of src.taps) tap.record(p, src, dst, 'out', ctx.sched.now);
    ctx.sched.after(this.jitter === null ? this.latencyUs : this.jitter(this.latencyUs), this, fromA ? TO_B : TO_A, p);
  }

  onEvent(kind: number, payload: unknown): void {
    const p = payload as Packet;
    const dst = kind === TO_B ? this.b : this.a;
    const src = kind === TO_B ? this.a : this.b;
    if (dst.taps !== null) for (const tap of dst.taps) tap.record(p, src, dst, 'in', this.ctx.sched.now);
    dst.node.receive(p, dst);
  }

  /** The end on `node`. */
  endOf(node: NetNode): LinkEnd {
    return node === this.a.node ? this.a : this.b;
  }
}

export class NetContext {
  readonly sched = new Scheduler<unknown>();
  readonly trace: TraceRecorder;
  readonly flows = new FlowTable();
  readonly drops: DropRow[] = [];
  /** Link traversals so far. */
  hops = 0;
  private nextPacketId = 1;
  private readonly spare: Packet[] = [];

  constructor(
    readonly rng: Rng,
    traceLevel: 'full' | 'summary' | 'off',
  ) {
    this.trace = new TraceRecorder(traceLevel, this.sched);
  }

  get now(): number {
    return this.sched.now;
  }

  /** A new packet (a recycled object when one is spare: see packet.ts). */
  packet(flowId: number, proto: number, src: number, dst: number): Packet {
    const p = this.spare.pop();
    if (p === undefined) return new Packet(this.nextPacketId++, flowId, proto, src, dst);
    p.reset(this.nextPacketId++, flowId, proto, src, dst);
    return p;
  }

  /**
   * The packet's journey is over and nothing refers to it any more (its stack consumed it): its
   * object may be reused. Without this, a run at 1,000,000 hops/s allocates ~250 MB/s of packets.
   */
  recycle(p: Packet): void {
    if (this.spare.length < MAX_SPARE_PACKETS) this.spare.push(p);
  }

  /** Records a drop (always: drops are rare and the report lists them) and its trace event. */
  drop(node: string, p: Packet, code: string, reason: string, iface?: string): void {
    const summary = packetSummary(p);
    this.drops.push({ t: this.now, node, code, reason, packetId: p.id, flowId: p.flowId, summary });
    if (this.trace.on) {
      const ev = { kind: 'drop' as const, node, packetId: p.id, flowId: p.flowId, summary, code, reason, ...(iface ? { iface } : {}) };
      this.trace.record(this.trace.full ? { ...ev, packet: packetView(p) } : ev);
    }
  }

  /** A view of `p` before a rewrite, when the trace wants one (null otherwise: build nothing). */
  beforeRewrite(p: Packet): PacketView | null {
    return this.trace.full ? packetView(p) : null;
  }

  rewritten(node: string, p: Packet, before: PacketView | null, what: string): void {
    if (!this.trace.on) return;
    const ev = { kind: 'rewrite' as const, node, packetId: p.id, flowId: p.flowId, summary: `${what}: ${packetSummary(p)}` };
    this.trace.record(before ? { ...ev, before, after: packetView(p) } : ev);
  }

  /** A packet event at a node ('send' or 'deliver'). */
  packetEvent(kind: 'send' | 'deliver', node: string, p: Packet, iface?: string): void {
    const ev = { kind, node, packetId: p.id, flowId: p.flowId, summary: packetSummary(p), ...(iface ? { iface } : {}) };
    this.trace.record(this.trace.full ? { ...ev, packet: packetView(p) } : ev);
  }

  note(node: string, summary: string): void {
    if (this.trace.on) this.trace.record({ kind: 'note', node, summary });
  }
}

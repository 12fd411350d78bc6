/**
 * The flow registry: one record per connection (or datagram exchange) a traffic generator
 * started, kept as numbers while the run goes, turned into FlowRows (strings) only when asked.
 * The far end fills in what it saw as the source (seenAs): packets carry their flowId, so the
 * server side learns which flow a SYN belongs to without looking anything up.
 *
 * Records are columns of typed arrays indexed by the flow id itself (ids are dense: they come
 * from one counter), not objects: with 100,000 flows open, long-lived objects are what the
 * garbage collector spends its time copying, and finding one is an array index, not a search.
 * Strings (generator and host ids) are interned; a response or an error is rare and kept in a Map.
 */
import type { FlowOutcome, FlowRow } from '../sim/types.ts';
import { endpoint } from './packet.ts';
import { ipv4ToString } from '../wire/addr.ts';

export type FlowProto = 'tcp' | 'udp' | 'icmp';

const OUTCOMES: readonly FlowOutcome[] = ['pending', 'established', 'closed', 'reset', 'timed-out', 'answered', 'unanswered'];
const OUTCOME_INDEX = new Map<FlowOutcome, number>(OUTCOMES.map((o, i) => [o, i]));
const PROTOS: readonly FlowProto[] = ['tcp', 'udp', 'icmp'];

/** Per-flow bits. */
const F_OPEN = 1; // a generator opened it (an id from allocateId alone has no record)
const F_SEEN = 2; // the far end saw it (seenIp/seenPort are set)

export class FlowTable {
  private nextId = 1;
  private opened = 0;
  private cap = 0;
  private bits = new Uint8Array(0);
  private outcomes = new Uint8Array(0);
  private protos = new Uint8Array(0);
  private localPorts = new Uint16Array(0);
  private remotePorts = new Uint16Array(0);
  private seenPorts = new Uint16Array(0);
  private localIps = new Uint32Array(0);
  private remoteIps = new Uint32Array(0);
  private seenIps = new Uint32Array(0);
  /** Who opened the flow: an index into `labels`. */
  private labelOf = new Int32Array(0);
  /** Times in µs (-1 = none). */
  private startedAts = new Float64Array(0);
  private endedAts = new Float64Array(0);
  private rttUss = new Float64Array(0);
  private readonly responses = new Map<number, string>();
  private readonly errors = new Map<number, string>();
  private readonly labels: { readonly traffic: string | null; readonly from: string }[] = [];
  private readonly labelIndex = new Map<string, number>();

  /** A fresh flow id for traffic that is not a generator's (a service's own packets, a probe). */
  allocateId(): number {
    return this.nextId++;
  }

  /**
   * The number that stands for (generator id, host id) in open(): a generator asks once, so
   * opening a flow looks no string up.
   */
  label(traffic: string | null, from: string): number {
    const key = traffic === null ? `${from}\u0000` : `${from}\u0000\u0000${traffic}`;
    let i = this.labelIndex.get(key);
    if (i === undefined) {
      i = this.labels.length;
      this.labels.push({ traffic, from });
      this.labelIndex.set(key, i);
    }
    return i;
  }

  /** Registers a flow a generator starts (`label` from label()); returns its id. */
  open(label: number, proto: FlowProto, remoteIp: number, remotePort: number, now: number): number {
    const id = this.nextId++;
    if (id >= this.cap) this.grow(id);
    this.bits[id] = F_OPEN;
    this.protos[id] = PROTOS.indexOf(proto);
    this.labelOf[id] = label;
    this.remoteIps[id] = remoteIp;
    this.remotePorts[id] = remotePort;
    this.startedAts[id] = now;
    this.endedAts[id] = -1;
    this.rttUss[id] = -1;
    this.opened++;
    return id;
  }

  /** True for a flow a generator opened (not an id from allocateId alone). */
  has(flowId: number): boolean {
    return flowId > 0 && flowId < this.cap && (this.bits[flowId]! & F_OPEN) !== 0;
  }

  setLocal(flowId: number, ip: number, port: number): void {
    this.localIps[flowId] = ip;
    this.localPorts[flowId] = port;
  }

  setLocalPort(flowId: number, port: number): void {
    this.localPorts[flowId] = port;
  }

  outcome(flowId: number): FlowOutcome {
    return OUTCOMES[this.outcomes[flowId]!]!;
  }

  setOutcome(flowId: number, outcome: FlowOutcome): void {
    this.outcomes[flowId] = OUTCOME_INDEX.get(outcome)!;
  }

  startedAt(flowId: number): number {
    return this.startedAts[flowId]!;
  }

  setEndedAt(flowId: number, t: number): void {
    this.endedAts[flowId] = t;
  }

  setRtt(flowId: number, us: number): void {
    this.rttUss[flowId] = us;
  }

  setResponse(flowId: number, text: string): void {
    this.responses.set(flowId, text);
  }

  setError(flowId: number, text: string): void {
    this.errors.set(flowId, text);
  }

  /** The far end saw this flow's packet come from ip:port (the first time counts). */
  seen(flowId: number, ip: number, port: number): void {
    if (!this.has(flowId) || this.bits[flowId]! & F_SEEN) return;
    this.bits[flowId] = this.bits[flowId]! | F_SEEN;
    this.seenIps[flowId] = ip;
    this.seenPorts[flowId] = port;
  }

  /** Flows generators opened. */
  get size(): number {
    return this.opened;
  }

  /** Every opened flow as a FlowRow, in id order. */
  rows(): FlowRow[] {
    const out: FlowRow[] = [];
    for (let id = 1; id < this.nextId && id < this.cap; id++) if (this.bits[id]! & F_OPEN) out.push(this.row(id));
    return out;
  }

  /** The first `limit` opened flows as FlowRows, in id order (rows() of 100,000 flows is slow). */
  firstRows(limit: number): FlowRow[] {
    const out: FlowRow[] = [];
    for (let id = 1; id < this.nextId && id < this.cap && out.length < limit; id++) if (this.bits[id]! & F_OPEN) out.push(this.row(id));
    return out;
  }

  private row(id: number): FlowRow {
    const proto = PROTOS[this.protos[id]!]!;
    const portless = proto === 'icmp';
    const label = this.labels[this.labelOf[id]!]!;
    const at = (ip: number, port: number) => (portless ? ipv4ToString(ip) : endpoint(ip, port));
    const row: { -readonly [K in keyof FlowRow]: FlowRow[K] } = {
      flowId: id,
      proto,
      from: label.from,
      local: at(this.localIps[id]!, this.localPorts[id]!),
      remote: at(this.remoteIps[id]!, this.remotePorts[id]!),
      outcome: this.outcome(id),
      startedAt: this.startedAts[id]!,
    };
    if (label.traffic !== null) row.traffic = label.traffic;
    if (this.bits[id]! & F_SEEN) row.seenAs = at(this.seenIps[id]!, this.seenPorts[id]!);
    if (this.endedAts[id]! >= 0) row.endedAt = this.endedAts[id]!;
    if (this.rttUss[id]! >= 0) row.rttUs = this.rttUss[id]!;
    const response = this.responses.get(id);
    if (response !== undefined) row.response = response;
    const error = this.errors.get(id);
    if (error !== undefined) row.error = error;
    return row;
  }

  /** Grows every column to hold id `id` (doubling). */
  private grow(id: number): void {
    const n = Math.max(64, this.cap * 2, id + 1);
    this.cap = n;
    this.bits = grown(this.bits, new Uint8Array(n));
    this.outcomes = grown(this.outcomes, new Uint8Array(n));
    this.protos = grown(this.protos, new Uint8Array(n));
    this.localPorts = grown(this.localPorts, new Uint16Array(n));
    this.remotePorts = grown(this.remotePorts, new Uint16Array(n));
    this.seenPorts = grown(this.seenPorts, new Uint16Array(n));
    this.localIps = grown(this.localIps, new Uint32Array(n));
    this.remoteIps = grown(this.remoteIps, new Uint32Array(n));
    this.seenIps = grown(this.seenIps, new Uint32Array(n));
    this.labelOf = grown(this.labelOf, new Int32Array(n));
    this.startedAts = grown(this.startedAts, new Float64Array(n));
    this.endedAts = grown(this.endedAts, new Float64Array(n));
    this.rttUss = grown(this.rttUss, new Float64Array(n));
  }
}

type Column = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

function grown<T extends Column>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}

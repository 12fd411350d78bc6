/**
 * The one facade the app's worker exposes (design.md): load a scenario, run it in virtual time,
 * step both ways, scrub, and read snapshots, trace pages and captures. Everything here crosses the
 * worker boundary by structured clone, so it takes and returns plain data; the worker file is the
 * only place that knows Comlink (it marks `EventBatch.data` as transferable).
 *
 * Pure engine code: no DOM, no Node, no wall clock. How long a chunk may take is the caller's
 * business: `advance` stops after a number of trace events, and `runChunked` takes a `stop`
 * predicate that the worker backs with its own clock.
 *
 * Playback streams trace events to the canvas as a compact Float64Array (EV_STRIDE numbers per
 * event: time, kind, node index, to index, packet id, flow id) with a node-id table that grows
 * as new ids appear, so hundreds of packets per frame cost one message.
 */
import { restoreScenario, type Scenario, type ScenarioIssue } from './model/index.ts';
import { toPcap, toPcapng, type CaptureFrames } from './pcap-export.ts';
import { Simulation } from './net/simulation.ts';
import type { DropRow, FlowRow, LbInspectorRow, NetfilterRow, RunReport, SnatReport, SocketRow, TcpPingResult, TraceEvent, TraceKind } from './sim/types.ts';
import type { TimelineAction } from './model/scenario.ts';
import type { OutboundPath } from './net/outbound-types.ts';

export { Simulation };

export type TraceLevel = 'full' | 'summary' | 'off';

/** What the Engine needs from a simulation; `Simulation` provides it. */
export interface SimulationApi {
  readonly now: number;
  runUntil(tUs: number): void;
  step(): TraceEvent | null;
  traceSince(seq: number): TraceEvent[];
  sockets(): Record<string, SocketRow[]>;
  flows(): FlowRow[];
  /** Scheduler events executed so far: what a playback chunk is sized by when tracing keeps little. */
  readonly eventsExecuted?: number;
  /** sockets(), at most `max` rows of those `keep` accepts; counts are complete (see Simulation). */
  socketsLimited?(max: number, keep: ((host: string, row: SocketRow) => boolean) | null): { sockets: Record<string, SocketRow[]>; counts: Record<string, number>; matches: number };
  /** The first `max` flows and how many there are. */
  flowsLimited?(max: number): { rows: FlowRow[]; count: number };
  drops(): DropRow[];
  captures(): CaptureFrames[];
  report(): RunReport;
  /** SNAT tables and metrics (absent when nothing SNATs). */
  snat?(opts: SnatQuery): SnatReport | undefined;
  /** Every VM ipconfig's outbound path, with why. */
  outboundPaths?(): OutboundPath[];
  /** A timeline action now; returns what happened in a sentence. */
  act?(action: TimelineAction): string;
  /** Load balancers with inbound rules: probe states, mapping table, new flows per backend. */
  loadBalancers?(): LbInspectorRow[];
  /** TCP ping runs (traffic type 'tcpping'). */
  tcpPings?(): TcpPingResult[];
  /** Linux routers and NVAs: interfaces, routes, iptables listings and conntrack, as the tools print them. */
  netfilter?(): NetfilterRow[];
}

function lbRows(sim: SimulationApi): { loadBalancers?: LbInspectorRow[] } {
  const rows = sim.loadBalancers ? sim.loadBalancers() : [];
  const pings = sim.tcpPings ? sim.tcpPings() : [];
  return { ...(rows.length > 0 ? { loadBalancers: rows } : {}), ...(pings.length > 0 ? { tcpping: pings } : {}) };
}

/** The SNAT panel's query: mappings whose device, instance, tuple or state contains `filter`. */
export interface SnatQuery {
  readonly filter?: string;
  readonly maxMappings?: number;
}

/**
 * A live action done while running: it is replayed where it was done (after the same number of
 * scheduler events, at the same virtual time) when the run is rebuilt (Back, seek, Reset).
 */
export interface LiveAction {
  readonly atUs: number;
  readonly afterEvents: number;
  readonly action: TimelineAction;
}

// ---- the compact event encoding ---------------------------------------------------------------

/** The kinds in the order of their codes in an EventBatch. */
export const TRACE_KINDS: readonly TraceKind[] = ['send', 'hop', 'rewrite', 'encap', 'decap', 'deliver', 'drop', 'socket', 'note'];
export const KIND_CODE: Readonly<Record<TraceKind, number>> = Object.fromEntries(TRACE_KINDS.map((k, i) => [k, i])) as Record<TraceKind, number>;

/** Field offsets inside one encoded event; -1 stands for "absent". */
export const EV_T = 0;
export const EV_KIND = 1;
export const EV_NODE = 2;
export const EV_TO = 3;
export const EV_PACKET = 4;
export const EV_FLOW = 5;
export const EV_SEQ = 6;
export const EV_STRIDE = 7;

/** Trace events for the canvas, encoded. */
export interface EventBatch {
  /** The virtual time reached, µs. */
  readonly now: number;
  /** True when the run has reached its end (the scenario's duration). */
  readonly done: boolean;
  /** Trace events so far (the Trace panel's length). */
  readonly total: number;
  /** True when the receiver must forget what it animated before (load, reset, back, seek). */
  readonly restart: boolean;
  /** The node table grows: `nodes` are the ids for indexes nodesFrom, nodesFrom + 1, ... */
  readonly nodesFrom: number;
  readonly nodes: string[];
  /** EV_STRIDE numbers per encoded event. */
  readonly data: Float64Array;
  readonly count: number;
  /** Hop events left out to keep the batch small (every k-th hop is kept; drops always are). */
  readonly sampledOut: number;
}

export interface LoadResult {
  readonly ok: boolean;
  readonly issues: ScenarioIssue[];
  readonly warnings: ScenarioIssue[];
  readonly durationUs: number;
  readonly trace: TraceLevel;
}

export interface StepResult {
  /** The event moved to (the last one revealed), with its PacketViews; null at the very start. */
  readonly event: TraceEvent | null;
  readonly batch: EventBatch;
}

export interface SnapshotOptions {
  /** Only socket rows whose host, proto, local, remote or state contains this text. */
  readonly filter?: string;
  /** At most this many socket rows in all (default 2000); counts are always complete. */
  readonly maxSockets?: number;
  readonly maxFlows?: number;
  readonly maxDrops?: number;
  /**
   * Include the Linux routers' and NVAs' netfilter state (the Netfilter panel asks for it while
   * it is open: printing iptables and conntrack costs the worker per snapshot).
   */
  readonly netfilter?: boolean;
}

export interface Snapshot {
  readonly now: number;
  readonly total: number;
  readonly done: boolean;
  readonly sockets: Record<string, SocketRow[]>;
  /** Rows per host before filtering and limiting. */
  readonly socketCounts: Record<string, number>;
  /** Rows that matched the filter, before the limit. */
  readonly socketMatches: number;
  readonly flows: FlowRow[];
  readonly flowCount: number;
  /** The latest drops. */
  readonly drops: DropRow[];
  readonly dropCount: number;
  readonly captures: { id: string; node: string; iface?: string; frames: number }[];
  /** Load balancers with inbound rules (the inspector's load balancer section); absent when none. */
  readonly loadBalancers?: LbInspectorRow[];
  /** TCP ping runs (the TCP ping panel); absent when the scenario has none. */
  readonly tcpping?: TcpPingResult[];
  /** Linux routers and NVAs (the Netfilter panel); only when asked for, absent when there are none. */
  readonly netfilter?: NetfilterRow[];
}

export interface TraceQuery {
  readonly node?: string;
  readonly flow?: number;
  readonly kinds?: readonly TraceKind[];
}

/** A trace event without its PacketViews: what a list row shows. */
export type TraceRow = Omit<TraceEvent, 'packet' | 'before' | 'after'>;

export interface TracePage {
  readonly total: number;
  readonly offset: number;
  readonly rows: TraceRow[];
  /** Events of a big run no longer kept (the oldest ones); 0 when the whole trace is kept. */
  readonly forgotten?: number;
}

/** One captured frame as the capture panel receives it. */
export interface CaptureDeltaFrame {
  readonly t: number;
  readonly capture: string;
  readonly node: string;
  readonly iface: string;
  readonly direction: 'in' | 'out';
  readonly packetId: number;
  readonly data: Uint8Array;
}

export interface CaptureDelta {
  /** Changes when the run restarts (load, reset, back, seek back): frames start over then. */
  readonly run: number;
  /** Frames per capture point covered after this delta: pass it back as `from`. */
  readonly cursors: Record<string, number>;
  readonly frames: CaptureDeltaFrame[];
  /** True when more frames wait (the delta was cut at `max`). */
  readonly more: boolean;
}

export interface AdvanceBudget {
  /** Stop once this many new trace events were produced (default 20,000). */
  readonly maxEvents?: number;
  /** Encode at most this many hops for the canvas (default 4,000); drops are always encoded. */
  readonly maxEncoded?: number;
}

export interface EngineOptions {
  readonly seed?: number;
  /** Trace level; default: 'full' for runs up to FULL_TRACE_CONNECTIONS connections, else 'summary'. */
  readonly trace?: TraceLevel;
  /**
   * Keep only about this many recent trace events (older ones are forgotten; seqs go on counting).
   * Default: KEEP_EVENTS for a 'summary' trace, everything for 'full'.
   */
  readonly keepEvents?: number;
}

/** The longest stretch of virtual time one runUntil of a playback chunk covers. */
const MAX_SLICE_US = 10_000;

/** Above this many generated connections, a run keeps one-line summaries instead of PacketViews. */
export const FULL_TRACE_CONNECTIONS = 5_000;

/**
 * How many recent events a 'summary' run keeps (between this and twice this). 100,000
 * connections make millions of events: kept, they cost gigabytes of heap, and the garbage
 * collector then takes most of the worker's time.
 */
export const KEEP_EVENTS = 100_000;

type SimFactory = (scenario: Scenario, opts: { seed?: number; trace: TraceLevel; captures: boolean; keepEvents?: number; live?: readonly LiveAction[] }) => SimulationApi;

const defaultFactory: SimFactory = (scenario, opts) => Simulation.create(scenario, opts);

export class Engine {
  private scenario: Scenario | null = null;
  private options: EngineOptions = {};
  private level: TraceLevel = 'full';
  private sim: SimulationApi | null = null;
  /** The trace events kept (all of them, or the latest of a big run), mirrored for random access. */
  private events: TraceEvent[] = [];
  /** The seq of events[0]. */
  private base = 0;
  private keep = Infinity;
  /** Events already handed out by advance/step. */
  private sent = 0;
  private restartPending = true;
  private nodeIds: string[] = [];
  private nodeIndex = new Map<string, number>();
  private nodesSent = 0;
  /**
   * Virtual µs per chunk of runUntil, adapted so a chunk yields a sensible number of events, and
   * never more than MAX_SLICE_US: after a quiet stretch, a long slice could swallow a burst of a
   * million events in one go.
   */
  private sliceUs = 1_000;
  private filterKey = '';
  private filtered: number[] = [];
  private filteredUpTo = 0;
  /** Counts rebuilds: captureFramesSince reports it so a poller notices a restarted run. */
  private runNo = 0;
  /** Actions done while running (Redeploy VM, outbound rule updates), kept across rebuilds. */
  private live: LiveAction[] = [];

  constructor(private readonly factory: SimFactory = defaultFactory) {}

  /** Validates and keeps the scenario (restoreScenario is the one door), and resets the run. */
  load(doc: unknown, options: EngineOptions = {}): LoadResult {
    const r = restoreScenario(doc);
    if (!r.ok) {
      this.scenario = null;
      this.sim = null;
      return { ok: false, issues: r.issues, warnings: [], durationUs: 0, trace: 'off' };
    }
    this.scenario = r.scenario;
    this.options = options;
    this.live = [];
    const connections = r.scenario.traffic.reduce((n, t) => n + t.count, 0);
    this.level = options.trace ?? (connections <= FULL_TRACE_CONNECTIONS ? 'full' : 'summary');
    this.rebuild();
    return { ok: true, issues: [], warnings: r.warnings, durationUs: this.durationUs, trace: this.level };
  }

  /** Back to virtual time 0 with the same scenario and seed. */
  reset(): EventBatch {
    this.rebuild();
    return this.batch(0);
  }

  get durationUs(): number {
    return this.scenario ? Math.round(this.scenario.settings.durationSeconds * 1e6) : 0;
  }

  get now(): number {
    return this.sim?.now ?? 0;
  }

  get total(): number {
    return this.base + this.events.length;
  }

  /**
   * Runs towards `toUs` (capped at the scenario's duration) and returns the trace events since
   * the last call. Stops early once `maxEvents` new events exist, so one call stays short; the
   * caller asks again next frame.
   */
  advance(toUs: number, budget: AdvanceBudget = {}): EventBatch {
    return this.runChunked(toUs, budget, () => false);
  }

  /** `advance` with an extra stop predicate checked between chunks (the worker's wall clock). */
  runChunked(toUs: number, budget: AdvanceBudget, stop: () => boolean): EventBatch {
    const sim = this.requireSim();
    const target = Math.min(toUs, this.durationUs);
    const maxEvents = budget.maxEvents ?? 20_000;
    const start = this.total;
    // A slice is sized by the work it did (scheduler events), not by the trace events it made:
    // a run whose trace keeps little would otherwise grow its slices until one takes seconds.
    const work = () => Math.max(sim.eventsExecuted ?? 0, this.total);
    while (sim.now < target) {
      const before = work();
      sim.runUntil(Math.min(target, sim.now + this.sliceUs));
      this.sync();
      const made = work() - before;
      if (made > maxEvents / 8) this.sliceUs = Math.max(1, Math.floor(this.sliceUs / 2));
      else if (made < maxEvents / 64) this.sliceUs = Math.min(MAX_SLICE_US, this.sliceUs * 2);
      if (this.total - start >= maxEvents || stop()) break;
    }
    return this.batch(budget.maxEncoded ?? 4_000);
  }

  /** Moves forward by exactly one trace event. */
  step(): StepResult {
    const sim = this.requireSim();
    // Stepping reveals one event at a time, also when advance has already computed further.
    while (this.sent >= this.total) {
      if (!sim.step()) break;
      this.sync();
    }
    const next = Math.min(this.total, this.sent + 1);
    return { event: this.ev(next - 1) ?? null, batch: this.batchTo(next, Infinity) };
  }

  /**
   * Moves back by one event. The engine is deterministic, so it rebuilds the run from the start
   * to the event before (runUntil to just before its time, then step); api.test.ts measures what
   * that costs. The batch holds the hops of the last `windowUs` before it, for the canvas.
   */
  back(windowUs = 0): StepResult {
    const target = this.sent - 2; // the event before the current one
    if (target < 0) {
      this.rebuild();
      return { event: null, batch: this.batch(0) };
    }
    this.rebuildTo(target);
    return { event: this.ev(target) ?? null, batch: this.windowTo(target + 1, windowUs) };
  }

  /** Jumps to virtual time `tUs`; the batch holds the hops of the last `windowUs` (for the canvas). */
  seek(tUs: number, windowUs = 0): EventBatch {
    const t = Math.max(0, Math.min(tUs, this.durationUs));
    if (!this.sim || t < this.sim.now || this.sent < this.total) this.rebuild();
    this.requireSim().runUntil(t);
    this.sync();
    return this.windowTo(this.total, windowUs);
  }

  /** Sockets, flows, drops and capture counts now; rows are limited, counts are complete. */
  snapshot(opts: SnapshotOptions = {}): Snapshot {
    const sim = this.requireSim();
    const needle = (opts.filter ?? '').trim().toLowerCase();
    const maxSockets = opts.maxSockets ?? 2000;
    const maxFlows = opts.maxFlows ?? 500;
    if (sim.socketsLimited && sim.flowsLimited) {
      // Rows are built only for what is shown: 100,000 sockets cost counts, not strings.
      const socks = sim.socketsLimited(maxSockets, needle ? (host, row) => matchesRow(host, row, needle) : null);
      const flows = sim.flowsLimited(maxFlows);
      return this.withNetfilter(sim, opts, this.snapshotOf(sim, socks.sockets, socks.counts, socks.matches, flows.rows, flows.count, opts.maxDrops ?? 200));
    }
    const all = sim.sockets();
    let room = maxSockets;
    let matches = 0;
    const sockets: Record<string, SocketRow[]> = {};
    const socketCounts: Record<string, number> = {};
    for (const [host, rows] of Object.entries(all)) {
      socketCounts[host] = rows.length;
      const kept: SocketRow[] = [];
      for (const row of rows) {
        if (needle && !matchesRow(host, row, needle)) continue;
        matches++;
        if (room > 0) {
          kept.push(row);
          room--;
        }
      }
      sockets[host] = kept;
    }
    const flows = sim.flows();
    return this.withNetfilter(sim, opts, this.snapshotOf(sim, sockets, socketCounts, matches, flows.slice(0, maxFlows), flows.length, opts.maxDrops ?? 200));
  }

  private withNetfilter(sim: SimulationApi, opts: SnapshotOptions, snap: Snapshot): Snapshot {
    if (!opts.netfilter || !sim.netfilter) return snap;
    const rows = sim.netfilter();
    return rows.length > 0 ? { ...snap, netfilter: rows } : snap;
  }

  private snapshotOf(
    sim: SimulationApi,
    sockets: Record<string, SocketRow[]>,
    socketCounts: Record<string, number>,
    socketMatches: number,
    flows: FlowRow[],
    flowCount: number,
    maxDrops: number,
  ): Snapshot {
    const drops = sim.drops();
    return {
      now: sim.now,
      total: this.total,
      done: sim.now >= this.durationUs,
      sockets,
      socketCounts,
      socketMatches,
      flows,
      flowCount,
      drops: drops.slice(Math.max(0, drops.length - maxDrops)),
      dropCount: drops.length,
      captures: sim.captures().map((c) => ({ id: c.id, node: c.node, ...(c.iface ? { iface: c.iface } : {}), frames: c.frames.length })),
      ...lbRows(sim),
    };
  }

  /** The full trace event (with PacketViews when the trace level is 'full'). */
  event(seq: number): TraceEvent | null {
    return this.ev(seq) ?? null;
  }

  /** Every event of one packet so far, in order: the hop view walks it. */
  packetEvents(packetId: number, upToSeq = Infinity): TraceEvent[] {
    const out: TraceEvent[] = [];
    const end = Math.min(this.total, upToSeq + 1);
    for (let i = this.base; i < end; i++) if (this.ev(i)!.packetId === packetId) out.push(this.ev(i)!);
    return out;
  }

  /**
   * A page of the (filtered) trace, up to the events revealed so far. The filtered index is kept
   * between calls and extended as the trace grows, so scrolling costs only the page.
   */
  trace(query: TraceQuery, offset: number, limit: number): TracePage {
    const upTo = this.sent;
    const key = JSON.stringify([query.node ?? null, query.flow ?? null, query.kinds ?? null]);
    if (key !== this.filterKey || upTo < this.filteredUpTo) {
      this.filterKey = key;
      this.filtered = [];
      this.filteredUpTo = 0;
    }
    const kinds = query.kinds ? new Set(query.kinds) : null;
    // A big run forgets its oldest events: so does the filtered index.
    let gone = 0;
    while (gone < this.filtered.length && this.filtered[gone]! < this.base) gone++;
    if (gone) this.filtered = this.filtered.slice(gone);
    for (let i = Math.max(this.filteredUpTo, this.base); i < upTo; i++) {
      const e = this.ev(i)!;
      if (query.node !== undefined && e.node !== query.node && e.to !== query.node) continue;
      if (query.flow !== undefined && e.flowId !== query.flow) continue;
      if (kinds && !kinds.has(e.kind)) continue;
      this.filtered.push(i);
    }
    this.filteredUpTo = upTo;
    const start = Math.max(0, Math.min(offset, this.filtered.length));
    const rows = this.filtered.slice(start, start + Math.max(0, limit)).map((i) => slim(this.ev(i)!));
    return { total: this.filtered.length, offset: start, rows, ...(this.base ? { forgotten: this.base } : {}) };
  }

  /** The captured frames as a file: pcapng (one interface per capture point) or classic pcap. */
  capturePcap(ids?: readonly string[], format: 'pcap' | 'pcapng' = 'pcapng'): Uint8Array {
    const caps = this.requireSim()
      .captures()
      .filter((c) => !ids || ids.includes(c.id));
    return format === 'pcap' ? toPcap(caps.flatMap((c) => c.frames)) : toPcapng(caps);
  }

  /**
   * The frames recorded at the capture points since `from[id]` frames of each (the capture
   * panel polls this while the run plays). One call covers every capture point at one instant
   * and returns them merged in time order, at most `max` frames (the earliest ones); `run`
   * changes whenever the run restarts, so the caller knows to start over.
   */
  captureFramesSince(from: Readonly<Record<string, number>>, max = 20_000): CaptureDelta {
    const caps = this.sim?.captures() ?? [];
    const merged: CaptureDeltaFrame[] = [];
    for (const c of caps) {
      const start = Math.max(0, from[c.id] ?? 0);
      for (let i = start; i < c.frames.length; i++) {
        const f = c.frames[i]!;
        merged.push({ t: f.t, capture: c.id, node: c.node, iface: f.iface, direction: f.direction, packetId: f.packetId, data: f.data });
      }
    }
    merged.sort((a, b) => a.t - b.t);
    const frames = merged.slice(0, Math.max(0, max));
    const cursors: Record<string, number> = {};
    for (const c of caps) cursors[c.id] = Math.max(0, from[c.id] ?? 0);
    for (const f of frames) cursors[f.capture] = (cursors[f.capture] ?? 0) + 1;
    return { run: this.runNo, cursors, frames, more: merged.length > frames.length };
  }

  /** What `netplay run --json` prints, for the run so far. */
  report(): RunReport {
    return this.requireSim().report();
  }

  /** SNAT devices, per frontend IP and instance allocations, mappings (filtered, limited) and metrics now. */
  snat(query: SnatQuery = {}): SnatReport | null {
    return this.requireSim().snat?.({ maxMappings: 500, ...query }) ?? null;
  }

  /** Every VM ipconfig's outbound path as the document decides it (a default outbound address as it is now). */
  outboundPaths(): OutboundPath[] {
    return this.sim?.outboundPaths?.() ?? [];
  }

  /**
   * Does an action now, as a person would while the run goes on (Redeploy VM, `az network lb
   * outbound-rule update`). It is kept and replayed at the same virtual time whenever the run is
   * rebuilt (Back, seek, Reset), so the run stays deterministic; loading a scenario forgets it.
   */
  act(action: TimelineAction): string {
    const sim = this.requireSim();
    if (!sim.act) throw new Error('this simulation takes no actions');
    this.live.push({ atUs: sim.now, afterEvents: sim.eventsExecuted ?? 0, action });
    const said = sim.act(action);
    this.sync();
    return said;
  }

  /**
   * The outbound path of every VM ipconfig of `doc` as the document decides it, without running
   * (the inspector's explanation). The loaded run, if any, is left alone. Null when `doc` is not
   * a valid scenario.
   */
  explainOutbound(doc: unknown): OutboundPath[] | null {
    const r = restoreScenario(doc);
    if (!r.ok) return null;
    return Simulation.create({ ...r.scenario, traffic: [], timeline: [] }, { trace: 'off', captures: false }).outboundPaths();
  }

  /** The actions done while running so far. */
  liveActions(): LiveAction[] {
    return this.live.slice();
  }

  // ---- internals ------------------------------------------------------------------------------

  private requireSim(): SimulationApi {
    if (!this.sim) throw new Error('no scenario is loaded: call load() first');
    return this.sim;
  }

  private rebuild(): void {
    this.runNo++;
    const scenario = this.scenario;
    if (!scenario) throw new Error('no scenario is loaded: call load() first');
    this.keep = this.options.keepEvents ?? (this.level === 'full' ? Infinity : KEEP_EVENTS);
    this.sim = this.factory(scenario, {
      ...(this.live.length > 0 ? { live: this.live } : {}),
      ...(this.options.seed !== undefined ? { seed: this.options.seed } : {}),
      trace: this.level,
      captures: scenario.captures.length > 0,
      ...(this.keep < Infinity ? { keepEvents: this.keep } : {}),
    });
    this.events = [];
    this.base = 0;
    this.sent = 0;
    this.restartPending = true;
    this.nodeIds = [];
    this.nodeIndex = new Map();
    this.nodesSent = 0;
    this.filterKey = '';
    this.filtered = [];
    this.filteredUpTo = 0;
  }

  /** A fresh run that has revealed exactly events 0..seq. */
  private rebuildTo(seq: number): void {
    const t = this.ev(seq)?.t ?? 0;
    this.rebuild();
    const sim = this.requireSim();
    if (t > 0) sim.runUntil(t - 1);
    this.sync();
    while (this.total <= seq) {
      if (!sim.step()) break;
      this.sync();
    }
  }

  private sync(): void {
    const sim = this.sim;
    if (!sim) return;
    const fresh = sim.traceSince(this.total);
    const first = fresh[0];
    if (!first) return;
    if (first.seq > this.total) {
      // The simulation forgot events before this mirror saw them (one long runUntil: seek, Back).
      this.events = [];
      this.base = first.seq;
    }
    for (const e of fresh) this.events.push(e);
    if (this.events.length >= 2 * this.keep) {
      const drop = this.events.length - this.keep;
      this.events = this.events.slice(drop);
      this.base += drop;
    }
  }

  /** The kept event with this seq. */
  private ev(seq: number): TraceEvent | undefined {
    return seq < this.base ? undefined : this.events[seq - this.base];
  }

  private nodeOf(id: string | undefined): number {
    if (id === undefined) return -1;
    let i = this.nodeIndex.get(id);
    if (i === undefined) {
      i = this.nodeIds.length;
      this.nodeIds.push(id);
      this.nodeIndex.set(id, i);
    }
    return i;
  }

  /** A restart batch of the events up to `end` whose time is within `windowUs` of the last. */
  private windowTo(end: number, windowUs: number): EventBatch {
    const last = end >= this.total ? this.now : (this.ev(end - 1)?.t ?? 0);
    let from = end;
    while (from > this.base && this.ev(from - 1)!.t > last - windowUs) from--;
    this.sent = from;
    this.restartPending = true;
    return this.batchTo(end, 4_000);
  }

  private batch(maxEncoded: number): EventBatch {
    return this.batchTo(this.total, maxEncoded);
  }

  /** Encodes events sent..end-1 (hops, sampled down to maxEncoded, and every drop). */
  private batchTo(end: number, maxEncoded: number): EventBatch {
    const from = Math.max(this.sent, this.base);
    let hops = 0;
    let drops = 0;
    for (let i = from; i < end; i++) {
      const k = this.ev(i)!.kind;
      if (k === 'hop') hops++;
      else if (k === 'drop') drops++;
    }
    const every = hops > maxEncoded ? Math.ceil(hops / Math.max(1, maxEncoded)) : 1;
    const keptHops = every === 1 ? hops : Math.floor((hops + every - 1) / every);
    const count = keptHops + drops;
    const data = new Float64Array(count * EV_STRIDE);
    let o = 0;
    let h = 0;
    for (let i = from; i < end; i++) {
      const e = this.ev(i)!;
      if (e.kind === 'hop') {
        if (h++ % every !== 0) continue;
      } else if (e.kind !== 'drop') continue;
      data[o + EV_T] = e.t;
      data[o + EV_KIND] = KIND_CODE[e.kind];
      data[o + EV_NODE] = this.nodeOf(e.node);
      data[o + EV_TO] = this.nodeOf(e.to);
      data[o + EV_PACKET] = e.packetId ?? -1;
      data[o + EV_FLOW] = e.flowId ?? -1;
      data[o + EV_SEQ] = e.seq;
      o += EV_STRIDE;
    }
    this.sent = Math.max(this.sent, end);
    const restart = this.restartPending;
    this.restartPending = false;
    const nodesFrom = this.nodesSent;
    const nodes = this.nodeIds.slice(nodesFrom);
    this.nodesSent = this.nodeIds.length;
    const now = end < this.total ? (this.ev(end - 1)?.t ?? 0) : this.now;
    return {
      now,
      done: end >= this.total && this.now >= this.durationUs,
      total: end,
      restart,
      nodesFrom,
      nodes,
      data,
      count,
      sampledOut: hops - keptHops,
    };
  }
}

function matchesRow(host: string, row: SocketRow, needle: string): boolean {
  return (
    host.toLowerCase().includes(needle) ||
    row.proto.includes(needle) ||
    row.local.includes(needle) ||
    row.remote.includes(needle) ||
    row.state.toLowerCase().includes(needle)
  );
}

function slim(e: TraceEvent): TraceRow {
  if (!e.packet && !e.before && !e.after) return e;
  const { packet: _p, before: _b, after: _a, ...rest } = e;
  return rest;
}

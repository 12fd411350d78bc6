/**
 * The one object engine/api.ts and the CLI use: a run of one scenario in virtual time.
 *
 *   const sim = Simulation.create(scenario, { seed: 1, trace: 'full' });
 *   sim.runUntil(60_000_000);            // virtual µs
 *   sim.sockets()['vm-slb'];             // netstat-like rows
 *   sim.report();                        // what `netplay run --json` prints
 *
 * Deterministic: the same scenario and seed give the same trace and the same capture bytes.
 */
import type { Scenario, TimelineAction } from '../model/scenario.ts';
import type { EventSink } from '../sim/scheduler.ts';
import type { TraceLevel } from '../sim/trace.ts';
import type { CapturedFrame, DropRow, FlowRow, LbInspectorRow, NetfilterRow, RunReport, SnatReport, SocketRow, TcpPingResult, TraceEvent } from '../sim/types.ts';
import { ipv4ToString, parseIpv4 } from '../wire/addr.ts';
import { buildGraph, type Graph } from './build.ts';
import type { OutboundPath } from './outbound.ts';

export type { TimelineAction };

export interface SimulationOptions {
  /** Overrides scenario.settings.seed. */
  readonly seed?: number;
  /** Default 'full'. */
  readonly trace?: TraceLevel;
  /** Record capture points' frames (default true). */
  readonly captures?: boolean;
  /** Keep only about this many recent trace events (a big run's memory); seqs count them all. */
  readonly keepEvents?: number;
  /**
   * Actions a person did during an earlier run of the same scenario, replayed exactly where they
   * happened: after the same number of scheduler events, at the same virtual time (not as timeline
   * entries, which would run before the other events of their microsecond).
   */
  readonly live?: readonly LiveReplay[];
}

/** An action done live: after `afterEvents` scheduler events, with the clock at `atUs`. */
export interface LiveReplay {
  readonly atUs: number;
  readonly afterEvents: number;
  readonly action: TimelineAction;
}

export interface CaptureResult {
  readonly id: string;
  readonly node: string;
  readonly iface?: string;
  readonly frames: CapturedFrame[];
}

const EV_TIMELINE = 1;

export interface SocketsLimited {
  readonly sockets: Record<string, SocketRow[]>;
  /** Rows per host before filtering and limiting. */
  readonly counts: Record<string, number>;
  /** Rows that matched, before the limit. */
  readonly matches: number;
}

export class Simulation implements EventSink<unknown> {
  private readonly graph: Graph;
  private stepCursor = 0;
  /** Live actions still to replay, in the order they were done. */
  private readonly pendingLive: LiveReplay[];

  private constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    opts: SimulationOptions,
  ) {
    this.graph = buildGraph(scenario, { seed, trace: opts.trace ?? 'full', captures: opts.captures ?? true });
    for (const entry of scenario.timeline) this.graph.ctx.sched.at(Math.round(entry.atMs * 1000), this, EV_TIMELINE, entry);
    if (opts.keepEvents !== undefined) this.graph.ctx.trace.bound(opts.keepEvents);
    this.pendingLive = [...(opts.live ?? [])];
  }

  static create(scenario: Scenario, opts: SimulationOptions = {}): Simulation {
    return new Simulation(scenario, opts.seed ?? scenario.settings.seed, opts);
  }

  /** Virtual time, µs. */
  get now(): number {
    return this.graph.ctx.now;
  }

  /** How much virtual time the scenario asks for, µs. */
  get durationUs(): number {
    return Math.round(this.scenario.settings.durationSeconds * 1_000_000);
  }

  /** Link traversals so far (the benchmark's packet-hops). */
  get hops(): number {
    return this.graph.ctx.hops;
  }

  /** Scheduler events executed so far. */
  get eventsExecuted(): number {
    return this.graph.ctx.sched.executed;
  }

  /** Runs every event up to and including `tUs`; the clock ends at `tUs`. */
  runUntil(tUs: number): void {
    this.replayLive(tUs);
    this.graph.ctx.sched.runUntil(tUs);
    this.stepCursor = this.graph.ctx.trace.length;
  }

  /** Runs the scenario's whole duration. */
  run(): void {
    this.runUntil(this.durationUs);
  }

  /**
   * Advances until the next trace event and returns it (null when the run's duration is reached
   * or tracing is off). One scheduler event may record several trace events: they are returned
   * one per call without moving the clock.
   */
  step(): TraceEvent | null {
    const { sched, trace } = this.graph.ctx;
    if (!trace.on) return null;
    while (this.stepCursor >= trace.length) {
      if (this.liveDue()) continue;
      if (!sched.runNext(this.durationUs)) return null;
    }
    return trace.at(this.stepCursor++) ?? null;
  }

  /** Replays the live actions that fall at or before `limitUs`. */
  private replayLive(limitUs: number): void {
    const sched = this.graph.ctx.sched;
    while (this.pendingLive.length > 0) {
      const next = this.pendingLive[0]!;
      if (next.atUs > limitUs) return;
      while (sched.executed < next.afterEvents && sched.runNext(next.atUs)) {
        /* up to the event count it was done after */
      }
      if (!this.liveDue()) return;
    }
  }

  /** Does the next live action if the run is where it was done; true when it did. */
  private liveDue(): boolean {
    const next = this.pendingLive[0];
    const sched = this.graph.ctx.sched;
    if (next === undefined || sched.executed < next.afterEvents) return false;
    // Everything due before it has run: move the clock to its time without running what follows.
    if (sched.now < next.atUs && sched.peekTime() > next.atUs) sched.runUntil(next.atUs);
    this.pendingLive.shift();
    this.act(next.action);
    return true;
  }

  traceSince(seq: number): TraceEvent[] {
    return this.graph.ctx.trace.since(seq);
  }

  /** Socket tables by host name (netstat -tan / ss -tuan), listeners included. */
  sockets(): Record<string, SocketRow[]> {
    const out: Record<string, SocketRow[]> = {};
    for (const h of this.graph.hosts.values()) {
      const key = h.name in out ? `${h.name} (${h.id})` : h.name;
      out[key] = h.sockets();
    }
    return out;
  }

  /**
   * sockets(), but at most `max` rows in all, of those `keep` accepts; the counts are complete.
   * What the app's snapshot asks for: a few hundred rows of 100,000 sockets.
   */
  socketsLimited(max: number, keep: ((host: string, row: SocketRow) => boolean) | null): SocketsLimited {
    const sockets: Record<string, SocketRow[]> = {};
    const counts: Record<string, number> = {};
    let matches = 0;
    let shown = 0;
    for (const h of this.graph.hosts.values()) {
      const key = h.name in sockets ? `${h.name} (${h.id})` : h.name;
      counts[key] = h.socketCount();
      const r = h.socketsLimited(Math.max(0, max - shown), keep ? (row) => keep(key, row) : null);
      sockets[key] = r.rows;
      shown += r.rows.length;
      matches += r.matches;
    }
    return { sockets, counts, matches };
  }

  flows(): FlowRow[] {
    return this.graph.ctx.flows.rows();
  }

  /** The first `max` flows and how many there are. */
  flowsLimited(max: number): { rows: FlowRow[]; count: number } {
    return { rows: this.graph.ctx.flows.firstRows(max), count: this.graph.ctx.flows.size };
  }

  drops(): DropRow[] {
    return this.graph.ctx.drops.slice();
  }

  captures(): CaptureResult[] {
    return this.graph.taps.map((t) => ({ id: t.id, node: t.node, ...(t.iface !== undefined ? { iface: t.iface } : {}), frames: t.frames.slice() }));
  }

  /**
   * For every VM ipconfig: which outbound mechanism carries it and why, as the document decides
   * it; a default outbound ipconfig shows the address it has now (it changes on redeploy).
   */
  outboundPaths(): OutboundPath[] {
    return this.graph.outbound.map((p) => {
      if (p.mechanism !== 'default-outbound') return p;
      const ip = this.graph.snat.defaultOutboundIp(parseIpv4(p.privateIp) ?? 0);
      return ip === null ? p : { ...p, publicIps: [ipv4ToString(ip)] };
    });
  }

  /** SNAT devices, allocations, mappings and metrics now (absent when nothing SNATs). */
  snat(opts: { filter?: string; maxMappings?: number } = {}): SnatReport | undefined {
    return this.graph.snat.active ? this.graph.snat.report(this.now, opts) : undefined;
  }

  /** TCP ping runs (traffic type 'tcpping'): ethr's counters, statistics and text once finished. */
  tcpPings(): TcpPingResult[] {
    return this.graph.tcpPings.map((g) => g.result());
  }

  /** Load balancers with inbound rules: probe states, mapping table, flows (empty when none). */
  loadBalancers(): LbInspectorRow[] {
    return [...(this.graph.lb?.inspect() ?? []), ...(this.graph.gwlb?.inspect() ?? [])];
  }

  /** Linux routers (and NVAs): iptables, conntrack, counters and routes now (empty when none). */
  netfilter(): NetfilterRow[] {
    return [...this.graph.routers.map((r) => r.row(this.now)), ...(this.graph.gwlb?.netfilter(this.now) ?? [])];
  }

  /**
   * A timeline action now (scenario.timeline entries are scheduled automatically). Returns what
   * happened in one sentence (also noted in the trace); an action that cannot apply changes nothing.
   */
  act(action: TimelineAction): string {
    const ctx = this.graph.ctx;
    if (action.action === 'redeploy') return this.redeploy(action.vm);
    if (action.action === 'updateOutboundRule') return this.updateOutboundRule(action);
    const host = this.graph.hosts.get(action.host);
    const stop = action.action === 'stopService';
    if (!host) return this.said(action.host, `${action.action}: there is no host '${action.host}'`);
    const found = host.setServiceStopped(action.port, stop);
    return this.said(host.id, found ? `${action.action} ${host.name}:${action.port}` : `${action.action}: ${host.name} has no service on port ${action.port}`);
  }

  private said(node: string, sentence: string): string {
    this.graph.ctx.note(node, sentence);
    return sentence;
  }

  /** "Redeploy VM": Azure moves it to another host; default outbound access gives it another address. */
  private redeploy(vmId: string): string {
    const host = this.graph.hosts.get(vmId);
    if (!host || host.kind !== 'vm') return this.said(vmId, `redeploy: there is no VM '${vmId}'`);
    const changes = this.graph.snat.redeploy(vmId);
    return this.said(
      vmId,
      `redeployed ${host.name}${changes.length ? `: ${changes.join('; ')}` : ' (it has no default outbound address, so its outbound path is unchanged)'}. Connections it had keep their old mappings until they end; the guest's sockets are not reset (a reboot is not simulated).`,
    );
  }

  /** `az network lb outbound-rule update`: connections made from now on follow the new values. */
  private updateOutboundRule(a: Extract<TimelineAction, { action: 'updateOutboundRule' }>): string {
    const changes = {
      ...(a.allocatedOutboundPorts !== undefined ? { allocatedOutboundPorts: a.allocatedOutboundPorts } : {}),
      ...(a.idleTimeoutInMinutes !== undefined ? { idleTimeoutInMinutes: a.idleTimeoutInMinutes } : {}),
      ...(a.enableTcpReset !== undefined ? { enableTcpReset: a.enableTcpReset } : {}),
      ...(a.protocol !== undefined ? { protocol: a.protocol } : {}),
    };
    const what = Object.entries(changes)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ');
    const err = this.graph.snat.updateOutboundRule(a.lb, a.rule, changes);
    if (err) return this.said(a.lb, `az network lb outbound-rule update --lb-name ${a.lb} --name ${a.rule} failed, nothing changed: ${err}`);
    return this.said(a.lb, `az network lb outbound-rule update --lb-name ${a.lb} --name ${a.rule}: ${what || 'no change'}; connections made from now on follow it`);
  }

  onEvent(_kind: number, payload: unknown): void {
    this.act(payload as TimelineAction);
  }

  report(): RunReport {
    const ctx = this.graph.ctx;
    return {
      scenario: this.scenario.name,
      seed: this.seed,
      until: ctx.now,
      events: ctx.trace.on ? ctx.trace.length : ctx.sched.executed,
      sockets: this.sockets(),
      flows: this.flows(),
      drops: this.drops(),
      captures: this.graph.taps.map((t) => ({ id: t.id, node: t.node, ...(t.iface !== undefined ? { iface: t.iface } : {}), frames: t.frames.length })),
      ...(this.graph.snat.active ? { snat: this.graph.snat.report(ctx.now) } : {}),
      ...(this.graph.tcpPings.length > 0 ? { tcpping: this.tcpPings() } : {}),
      ...(this.graph.lb?.active || this.graph.gwlb?.active ? { loadBalancers: this.loadBalancers() } : {}),
      ...(this.graph.routers.length > 0 || (this.graph.gwlb?.nvaHosts.length ?? 0) > 0 ? { netfilter: this.netfilter() } : {}),
    };
  }
}

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
import type { z } from 'zod';
import type { Scenario, TimelineActionSchema } from '../model/scenario.ts';
import type { EventSink } from '../sim/scheduler.ts';
import type { TraceLevel } from '../sim/trace.ts';
import type { CapturedFrame, DropRow, FlowRow, RunReport, SocketRow, TraceEvent } from '../sim/types.ts';
import { buildGraph, type Graph } from './build.ts';
import type { OutboundPath } from './outbound.ts';

export type TimelineAction = z.output<typeof TimelineActionSchema>;

export interface SimulationOptions {
  /** Overrides scenario.settings.seed. */
  readonly seed?: number;
  /** Default 'full'. */
  readonly trace?: TraceLevel;
  /** Record capture points' frames (default true). */
  readonly captures?: boolean;
}

export interface CaptureResult {
  readonly id: string;
  readonly node: string;
  readonly iface?: string;
  readonly frames: CapturedFrame[];
}

const EV_TIMELINE = 1;

export class Simulation implements EventSink<unknown> {
  private readonly graph: Graph;
  private stepCursor = 0;

  private constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    opts: SimulationOptions,
  ) {
    this.graph = buildGraph(scenario, { seed, trace: opts.trace ?? 'full', captures: opts.captures ?? true });
    for (const entry of scenario.timeline) this.graph.ctx.sched.at(Math.round(entry.atMs * 1000), this, EV_TIMELINE, entry);
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
    while (this.stepCursor >= trace.length) if (!sched.runNext(this.durationUs)) return null;
    return trace.at(this.stepCursor++) ?? null;
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

  flows(): FlowRow[] {
    return this.graph.ctx.flows.rows();
  }

  drops(): DropRow[] {
    return this.graph.ctx.drops.slice();
  }

  captures(): CaptureResult[] {
    return this.graph.taps.map((t) => ({ id: t.id, node: t.node, ...(t.iface !== undefined ? { iface: t.iface } : {}), frames: t.frames.slice() }));
  }

  /** For every VM ipconfig: which outbound mechanism carries it and why. */
  outboundPaths(): OutboundPath[] {
    return this.graph.outbound.slice();
  }

  /** A timeline action now (scenario.timeline entries are scheduled automatically). */
  act(action: TimelineAction): void {
    const ctx = this.graph.ctx;
    const host = this.graph.hosts.get(action.host);
    const stop = action.action === 'stopService';
    if (!host) {
      ctx.note(action.host, `${action.action}: there is no host '${action.host}'`);
      return;
    }
    const found = host.setServiceStopped(action.port, stop);
    ctx.note(host.id, found ? `${action.action} ${host.name}:${action.port}` : `${action.action}: ${host.name} has no service on port ${action.port}`);
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
    };
  }
}

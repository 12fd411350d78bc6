/**
 * Simulation state (session scope, never saved): status, speed, the virtual clock, what is
 * selected in the run (an event, a packet) and the latest snapshot for the panels. Messages (a
 * crash, a refusal) go to the status line of the view store. The run itself lives in the worker; app/run/playback.ts drives it and writes here.
 * Animation data does not pass through this store (app/run/packet-feed.ts holds it), so React
 * re-renders at most once per frame for the clock, never per packet.
 */
import { create } from 'zustand';
import type { Snapshot, TraceQuery, TraceLevel } from '../../engine/api.ts';
import type { TraceEvent } from '../../engine/sim/types.ts';

export type SimStatus = 'idle' | 'loading' | 'running' | 'paused' | 'finished';

export interface SimActions {
  run(): void;
  pause(): void;
  step(): void;
  back(): void;
  reset(): void;
  seek(tUs: number): void;
  selectEvent(seq: number): void;
  selectPacket(packetId: number, node: string | null): void;
}

/** The packet the hop view shows: which one, and at which node. */
export interface PacketSelection {
  readonly packetId: number;
  readonly node: string | null;
  /** The trace event it was picked from, when known. */
  readonly seq: number | null;
}

export interface SimState {
  readonly wired: boolean;
  readonly status: SimStatus;
  /** Playback speed: virtual seconds per wall-clock second, 0.1 to 100. */
  readonly speed: number;
  /** The virtual clock, in microseconds since the start of the run. */
  readonly clockUs: number;
  /** How long the run is (the scenario's durationSeconds), µs; 0 before the first load. */
  readonly durationUs: number;
  /** Trace events revealed so far. */
  readonly total: number;
  readonly traceLevel: TraceLevel;
  /** The event Step/Back moved to, or the one picked in the Trace panel. */
  readonly current: TraceEvent | null;
  readonly selected: PacketSelection | null;
  readonly snapshot: Snapshot | null;
  /** The Sockets panel's filter, applied in the worker. */
  readonly socketFilter: string;
  readonly traceQuery: TraceQuery;
  /** Increments whenever the revealed trace changes (the Trace panel refetches). */
  readonly traceVersion: number;
  /** Set by playback once wired. */
  readonly actions: SimActions | null;
}

export const SPEED_MIN = 0.1;
export const SPEED_MAX = 100;
export const SPEED_PRESETS = [0.1, 0.5, 1, 5, 10, 100] as const;

export const useSimStore = create<SimState>(() => ({
  wired: false,
  status: 'idle',
  speed: 1,
  clockUs: 0,
  durationUs: 0,
  total: 0,
  traceLevel: 'full',
  current: null,
  selected: null,
  snapshot: null,
  socketFilter: '',
  traceQuery: {},
  traceVersion: 0,
  actions: null,
}));

export function setSpeed(speed: number): void {
  useSimStore.setState({ speed: Math.min(SPEED_MAX, Math.max(SPEED_MIN, speed)) });
}

/** Slider position 0..1 ↔ speed on a log scale from SPEED_MIN to SPEED_MAX. */
export function speedFromSlider(x: number): number {
  const lo = Math.log10(SPEED_MIN);
  const hi = Math.log10(SPEED_MAX);
  const v = 10 ** (lo + Math.min(1, Math.max(0, x)) * (hi - lo));
  return Number(v.toPrecision(2));
}

export function sliderFromSpeed(speed: number): number {
  const lo = Math.log10(SPEED_MIN);
  const hi = Math.log10(SPEED_MAX);
  return (Math.log10(Math.min(SPEED_MAX, Math.max(SPEED_MIN, speed))) - lo) / (hi - lo);
}

export function formatSpeed(speed: number): string {
  return `${speed < 1 ? speed.toFixed(1) : Number(speed.toPrecision(2))}×`;
}

export function setSocketFilter(filter: string): void {
  useSimStore.setState({ socketFilter: filter });
}

export function setTraceQuery(q: TraceQuery): void {
  useSimStore.setState({ traceQuery: q });
}

/** "12.345678 s" style virtual clock text. */
export function formatClock(us: number): string {
  const s = Math.floor(us / 1_000_000);
  const frac = String(Math.floor(us % 1_000_000)).padStart(6, '0');
  return `${s}.${frac} s`;
}

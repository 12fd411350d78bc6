/**
 * The trace recorder. Three levels:
 * - 'full': every TraceEvent, with PacketViews (what the app's flow/trace panel and Step show);
 * - 'summary': every TraceEvent with its one-line summary, but no PacketView objects;
 * - 'off': nothing (benchmarks). Callers check `on` before building any string or object, so a
 *   run with tracing off allocates nothing per packet for the trace.
 */
import type { TraceEvent } from './types.ts';

export type TraceLevel = 'full' | 'summary' | 'off';

/** A trace event before it gets its position. */
export type TraceInput = Omit<TraceEvent, 'seq' | 't'>;

export class TraceRecorder {
  /** True unless the level is 'off': build nothing for the trace when false. */
  readonly on: boolean;
  /** True when PacketViews are wanted. */
  readonly full: boolean;
  private readonly events: TraceEvent[] = [];

  constructor(
    readonly level: TraceLevel,
    private readonly clock: { readonly now: number },
  ) {
    this.on = level !== 'off';
    this.full = level === 'full';
  }

  get length(): number {
    return this.events.length;
  }

  record(e: TraceInput): void {
    if (!this.on) return;
    const ev = { seq: this.events.length, t: this.clock.now, ...e } as TraceEvent;
    if (!this.full && (ev.packet || ev.before || ev.after)) {
      const { packet: _p, before: _b, after: _a, ...rest } = ev;
      this.events.push(rest);
      return;
    }
    this.events.push(ev);
  }

  at(seq: number): TraceEvent | undefined {
    return this.events[seq];
  }

  /** Events with seq >= `seq`. */
  since(seq: number): TraceEvent[] {
    return this.events.slice(Math.max(0, seq));
  }
}

/**
 * The trace recorder. Three levels:
 * - 'full': every TraceEvent, with PacketViews (what the app's flow/trace panel and Step show);
 * - 'summary': every TraceEvent with its one-line summary, but no PacketView objects;
 * - 'off': nothing (benchmarks). Callers check `on` before building any string or object, so a
 *   run with tracing off allocates nothing per packet for the trace.
 *
 * A recorder may also be bounded (`bound`): it then keeps only the most recent events, while
 * `length` and the seqs go on counting all of them. A run of 100,000 connections records millions
 * of events; keeping them all costs gigabytes and makes the garbage collector the bottleneck.
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
  private events: TraceEvent[] = [];
  /** The seq of events[0]: events before it were forgotten (a bounded recorder). */
  private base = 0;
  private keep = Infinity;

  constructor(
    readonly level: TraceLevel,
    private readonly clock: { readonly now: number },
  ) {
    this.on = level !== 'off';
    this.full = level === 'full';
  }

  /** Events recorded so far, forgotten ones included. */
  get length(): number {
    return this.base + this.events.length;
  }

  /** The seq of the oldest event still kept. */
  get first(): number {
    return this.base;
  }

  /** Keeps at least the `n` most recent events (and at most 2n), forgetting older ones. */
  bound(n: number): void {
    this.keep = Math.max(1, Math.floor(n));
    this.trim();
  }

  record(e: TraceInput): void {
    if (!this.on) return;
    const ev = { seq: this.length, t: this.clock.now, ...e } as TraceEvent;
    if (!this.full && (ev.packet || ev.before || ev.after)) {
      const { packet: _p, before: _b, after: _a, ...rest } = ev;
      this.events.push(rest);
    } else this.events.push(ev);
    if (this.events.length >= 2 * this.keep) this.trim();
  }

  at(seq: number): TraceEvent | undefined {
    return seq < this.base ? undefined : this.events[seq - this.base];
  }

  /** Events with seq >= `seq` that are still kept. */
  since(seq: number): TraceEvent[] {
    return this.events.slice(Math.max(0, seq - this.base));
  }

  /** Forgets all but the `keep` most recent events (in one slice: amortised O(1) per event). */
  private trim(): void {
    const drop = this.events.length - this.keep;
    if (drop <= 0) return;
    this.events = this.events.slice(drop);
    this.base += drop;
  }
}

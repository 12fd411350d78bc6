/**
 * A TCP-ping run as a state machine the simulator drives, following ethr's clientRunPingTest
 * (see ethr.ts for the sources):
 *
 *   t = start:           warm-up pings (default 1), not counted
 *   then one ping per gap (default 1 s): a ping starts at max(previous start + gap, its end)
 *   a ping is lost when no SYN+ACK comes within the dial timeout (1 s)
 *   the run stops at start + duration + 200 ms (runDurationTimer's extra sleep); a ping in flight
 *   then is not counted (ethr prints as soon as `test.done` closes)
 *   every 1,000 received a block is printed and the counters reset
 *
 * So `-d 60s` gives Sent = 60 at 1 s gaps, as in the article. Latencies come in as µs (virtual
 * time) and are kept as ns, ethr's unit.
 */
import { formatEthrPingSummary, formatPingLine, formatPingTimeout, ethrLatencyStats, type EthrLatencyStats } from './ethr.ts';

export interface TcpPingOptions {
  /** ethr's dial address text, "[20.1.2.3]:8888" (see ethrDialAddr). */
  dialAddr: string;
  durationUs: number;
  gapUs?: number;
  warmupCount?: number;
  timeoutUs?: number;
}

export const TCP_PING_DEFAULTS = { gapUs: 1_000_000, warmupCount: 1, timeoutUs: 1_000_000, port: 8888 } as const;

/** The result of one ping, from the simulator. */
export type PingOutcome =
  | { ok: true; latencyUs: number; local: string; localPort: number; remote: string; remotePort: number }
  | { ok: false };

export interface TcpPingReport {
  sent: number;
  received: number;
  lost: number;
  /** Null when nothing was received. */
  stats: EthrLatencyStats | null;
  /** Everything ethr would have printed, ping lines and summary blocks. */
  text: string;
}

export class TcpPingRun {
  private readonly gap: number;
  private warmupLeft: number;
  readonly timeoutUs: number;
  private stopAt = Infinity;
  private startedAt = -1;
  private sent = 0;
  private received = 0;
  private lost = 0;
  private latenciesNs: number[] = [];
  private out: string[] = [];
  private allNs: number[] = [];
  private totals = { sent: 0, received: 0, lost: 0 };

  constructor(private readonly o: TcpPingOptions) {
    this.gap = o.gapUs ?? TCP_PING_DEFAULTS.gapUs;
    this.warmupLeft = o.warmupCount ?? TCP_PING_DEFAULTS.warmupCount;
    this.timeoutUs = o.timeoutUs ?? TCP_PING_DEFAULTS.timeoutUs;
  }

  /** Starts the run; returns when to open the first connection. */
  start(now: number): number {
    this.stopAt = now + this.o.durationUs + 200_000;
    return now;
  }

  /** When the run ends (call `finish` then). */
  get deadline(): number {
    return this.stopAt;
  }

  /** The simulator opens a connection now; it must report the outcome (or the timeout) later. */
  begin(now: number): { warmup: boolean; giveUpAt: number } {
    this.startedAt = now;
    return { warmup: this.warmupLeft > 0, giveUpAt: now + this.timeoutUs };
  }

  /**
   * The outcome of the ping begun last, at time `now` (for a loss: the give-up time). Returns when
   * to begin the next one, or null when the run is over (then call `finish`).
   */
  complete(r: PingOutcome, now: number): number | null {
    if (now >= this.stopAt) return null;
    const warmup = this.warmupLeft > 0;
    if (warmup) this.warmupLeft--;
    else this.sent++;
    if (r.ok) {
      const ns = r.latencyUs * 1000;
      this.out.push(formatPingLine(r.local, r.localPort, r.remote, r.remotePort, ns, warmup));
      if (!warmup) {
        this.received++;
        this.latenciesNs.push(ns);
      }
    } else {
      this.out.push(formatPingTimeout(this.o.dialAddr, warmup));
      if (!warmup) this.lost++;
    }
    if (this.received >= 1000) this.flush();
    const next = Math.max(this.startedAt + this.gap, now);
    return next >= this.stopAt ? null : next;
  }

  private flush(): void {
    this.out.push(formatEthrPingSummary(this.o.dialAddr, { sent: this.sent, received: this.received, lost: this.lost }, this.latenciesNs).trimEnd());
    this.totals.sent += this.sent;
    this.totals.received += this.received;
    this.totals.lost += this.lost;
    this.allNs.push(...this.latenciesNs);
    this.sent = this.received = this.lost = 0;
    this.latenciesNs = [];
  }

  /** Ends the run: the last block, and totals over the whole run for the UI and CLI report. */
  finish(): TcpPingReport {
    this.flush();
    this.stopAt = -Infinity;
    const t = this.totals;
    return { ...t, stats: this.allNs.length > 0 ? ethrLatencyStats(this.allNs) : null, text: this.out.join('\n') + '\n' };
  }
}

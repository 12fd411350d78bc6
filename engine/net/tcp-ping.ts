/**
 * The `tcpping` traffic type: ethr's TCP ping (`ethr -c TARGET -p tcp -t pi`) from a VM or an
 * Internet host, over real connections: each ping is a connect whose handshake latency (SYN out to
 * SYN+ACK back, virtual time) is measured, then a RST (ethr sets SO_LINGER 0). The schedule,
 * warm-up, timeouts, statistics and output text are engine/net/latency's TcpPingRun (ethr-exact).
 * A ping refused with RST or unanswered within the dial timeout (1 s) is lost.
 */
import type { Traffic } from '../model/scenario.ts';
import type { EventSink, TimerHandle } from '../sim/scheduler.ts';
import type { TcpPingResult } from '../sim/types.ts';
import { ipv4ToString } from '../wire/addr.ts';
import type { NetContext } from './context.ts';
import type { Host } from './host.ts';
import { ethrDialAddr, TcpPingRun, type TcpPingReport } from './latency/index.ts';
import type { Target } from './resolve.ts';
import type { SocketId, TcpApp, TcpEnd } from './tcp-socket.ts';

type TcpPingTraffic = Extract<Traffic, { type: 'tcpping' }>;

const EV_BEGIN = 1;
const EV_GIVE_UP = 2;

export class TcpPingGenerator implements EventSink<unknown>, TcpApp {
  private readonly run: TcpPingRun;
  private readonly label: number;
  private readonly dialAddr: string;
  /** The ping in flight: its socket, start time and give-up timer. */
  private current: { s: SocketId | null; began: number; timer: TimerHandle; token: number } | null = null;
  private token = 0;
  private report: TcpPingReport | null = null;

  constructor(
    private readonly ctx: NetContext,
    private readonly host: Host,
    private readonly spec: TcpPingTraffic,
    private readonly target: Target,
    private readonly srcIp: number,
  ) {
    this.label = ctx.flows.label(spec.id, host.id);
    this.dialAddr = ethrDialAddr(ipv4ToString(target.ip), target.port);
    const gapUs = Math.round(spec.intervalMs * 1000);
    this.run = new TcpPingRun({ dialAddr: this.dialAddr, durationUs: spec.count * gapUs, gapUs });
  }

  schedule(): void {
    const t = Math.round(this.spec.startMs * 1000);
    this.ctx.sched.at(t, this, EV_BEGIN, null);
  }

  private started = false;

  onEvent(kind: number, payload: unknown): void {
    if (kind === EV_BEGIN) {
      if (!this.started) {
        this.started = true;
        this.run.start(this.ctx.now);
      }
      this.begin();
    } else if (kind === EV_GIVE_UP) {
      const c = this.current;
      if (c === null || c.token !== payload) return;
      if (c.s !== null) {
        // ethr gives up on the connect: the ping is lost to a timeout (no RST was ever seen).
        const flow = this.host.tcp.flowIdOf(c.s);
        if (this.ctx.flows.has(flow) && this.ctx.flows.outcome(flow) === 'pending') this.ctx.flows.setOutcome(flow, 'timed-out');
        this.host.tcp.abort(c.s);
      }
      this.done({ ok: false }, this.ctx.now);
    }
  }

  private begin(): void {
    const ctx = this.ctx;
    const { giveUpAt } = this.run.begin(ctx.now);
    const flow = ctx.flows.open(this.label, 'tcp', this.target.ip, this.target.port, ctx.now);
    ctx.flows.setLocal(flow, this.srcIp, 0);
    const token = ++this.token;
    const timer = ctx.sched.at(giveUpAt, this, EV_GIVE_UP, token);
    this.current = { s: null, began: ctx.now, timer, token };
    const s = this.host.tcp.connect(this.srcIp, this.target.ip, this.target.port, flow, this);
    if (s === null) {
      ctx.flows.setOutcome(flow, 'reset');
      ctx.flows.setEndedAt(flow, ctx.now);
      ctx.flows.setError(flow, 'EADDRNOTAVAIL: no free ephemeral port');
      return;
    }
    if (this.current?.token === token) this.current.s = s;
    ctx.flows.setLocalPort(flow, this.host.tcp.localPortOf(s));
  }

  /** The ping in flight finished (or was lost): the next one, or the end of the run. */
  private done(r: Parameters<TcpPingRun['complete']>[0], now: number): void {
    const c = this.current;
    if (c === null) return;
    this.ctx.sched.cancel(c.timer);
    this.current = null;
    const next = this.run.complete(r, now);
    if (next === null) {
      this.report = this.run.finish();
      this.ctx.note(this.host.id, `tcpping '${this.spec.id}' to ${this.dialAddr} finished: sent ${this.report.sent}, received ${this.report.received}, lost ${this.report.lost}`);
    } else this.ctx.sched.at(next, this, EV_BEGIN, null);
  }

  established(s: SocketId): void {
    const c = this.current;
    const flows = this.ctx.flows;
    const flow = this.host.tcp.flowIdOf(s);
    if (flows.has(flow)) {
      flows.setOutcome(flow, 'established');
      const rtt = this.host.tcp.rttUsOf(s);
      if (rtt >= 0) flows.setRtt(flow, rtt);
    }
    if (c === null || c.s !== s) return;
    const now = this.ctx.now;
    const r = { ok: true as const, latencyUs: now - c.began, local: ipv4ToString(this.srcIp), localPort: this.host.tcp.localPortOf(s), remote: ipv4ToString(this.target.ip), remotePort: this.target.port };
    this.done(r, now);
    // ethr closes with SO_LINGER 0: a RST, no FIN exchange.
    this.host.tcp.abort(s);
  }

  data(_s: SocketId, _bytes: Uint8Array): void {}

  peerClosed(s: SocketId): void {
    this.host.tcp.close(s);
  }

  ended(s: SocketId, how: TcpEnd): void {
    const flows = this.ctx.flows;
    const flow = this.host.tcp.flowIdOf(s);
    if (flows.has(flow)) {
      flows.setEndedAt(flow, this.ctx.now);
      if (flows.outcome(flow) === 'pending') flows.setOutcome(flow, how === 'closed' ? 'closed' : how);
    }
    const c = this.current;
    if (c !== null && c.s === s && how === 'reset') this.done({ ok: false }, this.ctx.now);
  }

  /** What the report shows: ethr's counters, statistics and text once the run is over. */
  result(): TcpPingResult {
    const base = { traffic: this.spec.id, from: this.host.name, dialAddr: this.dialAddr };
    if (this.report === null) return { ...base, finished: false, sent: 0, received: 0, lost: 0, stats: null, text: '' };
    const { sent, received, lost, stats, text } = this.report;
    return { ...base, finished: true, sent, received, lost, stats: stats ? { ...stats } : null, text };
  }
}

/**
 * Traffic generators from scenario.traffic. Each is one shared object (no closure per packet or
 * per connection): it schedules its next start, one at a time, and keeps per-flow state in the
 * flow registry.
 * - tcp: `count` connections, one every intervalMs from startMs; optional HTTP GET once
 *   established (the http-echo service answers with what it saw); FIN after holdMs, or held open.
 * - udp: one datagram per flow from a fresh ephemeral port; 'answered' when the echo comes back.
 * - ping: ICMP echo requests with one identifier and increasing sequence numbers.
 * UDP and ICMP flows are 'unanswered' when no reply came within REPLY_TIMEOUT_US.
 */
import type { EventSink } from '../sim/scheduler.ts';
import type { Traffic } from '../model/scenario.ts';
import type { Rng } from '../sim/rng.ts';
import type { NetContext } from './context.ts';
import type { DatagramClient, Host } from './host.ts';
import { bytesText, ICMP_ECHO_REQUEST, Packet, PROTO_ICMP, PROTO_UDP, textBytes } from './packet.ts';
import type { Target } from './resolve.ts';
import type { SocketId, TcpApp, TcpEnd } from './tcp-socket.ts';

export const REPLY_TIMEOUT_US = 5_000_000;

const EV_NEXT = 1;
const EV_CLOSE = 2;
const EV_TIMEOUT = 3;

type TcpTraffic = Extract<Traffic, { type: 'tcp' }>;
type DatagramTraffic = Extract<Traffic, { type: 'udp' | 'ping' }>;

abstract class Generator implements EventSink<unknown> {
  protected started = 0;
  /** (this generator, its host) as the flow registry numbers it. */
  protected readonly label: number;
  /**
   * What starting the next flow reads of the spec, copied here: with a thousand generators taking
   * turns, the spec object would be one more cold cache line per flow.
   */
  private readonly count: number;
  private readonly intervalUs: number;
  protected readonly targetIp: number;
  protected readonly targetPort: number;
  constructor(
    protected readonly ctx: NetContext,
    protected readonly host: Host,
    protected readonly spec: Traffic,
    protected readonly target: Target,
    protected readonly srcIp: number,
  ) {
    this.label = ctx.flows.label(spec.id, host.id);
    this.count = spec.count;
    this.intervalUs = Math.round(spec.intervalMs * 1000);
    this.targetIp = target.ip;
    this.targetPort = target.port;
  }

  schedule(): void {
    if (this.count > 0) this.ctx.sched.at(Math.round(this.spec.startMs * 1000), this, EV_NEXT, null);
  }

  onEvent(kind: number, payload: unknown): void {
    if (kind === EV_NEXT) {
      this.startOne(this.started++);
      if (this.started < this.count) this.ctx.sched.after(this.intervalUs, this, EV_NEXT, null);
    } else this.timer(kind, payload);
  }

  protected abstract startOne(i: number): void;
  protected abstract timer(kind: number, payload: unknown): void;
}

export class TcpGenerator extends Generator implements TcpApp {
  private readonly request: Uint8Array | null;
  /** holdMs in µs, or -1 to hold the connection open. */
  private readonly holdUs: number;
  constructor(ctx: NetContext, host: Host, spec: TcpTraffic, target: Target, srcIp: number, private readonly bound: boolean) {
    super(ctx, host, spec, target, srcIp);
    this.request =
      spec.request === 'http' ? textBytes(`GET / HTTP/1.1\r\nHost: ${target.hostName}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n`) : null;
    this.holdUs = spec.holdMs === undefined ? -1 : Math.round(spec.holdMs * 1000);
  }

  protected startOne(): void {
    const flows = this.ctx.flows;
    const flow = flows.open(this.label, 'tcp', this.targetIp, this.targetPort, this.ctx.now);
    flows.setLocal(flow, this.srcIp, 0);
    const s = this.host.tcp.connect(this.srcIp, this.targetIp, this.targetPort, flow, this, this.bound);
    if (s === null) {
      flows.setOutcome(flow, 'reset');
      flows.setEndedAt(flow, this.ctx.now);
      flows.setError(flow, 'EADDRNOTAVAIL: no free ephemeral port');
      this.ctx.note(this.host.id, `connect to ${this.spec.to} failed: no free ephemeral port (EADDRNOTAVAIL)`);
      return;
    }
    flows.setLocalPort(flow, this.host.tcp.localPortOf(s));
  }

  protected timer(kind: number, payload: unknown): void {
    if (kind === EV_CLOSE) this.host.tcp.close(payload as SocketId);
  }

  /** The socket's flow id when a generator registered it, else -1. */
  private flow(s: SocketId): number {
    const id = this.host.tcp.flowIdOf(s);
    return this.ctx.flows.has(id) ? id : -1;
  }

  established(s: SocketId): void {
    const f = this.flow(s);
    if (f >= 0) {
      this.ctx.flows.setOutcome(f, 'established');
      const rtt = this.host.tcp.rttUsOf(s);
      if (rtt >= 0) this.ctx.flows.setRtt(f, rtt);
    }
    if (this.request !== null) this.host.tcp.send(s, this.request);
    if (this.holdUs >= 0) this.ctx.sched.after(this.holdUs, this, EV_CLOSE, s);
  }

  data(s: SocketId, bytes: Uint8Array): void {
    const f = this.flow(s);
    const text = bytesText(bytes);
    const at = text.indexOf('\r\n\r\n');
    if (f >= 0 && at >= 0) this.ctx.flows.setResponse(f, text.slice(at + 4).trim());
  }

  peerClosed(s: SocketId): void {
    this.host.tcp.close(s);
  }

  ended(s: SocketId, how: TcpEnd): void {
    const f = this.flow(s);
    if (f < 0) return;
    const flows = this.ctx.flows;
    flows.setEndedAt(f, this.ctx.now);
    if (how === 'closed') {
      if (flows.outcome(f) === 'established') flows.setOutcome(f, 'closed');
    } else flows.setOutcome(f, how);
  }
}

/** UDP and ping: one request per flow, matched to its reply, or 'unanswered' after a timeout. */
export class DatagramGenerator extends Generator implements DatagramClient {
  /** Requests waiting for their reply, by key (UDP source port or ICMP sequence): flow id and timer. */
  private readonly waiting = new Map<number, { flow: number; timer: number }>();
  private readonly icmpId: number;
  private readonly payload: Uint8Array;

  constructor(ctx: NetContext, host: Host, spec: DatagramTraffic, target: Target, srcIp: number, private readonly rng: Rng) {
    super(ctx, host, spec, target, srcIp);
    this.icmpId = rng.nextU32() & 0xffff;
    const n = spec.payloadBytes;
    this.payload = spec.type === 'ping' ? Uint8Array.from({ length: n }, (_, i) => i & 0xff) : textBytes('netplay '.repeat(Math.ceil(n / 8)).slice(0, n));
  }

  private get isPing(): boolean {
    return this.spec.type === 'ping';
  }

  protected startOne(i: number): void {
    const proto = this.isPing ? 'icmp' : 'udp';
    const flow = this.ctx.flows.open(this.label, proto, this.target.ip, this.target.port, this.ctx.now);
    this.ctx.flows.setLocal(flow, this.srcIp, 0);
    const p = this.ctx.packet(flow, this.isPing ? PROTO_ICMP : PROTO_UDP, this.srcIp, this.target.ip);
    p.payload = this.payload;
    let key: number;
    if (this.isPing) {
      key = (i + 1) & 0xffff;
      p.icmpType = ICMP_ECHO_REQUEST;
      p.icmpId = this.icmpId;
      p.icmpSeq = key;
      this.host.pingClients.set(this.icmpId, this);
    } else {
      key = this.freeUdpPort();
      p.srcPort = key;
      p.dstPort = this.target.port;
      this.ctx.flows.setLocalPort(flow, key);
      this.host.udpClients.set(key, this);
    }
    this.waiting.set(key, { flow, timer: this.ctx.sched.after(REPLY_TIMEOUT_US, this, EV_TIMEOUT, key) });
    this.host.output(p);
  }

  /** Linux's udp_lib_get_port starts at a random port of the range and walks up. */
  private freeUdpPort(): number {
    const [lo, hi] = this.host.settings.ephemeralPortRange;
    const n = hi - lo + 1;
    const start = this.rng.int(0, n - 1);
    for (let k = 0; k < n; k++) {
      const port = lo + ((start + k) % n);
      if (!this.host.udpClients.has(port) && !this.host.udpEcho.has(port)) return port;
    }
    return lo;
  }

  reply(p: Packet): void {
    const key = this.isPing ? p.icmpSeq : p.dstPort;
    const w = this.waiting.get(key);
    if (!w) return;
    this.ctx.sched.cancel(w.timer);
    const flows = this.ctx.flows;
    flows.setOutcome(w.flow, 'answered');
    flows.setEndedAt(w.flow, this.ctx.now);
    flows.setRtt(w.flow, this.ctx.now - flows.startedAt(w.flow));
    if (!this.isPing) flows.setResponse(w.flow, bytesText(p.payload));
    this.finish(key);
  }

  protected timer(kind: number, payload: unknown): void {
    if (kind !== EV_TIMEOUT) return;
    const key = payload as number;
    const w = this.waiting.get(key);
    if (!w) return;
    this.ctx.flows.setOutcome(w.flow, 'unanswered');
    this.ctx.flows.setEndedAt(w.flow, this.ctx.now);
    this.finish(key);
  }

  private finish(key: number): void {
    this.waiting.delete(key);
    if (!this.isPing) this.host.udpClients.delete(key);
    else if (this.waiting.size === 0 && this.started >= this.spec.count) this.host.pingClients.delete(this.icmpId);
  }
}

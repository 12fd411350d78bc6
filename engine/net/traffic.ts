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
import type { FlowRecord } from './flows.ts';
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
  constructor(
    protected readonly ctx: NetContext,
    protected readonly host: Host,
    protected readonly spec: Traffic,
    protected readonly target: Target,
    protected readonly srcIp: number,
  ) {}

  schedule(): void {
    if (this.spec.count > 0) this.ctx.sched.at(Math.round(this.spec.startMs * 1000), this, EV_NEXT, null);
  }

  onEvent(kind: number, payload: unknown): void {
    if (kind === EV_NEXT) {
      this.startOne(this.started++);
      if (this.started < this.spec.count) this.ctx.sched.after(Math.round(this.spec.intervalMs * 1000), this, EV_NEXT, null);
    } else this.timer(kind, payload);
  }

  protected abstract startOne(i: number): void;
  protected abstract timer(kind: number, payload: unknown): void;
}

export class TcpGenerator extends Generator implements TcpApp {
  private readonly request: Uint8Array | null;
  constructor(ctx: NetContext, host: Host, spec: TcpTraffic, target: Target, srcIp: number, private readonly bound: boolean) {
    super(ctx, host, spec, target, srcIp);
    this.request =
      spec.request === 'http' ? textBytes(`GET / HTTP/1.1\r\nHost: ${target.hostName}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n`) : null;
  }

  protected startOne(): void {
    const flow = this.ctx.flows.open(this.spec.id, 'tcp', this.host.id, this.target.ip, this.target.port, this.ctx.now);
    flow.localIp = this.srcIp;
    const s = this.host.tcp.connect(this.srcIp, this.target.ip, this.target.port, flow.flowId, this, this.bound);
    if (s === null) {
      flow.outcome = 'reset';
      flow.endedAt = this.ctx.now;
      flow.error = 'EADDRNOTAVAIL: no free ephemeral port';
      this.ctx.note(this.host.id, `connect to ${this.spec.to} failed: no free ephemeral port (EADDRNOTAVAIL)`);
      return;
    }
    flow.localPort = this.host.tcp.localPortOf(s);
  }

  protected timer(kind: number, payload: unknown): void {
    if (kind === EV_CLOSE) this.host.tcp.close(payload as SocketId);
  }

  private flow(s: SocketId): FlowRecord | undefined {
    return this.ctx.flows.get(this.host.tcp.flowIdOf(s));
  }

  established(s: SocketId): void {
    const f = this.flow(s);
    if (f) {
      f.outcome = 'established';
      const rtt = this.host.tcp.rttUsOf(s);
      if (rtt >= 0) f.rttUs = rtt;
    }
    if (this.request !== null) this.host.tcp.send(s, this.request);
    const hold = (this.spec as TcpTraffic).holdMs;
    if (hold !== undefined) this.ctx.sched.after(Math.round(hold * 1000), this, EV_CLOSE, s);
  }

  data(s: SocketId, bytes: Uint8Array): void {
    const f = this.flow(s);
    const text = bytesText(bytes);
    const at = text.indexOf('\r\n\r\n');
    if (f && at >= 0) f.response = text.slice(at + 4).trim();
  }

  peerClosed(s: SocketId): void {
    this.host.tcp.close(s);
  }

  ended(s: SocketId, how: TcpEnd): void {
    const f = this.flow(s);
    if (!f) return;
    f.endedAt = this.ctx.now;
    if (how === 'closed') {
      if (f.outcome === 'established') f.outcome = 'closed';
    } else f.outcome = how;
  }
}

/** UDP and ping: one request per flow, matched to its reply, or 'unanswered' after a timeout. */
export class DatagramGenerator extends Generator implements DatagramClient {
  private readonly waiting = new Map<number, { flow: FlowRecord; timer: number }>();
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
    const flow = this.ctx.flows.open(this.spec.id, proto, this.host.id, this.target.ip, this.target.port, this.ctx.now);
    flow.localIp = this.srcIp;
    const p = this.ctx.packet(flow.flowId, this.isPing ? PROTO_ICMP : PROTO_UDP, this.srcIp, this.target.ip);
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
      flow.localPort = key;
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
    w.flow.outcome = 'answered';
    w.flow.endedAt = this.ctx.now;
    w.flow.rttUs = this.ctx.now - w.flow.startedAt;
    if (!this.isPing) w.flow.response = bytesText(p.payload);
    this.finish(key);
  }

  protected timer(kind: number, payload: unknown): void {
    if (kind !== EV_TIMEOUT) return;
    const key = payload as number;
    const w = this.waiting.get(key);
    if (!w) return;
    w.flow.outcome = 'unanswered';
    w.flow.endedAt = this.ctx.now;
    this.finish(key);
  }

  private finish(key: number): void {
    this.waiting.delete(key);
    if (!this.isPing) this.host.udpClients.delete(key);
    else if (this.waiting.size === 0 && this.started >= this.spec.count) this.host.pingClients.delete(this.icmpId);
  }
}

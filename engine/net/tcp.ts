/**
 * A host's TCP: the connection table, listeners, and the state machine of RFC 9293 §3.10 as Linux
 * behaves by default:
 * - SYN retransmission: initial RTO 1 s (RFC 6298 §2.1, TCP_TIMEOUT_INIT), doubling, at most
 *   net.ipv4.tcp_syn_retries (6) retransmissions, so SYNs leave at 0, 1, 3, 7, 15, 31, 63 s and
 *   connect() gives up at 127 s (ETIMEDOUT); SYN/ACKs likewise, tcp_synack_retries = 5.
 * - SYN options as Linux sends them: MSS 1460, SACK-permitted, timestamps, window scale 7, window
 *   64240; a SYN/ACK offers window 65160 and echoes what the peer offered.
 * - RST for a segment to a port nothing listens on (§3.10.7.1); FIN teardown both ways;
 *   TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN, not tunable); an orphaned FIN_WAIT2 lasts
 *   net.ipv4.tcp_fin_timeout.
 * - Every in-order segment is acknowledged at once unless the application's reply carries the ACK
 *   (no delayed-ACK timer: it would only shift times by up to 40 ms).
 * Not modelled: congestion control, windows filling up, out-of-order queues (links do not reorder).
 */
import type { EventSink } from '../sim/scheduler.ts';
import type { Rng } from '../sim/rng.ts';
import type { SocketRow } from '../sim/types.ts';
import type { NetContext } from './context.ts';
import { ACK, endpoint, FIN, Packet, PROTO_TCP, PSH, RST, SYN } from './packet.ts';
import { pickEphemeralPort, portOffset, type PortRange } from './ports.ts';
import { seqAdd, seqLe, seqLt, TcpSocket, TcpState, type TcpApp, type TcpEnd } from './tcp-socket.ts';

export interface TcpHostIo {
  readonly id: string;
  readonly ctx: NetContext;
  /** Routes and sends a packet the stack made. */
  output(p: Packet): void;
}

export interface TcpSettings {
  readonly synRetries: number;
  readonly ephemeralPortRange: readonly [number, number];
  readonly finTimeoutSeconds: number;
}

export interface Listener {
  readonly port: number;
  readonly app: TcpApp;
  stopped: boolean;
}

const T_RTX = 1;
const T_TIME_WAIT = 2;
const T_FIN_WAIT2 = 3;

const SYN_RTO_US = 1_000_000;
const SYNACK_RETRIES = 5; // net.ipv4.tcp_synack_retries
const DATA_RETRIES = 15; // net.ipv4.tcp_retries2
const MAX_RTO_US = 120_000_000; // TCP_RTO_MAX
const MIN_RTO_US = 200_000; // TCP_RTO_MIN
export const TIME_WAIT_US = 60_000_000; // TCP_TIMEWAIT_LEN
const MSS = 1460;
const SYN_WINDOW = 64240; // 44 * MSS, Linux's initial receive window for MSS 1460
const SYNACK_WINDOW = 65160;
const SCALED_WINDOW = 502; // ~64 KiB >> 7

/** Reads the state afresh (an application callback may have closed the socket). */
function isClosed(s: TcpSocket): boolean {
  return s.state === TcpState.Closed;
}

/** A small-integer hash of the 4-tuple (a Smi: cheap Map key); buckets chain on collisions. */
function bucketKey(remoteIp: number, remotePort: number, localPort: number): number {
  let h = Math.imul(remoteIp ^ (remotePort << 16), 0x9e3779b1) ^ localPort;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

export class TcpStack implements EventSink<unknown> {
  private readonly buckets = new Map<number, TcpSocket>();
  readonly listeners = new Map<number, Listener>();
  /** Sockets in the table (every state but CLOSED). */
  count = 0;
  private hint = 0;
  private readonly secret: number;
  private readonly range: PortRange;

  constructor(
    private readonly host: TcpHostIo,
    private readonly settings: TcpSettings,
    private readonly rng: Rng,
  ) {
    this.secret = rng.nextU32();
    this.range = { low: settings.ephemeralPortRange[0], high: settings.ephemeralPortRange[1] };
  }

  listen(port: number, app: TcpApp): Listener {
    const l: Listener = { port, app, stopped: false };
    this.listeners.set(port, l);
    return l;
  }

  lookup(localIp: number, localPort: number, remoteIp: number, remotePort: number): TcpSocket | null {
    let s = this.buckets.get(bucketKey(remoteIp, remotePort, localPort)) ?? null;
    while (s !== null && (s.localPort !== localPort || s.remotePort !== remotePort || s.remoteIp !== remoteIp || s.localIp !== localIp)) s = s.next;
    return s;
  }

  /**
   * connect(): picks the source port (ports.ts), sends the SYN and arms the retransmission timer.
   * `bound` starts the port walk on the other parity, as bind() before connect() does. Returns
   * null when no port is free (EADDRNOTAVAIL).
   */
  connect(localIp: number, remoteIp: number, remotePort: number, flowId: number, app: TcpApp, bound = false): TcpSocket | null {
    const seed = (this.hint + portOffset(this.secret, localIp, remoteIp, remotePort)) >>> 0;
    const pick = pickEphemeralPort(this.range, seed, bound ? 1 : 0, (port) => this.listeners.has(port) || this.lookup(localIp, port, remoteIp, remotePort) !== null);
    if (pick === null) return null;
    this.hint = (this.hint + pick.i + 2) >>> 0;
    const s = new TcpSocket(localIp, pick.port, remoteIp, remotePort, flowId, app);
    s.iss = this.rng.nextU32();
    s.tsOffset = this.rng.nextU32();
    s.sndUna = s.iss;
    s.sndNxt = seqAdd(s.iss, 1);
    s.ts = s.sackOk = s.wscaleOk = true; // what we offer; the SYN/ACK decides
    this.insert(s);
    this.setState(s, TcpState.SynSent);
    s.timedSince = this.host.ctx.now;
    this.emit(s, SYN, s.iss, null);
    this.arm(s, T_RTX, SYN_RTO_US);
    return s;
  }

  /** The application sends bytes (one segment: payloads here are small). */
  send(s: TcpSocket, bytes: Uint8Array): void {
    if (s.state !== TcpState.Established && s.state !== TcpState.CloseWait) return;
    this.queue(s, PSH | ACK, bytes);
  }

  /** close(): FIN after what was sent; a connect still in SYN_SENT is simply dropped. */
  close(s: TcpSocket): void {
    s.closedByApp = true;
    switch (s.state) {
      case TcpState.SynSent:
        this.terminate(s, 'closed');
        break;
      case TcpState.SynRecv:
      case TcpState.Established:
        this.setState(s, TcpState.FinWait1);
        this.queue(s, FIN | ACK, null);
        break;
      case TcpState.CloseWait:
        this.setState(s, TcpState.LastAck);
        this.queue(s, FIN | ACK, null);
        break;
      default:
        break;
    }
  }

  /** abort(): RST and forget (SO_LINGER 0). */
  abort(s: TcpSocket): void {
    if (isClosed(s)) return;
    if (s.state !== TcpState.SynSent && s.state !== TcpState.TimeWait) this.emit(s, RST | ACK, s.sndNxt, null);
    this.terminate(s, 'reset');
  }

  input(p: Packet): void {
    const s = this.lookup(p.dst, p.dstPort, p.src, p.srcPort);
    if (s === null) return this.inputNoSocket(p);
    if (s.state === TcpState.SynSent) return this.inputSynSent(s, p);
    if (s.state === TcpState.SynRecv) {
      if (p.flags & RST) return this.terminate(s, 'reset');
      if ((p.flags & (SYN | ACK)) === SYN) return this.emitSynAck(s); // the peer retransmitted its SYN
      if (!(p.flags & ACK)) return;
      if (p.ack !== s.sndNxt) return this.reset(p);
      s.sndUna = p.ack;
      this.disarm(s);
      this.setState(s, TcpState.Established);
      s.app?.established(s);
      if (isClosed(s)) return;
    }
    this.inputSynchronized(s, p);
  }

  onEvent(kind: number, payload: unknown): void {
    const s = payload as TcpSocket;
    s.timer = 0;
    s.timerKind = 0;
    if (kind === T_RTX) this.retransmit(s);
    else if (kind === T_TIME_WAIT || kind === T_FIN_WAIT2) this.terminate(s, 'closed');
  }

  /** netstat-like rows: listeners first, then connections, sorted by addresses. */
  rows(): SocketRow[] {
    const rows: SocketRow[] = [];
    const ports = [...this.listeners.values()].filter((l) => !l.stopped).map((l) => l.port);
    ports.sort((a, b) => a - b);
    for (const port of ports) rows.push({ proto: 'tcp', local: `0.0.0.0:${port}`, remote: '0.0.0.0:*', state: 'LISTEN' });
    const socks: TcpSocket[] = [];
    for (const head of this.buckets.values()) for (let s: TcpSocket | null = head; s; s = s.next) socks.push(s);
    socks.sort((a, b) => a.localIp - b.localIp || a.localPort - b.localPort || a.remoteIp - b.remoteIp || a.remotePort - b.remotePort);
    for (const s of socks)
      rows.push({ proto: 'tcp', local: endpoint(s.localIp, s.localPort), remote: endpoint(s.remoteIp, s.remotePort), state: s.stateName, flowId: s.flowId });
    return rows;
  }

  // -------------------------------------------------------------------------------------------

  private inputNoSocket(p: Packet): void {
    if (p.flags & RST) return; // RFC 9293 §3.10.7.1: an incoming RST is discarded
    const l = this.listeners.get(p.dstPort);
    if ((p.flags & (SYN | ACK | FIN)) === SYN && l !== undefined && !l.stopped) return this.passiveOpen(p, l);
    const ctx = this.host.ctx;
    if (ctx.trace.on) ctx.note(this.host.id, `nothing listens on TCP port ${p.dstPort}: answering with RST`);
    this.reset(p);
  }

  private passiveOpen(p: Packet, l: Listener): void {
    const s = new TcpSocket(p.dst, p.dstPort, p.src, p.srcPort, p.flowId, l.app);
    s.irs = p.seq;
    s.rcvNxt = seqAdd(p.seq, 1);
    s.iss = this.rng.nextU32();
    s.tsOffset = this.rng.nextU32();
    s.sndUna = s.iss;
    s.sndNxt = seqAdd(s.iss, 1);
    s.ts = p.hasTs;
    s.tsRecent = p.tsVal;
    s.sackOk = p.sackPerm;
    s.wscaleOk = p.wscale >= 0;
    this.insert(s);
    this.setState(s, TcpState.SynRecv);
    this.emitSynAck(s);
    this.arm(s, T_RTX, SYN_RTO_US);
  }

  private inputSynSent(s: TcpSocket, p: Packet): void {
    if (p.flags & ACK && p.ack !== s.sndNxt) {
      if (!(p.flags & RST)) this.reset(p);
      return;
    }
    if (p.flags & RST) {
      if (p.flags & ACK) this.terminate(s, 'reset'); // connection refused
      return;
    }
    if ((p.flags & (SYN | ACK)) !== (SYN | ACK)) return;
    s.irs = p.seq;
    s.rcvNxt = seqAdd(p.seq, 1);
    s.sndUna = p.ack;
    s.ts = p.hasTs;
    s.tsRecent = p.tsVal;
    s.sackOk = p.sackPerm;
    s.wscaleOk = p.wscale >= 0;
    if (s.timedSince >= 0) s.rttUs = this.host.ctx.now - s.timedSince;
    this.disarm(s);
    s.retries = 0;
    s.rto = rtoFor(s.rttUs);
    this.setState(s, TcpState.Established);
    this.emit(s, ACK, s.sndNxt, null);
    s.app?.established(s);
  }

  private inputSynchronized(s: TcpSocket, p: Packet): void {
    const f = p.flags;
    if (f & RST) {
      if (seqLe(s.rcvNxt, p.seq) && seqLt(p.seq, seqAdd(s.rcvNxt, 65536))) this.terminate(s, 'reset');
      return;
    }
    if (f & SYN) {
      this.emit(s, ACK, s.sndNxt, null); // a retransmitted SYN/ACK: our ACK was lost
      return;
    }
    if (!(f & ACK)) return;
    if (seqLt(s.sndUna, p.ack) && seqLe(p.ack, s.sndNxt)) this.acked(s, p.ack);
    if (isClosed(s)) return;
    if (s.ts && p.hasTs) s.tsRecent = p.tsVal;
    const len = p.payloadLength;
    if (len === 0 && !(f & FIN)) return;
    if (p.seq !== s.rcvNxt) {
      this.emit(s, ACK, s.sndNxt, null); // a duplicate: acknowledge what we have
      return;
    }
    const st = s.state;
    if (len > 0 && (st === TcpState.Established || st === TcpState.FinWait1 || st === TcpState.FinWait2)) {
      s.rcvNxt = seqAdd(s.rcvNxt, len);
      s.app?.data(s, p.payload!);
      if (isClosed(s)) return;
    }
    if (f & FIN) this.finReceived(s);
    if (!isClosed(s) && s.ackSent !== s.rcvNxt) this.emit(s, ACK, s.sndNxt, null);
  }

  private finReceived(s: TcpSocket): void {
    s.rcvNxt = seqAdd(s.rcvNxt, 1);
    switch (s.state) {
      case TcpState.Established:
        this.setState(s, TcpState.CloseWait);
        s.app?.peerClosed(s);
        break;
      case TcpState.FinWait1:
        this.setState(s, TcpState.Closing); // our FIN is not acknowledged yet: simultaneous close
        s.app?.peerClosed(s);
        break;
      case TcpState.FinWait2:
        s.app?.peerClosed(s);
        this.enterTimeWait(s);
        break;
      case TcpState.TimeWait:
        s.rcvNxt = seqAdd(s.rcvNxt, -1); // a retransmitted FIN: re-ACK and restart 2MSL
        this.emit(s, ACK, s.sndNxt, null);
        this.arm(s, T_TIME_WAIT, TIME_WAIT_US);
        break;
      default:
        break;
    }
  }

  /** The peer acknowledged up to `ack`: forget acknowledged segments and advance the state. */
  private acked(s: TcpSocket, ack: number): void {
    s.sndUna = ack;
    const q = s.unacked;
    if (q !== null) {
      while (q.length > 0) {
        const seg = q[0]!;
        const end = seqAdd(seg.seq, (seg.payload ? seg.payload.length : 0) + (seg.flags & FIN ? 1 : 0));
        if (!seqLe(end, ack)) break;
        q.shift();
      }
    }
    s.retries = 0;
    if (q === null || q.length === 0) {
      if (s.timerKind === T_RTX) this.disarm(s);
    } else this.arm(s, T_RTX, s.rto);
    if (ack !== s.sndNxt) return;
    if (s.state === TcpState.FinWait1) {
      this.setState(s, TcpState.FinWait2);
      if (s.closedByApp) this.arm(s, T_FIN_WAIT2, this.settings.finTimeoutSeconds * 1_000_000);
    } else if (s.state === TcpState.Closing) this.enterTimeWait(s);
    else if (s.state === TcpState.LastAck) this.terminate(s, 'closed');
  }

  private enterTimeWait(s: TcpSocket): void {
    this.setState(s, TcpState.TimeWait);
    this.arm(s, T_TIME_WAIT, TIME_WAIT_US);
    this.notifyEnd(s, 'closed');
  }

  private retransmit(s: TcpSocket): void {
    s.timedSince = -1; // Karn: no RTT sample from a retransmitted segment
    if (s.state === TcpState.SynSent) {
      if (s.retries >= this.settings.synRetries) return this.terminate(s, 'timed-out');
      s.retries++;
      s.rto *= 2;
      this.emit(s, SYN, s.iss, null);
      return this.arm(s, T_RTX, s.rto);
    }
    if (s.state === TcpState.SynRecv) {
      if (s.retries >= SYNACK_RETRIES) return this.terminate(s, 'timed-out');
      s.retries++;
      s.rto *= 2;
      this.emitSynAck(s);
      return this.arm(s, T_RTX, s.rto);
    }
    const seg = s.unacked?.[0];
    if (seg === undefined) return;
    if (s.retries >= DATA_RETRIES) return this.terminate(s, 'timed-out');
    s.retries++;
    s.rto = Math.min(s.rto * 2, MAX_RTO_US);
    this.emit(s, seg.flags, seg.seq, seg.payload);
    this.arm(s, T_RTX, s.rto);
  }

  /** Sends a segment that occupies sequence space and keeps it until acknowledged. */
  private queue(s: TcpSocket, flags: number, payload: Uint8Array | null): void {
    const seq = s.sndNxt;
    this.emit(s, flags, seq, payload);
    s.sndNxt = seqAdd(seq, (payload ? payload.length : 0) + (flags & FIN ? 1 : 0));
    (s.unacked ??= []).push({ seq, flags, payload });
    if (s.timerKind !== T_RTX) this.arm(s, T_RTX, s.rto);
  }

  private emitSynAck(s: TcpSocket): void {
    this.emit(s, SYN | ACK, s.iss, null);
  }

  private emit(s: TcpSocket, flags: number, seq: number, payload: Uint8Array | null): void {
    const ctx = this.host.ctx;
    const p = ctx.packet(s.flowId, PROTO_TCP, s.localIp, s.remoteIp);
    p.srcPort = s.localPort;
    p.dstPort = s.remotePort;
    p.seq = seq;
    p.flags = flags;
    p.payload = payload;
    if (flags & ACK) {
      p.ack = s.rcvNxt;
      s.ackSent = s.rcvNxt;
    }
    const now = ctx.now;
    if (flags & SYN) {
      const passive = (flags & ACK) !== 0;
      p.window = passive ? SYNACK_WINDOW : SYN_WINDOW;
      p.mss = MSS;
      p.sackPerm = s.sackOk;
      p.wscale = s.wscaleOk ? 7 : -1;
      if (s.ts) {
        p.hasTs = true;
        p.tsVal = (Math.floor(now / 1000) + s.tsOffset) >>> 0;
        p.tsEcr = passive ? s.tsRecent : 0;
      }
    } else {
      p.window = flags & RST ? 0 : s.wscaleOk ? SCALED_WINDOW : SYN_WINDOW;
      if (s.ts && !(flags & RST)) {
        p.hasTs = true;
        p.tsVal = (Math.floor(now / 1000) + s.tsOffset) >>> 0;
        p.tsEcr = s.tsRecent;
      }
    }
    this.host.output(p);
  }

  /** RFC 9293 §3.10.7.1: the reset for a segment that belongs to no connection. */
  private reset(p: Packet): void {
    const r = this.host.ctx.packet(p.flowId, PROTO_TCP, p.dst, p.src);
    r.srcPort = p.dstPort;
    r.dstPort = p.srcPort;
    if (p.flags & ACK) {
      r.seq = p.ack;
      r.flags = RST;
    } else {
      r.seq = 0;
      r.ack = seqAdd(p.seq, p.payloadLength + (p.flags & SYN ? 1 : 0) + (p.flags & FIN ? 1 : 0));
      r.flags = RST | ACK;
    }
    this.host.output(r);
  }

  private terminate(s: TcpSocket, how: TcpEnd): void {
    this.disarm(s);
    if (s.state !== TcpState.Closed) {
      this.setState(s, TcpState.Closed);
      this.remove(s);
    }
    this.notifyEnd(s, how);
  }

  private notifyEnd(s: TcpSocket, how: TcpEnd): void {
    if (s.endNotified) return;
    s.endNotified = true;
    s.app?.ended(s, how);
  }

  private setState(s: TcpSocket, st: TcpState): void {
    s.state = st;
    const ctx = this.host.ctx;
    if (ctx.trace.on) {
      const name = s.name;
      ctx.trace.record({ kind: 'socket', node: this.host.id, socket: name, state: s.stateName, flowId: s.flowId, summary: `${name} ${s.stateName}` });
    }
  }

  private arm(s: TcpSocket, kind: number, delayUs: number): void {
    const sched = this.host.ctx.sched;
    if (s.timer !== 0) sched.cancel(s.timer);
    s.timer = sched.after(delayUs, this, kind, s);
    s.timerKind = kind;
  }

  private disarm(s: TcpSocket): void {
    if (s.timer !== 0) this.host.ctx.sched.cancel(s.timer);
    s.timer = 0;
    s.timerKind = 0;
  }

  private insert(s: TcpSocket): void {
    const key = bucketKey(s.remoteIp, s.remotePort, s.localPort);
    s.next = this.buckets.get(key) ?? null;
    this.buckets.set(key, s);
    this.count++;
  }

  private remove(s: TcpSocket): void {
    const key = bucketKey(s.remoteIp, s.remotePort, s.localPort);
    let head = this.buckets.get(key) ?? null;
    if (head === s) {
      if (s.next) this.buckets.set(key, s.next);
      else this.buckets.delete(key);
    } else {
      while (head !== null && head.next !== s) head = head.next;
      if (head !== null) head.next = s.next;
    }
    s.next = null;
    this.count--;
  }
}

/** RFC 6298 §2.2 after one sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR), Linux floor 200 ms. */
function rtoFor(rttUs: number): number {
  if (rttUs < 0) return SYN_RTO_US;
  return Math.max(MIN_RTO_US, rttUs + Math.max(MIN_RTO_US, 2 * rttUs));
}

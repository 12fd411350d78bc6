/**
 * A host's TCP: the connection table, listeners, and the state machine of RFC 9293 §3.10 as Linux
 * behaves by default:
 * - SYN retransmission: initial RTO 1 s (RFC 6298 §2.1, TCP_TIMEOUT_INIT), doubling, at most
 *   net.ipv4.tcp_syn_retries (6) retransmissions, so SYNs leave at 0, 1, 3, 7, 15, 31, 63 s and
 *   connect() gives up at 127 s (ETIMEDOUT); SYN/ACKs likewise, tcp_synack_retries = 5. With
 *   net.ipv4.tcp_syn_linear_timeouts = N (Linux 6.5+, default 4 there; stack.synLinearTimeouts,
 *   default 0 here) N more SYNs leave 1 s apart first: 0, 1, 2, 3, 4, 5, 7, 11, ... s, 132 s in all.
 * - SYN options as Linux sends them: MSS 1460, SACK-permitted, timestamps, window scale 7, window
 *   64240; a SYN/ACK offers window 65160 and echoes what the peer offered.
 * - RST for a segment to a port nothing listens on (§3.10.7.1); FIN teardown both ways;
 *   TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN, not tunable); an orphaned FIN_WAIT2 lasts
 *   net.ipv4.tcp_fin_timeout.
 * - Every in-order segment is acknowledged at once unless the application's reply carries the ACK
 *   (no delayed-ACK timer: it would only shift times by up to 40 ms).
 * Not modelled: congestion control, windows filling up, out-of-order queues (links do not reorder).
 *
 * Connections live in the run's socket table of fixed-size records (tcp-table.ts: one for every
 * host, keyed by this stack's host number and the 4-tuple) and are handles, not objects, so
 * 100,000 open connections cost the GC nothing. Longer than 400 lines because it is one state
 * machine: splitting RFC 9293 §3.10's event processing across files would make it harder to follow.
 */
import type { EventSink } from '../sim/scheduler.ts';
import type { Rng } from '../sim/rng.ts';
import type { SocketRow } from '../sim/types.ts';
import type { NetContext } from './context.ts';
import { ACK, endpoint, FIN, Packet, PROTO_TCP, PSH, RST, SYN } from './packet.ts';
import { pickedPort, pickedWalk, portOffset, walkEphemeralPorts, type PortCheck } from './ports.ts';
import { seqAdd, seqLe, seqLt, TCP_STATE_NAMES, TcpState, type TcpApp, type TcpEnd } from './tcp-socket.ts';
import {
  B_ACK_OWED, B_CLOSED_BY_APP, B_END_NOTIFIED, B_HAS_RTT, B_SACK, B_TIMED, B_TS, B_WSCALE, SocketTable, baseOf, type SocketId,
  FLAGS, FLOW_ID, LOCAL_IP, RCV_NXT, REC_SHIFT, REMOTE_IP, RTO, SND_NXT, SND_UNA, TIMER, TIMING, TS_OFFSET, TS_RECENT,
  localPortAt, remotePortAt, retriesAt, setRetriesAt, setStateAt, setTimerKindAt, stateAt, timerKindAt,
} from './tcp-table.ts';

export interface TcpHostIo {
  readonly id: string;
  readonly ctx: NetContext;
  /** Routes and sends a packet the stack made. */
  output(p: Packet): void;
}

export interface TcpSettings {
  readonly synRetries: number;
  /** net.ipv4.tcp_syn_linear_timeouts (Linux ≥ 6.5): SYN timeouts kept at 1 s before doubling; absent = 0. */
  readonly synLinearTimeouts?: number;
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

/** The run's socket table, shared by every host of one NetContext. */
const tables = new WeakMap<NetContext, SocketTable>();
function tableOf(ctx: NetContext): SocketTable {
  let t = tables.get(ctx);
  if (t === undefined) tables.set(ctx, (t = new SocketTable()));
  return t;
}

export class TcpStack implements EventSink<unknown>, PortCheck {
  /** The run's connection table (every state but CLOSED), where this host's sockets are keyed by `hostNo`. */
  private readonly t: SocketTable;
  private readonly hostNo: number;
  /** This host's sockets in the table. */
  private sockets = 0;
  readonly listeners = new Map<number, Listener>();
  /** Whether any port was ever listened on (a client host has no listener: its Map is not read per port tried). */
  private listening = false;
  private hint = 0;
  private readonly secret: number;
  /** net.ipv4.ip_local_port_range, as fields of the stack (read on every connect). */
  private readonly portLow: number;
  private readonly portHigh: number;
  /** The 3-tuple connect() is picking a port for (read by portTaken). */
  private pickLocalIp = 0;
  private pickRemoteIp = 0;
  private pickRemotePort = 0;

  constructor(
    private readonly host: TcpHostIo,
    private readonly settings: TcpSettings,
    private readonly rng: Rng,
  ) {
    this.t = tableOf(host.ctx);
    this.hostNo = this.t.addHost();
    this.secret = rng.nextU32();
    this.portLow = settings.ephemeralPortRange[0];
    this.portHigh = settings.ephemeralPortRange[1];
  }

  /** connect()'s port walk asks: is `port` held by a listener, or in use towards the 3-tuple being connected? */
  portTaken(port: number): boolean {
    return (this.listening && this.listeners.has(port)) || this.t.find(this.hostNo, this.pickLocalIp, port, this.pickRemoteIp, this.pickRemotePort) >= 0;
  }

  /** Sockets in the table (every state but CLOSED). */
  get count(): number {
    return this.sockets;
  }

  /** Makes room in the run's table for about `n` connections of this host (build.ts, from the traffic spec). */
  reserve(n: number): void {
    this.t.reserve(n);
  }

  listen(port: number, app: TcpApp): Listener {
    const l: Listener = { port, app, stopped: false };
    this.listeners.set(port, l);
    this.listening = true;
    return l;
  }

  lookup(localIp: number, localPort: number, remoteIp: number, remotePort: number): SocketId | null {
    const s = this.t.find(this.hostNo, localIp, localPort, remoteIp, remotePort);
    return s < 0 ? null : s;
  }

  // What applications may ask about a connection.
  stateOf(s: SocketId): TcpState {
    return this.t.live(s) ? (stateAt(this.t.w, baseOf(s)) as TcpState) : TcpState.Closed;
  }
  flowIdOf(s: SocketId): number {
    return this.t.w[baseOf(s) + FLOW_ID]!;
  }
  localPortOf(s: SocketId): number {
    return localPortAt(this.t.w, baseOf(s));
  }
  remoteIpOf(s: SocketId): number {
    return this.t.u[baseOf(s) + REMOTE_IP]!;
  }
  remotePortOf(s: SocketId): number {
    return remotePortAt(this.t.w, baseOf(s));
  }
  /** Handshake round-trip time in µs (active opens whose SYN was not retransmitted), else -1. */
  rttUsOf(s: SocketId): number {
    const i = baseOf(s);
    return this.t.w[i + FLAGS]! & B_HAS_RTT ? this.t.u[i + TIMING]! : -1;
  }

  /**
   * connect(): picks the source port (ports.ts), sends the SYN and arms the retransmission timer.
   * `bound` starts the port walk on the other parity, as bind() before connect() does. Returns
   * null when no port is free (EADDRNOTAVAIL).
   */
  connect(localIp: number, remoteIp: number, remotePort: number, flowId: number, app: TcpApp, bound = false): SocketId | null {
    const seed = (this.hint + portOffset(this.secret, localIp, remoteIp, remotePort)) >>> 0;
    this.pickLocalIp = localIp;
    this.pickRemoteIp = remoteIp;
    this.pickRemotePort = remotePort;
    const pick = walkEphemeralPorts(this.portLow, this.portHigh, seed, bound ? 1 : 0, this);
    if (pick < 0) return null;
    this.hint = (this.hint + pickedWalk(pick) + 2) >>> 0;
    const t = this.t;
    const s = t.open(this.hostNo, localIp, pickedPort(pick), remoteIp, remotePort, flowId, app);
    this.sockets++;
    const i = baseOf(s);
    const iss = this.rng.nextU32();
    t.u[i + TS_OFFSET] = this.rng.nextU32();
    t.u[i + SND_UNA] = iss; // and ISS, while in SYN_SENT
    t.u[i + SND_NXT] = seqAdd(iss, 1);
    t.w[i + FLAGS] = t.w[i + FLAGS]! | B_TS | B_SACK | B_WSCALE; // what we offer; the SYN/ACK decides
    this.setState(s, TcpState.SynSent);
    t.u[i + TIMING] = this.host.ctx.now >>> 0;
    t.w[i + FLAGS] = t.w[i + FLAGS]! | B_TIMED;
    this.emit(s, SYN, iss, null);
    this.arm(s, T_RTX, SYN_RTO_US);
    return s;
  }

  /** The application sends bytes (one segment: payloads here are small). */
  send(s: SocketId, bytes: Uint8Array): void {
    const st = this.stateOf(s);
    if (st !== TcpState.Established && st !== TcpState.CloseWait) return;
    this.queue(s, PSH | ACK, bytes);
  }

  /** close(): FIN after what was sent; a connect still in SYN_SENT is simply dropped. */
  close(s: SocketId): void {
    if (!this.t.live(s)) return;
    this.t.w[baseOf(s) + FLAGS] = this.t.w[baseOf(s) + FLAGS]! | B_CLOSED_BY_APP;
    switch (stateAt(this.t.w, baseOf(s))) {
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
  abort(s: SocketId): void {
    const st = this.stateOf(s);
    if (st === TcpState.Closed) return;
    if (st !== TcpState.SynSent && st !== TcpState.TimeWait) this.emit(s, RST | ACK, this.t.u[baseOf(s) + SND_NXT]!, null);
    this.terminate(s, 'reset');
  }

  input(p: Packet): void {
    const t = this.t;
    // The peer's hint names our socket once it has heard from us (the hint is checked): no index lookup.
    let s = p.toSock;
    if (!t.holds(s, this.hostNo, p.dst, p.dstPort, p.src, p.srcPort)) s = t.find(this.hostNo, p.dst, p.dstPort, p.src, p.srcPort);
    if (s < 0) return this.inputNoSocket(p);
    const i = baseOf(s);
    if (p.fromSock >= 0) t.peer[i >> REC_SHIFT] = p.fromSock;
    const st = stateAt(t.w, i);
    if (st === TcpState.SynSent) return this.inputSynSent(s, p);
    if (st === TcpState.SynRecv) {
      if (p.flags & RST) return this.terminate(s, 'reset');
      if ((p.flags & (SYN | ACK)) === SYN) return this.emitSynAck(s); // the peer retransmitted its SYN
      if (!(p.flags & ACK)) return;
      if (p.ack !== t.u[i + SND_NXT]) return this.reset(p);
      t.u[i + SND_UNA] = p.ack;
      this.disarm(s);
      this.setState(s, TcpState.Established);
      t.appAt(i)?.established(s);
      if (this.isClosed(s)) return;
    }
    this.inputSynchronized(s, p);
  }

  onEvent(kind: number, payload: unknown): void {
    const s = payload as SocketId;
    const i = baseOf(s);
    this.t.d[(i >> 1) + TIMER] = 0;
    setTimerKindAt(this.t.w, i, 0);
    if (kind === T_RTX) this.retransmit(s);
    else if (kind === T_TIME_WAIT || kind === T_FIN_WAIT2) this.terminate(s, 'closed');
  }

  /** How many rows rows() would return, without building them. */
  rowCount(): number {
    let n = this.sockets;
    for (const l of this.listeners.values()) if (!l.stopped) n++;
    return n;
  }

  /**
   * rows(), but only the first `limit` of those `keep` accepts (in the same order), and how many
   * it accepted in all. A snapshot of a host with 100,000 connections shows a few hundred rows:
   * without a filter no string is built for the others and no full sort is done (the smallest
   * `limit` addresses are selected as they come).
   */
  rowsLimited(limit: number, keep: ((r: SocketRow) => boolean) | null): { rows: SocketRow[]; matches: number } {
    const rows: SocketRow[] = [];
    let matches = 0;
    const ports = [...this.listeners.values()].filter((l) => !l.stopped).map((l) => l.port);
    ports.sort((a, b) => a - b);
    for (const port of ports) {
      const r: SocketRow = { proto: 'tcp', local: `0.0.0.0:${port}`, remote: '0.0.0.0:*', state: 'LISTEN' };
      if (keep && !keep(r)) continue;
      matches++;
      if (rows.length < limit) rows.push(r);
    }
    const t = this.t;
    const w = t.w;
    const cmp = (a: number, b: number) => t.u[a + LOCAL_IP]! - t.u[b + LOCAL_IP]! || localPortAt(w, a) - localPortAt(w, b) || t.u[a + REMOTE_IP]! - t.u[b + REMOTE_IP]! || remotePortAt(w, a) - remotePortAt(w, b);
    const room = limit - rows.length;
    const best: number[] = [];
    for (const s of t.all(this.hostNo)) {
      const i = baseOf(s);
      if (keep && !keep(this.rowAt(i))) continue;
      matches++;
      if (room <= 0 || (best.length === room && cmp(i, best[room - 1]!) >= 0)) continue;
      let lo = 0;
      let hi = best.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cmp(best[mid]!, i) <= 0) lo = mid + 1;
        else hi = mid;
      }
      best.splice(lo, 0, i);
      if (best.length > room) best.pop();
    }
    for (const i of best) rows.push(this.rowAt(i));
    return { rows, matches };
  }

  private rowAt(i: number): SocketRow {
    const t = this.t;
    return {
      proto: 'tcp',
      local: endpoint(t.u[i + LOCAL_IP]!, localPortAt(t.w, i)),
      remote: endpoint(t.u[i + REMOTE_IP]!, remotePortAt(t.w, i)),
      state: TCP_STATE_NAMES[stateAt(t.w, i)]!,
      flowId: t.w[i + FLOW_ID]!,
    };
  }

  /** netstat-like rows: listeners first, then connections, sorted by addresses. */
  rows(): SocketRow[] {
    const rows: SocketRow[] = [];
    const ports = [...this.listeners.values()].filter((l) => !l.stopped).map((l) => l.port);
    ports.sort((a, b) => a - b);
    for (const port of ports) rows.push({ proto: 'tcp', local: `0.0.0.0:${port}`, remote: '0.0.0.0:*', state: 'LISTEN' });
    const t = this.t;
    const socks = t.all(this.hostNo).map(baseOf);
    const w = t.w;
    socks.sort((a, b) => t.u[a + LOCAL_IP]! - t.u[b + LOCAL_IP]! || localPortAt(w, a) - localPortAt(w, b) || t.u[a + REMOTE_IP]! - t.u[b + REMOTE_IP]! || remotePortAt(w, a) - remotePortAt(w, b));
    for (const i of socks)
      rows.push({
        proto: 'tcp',
        local: endpoint(t.u[i + LOCAL_IP]!, localPortAt(w, i)),
        remote: endpoint(t.u[i + REMOTE_IP]!, remotePortAt(w, i)),
        state: TCP_STATE_NAMES[stateAt(w, i)]!,
        flowId: t.w[i + FLOW_ID]!,
      });
    return rows;
  }

  // -------------------------------------------------------------------------------------------

  /** Reads the state afresh (an application callback may have closed the socket). */
  private isClosed(s: SocketId): boolean {
    return !this.t.live(s) || stateAt(this.t.w, baseOf(s)) === TcpState.Closed;
  }

  private inputNoSocket(p: Packet): void {
    if (p.flags & RST) return; // RFC 9293 §3.10.7.1: an incoming RST is discarded
    const l = this.listeners.get(p.dstPort);
    if ((p.flags & (SYN | ACK | FIN)) === SYN && l !== undefined && !l.stopped) return this.passiveOpen(p, l);
    const ctx = this.host.ctx;
    if (ctx.trace.on) ctx.note(this.host.id, `nothing listens on TCP port ${p.dstPort}: answering with RST`);
    this.reset(p);
  }

  private passiveOpen(p: Packet, l: Listener): void {
    const t = this.t;
    const s = t.open(this.hostNo, p.dst, p.dstPort, p.src, p.srcPort, p.flowId, l.app);
    this.sockets++;
    const i = baseOf(s);
    t.peer[i >> REC_SHIFT] = p.fromSock;
    t.u[i + RCV_NXT] = seqAdd(p.seq, 1);
    const iss = this.rng.nextU32();
    t.u[i + TS_OFFSET] = this.rng.nextU32();
    t.u[i + SND_UNA] = iss; // and ISS, while in SYN_RECV
    t.u[i + SND_NXT] = seqAdd(iss, 1);
    t.u[i + TS_RECENT] = p.tsVal;
    t.w[i + FLAGS] = t.w[i + FLAGS]! | B_ACK_OWED | (p.hasTs ? B_TS : 0) | (p.sackPerm ? B_SACK : 0) | (p.wscale >= 0 ? B_WSCALE : 0);
    this.setState(s, TcpState.SynRecv);
    this.emitSynAck(s);
    this.arm(s, T_RTX, SYN_RTO_US);
  }

  private inputSynSent(s: SocketId, p: Packet): void {
    const t = this.t;
    const i = baseOf(s);
    if (p.flags & ACK && p.ack !== t.u[i + SND_NXT]) {
      if (!(p.flags & RST)) this.reset(p);
      return;
    }
    if (p.flags & RST) {
      if (p.flags & ACK) this.terminate(s, 'reset'); // connection refused
      return;
    }
    if ((p.flags & (SYN | ACK)) !== (SYN | ACK)) return;
    t.u[i + RCV_NXT] = seqAdd(p.seq, 1);
    t.u[i + SND_UNA] = p.ack;
    t.u[i + TS_RECENT] = p.tsVal;
    let flags = (t.w[i + FLAGS]! & ~(B_TS | B_SACK | B_WSCALE)) | B_ACK_OWED | (p.hasTs ? B_TS : 0) | (p.sackPerm ? B_SACK : 0) | (p.wscale >= 0 ? B_WSCALE : 0);
    if (flags & B_TIMED) {
      // Answered within the SYN's first RTO (else not timed): the difference mod 2^32 is exact.
      t.u[i + TIMING] = ((this.host.ctx.now >>> 0) - t.u[i + TIMING]!) >>> 0;
      flags = (flags & ~B_TIMED) | B_HAS_RTT;
    }
    t.w[i + FLAGS] = flags;
    this.disarm(s);
    setRetriesAt(t.w, i, 0);
    t.u[i + RTO] = rtoFor(flags & B_HAS_RTT ? t.u[i + TIMING]! : -1);
    this.setState(s, TcpState.Established);
    this.emit(s, ACK, t.u[i + SND_NXT]!, null);
    t.appAt(i)?.established(s);
  }

  private inputSynchronized(s: SocketId, p: Packet): void {
    const t = this.t;
    const i = baseOf(s);
    const f = p.flags;
    if (f & RST) {
      if (seqLe(t.u[i + RCV_NXT]!, p.seq) && seqLt(p.seq, seqAdd(t.u[i + RCV_NXT]!, 65536))) this.terminate(s, 'reset');
      return;
    }
    if (f & SYN) {
      this.emit(s, ACK, t.u[i + SND_NXT]!, null); // a retransmitted SYN/ACK: our ACK was lost
      return;
    }
    if (!(f & ACK)) return;
    if (seqLt(t.u[i + SND_UNA]!, p.ack) && seqLe(p.ack, t.u[i + SND_NXT]!)) this.acked(s, p.ack);
    if (this.isClosed(s)) return;
    if (t.w[i + FLAGS]! & B_TS && p.hasTs) t.u[i + TS_RECENT] = p.tsVal;
    const len = p.payloadLength;
    if (len === 0 && !(f & FIN)) return;
    if (p.seq !== t.u[i + RCV_NXT]) {
      this.emit(s, ACK, t.u[i + SND_NXT]!, null); // a duplicate: acknowledge what we have
      return;
    }
    const st = stateAt(t.w, i);
    if (len > 0 && (st === TcpState.Established || st === TcpState.FinWait1 || st === TcpState.FinWait2)) {
      t.u[i + RCV_NXT] = seqAdd(t.u[i + RCV_NXT]!, len);
      t.w[i + FLAGS] = t.w[i + FLAGS]! | B_ACK_OWED;
      t.appAt(i)?.data(s, p.payload!);
      if (this.isClosed(s)) return;
    }
    if (f & FIN) this.finReceived(s);
    if (!this.isClosed(s) && t.w[i + FLAGS]! & B_ACK_OWED) this.emit(s, ACK, t.u[i + SND_NXT]!, null);
  }

  private finReceived(s: SocketId): void {
    const t = this.t;
    const i = baseOf(s);
    t.u[i + RCV_NXT] = seqAdd(t.u[i + RCV_NXT]!, 1);
    t.w[i + FLAGS] = t.w[i + FLAGS]! | B_ACK_OWED;
    switch (stateAt(t.w, i)) {
      case TcpState.Established:
        this.setState(s, TcpState.CloseWait);
        t.appAt(i)?.peerClosed(s);
        break;
      case TcpState.FinWait1:
        this.setState(s, TcpState.Closing); // our FIN is not acknowledged yet: simultaneous close
        t.appAt(i)?.peerClosed(s);
        break;
      case TcpState.FinWait2:
        t.appAt(i)?.peerClosed(s);
        // The app may have aborted it (and its record may already hold a new connection).
        if (!this.isClosed(s)) this.enterTimeWait(s);
        break;
      case TcpState.TimeWait:
        t.u[i + RCV_NXT] = seqAdd(t.u[i + RCV_NXT]!, -1); // a retransmitted FIN: re-ACK and restart 2MSL
        this.emit(s, ACK, t.u[i + SND_NXT]!, null);
        this.arm(s, T_TIME_WAIT, TIME_WAIT_US);
        break;
      default:
        break;
    }
  }

  /** The peer acknowledged up to `ack`: forget acknowledged segments and advance the state. */
  private acked(s: SocketId, ack: number): void {
    const t = this.t;
    const i = baseOf(s);
    t.u[i + SND_UNA] = ack;
    const q = t.unacked[i >> REC_SHIFT] ?? null;
    if (q !== null) {
      let n = 0;
      while (n < q.length) {
        const seg = q[n]!;
        const end = seqAdd(seg.seq, (seg.payload ? seg.payload.length : 0) + (seg.flags & FIN ? 1 : 0));
        if (!seqLe(end, ack)) break;
        n++;
      }
      if (n > 0) q.splice(0, n);
    }
    setRetriesAt(t.w, i, 0);
    if (q === null || q.length === 0) {
      if (timerKindAt(t.w, i) === T_RTX) this.disarm(s);
    } else this.arm(s, T_RTX, t.u[i + RTO]!);
    if (ack !== t.u[i + SND_NXT]) return;
    const st = stateAt(t.w, i);
    if (st === TcpState.FinWait1) {
      this.setState(s, TcpState.FinWait2);
      if (t.w[i + FLAGS]! & B_CLOSED_BY_APP) this.arm(s, T_FIN_WAIT2, this.settings.finTimeoutSeconds * 1_000_000);
    } else if (st === TcpState.Closing) this.enterTimeWait(s);
    else if (st === TcpState.LastAck) this.terminate(s, 'closed');
  }

  private enterTimeWait(s: SocketId): void {
    this.setState(s, TcpState.TimeWait);
    this.arm(s, T_TIME_WAIT, TIME_WAIT_US);
    this.notifyEnd(s, 'closed');
  }

  private retransmit(s: SocketId): void {
    const t = this.t;
    const i = baseOf(s);
    t.w[i + FLAGS] = t.w[i + FLAGS]! & ~B_TIMED; // Karn: no RTT sample from a retransmitted segment
    const st = stateAt(t.w, i);
    const tries = retriesAt(t.w, i);
    if (st === TcpState.SynSent) {
      // Linux ≥ 6.5 (tcp_write_timeout, tcp_retransmit_timer): tcp_syn_linear_timeouts more tries,
      // and the RTO doubles only once total_rto exceeds it (SYNs at 0, 1, 2, 3, 4, 5, 7, 11, ... s).
      const linear = this.settings.synLinearTimeouts ?? 0;
      if (tries >= this.settings.synRetries + linear) return this.terminate(s, 'timed-out');
      setRetriesAt(t.w, i, tries + 1);
      if (tries + 1 > linear) t.u[i + RTO] = t.u[i + RTO]! * 2;
      this.emit(s, SYN, t.u[i + SND_UNA]!, null); // SND_UNA is ISS in SYN_SENT
      return this.arm(s, T_RTX, t.u[i + RTO]!);
    }
    if (st === TcpState.SynRecv) {
      if (tries >= SYNACK_RETRIES) return this.terminate(s, 'timed-out');
      setRetriesAt(t.w, i, tries + 1);
      t.u[i + RTO] = t.u[i + RTO]! * 2;
      this.emitSynAck(s);
      return this.arm(s, T_RTX, t.u[i + RTO]!);
    }
    const seg = t.unacked[i >> REC_SHIFT]?.[0];
    if (seg === undefined) return;
    if (tries >= DATA_RETRIES) return this.terminate(s, 'timed-out');
    setRetriesAt(t.w, i, tries + 1);
    t.u[i + RTO] = Math.min(t.u[i + RTO]! * 2, MAX_RTO_US);
    this.emit(s, seg.flags, seg.seq, seg.payload);
    this.arm(s, T_RTX, t.u[i + RTO]!);
  }

  /** Sends a segment that occupies sequence space and keeps it until acknowledged. */
  private queue(s: SocketId, flags: number, payload: Uint8Array | null): void {
    const t = this.t;
    const i = baseOf(s);
    const seq = t.u[i + SND_NXT]!;
    this.emit(s, flags, seq, payload);
    t.u[i + SND_NXT] = seqAdd(seq, (payload ? payload.length : 0) + (flags & FIN ? 1 : 0));
    (t.unacked[i >> REC_SHIFT] ??= []).push({ seq, flags, payload });
    if (timerKindAt(t.w, i) !== T_RTX) this.arm(s, T_RTX, t.u[i + RTO]!);
  }

  private emitSynAck(s: SocketId): void {
    this.emit(s, SYN | ACK, this.t.u[baseOf(s) + SND_UNA]!, null); // SND_UNA is ISS in SYN_RECV
  }

  private emit(s: SocketId, flags: number, seq: number, payload: Uint8Array | null): void {
    const ctx = this.host.ctx;
    const t = this.t;
    const i = baseOf(s);
    const p = ctx.packet(t.w[i + FLOW_ID]!, PROTO_TCP, t.u[i + LOCAL_IP]!, t.u[i + REMOTE_IP]!);
    p.srcPort = localPortAt(t.w, i);
    p.dstPort = remotePortAt(t.w, i);
    p.seq = seq;
    p.flags = flags;
    p.payload = payload;
    p.fromSock = s;
    p.toSock = t.peer[i >> REC_SHIFT]!;
    let bits = t.w[i + FLAGS]!;
    if (flags & ACK) {
      p.ack = t.u[i + RCV_NXT]!;
      if (bits & B_ACK_OWED) t.w[i + FLAGS] = bits = bits & ~B_ACK_OWED;
    }
    const now = ctx.now;
    const ts = (bits & B_TS) !== 0;
    if (flags & SYN) {
      const passive = (flags & ACK) !== 0;
      p.window = passive ? SYNACK_WINDOW : SYN_WINDOW;
      p.mss = MSS;
      p.sackPerm = (bits & B_SACK) !== 0;
      p.wscale = bits & B_WSCALE ? 7 : -1;
      if (ts) {
        p.hasTs = true;
        p.tsVal = (Math.floor(now / 1000) + t.u[i + TS_OFFSET]!) >>> 0;
        p.tsEcr = passive ? t.u[i + TS_RECENT]! : 0;
      }
    } else {
      p.window = flags & RST ? 0 : bits & B_WSCALE ? SCALED_WINDOW : SYN_WINDOW;
      if (ts && !(flags & RST)) {
        p.hasTs = true;
        p.tsVal = (Math.floor(now / 1000) + t.u[i + TS_OFFSET]!) >>> 0;
        p.tsEcr = t.u[i + TS_RECENT]!;
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

  /** CLOSED: out of the table; the application is told (once); then the slot is freed. */
  private terminate(s: SocketId, how: TcpEnd): void {
    if (!this.t.live(s)) return;
    this.disarm(s);
    const wasOpen = stateAt(this.t.w, baseOf(s)) !== TcpState.Closed;
    if (wasOpen) {
      this.setState(s, TcpState.Closed);
      this.t.unindex(s);
      this.sockets--;
    }
    this.notifyEnd(s, how);
    if (wasOpen) this.t.release(s);
  }

  private notifyEnd(s: SocketId, how: TcpEnd): void {
    const t = this.t;
    const i = baseOf(s);
    if (t.w[i + FLAGS]! & B_END_NOTIFIED) return;
    t.w[i + FLAGS] = t.w[i + FLAGS]! | B_END_NOTIFIED;
    t.appAt(i)?.ended(s, how);
  }

  private setState(s: SocketId, st: TcpState): void {
    const t = this.t;
    const i = baseOf(s);
    setStateAt(t.w, i, st);
    const ctx = this.host.ctx;
    if (ctx.trace.on) {
      const name = `tcp ${endpoint(t.u[i + LOCAL_IP]!, localPortAt(t.w, i))} ${endpoint(t.u[i + REMOTE_IP]!, remotePortAt(t.w, i))}`;
      const state = TCP_STATE_NAMES[st]!;
      ctx.trace.record({ kind: 'socket', node: this.host.id, socket: name, state, flowId: t.w[i + FLOW_ID]!, summary: `${name} ${state}` });
    }
  }

  private arm(s: SocketId, kind: number, delayUs: number): void {
    const sched = this.host.ctx.sched;
    const t = this.t;
    const i = baseOf(s);
    if (t.d[(i >> 1) + TIMER] !== 0) sched.cancel(t.d[(i >> 1) + TIMER]!);
    t.d[(i >> 1) + TIMER] = sched.after(delayUs, this, kind, s);
    setTimerKindAt(t.w, i, kind);
  }

  private disarm(s: SocketId): void {
    const t = this.t;
    const i = baseOf(s);
    if (t.d[(i >> 1) + TIMER] !== 0) this.host.ctx.sched.cancel(t.d[(i >> 1) + TIMER]!);
    t.d[(i >> 1) + TIMER] = 0;
    setTimerKindAt(t.w, i, 0);
  }
}

/** RFC 6298 §2.2 after one sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR), Linux floor 200 ms. */
function rtoFor(rttUs: number): number {
  if (rttUs < 0) return SYN_RTO_US;
  return Math.max(MIN_RTO_US, rttUs + Math.max(MIN_RTO_US, 2 * rttUs));
}

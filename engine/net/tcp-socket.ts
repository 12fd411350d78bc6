/**
 * One TCP connection's state (RFC 9293 §3.3.2 names, as netstat prints them). Plain numeric
 * fields; the state machine that moves it is tcp.ts. Applications (traffic generators, services)
 * are shared objects implementing TcpApp: a socket points at its app, not at a closure.
 */
import type { TimerHandle } from '../sim/scheduler.ts';
import { endpoint } from './packet.ts';

export const TcpState = {
  Closed: 0,
  Listen: 1,
  SynSent: 2,
  SynRecv: 3,
  Established: 4,
  FinWait1: 5,
  FinWait2: 6,
  Closing: 7,
  TimeWait: 8,
  CloseWait: 9,
  LastAck: 10,
} as const;
export type TcpState = (typeof TcpState)[keyof typeof TcpState];

export const TCP_STATE_NAMES = [
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'CLOSING',
  'TIME_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
] as const;

/** How a connection ended, from its own side. */
export type TcpEnd = 'closed' | 'reset' | 'timed-out';

export interface TcpApp {
  /** The three-way handshake completed. */
  established(s: TcpSocket): void;
  /** In-order bytes arrived. */
  data(s: TcpSocket, bytes: Uint8Array): void;
  /** The peer sent FIN (the socket is now CLOSE_WAIT, or further along if we closed first). */
  peerClosed(s: TcpSocket): void;
  /** The socket is gone (or in TIME_WAIT, which is as good as gone for the application). */
  ended(s: TcpSocket, how: TcpEnd): void;
}

/** A segment kept until it is acknowledged. */
export interface Unacked {
  seq: number;
  flags: number;
  payload: Uint8Array | null;
}

export class TcpSocket {
  state: TcpState = TcpState.Closed;
  /** RFC 9293 send and receive sequence variables (u32). */
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  irs = 0;
  rcvNxt = 0;
  /** rcvNxt when we last sent an ACK (so a reply that carries the ACK saves a pure ACK). */
  ackSent = 0;
  /** Timestamps (RFC 7323): negotiated, our clock offset, the peer's last value. */
  ts = false;
  tsOffset = 0;
  tsRecent = 0;
  /** Window scale and SACK were both offered: Linux then uses them. */
  wscaleOk = false;
  sackOk = false;
  /** The one timer a socket has running (retransmission, TIME_WAIT or FIN_WAIT2), 0 = none. */
  timer: TimerHandle = 0;
  timerKind = 0;
  /** Retransmission timeout in µs, and how many retransmissions of the current segment so far. */
  rto = 1_000_000;
  retries = 0;
  /** When the segment now being timed was first sent (for rttUs), -1 when retransmitted (Karn). */
  timedSince = -1;
  unacked: Unacked[] | null = null;
  /** Next in the stack's hash bucket chain. */
  next: TcpSocket | null = null;
  /** Set when the application called close() (an orphan, for FIN_WAIT2's timeout). */
  closedByApp = false;
  /** The application has been told the connection ended. */
  endNotified = false;
  /** Handshake round-trip time in µs (active opens, when the SYN was not retransmitted). */
  rttUs = -1;

  constructor(
    readonly localIp: number,
    readonly localPort: number,
    readonly remoteIp: number,
    readonly remotePort: number,
    readonly flowId: number,
    public app: TcpApp | null,
  ) {}

  get stateName(): string {
    return TCP_STATE_NAMES[this.state]!;
  }

  get name(): string {
    return `tcp ${endpoint(this.localIp, this.localPort)} ${endpoint(this.remoteIp, this.remotePort)}`;
  }
}

/** Sequence-space comparisons (RFC 9293 §3.4: arithmetic modulo 2^32). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

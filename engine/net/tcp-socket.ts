/**
 * TCP connection states (RFC 9293 §3.3.2 names, as netstat prints them), what applications
 * implement, and sequence arithmetic. A connection's variables live in the host's socket table
 * (tcp-table.ts); the state machine that moves them is tcp.ts. Applications (traffic generators,
 * services) are shared objects implementing TcpApp: a socket points at its app, not at a closure.
 */
import type { SocketId } from './tcp-table.ts';

export type { SocketId } from './tcp-table.ts';

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

/**
 * What an application is told about its connections. A connection is a handle into the host's
 * socket table (tcp-table.ts); ask the stack about it (`host.tcp.flowIdOf(s)`, `remoteIpOf(s)`).
 */
export interface TcpApp {
  /** The three-way handshake completed. */
  established(s: SocketId): void;
  /** In-order bytes arrived. */
  data(s: SocketId, bytes: Uint8Array): void;
  /** The peer sent FIN (the socket is now CLOSE_WAIT, or further along if we closed first). */
  peerClosed(s: SocketId): void;
  /** The socket is gone (or in TIME_WAIT, which is as good as gone for the application). */
  ended(s: SocketId, how: TcpEnd): void;
}

/** A segment kept until it is acknowledged. */
export interface Unacked {
  seq: number;
  flags: number;
  payload: Uint8Array | null;
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

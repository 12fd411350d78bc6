/**
 * TCP connection tracking as net/netfilter/nf_conntrack_proto_tcp.c does it: the state of the
 * connection as a man in the middle guesses it, from the flags of each segment and its direction
 * (the kernel's tcp_conntracks[2][6][10] table, copied below cell for cell), the special cases
 * of nf_conntrack_tcp_packet (SYN retransmits do not renew the timeout, a lone RST reply kills the
 * entry, reopening from TIME_WAIT, ASSURED after the handshake) and the timeout chosen per state.
 *
 * Window tracking (tcp_in_window) is not modelled: every segment is in window, as with
 * nf_conntrack_tcp_be_liberal=1. Sequence numbers, when the caller gives them, are kept for
 * the retransmission counter and the TIME_WAIT eviction test of NAT port selection.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type NfPacket } from './types.ts';

export const TCP_STATES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'] as const;
export type TcpState = (typeof TCP_STATES)[number];

// Indices as in the kernel enum tcp_conntrack.
const sNO = 0, sSS = 1, sSR = 2, sES = 3, sFW = 4, sCW = 5, sLA = 6, sTW = 7, sCL = 8, sS2 = 9;
/** TCP_CONNTRACK_MAX: the packet is invalid. */
const sIV = 10;
/** TCP_CONNTRACK_IGNORE: let it through without changing state. */
const sIG = 11;

const SYN_SET = 0, SYNACK_SET = 1, FIN_SET = 2, ACK_SET = 3, RST_SET = 4, NONE_SET = 5;

/* prettier-ignore */
const TRANSITIONS: readonly (readonly (readonly number[])[])[] = [
  [ // ORIGINAL   sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2
    /* syn    */ [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
    /* synack */ [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
  [ // REPLY      sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2
    /* syn    */ [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
    /* synack */ [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
    /* fin    */ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /* ack    */ [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
    /* rst    */ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /* none   */ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
];

/** Seconds, the kernel's defaults (nf_conntrack_tcp_timeout_*, Documentation/networking/nf_conntrack-sysctl.rst). */
export interface TcpTimeouts {
  syn_sent: number;
  syn_recv: number;
  established: number;
  fin_wait: number;
  close_wait: number;
  last_ack: number;
  time_wait: number;
  close: number;
  max_retrans: number;
  unacknowledged: number;
}

export const DEFAULT_TCP_TIMEOUTS: Readonly<TcpTimeouts> = {
  syn_sent: 120,
  syn_recv: 60,
  established: 432000,
  fin_wait: 120,
  close_wait: 60,
  last_ack: 30,
  time_wait: 120,
  close: 10,
  max_retrans: 300,
  unacknowledged: 300,
};

/** nf_conntrack_tcp_max_retrans: after this many retransmissions the timeout drops to max_retrans. */
export const TCP_MAX_RETRANS = 3;

function stateTimeout(t: TcpTimeouts, s: number): number {
  switch (s) {
    case sSS:
    case sS2:
      return t.syn_sent;
    case sSR:
      return t.syn_recv;
    case sES:
      return t.established;
    case sFW:
      return t.fin_wait;
    case sCW:
      return t.close_wait;
    case sLA:
      return t.last_ack;
    case sTW:
      return t.time_wait;
    default:
      return t.close;
  }
}

/** The per-connection TCP part of a conntrack entry (struct ip_ct_tcp, reduced). */
export interface TcpTrack {
  state: number;
  /** IP_CT_TCP_FLAG_CLOSE_INIT per direction: this side sent the first FIN. */
  closeInit: [boolean, boolean];
  /** td_end per direction: highest seq + len seen, when sequence numbers are known. */
  tdEnd: [number | null, number | null];
  lastDir: number;
  lastIndex: number;
  lastSeq: number | null;
  lastAck: number | null;
  lastEnd: number | null;
  lastWin: number | null;
  retrans: number;
  /** Picked up mid-connection (tcp_loose): be liberal in both directions. */
  liberal: boolean;
  simultaneousOpen: boolean;
}

export function tcpStateName(t: TcpTrack): TcpState {
  return TCP_STATES[t.state] ?? 'NONE';
}

function flagIndex(flags: number): number {
  if (flags & TCP_RST) return RST_SET;
  if (flags & TCP_SYN) return flags & TCP_ACK ? SYNACK_SET : SYN_SET;
  if (flags & TCP_FIN) return FIN_SET;
  if (flags & TCP_ACK) return ACK_SET;
  return NONE_SET;
}

function segmentEnd(p: NfPacket): number | null {
  if (p.seq === undefined) return null;
  const f = p.tcpFlags ?? 0;
  return (p.seq + (p.payload ?? 0) + (f & TCP_SYN ? 1 : 0) + (f & TCP_FIN ? 1 : 0)) >>> 0;
}

/**
 * tcp_new: can this segment start a connection? A SYN gives SYN_SENT; a bare ACK is picked up as
 * ESTABLISHED when nf_conntrack_tcp_loose is on (the default); anything else is INVALID.
 */
export function tcpNew(p: NfPacket, loose: boolean): TcpTrack | null {
  const index = flagIndex(p.tcpFlags ?? 0);
  const state = TRANSITIONS[0]![index]![sNO]!;
  if (state === sIV) return null;
  if (state === sES && !loose) return null;
  const end = segmentEnd(p);
  return {
    state: sNO,
    closeInit: [false, false],
    tdEnd: [end, null],
    lastDir: 0,
    lastIndex: NONE_SET,
    lastSeq: null,
    lastAck: null,
    lastEnd: null,
    lastWin: null,
    retrans: 0,
    liberal: state === sES,
    simultaneousOpen: false,
  };
}

export type TcpVerdict =
  /** Accepted; `timeout` (seconds) to set, or null to leave the timer alone. */
  | { kind: 'accept'; timeout: number | null; assured: boolean; kill: boolean }
  /** Not tracked: the packet goes on with no conntrack entry (ctstate INVALID). */
  | { kind: 'invalid'; why: string }
  /** Reopen: kill this entry and look the packet up again (a new connection). */
  | { kind: 'repeat' };

/**
 * nf_conntrack_tcp_packet for a packet in direction `dir` of an entry. `seenReply`/`assured` are
 * the entry's status bits before this packet.
 */
export function tcpPacket(t: TcpTrack, dir: 0 | 1, p: NfPacket, seenReply: boolean, assured: boolean, timeouts: TcpTimeouts): TcpVerdict {
  const flags = p.tcpFlags ?? 0;
  const index = flagIndex(flags);
  let oldState = t.state;
  let newState = TRANSITIONS[dir]![index]![oldState]!;
  const end = segmentEnd(p);

  let ignore = newState === sIG;
  if (newState === sSS && oldState >= sTW) {
    // RFC 1122 reopen: only when the old connection was closing or reset from this side.
    if (t.closeInit[0] || t.closeInit[1] || (t.lastDir === dir && t.lastIndex === RST_SET)) return { kind: 'repeat' };
    ignore = true;
  }
  if (ignore) {
    if (index === SYNACK_SET && t.lastIndex === SYN_SET && t.lastDir !== dir && p.ack !== undefined && t.lastEnd !== null && p.ack === t.lastEnd) {
      // b) a SYN/ACK that answers a SYN we ignored: client and server are in sync, we resync.
      oldState = sSS;
      newState = sSR;
      t.tdEnd[t.lastDir] = t.lastEnd;
    } else {
      t.lastIndex = index;
      t.lastDir = dir;
      t.lastSeq = p.seq ?? null;
      t.lastEnd = end;
      t.lastWin = p.window ?? null;
      return { kind: 'accept', timeout: null, assured: false, kill: false };
    }
  }
  if (newState === sIV) return { kind: 'invalid', why: `packet (index ${index}) in dir ${dir} invalid, state ${TCP_STATES[oldState]}` };
  if (newState === sS2) t.simultaneousOpen = true;
  if (newState === sSR && dir === 1 && index === ACK_SET && t.simultaneousOpen) newState = sES;

  // Retransmission counter (tcp_in_window): same direction, seq, ack, end and window as before.
  if (p.seq !== undefined) {
    if (t.lastDir === dir && t.lastSeq === p.seq && t.lastAck === (p.ack ?? null) && t.lastEnd === end && t.lastWin === (p.window ?? null)) {
      t.retrans++;
    } else {
      t.lastSeq = p.seq;
      t.lastAck = p.ack ?? null;
      t.lastEnd = end;
      t.lastWin = p.window ?? null;
      t.retrans = 0;
    }
    const prev = t.tdEnd[dir];
    if (end !== null && (prev === null || ((end - prev) | 0) > 0)) t.tdEnd[dir] = end;
  }

  t.lastIndex = index;
  t.lastDir = dir;
  t.state = newState;
  if (oldState !== newState && newState === sFW) t.closeInit[dir] = true;

  let timeout: number;
  const base = stateTimeout(timeouts, newState);
  if (t.retrans >= TCP_MAX_RETRANS && base > timeouts.max_retrans) timeout = timeouts.max_retrans;
  else if (index === RST_SET) timeout = timeouts.close;
  else timeout = base;

  if (!seenReply) {
    // "If only reply is a RST, we can consider ourselves not to have an established connection."
    if (flags & TCP_RST) return { kind: 'accept', timeout: null, assured: false, kill: true };
    // Do not renew the timeout on a SYN retransmit, or port reuse could keep the entry forever.
    if (index === SYN_SET && oldState === sSS) return { kind: 'accept', timeout: null, assured: false, kill: false };
    if (newState === sES && timeout > timeouts.unacknowledged) timeout = timeouts.unacknowledged;
    return { kind: 'accept', timeout, assured: false, kill: false };
  }
  const nowAssured = !assured && (oldState === sSR || oldState === sES) && newState === sES;
  return { kind: 'accept', timeout, assured: nowAssured, kill: false };
}

/** The first-packet timeout of a new entry (tcp_new leaves state NONE; the table then applies). */
export function tcpFirst(t: TcpTrack, p: NfPacket, timeouts: TcpTimeouts): TcpVerdict {
  return tcpPacket(t, 0, p, false, false, timeouts);
}

export const TCP_STATE = { NONE: sNO, SYN_SENT: sSS, SYN_RECV: sSR, ESTABLISHED: sES, FIN_WAIT: sFW, CLOSE_WAIT: sCW, LAST_ACK: sLA, TIME_WAIT: sTW, CLOSE: sCL, SYN_SENT2: sS2 } as const;

/**
 * Wireshark's TCP sequence analysis (`tcp.analysis.*`), first pass only, default preferences:
 * a port of `tcp_analyze_sequence_number` (epan/dissectors/packet-tcp.c) and of the printing
 * rules of `tcp_print_sequence_number_analysis`, as tshark 4.0 behaves: where Wireshark's versions
 * differ (spurious before out-of-order, the RTO measured from the oldest unacknowledged segment,
 * bytes in flight less SACKed bytes, "ACKed unseen segment" once per stall, window-full ignoring
 * the scale before the first ACK), hand-made captures decided (tcp-analysis.test.ts runs them
 * against tshark 4.0.17, as tshark.test.ts does the fixtures).
 *
 * Each direction of a conversation keeps the next expected sequence number, the last ACK and
 * window it sent, the duplicate-ACK count, and its segments not yet acknowledged. Sequence
 * numbers are raw (mod 2^32, compared as Wireshark's GT_SEQ/LT_SEQ); "0 means unset" is kept
 * as in Wireshark (a flow whose next sequence number is 0 counts as not seen), so the same
 * quirks give the same flags. Times are integer nanoseconds since the first frame.
 */

/** Wireshark's TCP_A_* bits (same values), plus PRESENT: the frame has a "SEQ/ACK analysis". */
export const TA_RETRANSMISSION = 0x0001;
export const TA_LOST_PACKET = 0x0002;
export const TA_ACK_LOST_PACKET = 0x0004;
export const TA_KEEP_ALIVE = 0x0008;
export const TA_DUPLICATE_ACK = 0x0010;
export const TA_ZERO_WINDOW = 0x0020;
export const TA_ZERO_WINDOW_PROBE = 0x0040;
export const TA_ZERO_WINDOW_PROBE_ACK = 0x0080;
export const TA_KEEP_ALIVE_ACK = 0x0100;
export const TA_OUT_OF_ORDER = 0x0200;
export const TA_FAST_RETRANSMISSION = 0x0400;
export const TA_WINDOW_UPDATE = 0x0800;
export const TA_WINDOW_FULL = 0x1000;
export const TA_REUSED_PORTS = 0x2000;
export const TA_SPURIOUS_RETRANSMISSION = 0x4000;
export const TA_PRESENT = 0x8000;
const TA_FLAGS = 0x7fff;

const EMPTY_F64 = new Float64Array(0);
const EMPTY_U32 = new Uint32Array(0);

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_PUSH = 0x08;
const TH_ACK = 0x10;

/** TCP_MAX_UNACKED_SEGMENTS: segments beyond this many unacknowledged are not tracked. */
const MAX_UNACKED = 10000;

/** One frame's analysis, what Wireshark keeps in its `tcp_acked` struct (0 = absent). */
export interface TcpAnalysis {
  /** TA_* bits; TA_PRESENT when the frame has any analysis at all. */
  flags: number;
  dupAckNum: number;
  dupAckFrame: number;
  acksFrame: number;
  /** RTT to ACK the segment (ns, shown when non-zero). */
  ackRttNs: number;
  /** The conversation's handshake RTT as known at this frame (ns, shown when non-zero). */
  initialRttNs: number;
  bytesInFlight: number;
  pushBytesSent: number;
  /** For a retransmission: time since the segment that set the next expected sequence number. */
  rtoNs: number;
  rtoFrame: number;
}

export const newAnalysis = (): TcpAnalysis => ({
  flags: 0, dupAckNum: 0, dupAckFrame: 0, acksFrame: 0, ackRttNs: 0, initialRttNs: 0, bytesInFlight: 0, pushBytesSent: 0, rtoNs: 0, rtoFrame: 0,
});

export function clearAnalysis(a: TcpAnalysis): void {
  a.flags = 0; a.dupAckNum = 0; a.dupAckFrame = 0; a.acksFrame = 0; a.ackRttNs = 0; a.initialRttNs = 0;
  a.bytesInFlight = 0; a.pushBytesSent = 0; a.rtoNs = 0; a.rtoFrame = 0;
}

/** Wireshark's per-direction `tcp_analyze_seq_flow_info_t` plus the flow fields it reads. */
export class AnalysisFlow {
  nextseq = 0;
  nextseqFrame = 0;
  nextseqTime = 0;
  lastack = 0;
  lastackTime = 0;
  maxseqtobeacked = 0;
  /** Raw window last sent; Wireshark starts at G_MAXUINT32 so a first segment is no window update. */
  window = 0xffffffff;
  dupacknum = 0;
  lastnondupack = 0;
  lastsegmentflags = 0;
  /** Set by a SYN, cleared by the first pure ACK: until then the window is taken unscaled (window full). */
  isFirstAck = false;
  /**
   * Window scaling as Wireshark's analysis knows it: -1 unknown, -2 none, >= 0 the shift. A SYN
   * without the option also marks the other direction unscaled at once (verify_tcp_window_scaling).
   */
  winScale = -1;
  /** SACK edges [left, right, ...] of this direction's latest segment, for the other side's bytes in flight. */
  sack: readonly number[] = [];
  validBif = true;
  pushBytesSent = 0;
  pushSetLast = false;
  /**
   * Unacknowledged segments, oldest first (Wireshark's list is newest first), in columns: no
   * object per segment. `segFrame` NaN marks one being dropped.
   */
  segCount = 0;
  segFrame = EMPTY_F64;
  segSeq = EMPTY_U32;
  segNext = EMPTY_U32;
  segTime = EMPTY_F64;
  /**
   * Lowest start and highest end of the segments, relative to `spanBase` (what bytes in flight
   * needs), kept up as segments are added so a long unacknowledged run costs O(1) per segment;
   * recomputed only after an ACK removed or trimmed segments (spanValid false).
   */
  spanValid = false;
  spanBase = 0;
  spanLo = 0;
  spanHi = 0;
}

/** Appends an unacknowledged segment, growing the columns (8, 16, ... up to MAX_UNACKED). */
function pushSegment(fl: AnalysisFlow, frame: number, seq: number, next: number, t: number): void {
  const n = fl.segCount;
  if (n === fl.segFrame.length) {
    const cap = Math.min(MAX_UNACKED, Math.max(8, n * 2));
    const f = new Float64Array(cap); f.set(fl.segFrame); fl.segFrame = f;
    const q = new Uint32Array(cap); q.set(fl.segSeq); fl.segSeq = q;
    const x = new Uint32Array(cap); x.set(fl.segNext); fl.segNext = x;
    const t2 = new Float64Array(cap); t2.set(fl.segTime); fl.segTime = t2;
  }
  fl.segFrame[n] = frame;
  fl.segSeq[n] = seq;
  fl.segNext[n] = next;
  fl.segTime[n] = t;
  fl.segCount = n + 1;
}

/** What the conversation knows besides its two flows. */
export interface AnalysisConversation {
  flows: [AnalysisFlow, AnalysisFlow];
  /** Time of the latest SYN (without ACK); NaN = none yet (times may be negative: frames out of order). */
  mruSynNs: number;
  /** Handshake RTT (SYN to the first pure ACK); 0 = not known, as Wireshark's nstime zero. */
  firstRttNs: number;
}

export const newAnalysisConversation = (): AnalysisConversation => ({ flows: [new AnalysisFlow(), new AnalysisFlow()], mruSynNs: NaN, firstRttNs: 0 });

/** The segment as the analysis reads it: raw numbers, the raw (unscaled) window. */
export interface AnalysedSegment {
  frame: number;
  seq: number;
  ack: number;
  seglen: number;
  flags: number;
  window: number;
  timeNs: number;
  /** Base of this direction's relative numbers (bytes in flight are computed relative to it). */
  base: number;
  /** Window scale shift from this segment's options (SYNs), -1 when absent, -3 when the options were cut by the snaplen. */
  wsShift: number;
  /** SACK edges [left, right, ...] of this segment (raw; empty when none). */
  sack: readonly number[];
}

const gt = (a: number, b: number): boolean => ((a - b) | 0) > 0;
/** a < b for two signed nanosecond counts compared as Wireshark's guint64 (a negative one is huge). */
const ltU64 = (a: number, b: number): boolean => (a >= 0 ? b < 0 || a < b : b < 0 && a < b);
const lt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
const le = (a: number, b: number): boolean => ((a - b) | 0) <= 0;

/**
 * A SYN repeating the conversation's SYN sequence number (dissect_tcp, before the analysis): the
 * next expected sequence number goes back to 'max seq to be acked' (a RST may have moved it,
 * Wireshark issue 17616), and the frame gets an analysis (possibly empty: Wireshark prints the
 * "SEQ/ACK analysis" item all the same). Returns the flags to start the analysis with.
 */
export function repeatedSyn(c: AnalysisConversation, dir: number): number {
  const fwd = c.flows[dir]!;
  fwd.nextseq = fwd.maxseqtobeacked;
  return TA_PRESENT;
}

/**
 * One segment through `tcp_analyze_sequence_number`, then the handshake-RTT bookkeeping
 * dissect_tcp does after it. `ta` is cleared and starts from `pre` (TA_REUSED_PORTS when the
 * segment opened a new conversation on reused ports, TA_PRESENT for a repeated SYN); it leaves
 * with the frame's analysis.
 */
export function analyzeSegment(c: AnalysisConversation, dir: number, s: AnalysedSegment, ta: TcpAnalysis, pre: number): void {
  clearAnalysis(ta);
  const fwd = c.flows[dir]!;
  const rev = c.flows[1 - dir]!;
  const { seq, ack, seglen, flags, window } = s;
  let f = pre;
  if (flags & TH_ACK) rev.validBif = true;
  fwdChecks: {
    // ZERO WINDOW PROBE: exactly one byte at the next expected sequence number into a zero window.
    if (seglen === 1 && seq === fwd.nextseq && rev.window === 0) {
      f |= TA_ZERO_WINDOW_PROBE;
      break fwdChecks;
    }
    if (window === 0 && (flags & (TH_RST | TH_FIN | TH_SYN)) === 0) f |= TA_ZERO_WINDOW;
    // LOST PACKET: beyond the next expected sequence number (RST excepted).
    if (fwd.nextseq !== 0 && gt(seq, fwd.nextseq) && (flags & TH_RST) === 0) {
      f |= TA_LOST_PACKET;
      fwd.validBif = false;
    }
    const plain = (flags & (TH_SYN | TH_FIN | TH_RST)) === 0;
    // KEEP ALIVE: 0 or 1 byte starting one before the next expected sequence number.
    if ((seglen === 0 || seglen === 1) && seq === ((fwd.nextseq - 1) >>> 0) && plain) f |= TA_KEEP_ALIVE;
    const sameAck = seglen === 0 && seq === fwd.nextseq && ack === fwd.lastack && plain;
    if (sameAck && window !== 0 && window !== fwd.window) f |= TA_WINDOW_UPDATE;
    // WINDOW FULL: data up to the right edge of the window the other side advertised.
    if (seglen > 0 && rev.winScale !== -1 && plain) {
      const shift = rev.isFirstAck || rev.winScale === -2 ? 0 : rev.winScale;
      if (((seq + seglen) >>> 0) === ((rev.lastack + ((rev.window << shift) >>> 0)) >>> 0)) f |= TA_WINDOW_FULL;
    }
    if (sameAck && window !== 0 && window === fwd.window && rev.lastsegmentflags & TA_KEEP_ALIVE) {
      f |= TA_KEEP_ALIVE_ACK;
      break fwdChecks;
    }
    if (sameAck && window === 0 && window === fwd.window && rev.lastsegmentflags & TA_ZERO_WINDOW_PROBE) {
      f |= TA_ZERO_WINDOW_PROBE_ACK;
      break fwdChecks;
    }
    if (sameAck && window !== 0 && window === fwd.window) {
      // -1: an "ACKed unseen segment" was reported during this stall (below); count from 1 again.
      fwd.dupacknum = fwd.dupacknum === -1 ? 1 : fwd.dupacknum + 1;
      f |= TA_DUPLICATE_ACK;
      ta.dupAckNum = fwd.dupacknum;
      ta.dupAckFrame = fwd.lastnondupack;
    }
  }
  if (ack !== fwd.lastack) {
    fwd.lastnondupack = s.frame;
    fwd.dupacknum = 0;
  }
  // ACKED LOST PACKET: acknowledges more than the other side was seen to send. When the other
  // side's 'max seq to be acked' lags behind its next sequence number it jumps there; otherwise
  // (acking beyond anything seen) it is reported once until the other side's ACK moves (its
  // dupacknum is parked at -1 meanwhile). Checked against tshark 4.0 on edited real captures.
  if (rev.maxseqtobeacked !== 0 && gt(ack, rev.maxseqtobeacked) && flags & TH_ACK) {
    f |= TA_PRESENT;
    if (lt(rev.maxseqtobeacked, rev.nextseq)) {
      rev.maxseqtobeacked = rev.nextseq;
      f |= TA_ACK_LOST_PACKET;
    } else {
      if (rev.dupacknum === 0) f |= TA_ACK_LOST_PACKET;
      rev.dupacknum = -1;
    }
  }
  f = retransmissionType(c, fwd, rev, s, f, ta);
  recordSegment(fwd, s, f);
  fwd.lastsegmentflags = f & TA_FLAGS;
  ackSegments(rev, s, ta);
  if (ta.acksFrame !== 0) f |= TA_PRESENT;
  f = bytesInFlight(fwd, rev, s, f, ta);
  if (f !== 0) f |= TA_PRESENT;
  ta.flags = f;
  handshakeRtt(c, s);
  // After the analysis, as dissect_tcp does: window-scale bookkeeping and this segment's SACK blocks.
  const sa = flags & (TH_SYN | TH_ACK);
  if (flags & TH_SYN) {
    fwd.isFirstAck = true;
    if (s.wsShift >= 0) fwd.winScale = s.wsShift;
    if (s.wsShift === -3) {
      // The SYN's options were cut by the snaplen: tshark's dissection stopped before this.
    } else if (fwd.winScale === -1) {
      fwd.winScale = -2;
      rev.winScale = -2;
    } else if (sa === (TH_SYN | TH_ACK) && rev.winScale === -2) {
      fwd.winScale = -2;
    }
  } else if (sa === TH_ACK) {
    fwd.isFirstAck = false;
  }
  fwd.sack = s.sack;
  if (f & TA_PRESENT) ta.initialRttNs = c.firstRttNs;
}

/** RETRANSMISSION / FAST RETRANSMISSION / OUT-OF-ORDER / SPURIOUS, in Wireshark 4.0's order. */
function retransmissionType(c: AnalysisConversation, fwd: AnalysisFlow, rev: AnalysisFlow, s: AnalysedSegment, f: number, ta: TcpAnalysis): number {
  const { seq, seglen, flags, timeNs: now } = s;
  if (!(seglen > 0 || flags & (TH_SYN | TH_FIN))) return f;
  if (f & TA_KEEP_ALIVE) return f;
  let notAdvanced = fwd.nextseq !== 0 && lt(seq, fwd.nextseq);
  // One byte before the next expected sequence number and more than one byte: new data after a
  // zero window probe, not a retransmission.
  if (seglen > 1 && ((fwd.nextseq - 1) >>> 0) === seq) notAdvanced = false;
  // Data the other side has already acknowledged.
  if (seglen > 0 && rev.lastack !== 0 && le((seq + seglen) >>> 0, rev.lastack)) return f | TA_SPURIOUS_RETRANSMISSION;
  // Fast retransmission (checked first: tcp.fastrt_supersedes_ooo is TRUE by default): the
  // sequence number two or more duplicate ACKs asked for, within 20 ms of the last of them.
  // Time deltas are unsigned in Wireshark: a clock going backwards never counts as "soon".
  let t = now - rev.lastackTime;
  // dupacknum is unsigned in Wireshark: the -1 parked by "ACKed unseen segment" counts as >= 2.
  if (notAdvanced && rev.dupacknum >>> 0 >= 2 && rev.lastack === seq && t >= 0 && t < 20_000_000) return f | TA_FAST_RETRANSMISSION;
  // Out of order: soon (within the handshake RTT, else 3 ms) after the highest segment so far.
  t = now - fwd.nextseqTime;
  const oooThreshold = c.firstRttNs === 0 ? 3_000_000 : c.firstRttNs;
  // A SYN or FIN counts as one byte here (a repeated SYN is a retransmission, not out of order).
  const end = (seq + seglen + (flags & (TH_SYN | TH_FIN) ? 1 : 0)) >>> 0;
  if (notAdvanced && ltU64(t, oooThreshold) && fwd.nextseq !== end) return f | TA_OUT_OF_ORDER;
  if (notAdvanced) {
    // The RTO is measured from the oldest segment not yet acknowledged (else the latest new one).
    const any = fwd.segCount > 0;
    ta.rtoNs = now - (any ? fwd.segTime[0]! : fwd.nextseqTime);
    ta.rtoFrame = any ? fwd.segFrame[0]! : fwd.nextseqFrame;
    return f | TA_RETRANSMISSION;
  }
  return f;
}

/** Adds the segment to the unacknowledged list and moves nextseq / maxseqtobeacked / lastack. */
function recordSegment(fwd: AnalysisFlow, s: AnalysedSegment, f: number): void {
  const { seq, seglen, flags } = s;
  let nextseq = (seq + seglen) >>> 0;
  if ((seglen !== 0 || flags & (TH_SYN | TH_FIN)) && fwd.segCount < MAX_UNACKED) {
    if (flags & (TH_SYN | TH_FIN)) nextseq = (nextseq + 1) >>> 0;
    pushSegment(fwd, s.frame, seq, nextseq, s.timeNs);
    if (fwd.spanValid && fwd.spanBase === s.base) {
      const lo = (seq - s.base) >>> 0;
      const hi = (nextseq - s.base) >>> 0;
      if (lo < fwd.spanLo) fwd.spanLo = lo;
      if (hi > fwd.spanHi) fwd.spanHi = hi;
    } else {
      fwd.spanValid = false;
    }
  }
  const probe = (f & TA_ZERO_WINDOW_PROBE) !== 0;
  if ((gt(nextseq, fwd.nextseq) || fwd.nextseq === 0) && !probe) {
    fwd.nextseq = nextseq;
    fwd.nextseqFrame = s.frame;
    fwd.nextseqTime = s.timeNs;
  }
  if ((seq === fwd.maxseqtobeacked || fwd.maxseqtobeacked === 0) && !probe) fwd.maxseqtobeacked = fwd.nextseq;
  fwd.window = s.window;
  fwd.lastack = s.ack;
  fwd.lastackTime = s.timeNs;
}

/** Drops the other direction's segments this ACK covers; an exact match gives acks_frame and the RTT. */
function ackSegments(rev: AnalysisFlow, s: AnalysedSegment, ta: TcpAnalysis): void {
  const n = rev.segCount;
  if (n === 0) return;
  const { segFrame, segSeq, segNext, segTime } = rev;
  const ack = s.ack;
  let removed = 0;
  // Wireshark walks its list newest first; the last exact match it meets (the oldest) wins.
  for (let i = n - 1; i >= 0; i--) {
    const next = segNext[i]!;
    if (ack === next) {
      ta.acksFrame = segFrame[i]!;
      ta.ackRttNs = s.timeNs - segTime[i]!;
    } else if (gt(ack, segSeq[i]!) && le(ack, next)) {
      segSeq[i] = ack;
      rev.spanValid = false;
      continue;
    } else if (gt(next, ack)) {
      continue;
    }
    segFrame[i] = NaN; // acknowledged: dropped below
    removed++;
  }
  if (removed === 0) return;
  // Drop the acknowledged ones in one pass (keeping the order).
  let j = 0;
  for (let i = 0; i < n; i++) {
    const f = segFrame[i]!;
    if (f !== f) continue;
    segFrame[j] = f; segSeq[j] = segSeq[i]!; segNext[j] = segNext[i]!; segTime[j] = segTime[i]!;
    j++;
  }
  rev.segCount = j;
  rev.spanValid = false;
  if (j === 0) {
    // Everything is acknowledged: give the arrays back (a capture holds many finished conversations).
    rev.segFrame = EMPTY_F64;
    rev.segSeq = EMPTY_U32;
    rev.segNext = EMPTY_U32;
    rev.segTime = EMPTY_F64;
  }
}

/** Bytes in flight after this segment (payload-based, Wireshark's default), and bytes since PSH. */
function bytesInFlight(fwd: AnalysisFlow, rev: AnalysisFlow, s: AnalysedSegment, f: number, ta: TcpAnalysis): number {
  const n = fwd.segCount;
  if (s.seglen === 0 || n === 0 || !fwd.validBif) return f;
  const base = s.base;
  if (!fwd.spanValid || fwd.spanBase !== base) {
    // Lowest relative start and highest relative end over the list, as Wireshark's loop finds them.
    let first = 0xffffffff;
    let last = 0;
    for (let i = n - 1; i >= 0; i--) {
      const hi = (fwd.segNext[i]! - base) >>> 0;
      const lo = (fwd.segSeq[i]! - base) >>> 0;
      if (hi > last) last = hi;
      if (lo < first) first = lo;
    }
    fwd.spanLo = first;
    fwd.spanHi = last;
    fwd.spanBase = base;
    fwd.spanValid = true;
  }
  let inFlight = (fwd.spanHi - fwd.spanLo) >>> 0;
  // Less what the other side's latest SACK blocks say arrived.
  const sack = rev.sack;
  for (let i = 0; i + 1 < sack.length; i += 2) inFlight = (inFlight - ((sack[i + 1]! - sack[i]!) >>> 0)) >>> 0;
  // A SYN or FIN counts as a byte of sequence space but not of data.
  if (inFlight > 0 && inFlight < 2_000_000_000) ta.bytesInFlight = s.flags & (TH_SYN | TH_FIN) ? inFlight - 1 : inFlight;
  const push = (s.flags & TH_PUSH) !== 0;
  if (push && !fwd.pushSetLast) fwd.pushBytesSent += s.seglen;
  else if (push || fwd.pushSetLast) fwd.pushBytesSent = s.seglen;
  else fwd.pushBytesSent += s.seglen;
  fwd.pushSetLast = push;
  ta.pushBytesSent = fwd.pushBytesSent;
  return f | TA_PRESENT;
}

/** dissect_tcp after the analysis: the first pure ACK after a SYN gives the handshake RTT. */
function handshakeRtt(c: AnalysisConversation, s: AnalysedSegment): void {
  const sa = s.flags & (TH_SYN | TH_ACK);
  if (sa === TH_ACK && c.mruSynNs === c.mruSynNs && c.firstRttNs === 0) c.firstRttNs = s.timeNs - c.mruSynNs;
  if (sa === TH_SYN) c.mruSynNs = s.timeNs;
}

/**
 * The Info prefix, as tshark's col_prepend_fence_fstr calls leave it: each flag is prepended in
 * printing order (reused ports, retransmissions, lost, window, keep-alive, dup ACK, zero window),
 * so the last printed comes first.
 */
export function analysisPrefix(flags: number, dupAckFrame: number, dupAckNum: number): string {
  let s = '';
  if (flags & TA_REUSED_PORTS) s = '[TCP Port numbers reused] ' + s;
  if (flags & TA_RETRANSMISSION) s = '[TCP Retransmission] ' + s;
  if (flags & TA_FAST_RETRANSMISSION) s = '[TCP Fast Retransmission] ' + s;
  if (flags & TA_SPURIOUS_RETRANSMISSION) s = '[TCP Spurious Retransmission] ' + s;
  if (flags & TA_OUT_OF_ORDER) s = '[TCP Out-Of-Order] ' + s;
  if (flags & TA_LOST_PACKET) s = '[TCP Previous segment not captured] ' + s;
  if (flags & TA_ACK_LOST_PACKET) s = '[TCP ACKed unseen segment] ' + s;
  if (flags & TA_WINDOW_UPDATE) s = '[TCP Window Update] ' + s;
  if (flags & TA_WINDOW_FULL) s = '[TCP Window Full] ' + s;
  if (flags & TA_KEEP_ALIVE) s = '[TCP Keep-Alive] ' + s;
  if (flags & TA_KEEP_ALIVE_ACK) s = '[TCP Keep-Alive ACK] ' + s;
  if (dupAckNum !== 0 && flags & TA_DUPLICATE_ACK) s = `[TCP Dup ACK ${dupAckFrame}#${dupAckNum}] ` + s;
  if (flags & TA_ZERO_WINDOW_PROBE) s = '[TCP ZeroWindowProbe] ' + s;
  if (flags & TA_ZERO_WINDOW) s = '[TCP ZeroWindow] ' + s;
  if (flags & TA_ZERO_WINDOW_PROBE_ACK) s = '[TCP ZeroWindowProbeAck] ' + s;
  return s;
}

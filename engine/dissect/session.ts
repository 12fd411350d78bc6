/**
 * State carried across frames, like Wireshark's first pass over a capture: TCP conversations
 * (tcp.stream index, the base for relative sequence numbers, window scaling from the handshake)
 * and ICMP echo requests (so a reply can say "(request in N)").
 *
 * Rules, as observed with tshark 4.0 (`tshark -r`, one pass, default preferences):
 * - A direction's base is its SYN's sequence number; when the first segment seen is not a SYN,
 *   the base is seq - 1 (so it shows Seq=1). An ACK seen before the other side's first segment
 *   sets that side's base to ack - 1.
 * - A direction's window is scaled by the shift its own SYN announced; a SYN without the option
 *   disables scaling for both sides (checked at the SYN+ACK). SYN windows are never scaled. When
 *   the SYN was not captured, the raw window is shown.
 * - A new SYN (without ACK) with a different sequence number than the conversation's SYN starts a
 *   new stream index (port reuse), closed or not; a repeated SYN stays in its stream.
 * - Wireshark's sequence analysis (tcp-analysis.ts) runs on each new frame in order; a SYN that
 *   opens a new stream on the same ports, or a SYN+ACK with a new sequence number, is flagged
 *   "Port numbers reused".
 * Results are memoised per frame number, so re-dissecting a frame (clicking it again in the
 * packet list) gives the same numbers and analysis flags as the first pass.
 * Not done (documented in README): "(reply in N)", which needs a second pass.
 */
import {
  analyzeSegment, newAnalysis, newAnalysisConversation, repeatedSyn, TA_DUPLICATE_ACK, TA_PRESENT, TA_REUSED_PORTS,
  type AnalysedSegment, type AnalysisConversation, type TcpAnalysis,
} from './tcp-analysis.ts';

/** Read once (the memo path below runs per frame). */
const DUP_ACK = TA_DUPLICATE_ACK;

export interface TcpFrameState {
  stream: number;
  /** Subtract from the raw sequence / acknowledgment number (mod 2^32). */
  seqBase: number;
  ackBase: number;
  /** Window shift to apply; -1 = show the raw window. */
  winShift: number;
  /** Sequence analysis: TA_* bits (0 = none); the dup-ACK pair is what Info shows. */
  analysis: number;
  dupAckFrame: number;
  dupAckNum: number;
}

interface Direction {
  base: number;
  baseSet: boolean;
  /** -2: SYN not seen; -1: SYN seen without window scale; >= 0: shift. */
  winScale: number;
}

interface TcpConversation {
  index: number;
  dirs: [Direction, Direction];
  closed: boolean;
  an: AnalysisConversation;
}

export interface TcpSegmentView {
  key: string;
  /** 0 or 1: which side of the (ordered) key sent this segment. */
  dir: number;
  seq: number;
  ack: number;
  syn: boolean;
  ackFlag: boolean;
  finOrRst: boolean;
  /** Window scale shift from this segment's options, -1 when absent, -3 when the options were cut by the snaplen. */
  wsShift: number;
  /** The 12 flag bits, the payload length, the raw window, the time (ns since the first frame). */
  flags: number;
  seglen: number;
  window: number;
  timeNs: number;
  /** SACK edges [left, right, ...] (raw; empty when none). */
  sack: readonly number[];
}

const newDirection = (): Direction => ({ base: 0, baseSet: false, winScale: -2 });

export class DissectSession {
  private readonly conversations = new Map<string, TcpConversation>();
  private nextStream = 0;
  /**
   * Per-frame results in columns indexed by frame number (no object per frame: the packet list
   * of a large capture goes through here once per frame). has[f] = 1 when frame f was seen.
   */
  private memoHas = new Uint8Array(1024);
  private memoStream = new Uint32Array(1024);
  private memoSeq = new Uint32Array(1024);
  private memoAck = new Uint32Array(1024);
  private memoShift = new Int8Array(1024);
  /** Sequence analysis per frame (TcpAnalysis in columns; the rare dup-ACK / RTO parts in `memoRare`). */
  private memoAFlags = new Uint16Array(1024);
  private memoAcks = new Uint32Array(1024);
  private memoRtt = new Float64Array(1024);
  private memoIrtt = new Float64Array(1024);
  private memoBif = new Uint32Array(1024);
  private memoPush = new Uint32Array(1024);
  private readonly memoRare = new Map<number, [dupAckNum: number, dupAckFrame: number, rtoNs: number, rtoFrame: number]>();
  private readonly ta: TcpAnalysis = newAnalysis();
  private readonly seg: AnalysedSegment = { frame: 0, seq: 0, ack: 0, seglen: 0, flags: 0, window: 0, timeNs: 0, base: 0, wsShift: -1, sack: [] };
  /** Returned to callers and overwritten by the next call: read it before dissecting again. */
  private readonly scratch: TcpFrameState = { stream: 0, seqBase: 0, ackBase: 0, winShift: -1, analysis: 0, dupAckFrame: 0, dupAckNum: 0 };
  /** Echo requests per key (addresses, id, seq): frame numbers in order, and which were answered. */
  private readonly echoRequests = new Map<string, { frames: number[]; answered: Set<number> }>();
  private readonly echoMemo = new Map<number, number>();
  private autoFrame = 0;
  private lastFrame = 0;

  /** The frame number to use when the caller gives none: the next one in order. */
  frameNumber(given: number | undefined): number {
    if (given !== undefined) {
      if (given > this.lastFrame) this.lastFrame = given;
      return given;
    }
    this.autoFrame = Math.max(this.autoFrame, this.lastFrame) + 1;
    this.lastFrame = this.autoFrame;
    return this.autoFrame;
  }

  /** Number of TCP streams seen so far. */
  get tcpStreamCount(): number {
    return this.nextStream;
  }

  private grow(frame: number): void {
    let n = this.memoHas.length;
    while (n <= frame) n *= 2;
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.memoHas = g(this.memoHas, (k) => new Uint8Array(k));
    this.memoStream = g(this.memoStream, (k) => new Uint32Array(k));
    this.memoSeq = g(this.memoSeq, (k) => new Uint32Array(k));
    this.memoAck = g(this.memoAck, (k) => new Uint32Array(k));
    this.memoShift = g(this.memoShift, (k) => new Int8Array(k));
    this.memoAFlags = g(this.memoAFlags, (k) => new Uint16Array(k));
    this.memoAcks = g(this.memoAcks, (k) => new Uint32Array(k));
    this.memoRtt = g(this.memoRtt, (k) => new Float64Array(k));
    this.memoIrtt = g(this.memoIrtt, (k) => new Float64Array(k));
    this.memoBif = g(this.memoBif, (k) => new Uint32Array(k));
    this.memoPush = g(this.memoPush, (k) => new Uint32Array(k));
  }

  private freshConversation(): TcpConversation {
    return { index: this.nextStream++, dirs: [newDirection(), newDirection()], closed: false, an: newAnalysisConversation() };
  }

  /**
   * The TCP numbers for one segment. The returned object is reused by the next call (the
   * dissector copies what it needs at once); results are memoised per frame number.
   */
  tcp(frame: number, s: TcpSegmentView): TcpFrameState {
    const out = this.scratch;
    if (frame >= 0 && frame < this.memoHas.length && this.memoHas[frame] === 1) {
      out.stream = this.memoStream[frame]!;
      out.seqBase = this.memoSeq[frame]!;
      out.ackBase = this.memoAck[frame]!;
      out.winShift = this.memoShift[frame]!;
      out.analysis = this.memoAFlags[frame]!;
      const rare = out.analysis & DUP_ACK ? this.memoRare.get(frame) : undefined;
      out.dupAckNum = rare ? rare[0] : 0;
      out.dupAckFrame = rare ? rare[1] : 0;
      return out;
    }
    const ta = this.ta;
    let pre = 0;
    let conv = this.conversations.get(s.key);
    if (!conv) {
      conv = this.freshConversation();
      this.conversations.set(s.key, conv);
    } else if (s.syn && !s.ackFlag && conv.dirs[s.dir]!.baseSet && conv.dirs[s.dir]!.base !== s.seq) {
      conv = this.freshConversation();
      this.conversations.set(s.key, conv);
      pre = TA_REUSED_PORTS;
    } else if (s.syn && !s.ackFlag && conv.dirs[s.dir]!.baseSet) {
      pre = repeatedSyn(conv.an, s.dir);
    } else if (s.syn && s.ackFlag && conv.dirs[s.dir]!.baseSet && conv.dirs[s.dir]!.base !== s.seq) {
      pre = TA_REUSED_PORTS;
    }
    const fwd = conv.dirs[s.dir]!;
    const rev = conv.dirs[1 - s.dir]!;
    if (s.syn) {
      fwd.base = s.seq;
      fwd.baseSet = true;
      fwd.winScale = s.wsShift;
      if (s.ackFlag && (fwd.winScale === -1 || rev.winScale === -1)) {
        fwd.winScale = -1;
        rev.winScale = -1;
      }
    } else if (!fwd.baseSet) {
      fwd.base = (s.seq - 1) >>> 0;
      fwd.baseSet = true;
    }
    if (s.ackFlag && !rev.baseSet) {
      rev.base = (s.ack - 1) >>> 0;
      rev.baseSet = true;
    }
    if (s.finOrRst) conv.closed = true;
    const a = this.seg;
    a.frame = frame; a.seq = s.seq; a.ack = s.ack; a.seglen = s.seglen; a.flags = s.flags; a.window = s.window;
    a.timeNs = s.timeNs; a.base = fwd.base; a.wsShift = s.wsShift; a.sack = s.sack;
    analyzeSegment(conv.an, s.dir, a, ta, pre);
    out.stream = conv.index;
    out.seqBase = fwd.base;
    out.ackBase = s.ackFlag ? rev.base : 0;
    out.winShift = s.syn ? -1 : fwd.winScale >= 0 ? fwd.winScale : -1;
    out.analysis = ta.flags;
    out.dupAckNum = ta.dupAckNum;
    out.dupAckFrame = ta.dupAckFrame;
    if (frame >= 0 && Number.isInteger(frame) && frame < 2 ** 31) {
      if (frame >= this.memoHas.length) this.grow(frame);
      this.memoHas[frame] = 1;
      this.memoStream[frame] = out.stream;
      this.memoSeq[frame] = out.seqBase;
      this.memoAck[frame] = out.ackBase;
      this.memoShift[frame] = out.winShift;
      this.memoAFlags[frame] = ta.flags;
      if (ta.flags !== 0) {
        this.memoAcks[frame] = ta.acksFrame;
        this.memoRtt[frame] = ta.ackRttNs;
        this.memoIrtt[frame] = ta.initialRttNs;
        this.memoBif[frame] = ta.bytesInFlight;
        this.memoPush[frame] = ta.pushBytesSent;
        if (ta.dupAckNum !== 0 || ta.rtoFrame !== 0 || ta.rtoNs !== 0) this.memoRare.set(frame, [ta.dupAckNum, ta.dupAckFrame, ta.rtoNs, ta.rtoFrame]);
      }
    } else {
      this.unmemoised = { ...ta };
    }
    return out;
  }

  /**
   * The full sequence analysis of a frame `tcp()` has seen (a new object; undefined when the frame
   * has none). Read it right after `tcp()` for a frame number that cannot be memoised.
   */
  tcpAnalysis(frame: number): TcpAnalysis | undefined {
    if (!(frame >= 0 && frame < this.memoHas.length && this.memoHas[frame] === 1)) {
      const u = this.unmemoised;
      return u && u.flags & TA_PRESENT ? { ...u } : undefined;
    }
    const flags = this.memoAFlags[frame]!;
    if (!(flags & TA_PRESENT)) return undefined;
    const rare = this.memoRare.get(frame);
    return {
      flags, acksFrame: this.memoAcks[frame]!, ackRttNs: this.memoRtt[frame]!, initialRttNs: this.memoIrtt[frame]!,
      bytesInFlight: this.memoBif[frame]!, pushBytesSent: this.memoPush[frame]!,
      dupAckNum: rare ? rare[0] : 0, dupAckFrame: rare ? rare[1] : 0, rtoNs: rare ? rare[2] : 0, rtoFrame: rare ? rare[3] : 0,
    };
  }

  private unmemoised: TcpAnalysis | undefined = undefined;

  /**
   * Records an echo request; returns nothing (one pass cannot know the reply yet). A later copy
   * of the same request (the same ping captured twice, e.g. inside and outside a tunnel on
   * `-i any`) replaces the earlier one, as in tshark.
   */
  echoRequest(frame: number, key: string): void {
    const seen = this.echoRequests.get(key);
    if (!seen) this.echoRequests.set(key, { frames: [frame], answered: new Set() });
    else if (!seen.frames.includes(frame)) seen.frames.push(frame);
  }

  /**
   * For an echo reply: the frame of the matching request (memoised per frame). tshark pairs a
   * reply with the latest earlier request not yet answered (else the latest), which matters when
   * the same ping is captured twice, inside and outside a tunnel.
   */
  echoReply(frame: number, key: string): number | undefined {
    const memo = this.echoMemo.get(frame);
    if (memo !== undefined) return memo;
    const reqs = this.echoRequests.get(key);
    if (!reqs) return undefined;
    let pick: number | undefined;
    let latest: number | undefined;
    for (const f of reqs.frames) {
      if (f >= frame) continue;
      if (latest === undefined || f > latest) latest = f;
      if (!reqs.answered.has(f) && (pick === undefined || f > pick)) pick = f;
    }
    pick ??= latest;
    if (pick !== undefined) {
      reqs.answered.add(pick);
      this.echoMemo.set(frame, pick);
    }
    return pick;
  }
}

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
 * - A new SYN (without ACK) with a different sequence number on a conversation that saw FIN or RST
 *   starts a new stream index (port reuse).
 * Results are memoised per frame number, so re-dissecting a frame (clicking it again in the
 * packet list) gives the same numbers as the first pass.
 * Not done (documented in README): Wireshark's analysis flags ([TCP Retransmission], [TCP Dup
 * ACK], [TCP Window Update] ...) and "(reply in N)", which needs a second pass.
 */

export interface TcpFrameState {
  stream: number;
  /** Subtract from the raw sequence / acknowledgment number (mod 2^32). */
  seqBase: number;
  ackBase: number;
  /** Window shift to apply; -1 = show the raw window. */
  winShift: number;
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
  /** Window scale shift from this segment's options, -1 when absent. */
  wsShift: number;
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
  /** Returned to callers and overwritten by the next call: read it before dissecting again. */
  private readonly scratch: TcpFrameState = { stream: 0, seqBase: 0, ackBase: 0, winShift: -1 };
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
    const g = <T extends Uint8Array | Uint32Array | Int8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.memoHas = g(this.memoHas, (k) => new Uint8Array(k));
    this.memoStream = g(this.memoStream, (k) => new Uint32Array(k));
    this.memoSeq = g(this.memoSeq, (k) => new Uint32Array(k));
    this.memoAck = g(this.memoAck, (k) => new Uint32Array(k));
    this.memoShift = g(this.memoShift, (k) => new Int8Array(k));
  }

  private freshConversation(): TcpConversation {
    return { index: this.nextStream++, dirs: [newDirection(), newDirection()], closed: false };
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
      return out;
    }
    let conv = this.conversations.get(s.key);
    if (!conv) {
      conv = this.freshConversation();
      this.conversations.set(s.key, conv);
    } else if (s.syn && !s.ackFlag && conv.closed && conv.dirs[s.dir]!.baseSet && conv.dirs[s.dir]!.base !== s.seq) {
      conv = this.freshConversation();
      this.conversations.set(s.key, conv);
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
    out.stream = conv.index;
    out.seqBase = fwd.base;
    out.ackBase = s.ackFlag ? rev.base : 0;
    out.winShift = s.syn ? -1 : fwd.winScale >= 0 ? fwd.winScale : -1;
    if (frame >= 0 && Number.isInteger(frame) && frame < 2 ** 31) {
      if (frame >= this.memoHas.length) this.grow(frame);
      this.memoHas[frame] = 1;
      this.memoStream[frame] = out.stream;
      this.memoSeq[frame] = out.seqBase;
      this.memoAck[frame] = out.ackBase;
      this.memoShift[frame] = out.winShift;
    }
    return out;
  }

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

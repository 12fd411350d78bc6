/**
 * TCP (RFC 9293) with the options Wireshark's Info column reports: MSS (2), window scale (3,
 * RFC 7323), SACK permitted (4) and SACK (5, RFC 2018), timestamps (8, RFC 7323).
 * Info follows tshark 4.0's one-line form: `sport → dport [FLAGS] Seq= Ack= Win= Len= OPTIONS`.
 * Sequence numbers are relative when a DissectSession is given (tshark's default), raw otherwise
 * (what `tshark -o tcp.relative_sequence_numbers:FALSE` shows); tcp.seq_raw is always raw.
 */
import { finishChecksum, pseudoHeaderSumV4, pseudoHeaderSumV6, sumWords } from '../wire/checksum.ts';
import { dissectData } from './data.ts';
import type { TcpFrameState } from './session.ts';
import { analysisPrefix, TA_RETRANSMISSION, TA_SPURIOUS_RETRANSMISSION } from './tcp-analysis.ts';
import { analysisFields } from './tcp-analysis-fields.ts';

// Read once: the payload test below runs per segment.
const RETRANSMITTED = TA_RETRANSMISSION;
const SPURIOUS = TA_SPURIOUS_RETRANSMISSION;
import type { Field, Layer } from './types.ts';
import {
  bitField, bitLine, CHECKSUM_BAD, CHECKSUM_GOOD, CHECKSUM_UNVERIFIED, checksumStatusField, field, flagField,
  gfield, hex, pfield, u16, u32, withChildren, withMalformed, view,
} from './util.ts';
import { malformed, openLayer, packetShort, truncatedLayer, type Walk } from './walk.ts';

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'] as const;
const FLAG_FIELDS: ReadonlyArray<readonly [string, string, number]> = [
  ['tcp.flags.res', 'Reserved', 0xe00], ['tcp.flags.ae', 'Accurate ECN', 0x100], ['tcp.flags.cwr', 'Congestion Window Reduced', 0x80],
  ['tcp.flags.ece', 'ECN-Echo', 0x40], ['tcp.flags.urg', 'Urgent', 0x20], ['tcp.flags.ack', 'Acknowledgment', 0x10],
  ['tcp.flags.push', 'Push', 0x08], ['tcp.flags.reset', 'Reset', 0x04], ['tcp.flags.syn', 'Syn', 0x02], ['tcp.flags.fin', 'Fin', 0x01],
];

const flagsTexts: string[] = [];

/** "SYN, ACK" in Wireshark's order (low bit first); "<None>" when no flag is set. */
export function tcpFlagsText(flags: number): string {
  const f = flags & 0xfff;
  const hit = f === flags ? flagsTexts[f] : undefined;
  if (hit !== undefined) return hit;
  const s = flagsTextOf(flags);
  if (f === flags) flagsTexts[f] = s;
  return s;
}

function flagsTextOf(flags: number): string {
  let s = '';
  for (let i = 0; i < FLAG_NAMES.length; i++) {
    if (flags & (1 << i)) s += (s ? ', ' : '') + FLAG_NAMES[i];
  }
  return s || '<None>';
}

const flagsStrings: string[] = [];

/** The flags as Wireshark's 12-character string, e.g. '·······AP···' (cached: 4096 values). */
function flagsString(flags: number): string {
  const hit = flagsStrings[flags];
  if (hit !== undefined) return hit;
  const letters = 'RRRACEUAPRSF';
  let s = '';
  for (let i = 0; i < 12; i++) s += flags & (0x800 >> i) ? letters[i] : '·';
  flagsStrings[flags] = s;
  return s;
}

export function dissectTcp(w: Walk, off: number, end: number): void {
  const d = w.data;
  // The segment's end by the IP length (beyond `end` when the snaplen cut the frame): lengths,
  // the analysis and Info use it; bytes are read only up to `end`.
  const repEnd = w.reportedEnd > end ? w.reportedEnd : end;
  if (end - off < 20) {
    truncatedLayer(w, 'tcp', 'TCP', off, end, 20);
    return;
  }
  const sport = u16(d, off);
  const dport = u16(d, off + 2);
  const seqRaw = u32(d, off + 4);
  const ackRaw = u32(d, off + 8);
  const hl = (d[off + 12]! >> 4) * 4;
  const flags = u16(d, off + 12) & 0x0fff;
  const win = u16(d, off + 14);
  const hdrEnd = Math.min(off + Math.max(hl, 20), end);
  const payloadLen = hl >= 20 && off + hl <= repEnd ? repEnd - off - hl : 0;
  const shared = w.session && w.quote === 0 ? sessionState(w, off, sport, dport, seqRaw, ackRaw, flags, hdrEnd, payloadLen, win, hl > 20 && off + hl > end) : undefined;
  // The session hands out a reused object: copy it before anything else can call the session.
  const state: TcpFrameState | undefined = shared && (w.tree ? { ...shared } : shared);
  const seq = state ? (seqRaw - state.seqBase) >>> 0 : seqRaw;
  const ack = flags & 0x10 ? (state ? (ackRaw - state.ackBase) >>> 0 : ackRaw) : ackRaw;
  const winShown = state && state.winShift >= 0 ? win * 2 ** state.winShift : win;
  const ackText = flags & 0x10 ? `, Ack: ${ack}` : '';
  const layer = w.tree ? openLayer(w, 'tcp', () => `Transmission Control Protocol, Src Port: ${sport}, Dst Port: ${dport}, Seq: ${seq}${ackText}, Len: ${payloadLen}`, off, hdrEnd - off) : null;
  if (w.quote === 0) w.protocol = 'TCP';
  if (layer) tcpFields(w, layer, off, end, { seq, ack, payloadLen, state, winShown, full: repEnd === end });
  if (hl < 20) {
    malformed(w, layer, `Bogus TCP header length (${hl}, must be at least 20)`, off + 12, 1);
  } else if (off + hl > end && off + hl <= repEnd) {
    packetShort(w, `TCP header length ${hl} exceeds the ${end - off} bytes captured`, true);
  } else if (off + hl > end) {
    malformed(w, layer, `TCP header length ${hl} exceeds the ${end - off} bytes captured`, off + 12, 1);
  }
  if (w.quote === 0) {
    let info = `${sport} → ${dport} [${tcpFlagsText(flags)}] Seq=${seq}`;
    if (flags & 0x10) info += ` Ack=${ack}`;
    info += ` Win=${winShown}`;
    if (flags & 0x20) info += ` Urg=${u16(d, off + 18)}`;
    info += ` Len=${payloadLen}`;
    info += optionsInfo(d, off + 20, hdrEnd, state ? state.ackBase : 0, state !== undefined);
    // A header cut by the snaplen stops tshark in the options, before the analysis is printed.
    w.info = state && state.analysis !== 0 && off + hl <= end ? analysisPrefix(state.analysis, state.dupAckFrame, state.dupAckNum) + info : info;
  }
  if (payloadLen > 0 && off + hl < end) {
    // tshark hands no retransmitted payload to a subdissector (tcp_no_subdissector_on_error): a
    // retransmission shows as "Retransmitted TCP segment data", a spurious one as nothing more.
    const a = state ? state.analysis : 0;
    if (a & SPURIOUS) return;
    if (a & RETRANSMITTED) {
      if (layer) layer.fields.push(field('tcp.segment_data', `Retransmitted TCP segment data (${payloadLen} byte${payloadLen === 1 ? '' : 's'})`, view(d, off + hl, end), off + hl, end - off - hl));
      return;
    }
    dissectData(w, off + hl, end);
  }
}

function sessionState(w: Walk, off: number, sport: number, dport: number, seq: number, ack: number, flags: number, hdrEnd: number, seglen: number, window: number, optionsCut: boolean): TcpFrameState {
  const d = w.data;
  // Each endpoint as a short string of 16-bit code units: address words, then the port.
  const s = w.ipSrcOff;
  const t = w.ipDstOff;
  let dir: number;
  let key: string;
  if (w.ipVersion === 6) {
    const a = String.fromCharCode(u16(d, s), u16(d, s + 2), u16(d, s + 4), u16(d, s + 6), u16(d, s + 8), u16(d, s + 10), u16(d, s + 12), u16(d, s + 14), sport);
    const b = String.fromCharCode(u16(d, t), u16(d, t + 2), u16(d, t + 4), u16(d, t + 6), u16(d, t + 8), u16(d, t + 10), u16(d, t + 12), u16(d, t + 14), dport);
    dir = a < b ? 0 : 1;
    key = dir === 0 ? a + b : b + a;
  } else {
    // The same key as the string comparison above would give, built in one go.
    const a0 = u16(d, s); const a1 = u16(d, s + 2);
    const b0 = u16(d, t); const b1 = u16(d, t + 2);
    dir = a0 !== b0 ? (a0 < b0 ? 0 : 1) : a1 !== b1 ? (a1 < b1 ? 0 : 1) : sport < dport ? 0 : 1;
    key = dir === 0 ? String.fromCharCode(a0, a1, sport, b0, b1, dport) : String.fromCharCode(b0, b1, dport, a0, a1, sport);
  }
  return w.session!.tcp(w.frame, {
    key, dir, seq, ack, syn: (flags & 2) !== 0, ackFlag: (flags & 0x10) !== 0, finOrRst: (flags & 5) !== 0,
    // Options cut by the snaplen: tshark stops in them, before its window-scale bookkeeping (-3).
    wsShift: flags & 2 ? (optionsCut ? -3 : windowScaleOption(d, off + 20, hdrEnd)) : -1,
    flags, seglen, window, timeNs: w.timeNs,
    sack: hdrEnd - off > 20 ? sackOption(d, off + 20, hdrEnd) : NO_SACK,
  });
}

const NO_SACK: readonly number[] = [];

/** The SACK option's edges as [left, right, left, right ...] (raw), or NO_SACK. */
function sackOption(d: Uint8Array, o: number, end: number): readonly number[] {
  while (o < end) {
    const kind = d[o]!;
    if (kind === 0) return NO_SACK;
    if (kind === 1) { o++; continue; }
    if (o + 1 >= end) return NO_SACK;
    const len = d[o + 1]!;
    if (len < 2 || o + len > end) return NO_SACK;
    if (kind === 5 && len >= 10) {
      const out: number[] = [];
      for (let e = o + 2; e + 8 <= o + len && out.length < 8; e += 8) out.push(u32(d, e), u32(d, e + 4));
      return out;
    }
    o += len;
  }
  return NO_SACK;
}

function windowScaleOption(d: Uint8Array, o: number, end: number): number {
  while (o < end) {
    const kind = d[o]!;
    if (kind === 0) return -1;
    if (kind === 1) { o++; continue; }
    if (o + 1 >= end) return -1;
    const len = d[o + 1]!;
    if (len < 2 || o + len > end) return -1;
    if (kind === 3 && len === 3) return Math.min(d[o + 2]!, 14);
    o += len;
  }
  return -1;
}

/** The option part of Info (" MSS=1460 SACK_PERM TSval=... TSecr=... WS=128"). */
function optionsInfo(d: Uint8Array, o: number, end: number, ackBase: number, relative: boolean): string {
  let s = '';
  while (o < end) {
    const kind = d[o]!;
    if (kind === 0) break;
    if (kind === 1) { o++; continue; }
    if (o + 1 >= end) break;
    const len = d[o + 1]!;
    if (len < 2 || o + len > end) break;
    if (kind === 2 && len === 4) s += ` MSS=${u16(d, o + 2)}`;
    else if (kind === 3 && len === 3) s += ` WS=${2 ** Math.min(d[o + 2]!, 14)}`;
    else if (kind === 4 && len === 2) s += ' SACK_PERM';
    else if (kind === 8 && len === 10) s += ` TSval=${u32(d, o + 2)} TSecr=${u32(d, o + 6)}`;
    else if (kind === 5 && len >= 10) {
      for (let e = o + 2; e + 8 <= o + len; e += 8) {
        const le = relative ? (u32(d, e) - ackBase) >>> 0 : u32(d, e);
        const re = relative ? (u32(d, e + 4) - ackBase) >>> 0 : u32(d, e + 4);
        s += ` SLE=${le} SRE=${re}`;
      }
    }
    o += len;
  }
  return s;
}

function flagFields(word: number, off: number, flags: number): Field[] {
  const out: Field[] = [];
  for (let i = 0; i < FLAG_FIELDS.length; i++) {
    const [name, text, mask] = FLAG_FIELDS[i]!;
    out.push(flagField(name, text, word, mask, 12, off, 2));
  }
  out.push(gfield('tcp.flags.str', 'TCP Flags', flagsString(flags), off, 2));
  return out;
}

interface TcpShown {
  seq: number; ack: number; payloadLen: number; state: TcpFrameState | undefined; winShown: number;
  /** The whole segment was captured (a checksum can be verified). */
  full: boolean;
}

function tcpFields(w: Walk, layer: Layer, off: number, end: number, v: TcpShown): void {
  const d = w.data;
  const f = layer.fields;
  const sport = u16(d, off);
  const dport = u16(d, off + 2);
  const hl = (d[off + 12]! >> 4) * 4;
  const word = u16(d, off + 12);
  const flags = word & 0x0fff;
  const rel = v.state ? '    (relative sequence number)' : '';
  f.push(
    pfield('tcp.srcport', 'Source Port', sport, off, 2),
    pfield('tcp.dstport', 'Destination Port', dport, off + 2, 2),
    pfield('tcp.port', 'Source or Destination Port', sport, off, 2),
    pfield('tcp.port', 'Source or Destination Port', dport, off + 2, 2),
  );
  const st = v.state;
  if (st) f.push(gfield('tcp.stream', 'Stream index', st.stream, off, 0));
  f.push(
    gfield('tcp.len', 'TCP Segment Len', v.payloadLen, off + 12, 1),
    field('tcp.seq', () => `Sequence Number: ${v.seq}${rel}`, v.seq, off + 4, 4),
    pfield('tcp.seq_raw', 'Sequence Number (raw)', u32(d, off + 4), off + 4, 4),
    field('tcp.ack', () => `Acknowledgment Number: ${v.ack}${v.state && flags & 0x10 ? '    (relative ack number)' : ''}`, v.ack, off + 8, 4),
    pfield('tcp.ack_raw', 'Acknowledgment number (raw)', u32(d, off + 8), off + 8, 4),
    bitField('tcp.hdr_len', () => `${bitLine(d[off + 12]!, 0xf0, 8)} = Header Length: ${hl} bytes (${hl / 4})`, hl, off + 12, 1, 0xf0),
    withChildren(bitField('tcp.flags', () => `Flags: ${hex(flags, 3)} (${tcpFlagsText(flags)})`, flags, off + 12, 2, 0x0fff), flagFields(word, off + 12, flags)),
    pfield('tcp.window_size_value', 'Window', u16(d, off + 14), off + 14, 2),
    gfield('tcp.window_size', 'Calculated window size', v.winShown, off + 14, 2),
  );
  if (st && st.winShift >= 0) {
    const factor = 2 ** st.winShift;
    f.push(gfield('tcp.window_size_scalefactor', 'Window size scaling factor', factor, off + 14, 2));
  }
  const checksum = u16(d, off + 16);
  let status = CHECKSUM_UNVERIFIED;
  if (w.verify && v.full && hl >= 20 && off + hl <= end && w.ipVersion !== 0) {
    status = transportChecksumOk(w, 6, off, end) ? CHECKSUM_GOOD : CHECKSUM_BAD;
  }
  f.push(
    field('tcp.checksum', () => `Checksum: ${hex(checksum, 4)} [${['incorrect', 'correct', 'unverified'][status]}]`, checksum, off + 16, 2),
    checksumStatusField('tcp.checksum.status', 'Checksum Status', status, off + 16),
    pfield('tcp.urgent_pointer', 'Urgent Pointer', u16(d, off + 18), off + 18, 2),
  );
  const optEnd = Math.min(off + Math.max(hl, 20), end);
  if (optEnd > off + 20) f.push(tcpOptions(d, off + 20, optEnd, v.state ? v.state.ackBase : 0, v.state !== undefined));
  if (st && st.analysis !== 0 && off + hl <= end) {
    const a = w.session!.tcpAnalysis(w.frame);
    if (a) f.push(analysisFields(a, off));
  }
  if (v.payloadLen > 0 && off + hl < end) f.push(field('tcp.payload', () => `TCP payload (${v.payloadLen} bytes)`, view(d, off + hl, end), off + hl, end - off - hl));
}

/** Verifies a TCP/UDP checksum over the pseudo header of the enclosing IP layer. */
export function transportChecksumOk(w: Walk, proto: number, off: number, end: number): boolean {
  const d = w.data;
  const len = end - off;
  let sum: number;
  if (w.ipVersion === 4) {
    sum = pseudoHeaderSumV4(u32(d, w.ipSrcOff), u32(d, w.ipDstOff), proto, len);
  } else {
    sum = pseudoHeaderSumV6(view(d, w.ipSrcOff, w.ipSrcOff + 16), view(d, w.ipDstOff, w.ipDstOff + 16), proto, len);
  }
  return finishChecksum(sumWords(d, off, end, sum)) === 0;
}

const OPTION_NAMES: Readonly<Record<number, [string, string]>> = {
  0: ['tcp.options.eol', 'End of Option List (EOL)'], 1: ['tcp.options.nop', 'No-Operation (NOP)'],
  2: ['tcp.options.mss', 'Maximum segment size'], 3: ['tcp.options.wscale', 'Window scale'],
  4: ['tcp.options.sack_perm', 'SACK permitted'], 5: ['tcp.options.sack', 'SACK'], 8: ['tcp.options.timestamp', 'Timestamps'],
};

/** The line of one option: 'TCP Option - Timestamps: TSval 1, TSecr 2'. */
function optionSummary(d: Uint8Array, at: number, kind: number, len: number, text: string): string {
  if (kind === 2 && len === 4) return `TCP Option - ${text}: ${u16(d, at + 2)} bytes`;
  if (kind === 3 && len === 3) return `TCP Option - ${text}: ${d[at + 2]!} (multiply by ${2 ** Math.min(d[at + 2]!, 14)})`;
  if (kind === 8 && len === 10) return `TCP Option - ${text}: TSval ${u32(d, at + 2)}, TSecr ${u32(d, at + 6)}`;
  return `TCP Option - ${text}`;
}

function tcpOptions(d: Uint8Array, start: number, end: number, ackBase: number, relative: boolean): Field {
  const children: Field[] = [];
  const block = withChildren(field('tcp.options', () => `Options: (${end - start} bytes)`, view(d, start, end), start, end - start), children);
  let o = start;
  while (o < end) {
    const kind = d[o]!;
    const [name, text] = OPTION_NAMES[kind] ?? ['tcp.options.unknown', `Unknown (${kind})`];
    const kindField = field('tcp.option_kind', () => `Kind: ${text} (${kind})`, kind, o, 1);
    if (kind === 0 || kind === 1) {
      children.push(withChildren(field(name, () => `TCP Option - ${text}`, view(d, o, o + 1), o, 1), [kindField]));
      o++;
      if (kind === 0) break;
      continue;
    }
    const len = o + 1 < end ? d[o + 1]! : 0;
    if (len < 2 || o + len > end) {
      const reason = o + 1 >= end ? 'option length missing' : `bogus option length ${len}`;
      children.push(withMalformed(withChildren(field(name, () => `TCP Option - ${text} [${reason}]`, view(d, o, end), o, end - o), [kindField]), reason));
      block.malformed = reason;
      break;
    }
    const sub: Field[] = [kindField, pfield('tcp.option_len', 'Length', len, o + 1, 1)];
    const at = o;
    if (kind === 2 && len === 4) {
      sub.push(pfield('tcp.options.mss_val', 'MSS Value', u16(d, o + 2), o + 2, 2));
    } else if (kind === 3 && len === 3) {
      const shift = d[o + 2]!;
      sub.push(
        pfield('tcp.options.wscale.shift', 'Shift count', shift, o + 2, 1),
        gfield('tcp.options.wscale.multiplier', 'Multiplier', 2 ** Math.min(shift, 14), o + 2, 1),
      );
    } else if (kind === 8 && len === 10) {
      sub.push(
        pfield('tcp.options.timestamp.tsval', 'Timestamp value', u32(d, o + 2), o + 2, 4),
        pfield('tcp.options.timestamp.tsecr', 'Timestamp echo reply', u32(d, o + 6), o + 6, 4),
      );
    } else if (kind === 5) {
      for (let e = o + 2; e + 8 <= o + len; e += 8) {
        const le = relative ? (u32(d, e) - ackBase) >>> 0 : u32(d, e);
        const re = relative ? (u32(d, e + 4) - ackBase) >>> 0 : u32(d, e + 4);
        sub.push(field('tcp.options.sack_le', () => `left edge = ${le}`, le, e, 4), field('tcp.options.sack_re', () => `right edge = ${re}`, re, e + 4, 4));
      }
      sub.push(gfield('tcp.options.sack.count', 'TCP SACK Count', (len - 2) >> 3, o + 1, 1));
    } else if (len > 2 && kind !== 4) {
      sub.push(field('tcp.options.unknown.payload', 'Payload', view(d, o + 2, o + len), o + 2, len - 2));
    }
    children.push(withChildren(field(name, () => optionSummary(d, at, kind, len, text), view(d, o, o + len), o, len), sub));
    o += len;
  }
  return block;
}

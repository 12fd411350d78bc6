/**
 * TCP header and options. RFC 9293 §3.1: https://www.rfc-editor.org/rfc/rfc9293#section-3.1
 * Options: MSS (RFC 9293 §3.2), window scale and timestamps (RFC 7323), SACK (RFC 2018).
 * ECE/CWR: RFC 3168. NS: RFC 3540 (historic; the bit is kept as it is).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |     |N|C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsv |S|W|C|R|C|S|S|Y|I|            Window             |
 * |       |     | |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (0-40 bytes)                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                             data ...
 * ```
 *
 * Options are kept as named fields plus `unknown`. Without a `layout` they are written in the
 * order Linux writes them (tcp_options_write): MSS, SACK-permitted + timestamps (or NOP NOP
 * timestamps), NOP window scale, NOP NOP SACK-permitted, NOP NOP SACK blocks, then unknown
 * options, padded with zeros. Parse records the wire order in `layout` only when it differs from
 * that, so a repr built without a layout comes back from parse(emit(x)) unchanged and a captured
 * segment re-emits byte for byte.
 */
import { readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { finishChecksum, sumWords } from './checksum.ts';
import { fail, ok, type Result } from './result.ts';

/** Byte offsets, from the start of the header. */
const field = {
  srcPort: 0,
  dstPort: 2,
  seq: 4,
  ack: 8,
  dataOffset: 12,
  flags: 13,
  window: 14,
  checksum: 16,
  urgent: 18,
  options: 20,
} as const;

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TcpOptionKind = {
  Eol: 0,
  Nop: 1,
  Mss: 2,
  WindowScale: 3,
  SackPermitted: 4,
  Sack: 5,
  Timestamps: 8,
} as const;

export const TCP_MIN_HEADER_LENGTH = 20;
export const TCP_MAX_OPTIONS_LENGTH = 40;

export interface TcpFlags {
  fin: boolean;
  syn: boolean;
  rst: boolean;
  psh: boolean;
  ack: boolean;
  urg: boolean;
  ece: boolean;
  cwr: boolean;
  ns: boolean;
}

/** One position in the options area, in wire order. Each "unknown" takes the next `unknown` entry. */
export type TcpOptionSlot = 'eol' | 'nop' | 'mss' | 'windowScale' | 'sackPermitted' | 'sack' | 'timestamps' | 'unknown';

export interface TcpOptions {
  mss?: number;
  /** The shift count (RFC 7323 §2.3); values above 14 are kept as sent. */
  windowScale?: number;
  /** true or absent. */
  sackPermitted?: boolean;
  /** Left and right edges (u32), 1 to 4 blocks. */
  sack?: [number, number][];
  timestamps?: { value: number; echo: number };
  /** Unrecognised options, and known kinds with an unexpected length or repeated, in wire order. */
  unknown: { kind: number; data: Uint8Array }[];
  /** Wire order, set by parse only when it differs from the default order (see the file header). */
  layout?: TcpOptionSlot[];
}

export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: TcpFlags;
  window: number;
  urgentPointer: number;
  options: TcpOptions;
  /** On parse, a view into the parsed bytes (not a copy). */
  payload: Uint8Array;
  /** The three reserved bits after Data Offset, present only when non-zero so they survive. */
  reserved?: number;
}

export interface TcpParse {
  repr: TcpRepr;
  headerLength: number;
  /** Checksum as carried. */
  checksum: number;
  checksumOk: boolean;
}

// ---------------------------------------------------------------------------------------------
// Options

const KNOWN_KINDS: Readonly<Record<number, TcpOptionSlot>> = { 2: 'mss', 3: 'windowScale', 4: 'sackPermitted', 5: 'sack', 8: 'timestamps' };

/** Encoded length of one option, 0 when the repr does not carry it. */
function slotLength(o: TcpOptions, slot: TcpOptionSlot, unk: number): number {
  switch (slot) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return o.mss === undefined ? 0 : 4;
    case 'windowScale':
      return o.windowScale === undefined ? 0 : 3;
    case 'sackPermitted':
      return o.sackPermitted ? 2 : 0;
    case 'sack':
      return o.sack && o.sack.length > 0 ? 2 + 8 * Math.min(o.sack.length, 4) : 0;
    case 'timestamps':
      return o.timestamps ? 10 : 0;
    case 'unknown': {
      const u = o.unknown[unk];
      return u ? 2 + u.data.length : 0;
    }
  }
}

function writeSlot(o: TcpOptions, slot: TcpOptionSlot, unk: number, b: Uint8Array, at: number): void {
  switch (slot) {
    case 'eol':
      b[at] = 0;
      return;
    case 'nop':
      b[at] = 1;
      return;
    case 'mss':
      b[at] = 2;
      b[at + 1] = 4;
      writeU16(b, at + 2, o.mss!);
      return;
    case 'windowScale':
      b[at] = 3;
      b[at + 1] = 3;
      b[at + 2] = o.windowScale! & 0xff;
      return;
    case 'sackPermitted':
      b[at] = 4;
      b[at + 1] = 2;
      return;
    case 'sack': {
      const blocks = o.sack!;
      const n = Math.min(blocks.length, 4);
      b[at] = 5;
      b[at + 1] = 2 + 8 * n;
      for (let i = 0; i < n; i++) {
        writeU32(b, at + 2 + 8 * i, blocks[i]![0]);
        writeU32(b, at + 6 + 8 * i, blocks[i]![1]);
      }
      return;
    }
    case 'timestamps':
      b[at] = 8;
      b[at + 1] = 10;
      writeU32(b, at + 2, o.timestamps!.value);
      writeU32(b, at + 6, o.timestamps!.echo);
      return;
    case 'unknown': {
      const u = o.unknown[unk]!;
      b[at] = u.kind & 0xff;
      b[at + 1] = (2 + u.data.length) & 0xff;
      b.set(u.data, at + 2);
    }
  }
}

/**
 * Where options are laid out: a sink that only measures (buf null), writes (buf set) or records
 * the slots (slots set). One code path serves all three, so the length used to size a buffer is
 * always the length written.
 */
interface Sink {
  buf: Uint8Array | null;
  start: number;
  used: number;
  slots: TcpOptionSlot[] | null;
}

/** Places `nops` NOPs then the option, only if the option is present and all of it fits. */
function place(o: TcpOptions, s: Sink, nops: number, slot: TcpOptionSlot, unk = 0): boolean {
  const len = slotLength(o, slot, unk);
  if (len === 0 || s.used + nops + len > TCP_MAX_OPTIONS_LENGTH) return false;
  for (let i = 0; i < nops; i++) {
    if (s.buf) s.buf[s.start + s.used] = 1;
    if (s.slots) s.slots.push('nop');
    s.used++;
  }
  if (s.buf) writeSlot(o, slot, unk, s.buf, s.start + s.used);
  if (s.slots) s.slots.push(slot);
  s.used += len;
  return true;
}

/** Linux's order (tcp_options_write), then unknown options in order. */
function layOutDefault(o: TcpOptions, s: Sink): void {
  place(o, s, 0, 'mss');
  if (o.timestamps) {
    if (o.sackPermitted) {
      place(o, s, 0, 'sackPermitted');
      place(o, s, 0, 'timestamps');
    } else place(o, s, 2, 'timestamps');
  }
  place(o, s, 1, 'windowScale');
  if (!o.timestamps) place(o, s, 2, 'sackPermitted');
  place(o, s, 2, 'sack');
  for (let i = 0; i < o.unknown.length; i++) place(o, s, 0, 'unknown', i);
}

const SLOT_BIT: Readonly<Record<TcpOptionSlot, number>> = {
  eol: 0, nop: 0, mss: 1, windowScale: 2, sackPermitted: 4, sack: 8, timestamps: 16, unknown: 0,
};

/** Follows `layout`; options the layout does not mention follow, before a final EOL. */
function layOutGiven(o: TcpOptions, layout: readonly TcpOptionSlot[], s: Sink): void {
  let done = 0;
  let unk = 0;
  let eol = false;
  for (const slot of layout) {
    if (slot === 'eol') {
      eol = true;
      break;
    }
    if (slot === 'unknown') {
      if (unk < o.unknown.length) place(o, s, 0, 'unknown', unk++);
    } else if (slot === 'nop') {
      place(o, s, 0, 'nop');
    } else if ((done & SLOT_BIT[slot]) === 0 && place(o, s, 0, slot)) done |= SLOT_BIT[slot];
  }
  for (const slot of ['mss', 'sackPermitted', 'timestamps', 'windowScale', 'sack'] as const) {
    if ((done & SLOT_BIT[slot]) === 0) place(o, s, 0, slot);
  }
  while (unk < o.unknown.length) place(o, s, 0, 'unknown', unk++);
  if (eol) place(o, s, 0, 'eol');
}

function layOut(o: TcpOptions, s: Sink): void {
  if (o.layout) layOutGiven(o, o.layout, s);
  else layOutDefault(o, s);
}

const measureSink: Sink = { buf: null, start: 0, used: 0, slots: null };

/** Bytes the options take, padded to a multiple of 4 (at most 40). */
export function tcpOptionsLength(o: TcpOptions): number {
  measureSink.used = 0;
  layOut(o, measureSink);
  return (measureSink.used + 3) & ~3;
}

function defaultSlots(o: TcpOptions): TcpOptionSlot[] {
  const s: Sink = { buf: null, start: 0, used: 0, slots: [] };
  layOutDefault(o, s);
  // Zero padding reads back as End of Option List.
  if (s.used % 4 !== 0) s.slots!.push('eol');
  return s.slots!;
}

function sameSlots(a: readonly TcpOptionSlot[], b: readonly TcpOptionSlot[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Reads options in [start, end) of `b`. Malformed lengths fail; unknown kinds are kept. */
function parseOptions(b: Uint8Array, start: number, end: number): Result<TcpOptions> {
  const o: TcpOptions = { unknown: [] };
  const slots: TcpOptionSlot[] = [];
  let at = start;
  while (at < end) {
    const kind = b[at]!;
    if (kind === 0) {
      slots.push('eol');
      break;
    }
    if (kind === 1) {
      slots.push('nop');
      at++;
      continue;
    }
    if (at + 1 >= end) return fail('tcp', at, `option ${kind} has no length byte`);
    const len = b[at + 1]!;
    if (len < 2 || at + len > end) return fail('tcp', at + 1, `option ${kind} length ${len} does not fit the options area`);
    const slot = readKnown(o, kind, b, at, len);
    if (slot === 'unknown') o.unknown.push({ kind, data: b.slice(at + 2, at + len) });
    slots.push(slot);
    at += len;
  }
  if (!sameSlots(slots, defaultSlots(o))) o.layout = slots;
  return ok(o);
}

/** Fills the named field when the kind is known, the length right and the field still empty. */
function readKnown(o: TcpOptions, kind: number, b: Uint8Array, at: number, len: number): TcpOptionSlot {
  const slot = KNOWN_KINDS[kind];
  if (slot === 'mss' && len === 4 && o.mss === undefined) o.mss = readU16(b, at + 2);
  else if (slot === 'windowScale' && len === 3 && o.windowScale === undefined) o.windowScale = b[at + 2]!;
  else if (slot === 'sackPermitted' && len === 2 && !o.sackPermitted) o.sackPermitted = true;
  else if (slot === 'timestamps' && len === 10 && !o.timestamps) {
    o.timestamps = { value: readU32(b, at + 2), echo: readU32(b, at + 6) };
  } else if (slot === 'sack' && len > 2 && (len - 2) % 8 === 0 && !o.sack) {
    o.sack = [];
    for (let i = at + 2; i < at + len; i += 8) o.sack.push([readU32(b, i), readU32(b, i + 4)]);
  } else return 'unknown';
  return slot;
}

// ---------------------------------------------------------------------------------------------
// Header

export function tcpHeaderLength(repr: TcpRepr): number {
  return TCP_MIN_HEADER_LENGTH + tcpOptionsLength(repr.options);
}

/** Header, options and payload. */
export function tcpLength(repr: TcpRepr): number {
  return tcpHeaderLength(repr) + repr.payload.length;
}

/**
 * Reads a segment: `bytes` is exactly the IP payload. `pseudoSum` is the pseudo-header partial
 * sum for it (pseudoHeaderSumV4/V6 with protocol 6 and `bytes.length`).
 */
export function parseTcp(bytes: Uint8Array, pseudoSum: number): Result<TcpParse> {
  if (bytes.length < TCP_MIN_HEADER_LENGTH) {
    return fail('tcp', bytes.length, `${bytes.length} bytes is shorter than the 20-byte TCP header`);
  }
  const headerLength = (bytes[field.dataOffset]! >>> 4) * 4;
  if (headerLength < TCP_MIN_HEADER_LENGTH) {
    return fail('tcp', field.dataOffset, `data offset ${headerLength / 4} is below the minimum of 5`);
  }
  if (headerLength > bytes.length) {
    return fail('tcp', field.dataOffset, `header of ${headerLength} bytes exceeds the ${bytes.length} bytes available`);
  }
  const options = parseOptions(bytes, field.options, headerLength);
  if (!options.ok) return options;
  const f = bytes[field.flags]!;
  const repr: TcpRepr = {
    srcPort: readU16(bytes, field.srcPort),
    dstPort: readU16(bytes, field.dstPort),
    seq: readU32(bytes, field.seq),
    ack: readU32(bytes, field.ack),
    flags: {
      fin: (f & 0x01) !== 0,
      syn: (f & 0x02) !== 0,
      rst: (f & 0x04) !== 0,
      psh: (f & 0x08) !== 0,
      ack: (f & 0x10) !== 0,
      urg: (f & 0x20) !== 0,
      ece: (f & 0x40) !== 0,
      cwr: (f & 0x80) !== 0,
      ns: (bytes[field.dataOffset]! & 0x01) !== 0,
    },
    window: readU16(bytes, field.window),
    urgentPointer: readU16(bytes, field.urgent),
    options: options.value,
    payload: bytes.subarray(headerLength),
  };
  const reserved = (bytes[field.dataOffset]! >>> 1) & 7;
  if (reserved) repr.reserved = reserved;
  return ok({
    repr,
    headerLength,
    checksum: readU16(bytes, field.checksum),
    checksumOk: finishChecksum(sumWords(bytes, 0, bytes.length, pseudoSum)) === 0,
  });
}

function flagsByte(f: TcpFlags): number {
  return (
    (f.fin ? 0x01 : 0) | (f.syn ? 0x02 : 0) | (f.rst ? 0x04 : 0) | (f.psh ? 0x08 : 0) |
    (f.ack ? 0x10 : 0) | (f.urg ? 0x20 : 0) | (f.ece ? 0x40 : 0) | (f.cwr ? 0x80 : 0)
  );
}

const writeSink: Sink = { buf: null, start: 0, used: 0, slots: null };

/**
 * Writes header, options and payload at `offset` and the checksum over them. `buf` needs
 * `tcpLength(repr)` bytes there; `pseudoSum` is pseudoHeaderSumV4/V6 for protocol 6 and that length.
 */
export function emitTcp(repr: TcpRepr, buf: Uint8Array, offset: number, pseudoSum: number): void {
  writeSink.buf = buf;
  writeSink.start = offset + field.options;
  writeSink.used = 0;
  layOut(repr.options, writeSink);
  const optEnd = writeSink.start + writeSink.used;
  writeSink.buf = null;
  const headerLength = TCP_MIN_HEADER_LENGTH + ((writeSink.used + 3) & ~3);
  buf.fill(0, optEnd, offset + headerLength);
  writeU16(buf, offset + field.srcPort, repr.srcPort);
  writeU16(buf, offset + field.dstPort, repr.dstPort);
  writeU32(buf, offset + field.seq, repr.seq);
  writeU32(buf, offset + field.ack, repr.ack);
  buf[offset + field.dataOffset] = ((headerLength / 4) << 4) | (((repr.reserved ?? 0) & 7) << 1) | (repr.flags.ns ? 1 : 0);
  buf[offset + field.flags] = flagsByte(repr.flags);
  writeU16(buf, offset + field.window, repr.window);
  writeU16(buf, offset + field.checksum, 0);
  writeU16(buf, offset + field.urgent, repr.urgentPointer);
  buf.set(repr.payload, offset + headerLength);
  const end = offset + headerLength + repr.payload.length;
  writeU16(buf, offset + field.checksum, finishChecksum(sumWords(buf, offset, end, pseudoSum)));
}

// ---------------------------------------------------------------------------------------------
// Builders

const NO_FLAGS: TcpFlags = { fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false, ns: false };

/** All flags false except those given: `tcpFlags({ syn: true })`. */
export function tcpFlags(set: Partial<TcpFlags> = {}): TcpFlags {
  return { ...NO_FLAGS, ...set };
}

const NO_PAYLOAD = new Uint8Array(0);

/**
 * A segment with defaults for what is not given (no flags, seq/ack 0, window 65535, no options,
 * empty payload). The shared empty payload must not be written to.
 */
export function tcpRepr(fields: Pick<TcpRepr, 'srcPort' | 'dstPort'> & Partial<TcpRepr>): TcpRepr {
  return {
    seq: 0,
    ack: 0,
    flags: tcpFlags(),
    window: 65535,
    urgentPointer: 0,
    options: { unknown: [] },
    payload: NO_PAYLOAD,
    ...fields,
  };
}

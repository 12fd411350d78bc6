/**
 * TCP header (options: tcp-options.ts). RFC 9293 §3.1: https://www.rfc-editor.org/rfc/rfc9293#section-3.1
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
 */
import { copyBytes, readU16, readU32, writeU16, writeU32, zeroBytes } from './bytes.ts';
import { finishChecksum, sumWords } from './checksum.ts';
import { fail, ok, type Result } from './result.ts';
import { emitTcpOptions, parseTcpOptions, tcpOptionsLength, type TcpOptions } from './tcp-options.ts';

/** Re-exported: a TcpRepr's options are part of what users of this file build. */
export type { TcpOptions, TcpOptionSlot } from './tcp-options.ts';

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

export const TCP_MIN_HEADER_LENGTH = 20;

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
  const options = parseTcpOptions(bytes, field.options, headerLength);
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

/**
 * Writes header, options and payload at `offset` and the checksum over them. `buf` needs
 * `tcpLength(repr)` bytes there; `pseudoSum` is pseudoHeaderSumV4/V6 for protocol 6 and that length.
 */
export function emitTcp(repr: TcpRepr, buf: Uint8Array, offset: number, pseudoSum: number): void {
  const used = emitTcpOptions(repr.options, buf, offset + field.options);
  const optEnd = offset + field.options + used;
  const headerLength = TCP_MIN_HEADER_LENGTH + ((used + 3) & ~3);
  zeroBytes(buf, optEnd, offset + headerLength);
  writeU16(buf, offset + field.srcPort, repr.srcPort);
  writeU16(buf, offset + field.dstPort, repr.dstPort);
  writeU32(buf, offset + field.seq, repr.seq);
  writeU32(buf, offset + field.ack, repr.ack);
  buf[offset + field.dataOffset] = ((headerLength / 4) << 4) | (((repr.reserved ?? 0) & 7) << 1) | (repr.flags.ns ? 1 : 0);
  buf[offset + field.flags] = flagsByte(repr.flags);
  writeU16(buf, offset + field.window, repr.window);
  writeU16(buf, offset + field.checksum, 0);
  writeU16(buf, offset + field.urgent, repr.urgentPointer);
  copyBytes(repr.payload, buf, offset + headerLength);
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

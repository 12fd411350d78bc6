/**
 * IPv4 header. RFC 791 §3.1: https://www.rfc-editor.org/rfc/rfc791#section-3.1
 * DSCP/ECN: RFC 2474, RFC 3168. Header checksum: RFC 1071.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |R|D|M|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (0-40 bytes)       |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * A bad header checksum is reported (`checksumOk`), not refused: odd packets must survive so a
 * capture can show them.
 */
import type { Ipv4Addr } from './addr.ts';
import { copyBytes, readU16, readU32, writeU16, writeU32, zeroBytes } from './bytes.ts';
import { internetChecksum } from './checksum.ts';
import { fail, ok, type Result } from './result.ts';

export const IpProtocol = {
  HopByHop: 0,
  Icmp: 1,
  Tcp: 6,
  Udp: 17,
  Ipv6Route: 43,
  Ipv6Frag: 44,
  Esp: 50,
  Ah: 51,
  Icmpv6: 58,
  Ipv6NoNext: 59,
  Ipv6Opts: 60,
} as const;

/** Byte offsets, from the start of the header. */
const field = {
  verIhl: 0,
  dscpEcn: 1,
  totalLength: 2,
  identification: 4,
  flagsFrag: 6,
  ttl: 8,
  protocol: 9,
  checksum: 10,
  src: 12,
  dst: 16,
  options: 20,
} as const;

const FLAG_RESERVED = 0x8000;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;

export const IPV4_MIN_HEADER_LENGTH = 20;
export const IPV4_MAX_OPTIONS_LENGTH = 40;

/** Shared by every repr without options; zero-length, so nothing can be written to it. */
const NO_OPTIONS = new Uint8Array(0);

export interface Ipv4Repr {
  /** Differentiated services code point, 6 bits. */
  dscp: number;
  /** Explicit congestion notification, 2 bits. */
  ecn: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In 8-byte units, as on the wire. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  src: Ipv4Addr;
  dst: Ipv4Addr;
  /**
   * Option bytes, kept verbatim (not interpreted). On emit they are padded with zeros (End of
   * Option List) to a multiple of 4; at most 40 bytes are written.
   */
  options: Uint8Array;
  /** Bytes after the header: Total Length minus the header length. */
  payloadLength: number;
  /** The reserved flag bit (RFC 3514's "evil bit"); present only when set, so it survives. */
  reservedFlag?: boolean;
}

export interface Ipv4Parse {
  repr: Ipv4Repr;
  headerLength: number;
  /** Header checksum as carried. */
  checksum: number;
  checksumOk: boolean;
  /** A view (not a copy) of the payload: `payloadLength` bytes after the header. */
  payload: Uint8Array;
}

/** Header length: 20 plus the options padded to 4 bytes (options beyond 40 bytes are not written). */
export function ipv4HeaderLength(repr: Ipv4Repr): number {
  const n = Math.min(repr.options.length, IPV4_MAX_OPTIONS_LENGTH);
  return IPV4_MIN_HEADER_LENGTH + ((n + 3) & ~3);
}

/** True for any fragment of a fragmented datagram (RFC 791: MF set or a non-zero offset). */
export function isFragment(repr: Ipv4Repr): boolean {
  return repr.moreFragments || repr.fragmentOffset !== 0;
}

/**
 * Reads the header at the start of `bytes`. Checks version, IHL and Total Length against the
 * buffer; bytes after Total Length (Ethernet padding) are ignored.
 */
export function parseIpv4Header(bytes: Uint8Array): Result<Ipv4Parse> {
  if (bytes.length < IPV4_MIN_HEADER_LENGTH) {
    return fail('ipv4', bytes.length, `${bytes.length} bytes is shorter than the 20-byte IPv4 header`);
  }
  const version = bytes[field.verIhl]! >>> 4;
  if (version !== 4) return fail('ipv4', field.verIhl, `version is ${version}, not 4`);
  const headerLength = (bytes[field.verIhl]! & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) {
    return fail('ipv4', field.verIhl, `IHL ${headerLength / 4} is below the minimum of 5`);
  }
  if (bytes.length < headerLength) {
    return fail('ipv4', bytes.length, `header of ${headerLength} bytes truncated to ${bytes.length}`);
  }
  const totalLength = readU16(bytes, field.totalLength);
  if (totalLength < headerLength) {
    return fail('ipv4', field.totalLength, `total length ${totalLength} is shorter than the ${headerLength}-byte header`);
  }
  if (totalLength > bytes.length) {
    return fail('ipv4', field.totalLength, `total length ${totalLength} exceeds the ${bytes.length} bytes available`);
  }
  const tos = bytes[field.dscpEcn]!;
  const ff = readU16(bytes, field.flagsFrag);
  const repr: Ipv4Repr = {
    dscp: tos >>> 2,
    ecn: tos & 3,
    identification: readU16(bytes, field.identification),
    dontFragment: (ff & FLAG_DF) !== 0,
    moreFragments: (ff & FLAG_MF) !== 0,
    fragmentOffset: ff & 0x1fff,
    ttl: bytes[field.ttl]!,
    protocol: bytes[field.protocol]!,
    src: readU32(bytes, field.src),
    dst: readU32(bytes, field.dst),
    // A copy, so the repr does not pin the capture buffer; the shared empty array when none.
    options: headerLength === IPV4_MIN_HEADER_LENGTH ? NO_OPTIONS : bytes.slice(field.options, headerLength),
    payloadLength: totalLength - headerLength,
  };
  if (ff & FLAG_RESERVED) repr.reservedFlag = true;
  return ok({
    repr,
    headerLength,
    checksum: readU16(bytes, field.checksum),
    checksumOk: internetChecksum(bytes, 0, headerLength) === 0,
    payload: bytes.subarray(headerLength, totalLength),
  });
}

/**
 * Writes the header (not the payload) at `offset` and computes its checksum.
 * `buf` needs `ipv4HeaderLength(repr)` bytes there. `payloadLength` and `protocol` override the
 * repr's (emitFrame derives them from the layer above).
 */
export function emitIpv4Header(
  repr: Ipv4Repr,
  buf: Uint8Array,
  offset: number,
  payloadLength = repr.payloadLength,
  protocol = repr.protocol,
): void {
  const hl = ipv4HeaderLength(repr);
  buf[offset + field.verIhl] = 0x40 | (hl >>> 2);
  buf[offset + field.dscpEcn] = ((repr.dscp & 0x3f) << 2) | (repr.ecn & 3);
  writeU16(buf, offset + field.totalLength, hl + payloadLength);
  writeU16(buf, offset + field.identification, repr.identification);
  const ff =
    (repr.reservedFlag ? FLAG_RESERVED : 0) |
    (repr.dontFragment ? FLAG_DF : 0) |
    (repr.moreFragments ? FLAG_MF : 0) |
    (repr.fragmentOffset & 0x1fff);
  writeU16(buf, offset + field.flagsFrag, ff);
  buf[offset + field.ttl] = repr.ttl & 0xff;
  buf[offset + field.protocol] = protocol & 0xff;
  writeU16(buf, offset + field.checksum, 0);
  writeU32(buf, offset + field.src, repr.src);
  writeU32(buf, offset + field.dst, repr.dst);
  const optEnd = offset + hl;
  const n = Math.min(repr.options.length, IPV4_MAX_OPTIONS_LENGTH);
  if (n) copyBytes(n === repr.options.length ? repr.options : repr.options.subarray(0, n), buf, offset + field.options);
  zeroBytes(buf, offset + field.options + n, optEnd);
  writeU16(buf, offset + field.checksum, internetChecksum(buf, offset, optEnd));
}

/**
 * A header with the usual defaults (DSCP 0, DF set, TTL 64, no options) for the fields not given.
 * The returned object is fresh.
 */
export function ipv4Repr(fields: Pick<Ipv4Repr, 'src' | 'dst'> & Partial<Ipv4Repr>): Ipv4Repr {
  return {
    dscp: 0,
    ecn: 0,
    identification: 0,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: IpProtocol.Tcp,
    options: NO_OPTIONS,
    payloadLength: 0,
    ...fields,
  };
}

/**
 * IPv6 fixed header and extension-header walk. RFC 8200 §3, §4:
 * https://www.rfc-editor.org/rfc/rfc8200#section-3
 * Text form: RFC 4291 §2.2 (parsing), RFC 5952 (the canonical form we print).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Source Address (16 bytes)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Destination Address (16 bytes)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension header (hop-by-hop 0, routing 43, destination options 60):
 * | Next Header | Hdr Ext Len (8-octet units, not counting the first 8) | data ...
 * Fragment (44): | Next Header | reserved | Offset (13) |Res|M| Identification (32) |  (8 bytes)
 * AH (51, RFC 4302): | Next Header | Payload Len (4-octet units, minus 2) | ...
 * ```
 *
 * Jumbograms (RFC 2675, Payload Length 0 with a Jumbo option) are not supported: a zero Payload
 * Length means an empty payload.
 */
import { readU16, readU32, writeU16 } from './bytes.ts';
import { fail, ok, type Result } from './result.ts';

/** Byte offsets, from the start of the header. */
const field = {
  verTcFlow: 0,
  payloadLength: 4,
  nextHeader: 6,
  hopLimit: 7,
  src: 8,
  dst: 24,
} as const;

export const IPV6_HEADER_LENGTH = 40;
/** More extension headers than this is treated as an attack, not a packet (RFC 8200 §4.1 lists six). */
export const IPV6_MAX_EXTENSION_HEADERS = 16;

export const Ipv6ExtHeaderType = {
  HopByHop: 0,
  Routing: 43,
  Fragment: 44,
  Ah: 51,
  DestinationOptions: 60,
} as const;

export interface Ipv6Repr {
  trafficClass: number;
  /** 20 bits. */
  flowLabel: number;
  /** Bytes after the fixed header, extension headers included. */
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  /** 16 bytes. */
  src: Uint8Array;
  /** 16 bytes. */
  dst: Uint8Array;
}

export interface Ipv6ExtHeader {
  /** Its type: the Next Header value that announced it (0, 43, 44, 51 or 60). */
  type: number;
  /** Offset from the start of the IPv6 header. */
  offset: number;
  length: number;
  /** The Next Header value it carries. */
  nextHeader: number;
}

export interface Ipv6Fragment {
  /** In 8-byte units. */
  offset: number;
  moreFragments: boolean;
  identification: number;
}

export interface Ipv6Parse {
  repr: Ipv6Repr;
  /** Extension headers in the order walked. */
  extensionHeaders: Ipv6ExtHeader[];
  /** Protocol of what follows the last extension header (6 TCP, 17 UDP, 58 ICMPv6, 59 none, ...). */
  upperProtocol: number;
  /** Offset of the upper-layer header from the start of the IPv6 header. */
  upperOffset: number;
  /**
   * Set when a Fragment header was walked. When its offset is not 0 the bytes at `upperOffset`
   * are the middle of a datagram, not an upper-layer header.
   */
  fragment?: Ipv6Fragment;
  /** A view of the payload: `payloadLength` bytes after the fixed header. */
  payload: Uint8Array;
}

const isExtension = (nh: number): boolean =>
  nh === 0 || nh === 43 || nh === 44 || nh === 51 || nh === 60;

/**
 * Reads the fixed header at the start of `bytes` and walks the extension headers. Each length is
 * checked against Payload Length before it is used, and the loop is bounded.
 */
export function parseIpv6Header(bytes: Uint8Array): Result<Ipv6Parse> {
  if (bytes.length < IPV6_HEADER_LENGTH) {
    return fail('ipv6', bytes.length, `${bytes.length} bytes is shorter than the 40-byte IPv6 header`);
  }
  const w0 = readU32(bytes, field.verTcFlow);
  const version = w0 >>> 28;
  if (version !== 6) return fail('ipv6', field.verTcFlow, `version is ${version}, not 6`);
  const payloadLength = readU16(bytes, field.payloadLength);
  const end = IPV6_HEADER_LENGTH + payloadLength;
  if (end > bytes.length) {
    return fail('ipv6', field.payloadLength, `payload length ${payloadLength} exceeds the ${bytes.length - IPV6_HEADER_LENGTH} bytes available`);
  }
  const repr: Ipv6Repr = {
    trafficClass: (w0 >>> 20) & 0xff,
    flowLabel: w0 & 0xfffff,
    payloadLength,
    nextHeader: bytes[field.nextHeader]!,
    hopLimit: bytes[field.hopLimit]!,
    src: bytes.slice(field.src, field.src + 16),
    dst: bytes.slice(field.dst, field.dst + 16),
  };
  const extensionHeaders: Ipv6ExtHeader[] = [];
  let nh = repr.nextHeader;
  let at = IPV6_HEADER_LENGTH;
  let fragment: Ipv6Fragment | undefined;
  while (isExtension(nh)) {
    if (extensionHeaders.length === IPV6_MAX_EXTENSION_HEADERS) {
      return fail('ipv6', at, `more than ${IPV6_MAX_EXTENSION_HEADERS} extension headers`);
    }
    if (at + 8 > end) return fail('ipv6', at, `extension header ${nh} truncated: needs 8 bytes, ${end - at} left`);
    // RFC 8200 §4.5: the Fragment header is always 8 bytes; RFC 4302 §2.2: AH length is in
    // 4-octet units minus 2; the others count 8-octet units beyond the first 8.
    const len = nh === 44 ? 8 : nh === 51 ? (bytes[at + 1]! + 2) * 4 : (bytes[at + 1]! + 1) * 8;
    if (at + len > end) return fail('ipv6', at + 1, `extension header ${nh} of ${len} bytes runs past the payload`);
    const next = bytes[at]!;
    if (nh === 44) {
      const off = readU16(bytes, at + 2);
      fragment = { offset: off >>> 3, moreFragments: (off & 1) !== 0, identification: readU32(bytes, at + 4) };
    }
    extensionHeaders.push({ type: nh, offset: at, length: len, nextHeader: next });
    at += len;
    nh = next;
    // A non-first fragment: what follows is the middle of the datagram (RFC 8200 §4.5).
    if (fragment && fragment.offset !== 0) break;
  }
  const result: Ipv6Parse = {
    repr,
    extensionHeaders,
    upperProtocol: nh,
    upperOffset: at,
    payload: bytes.subarray(IPV6_HEADER_LENGTH, end),
  };
  if (fragment) result.fragment = fragment;
  return ok(result);
}

/**
 * Writes the fixed header at `offset`; `buf` needs 40 bytes there. `payloadLength` and
 * `nextHeader` override the repr's (emitFrame derives them from the layers above).
 */
export function emitIpv6Header(
  repr: Ipv6Repr,
  buf: Uint8Array,
  offset: number,
  payloadLength = repr.payloadLength,
  nextHeader = repr.nextHeader,
): void {
  const w0 = (0x60000000 | ((repr.trafficClass & 0xff) << 20) | (repr.flowLabel & 0xfffff)) >>> 0;
  buf[offset] = w0 >>> 24;
  buf[offset + 1] = (w0 >>> 16) & 0xff;
  writeU16(buf, offset + 2, w0 & 0xffff);
  writeU16(buf, offset + field.payloadLength, payloadLength);
  buf[offset + field.nextHeader] = nextHeader & 0xff;
  buf[offset + field.hopLimit] = repr.hopLimit & 0xff;
  for (let i = 0; i < 16; i++) {
    buf[offset + field.src + i] = repr.src[i] ?? 0;
    buf[offset + field.dst + i] = repr.dst[i] ?? 0;
  }
}

/** A header with the usual defaults (traffic class 0, flow label 0, hop limit 64). */
export function ipv6Repr(fields: Pick<Ipv6Repr, 'src' | 'dst'> & Partial<Ipv6Repr>): Ipv6Repr {
  return { trafficClass: 0, flowLabel: 0, payloadLength: 0, nextHeader: 6, hopLimit: 64, ...fields };
}

// ---------------------------------------------------------------------------------------------
// Text form

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses groups of one side of "::" into 16-bit words; null when malformed. */
function parseGroups(text: string, allowQuad: boolean): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (allowQuad && i === parts.length - 1 && p.includes('.')) {
      const m = QUAD.exec(p);
      if (!m) return null;
      words.push((Number(m[1]) << 8) | Number(m[2]), (Number(m[3]) << 8) | Number(m[4]));
    } else {
      if (!HEX_GROUP.test(p)) return null;
      words.push(parseInt(p, 16));
    }
  }
  return words;
}

/** Parses RFC 4291 text ("2001:db8::1", "::ffff:10.0.0.4") into 16 bytes; null if malformed. */
export function parseIpv6(text: string): Uint8Array | null {
  const gap = text.indexOf('::');
  let words: number[];
  if (gap < 0) {
    const all = parseGroups(text, true);
    if (!all || all.length !== 8) return null;
    words = all;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return null;
    const head = parseGroups(text.slice(0, gap), false);
    const tail = parseGroups(text.slice(gap + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return null;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) writeU16(out, i * 2, words[i]!);
  return out;
}

/**
 * RFC 5952 §4: lowercase, no leading zeros, the longest run of two or more zero groups (the first
 * on a tie) as "::". IPv4-mapped addresses (::ffff:0:0/96) end in a dotted quad (§5).
 */
export function ipv6ToString(addr: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(readU16(addr, i * 2));
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number, b: number): string => w.slice(a, b).map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

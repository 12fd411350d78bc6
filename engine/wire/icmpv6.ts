/**
 * ICMPv6. RFC 4443: https://www.rfc-editor.org/rfc/rfc4443
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | echo (128, 129): Identifier   |        Sequence Number        |
 * | unreachable (1), time exceeded (3): unused                    |
 * | packet too big (2): MTU                                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | echo: data ...   errors: as much of the invoking packet as fits in 1280 bytes ...
 * ```
 *
 * The checksum covers the IPv6 pseudo header (RFC 8200 §8.1, next header 58) and the message
 * (RFC 4443 §2.3): emit and parse take the pseudo-header partial sum.
 * Other types (neighbour discovery, MLD, ...) and echo with a non-zero code are kept as
 * {type, code, rest} so they survive.
 */
import { copyBytes, readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { finishChecksum, sumWords } from './checksum.ts';
import { fail, ok, type Result } from './result.ts';

/** Byte offsets, from the start of the message. */
const field = {
  type: 0,
  code: 1,
  checksum: 2,
  id: 4,
  seq: 6,
  /** Unused or MTU, 32 bits. */
  word: 4,
  data: 8,
} as const;

export const ICMPV6_HEADER_LENGTH = 8;

export const Icmpv6Type = {
  DestUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  EchoRequest: 128,
  EchoReply: 129,
} as const;

export type Icmpv6Repr =
  | { kind: 'echoRequest'; id: number; seq: number; data: Uint8Array }
  | { kind: 'echoReply'; id: number; seq: number; data: Uint8Array }
  | {
      kind: 'destUnreachable';
      /** 0 no route, 1 administratively prohibited, 3 address unreachable, 4 port unreachable, ... */
      code: number;
      /** Bytes 4-7; present only when non-zero. */
      unused?: number;
      /** The quoted invoking packet. */
      data: Uint8Array;
    }
  | { kind: 'packetTooBig'; mtu: number; data: Uint8Array }
  | { kind: 'timeExceeded'; code: number; unused?: number; data: Uint8Array }
  | { kind: 'other'; type: number; code: number; /** Bytes 4 to the end. */ rest: Uint8Array };

export interface Icmpv6Parse {
  repr: Icmpv6Repr;
  checksum: number;
  checksumOk: boolean;
}

export function icmpv6Length(repr: Icmpv6Repr): number {
  return repr.kind === 'other' ? 4 + repr.rest.length : ICMPV6_HEADER_LENGTH + repr.data.length;
}

function isKnown(type: number, code: number): boolean {
  if (type === Icmpv6Type.EchoRequest || type === Icmpv6Type.EchoReply) return code === 0;
  if (type === Icmpv6Type.PacketTooBig) return code === 0;
  return type === Icmpv6Type.DestUnreachable || type === Icmpv6Type.TimeExceeded;
}

/**
 * Reads a message: `bytes` is exactly the upper-layer payload. `pseudoSum` is
 * pseudoHeaderSumV6(src, dst, 58, bytes.length). Data fields are views into `bytes`.
 */
export function parseIcmpv6(bytes: Uint8Array, pseudoSum: number): Result<Icmpv6Parse> {
  if (bytes.length < 4) return fail('icmpv6', bytes.length, `${bytes.length} bytes is shorter than the 4-byte ICMPv6 header`);
  const type = bytes[field.type]!;
  const code = bytes[field.code]!;
  const checksum = readU16(bytes, field.checksum);
  const checksumOk = finishChecksum(sumWords(bytes, 0, bytes.length, pseudoSum)) === 0;
  if (!isKnown(type, code) || bytes.length < ICMPV6_HEADER_LENGTH) {
    return ok({ repr: { kind: 'other', type, code, rest: bytes.subarray(4) }, checksum, checksumOk });
  }
  const data = bytes.subarray(field.data);
  const word = readU32(bytes, field.word);
  let repr: Icmpv6Repr;
  if (type === Icmpv6Type.EchoRequest || type === Icmpv6Type.EchoReply) {
    const kind = type === Icmpv6Type.EchoRequest ? 'echoRequest' : 'echoReply';
    repr = { kind, id: readU16(bytes, field.id), seq: readU16(bytes, field.seq), data };
  } else if (type === Icmpv6Type.PacketTooBig) {
    repr = { kind: 'packetTooBig', mtu: word, data };
  } else {
    const err: Extract<Icmpv6Repr, { kind: 'destUnreachable' | 'timeExceeded' }> = {
      kind: type === Icmpv6Type.DestUnreachable ? 'destUnreachable' : 'timeExceeded',
      code,
      data,
    };
    if (word) err.unused = word;
    repr = err;
  }
  return ok({ repr, checksum, checksumOk });
}

function typeOf(repr: Icmpv6Repr): number {
  switch (repr.kind) {
    case 'echoRequest':
      return Icmpv6Type.EchoRequest;
    case 'echoReply':
      return Icmpv6Type.EchoReply;
    case 'destUnreachable':
      return Icmpv6Type.DestUnreachable;
    case 'packetTooBig':
      return Icmpv6Type.PacketTooBig;
    case 'timeExceeded':
      return Icmpv6Type.TimeExceeded;
    case 'other':
      return repr.type & 0xff;
  }
}

/**
 * Writes the message at `offset` and its checksum; `buf` needs `icmpv6Length(repr)` bytes there.
 * `pseudoSum` is pseudoHeaderSumV6(src, dst, 58, icmpv6Length(repr)).
 */
export function emitIcmpv6(repr: Icmpv6Repr, buf: Uint8Array, offset: number, pseudoSum: number): void {
  buf[offset + field.type] = typeOf(repr);
  writeU16(buf, offset + field.checksum, 0);
  switch (repr.kind) {
    case 'echoRequest':
    case 'echoReply':
      buf[offset + field.code] = 0;
      writeU16(buf, offset + field.id, repr.id);
      writeU16(buf, offset + field.seq, repr.seq);
      copyBytes(repr.data, buf, offset + field.data);
      break;
    case 'packetTooBig':
      buf[offset + field.code] = 0;
      writeU32(buf, offset + field.word, repr.mtu);
      copyBytes(repr.data, buf, offset + field.data);
      break;
    case 'destUnreachable':
    case 'timeExceeded':
      buf[offset + field.code] = repr.code & 0xff;
      writeU32(buf, offset + field.word, repr.unused ?? 0);
      copyBytes(repr.data, buf, offset + field.data);
      break;
    case 'other':
      buf[offset + field.code] = repr.code & 0xff;
      copyBytes(repr.rest, buf, offset + 4);
  }
  const end = offset + icmpv6Length(repr);
  writeU16(buf, offset + field.checksum, finishChecksum(sumWords(buf, offset, end, pseudoSum)));
}

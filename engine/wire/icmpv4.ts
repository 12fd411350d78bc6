/**
 * ICMP for IPv4. RFC 792: https://www.rfc-editor.org/rfc/rfc792
 * Fragmentation-needed MTU: RFC 1191 §4. Extension length byte: RFC 4884 (kept, not interpreted).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | echo (0, 8):  Identifier      |        Sequence Number        |
 * | unreachable (3): unused       |  Next-Hop MTU (code 4)        |
 * | time exceeded (11): unused                                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | echo: data ...   errors: the original IP header + leading bytes of its payload ...
 * ```
 *
 * The checksum covers the ICMP message only: no pseudo header (RFC 792).
 * Other types, and echo with a non-zero code, are kept as {type, code, rest} so they survive.
 */
import { copyBytes, readU16, readU32, writeU16, writeU32 } from './bytes.ts';
import { internetChecksum } from './checksum.ts';
import { fail, ok, type Result } from './result.ts';

/** Byte offsets, from the start of the message. */
const field = {
  type: 0,
  code: 1,
  checksum: 2,
  /** Echo identifier; first half of "rest of header". */
  id: 4,
  /** Echo sequence number; next-hop MTU for fragmentation needed. */
  seq: 6,
  data: 8,
} as const;

export const ICMP_HEADER_LENGTH = 8;

export const Icmpv4Type = {
  EchoReply: 0,
  DestUnreachable: 3,
  EchoRequest: 8,
  TimeExceeded: 11,
} as const;

export type Icmpv4Repr =
  | { kind: 'echoRequest'; id: number; seq: number; data: Uint8Array }
  | { kind: 'echoReply'; id: number; seq: number; data: Uint8Array }
  | {
      kind: 'destUnreachable';
      /** 0 net, 1 host, 3 port, 4 fragmentation needed, 13 administratively prohibited, ... */
      code: number;
      /** Code 4: the next-hop MTU (RFC 1191), bytes 6-7; present only when non-zero. */
      nextHopMtu?: number;
      /** Bytes 4-5 (unused, or RFC 4884 length); present only when non-zero. */
      unused?: number;
      /** The quoted original datagram (its IP header and at least 8 bytes after it). */
      data: Uint8Array;
    }
  | {
      kind: 'timeExceeded';
      /** 0 TTL exceeded in transit, 1 fragment reassembly time exceeded. */
      code: number;
      /** Bytes 4-7; present only when non-zero. */
      unused?: number;
      data: Uint8Array;
    }
  | { kind: 'other'; type: number; code: number; /** Bytes 4 to the end. */ rest: Uint8Array };

export interface Icmpv4Parse {
  repr: Icmpv4Repr;
  checksum: number;
  checksumOk: boolean;
}

export function icmpv4Length(repr: Icmpv4Repr): number {
  return repr.kind === 'other' ? 4 + repr.rest.length : ICMP_HEADER_LENGTH + repr.data.length;
}

/** Reads a message: `bytes` is exactly the IP payload. Data fields are views into `bytes`. */
export function parseIcmpv4(bytes: Uint8Array): Result<Icmpv4Parse> {
  if (bytes.length < 4) return fail('icmp', bytes.length, `${bytes.length} bytes is shorter than the 4-byte ICMP header`);
  const type = bytes[field.type]!;
  const code = bytes[field.code]!;
  const checksum = readU16(bytes, field.checksum);
  const checksumOk = internetChecksum(bytes) === 0;
  const known = type === 0 || type === 8 ? code === 0 : type === 3 || type === 11;
  if (!known || bytes.length < ICMP_HEADER_LENGTH) {
    return ok({ repr: { kind: 'other', type, code, rest: bytes.subarray(4) }, checksum, checksumOk });
  }
  const data = bytes.subarray(field.data);
  let repr: Icmpv4Repr;
  if (type === Icmpv4Type.EchoRequest || type === Icmpv4Type.EchoReply) {
    const kind = type === Icmpv4Type.EchoRequest ? 'echoRequest' : 'echoReply';
    repr = { kind, id: readU16(bytes, field.id), seq: readU16(bytes, field.seq), data };
  } else if (type === Icmpv4Type.DestUnreachable) {
    repr = { kind: 'destUnreachable', code, data };
    const unused = readU16(bytes, field.id);
    const mtu = readU16(bytes, field.seq);
    if (unused) repr.unused = unused;
    if (mtu) repr.nextHopMtu = mtu;
  } else {
    repr = { kind: 'timeExceeded', code, data };
    const unused = readU32(bytes, field.id);
    if (unused) repr.unused = unused;
  }
  return ok({ repr, checksum, checksumOk });
}

/** Writes the message at `offset` and its checksum; `buf` needs `icmpv4Length(repr)` bytes there. */
export function emitIcmpv4(repr: Icmpv4Repr, buf: Uint8Array, offset: number): void {
  writeU16(buf, offset + field.checksum, 0);
  switch (repr.kind) {
    case 'echoRequest':
    case 'echoReply':
      buf[offset + field.type] = repr.kind === 'echoRequest' ? Icmpv4Type.EchoRequest : Icmpv4Type.EchoReply;
      buf[offset + field.code] = 0;
      writeU16(buf, offset + field.id, repr.id);
      writeU16(buf, offset + field.seq, repr.seq);
      copyBytes(repr.data, buf, offset + field.data);
      break;
    case 'destUnreachable':
      buf[offset + field.type] = Icmpv4Type.DestUnreachable;
      buf[offset + field.code] = repr.code & 0xff;
      writeU16(buf, offset + field.id, repr.unused ?? 0);
      writeU16(buf, offset + field.seq, repr.nextHopMtu ?? 0);
      copyBytes(repr.data, buf, offset + field.data);
      break;
    case 'timeExceeded':
      buf[offset + field.type] = Icmpv4Type.TimeExceeded;
      buf[offset + field.code] = repr.code & 0xff;
      writeU32(buf, offset + field.id, repr.unused ?? 0);
      copyBytes(repr.data, buf, offset + field.data);
      break;
    case 'other':
      buf[offset + field.type] = repr.type & 0xff;
      buf[offset + field.code] = repr.code & 0xff;
      copyBytes(repr.rest, buf, offset + 4);
  }
  const end = offset + icmpv4Length(repr);
  writeU16(buf, offset + field.checksum, internetChecksum(buf, offset, end));
}

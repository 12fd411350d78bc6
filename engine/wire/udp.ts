/**
 * UDP header. RFC 768: https://www.rfc-editor.org/rfc/rfc768
 * Over IPv6: RFC 8200 §8.1 (checksum mandatory; RFC 6936 allows 0 for some tunnels).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Length             |           Checksum            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          data ...
 * ```
 *
 * Checksum: over the pseudo header (passed in as a partial sum, see checksum.ts), the header and
 * the data. RFC 768: "If the computed checksum is zero, it is transmitted as all ones" and an
 * all-zero transmitted checksum means the sender computed none. VXLAN's outer UDP checksum
 * "SHOULD be transmitted as zero" (RFC 7348 §5), hence `emitUdp(..., null)`.
 */
import { copyBytes, readU16, writeU16 } from './bytes.ts';
import { finishChecksum, sumWords } from './checksum.ts';
import { fail, ok, type Result } from './result.ts';

/** Byte offsets, from the start of the header. */
const field = {
  srcPort: 0,
  dstPort: 2,
  length: 4,
  checksum: 6,
  payload: 8,
} as const;

export const UDP_HEADER_LENGTH = 8;

export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  /** On parse, a view into the parsed bytes (not a copy). */
  payload: Uint8Array;
}

export interface UdpParse {
  repr: UdpRepr;
  /** Checksum as carried. */
  checksum: number;
  /** True when the transmitted checksum was 0: "no checksum" over IPv4. */
  zeroChecksum: boolean;
  /**
   * True when the checksum verifies, or was 0 (nothing to verify). Over IPv6 a zero checksum is
   * itself an error (RFC 8200 §8.1); the caller knows which IP version it is and must check
   * `zeroChecksum` there.
   */
  checksumOk: boolean;
}

/** Header plus payload. */
export function udpLength(repr: UdpRepr): number {
  return UDP_HEADER_LENGTH + repr.payload.length;
}

/**
 * Reads a datagram: `bytes` is the IP payload. The Length field decides where the data ends;
 * bytes after it are ignored. `pseudoSum` is the pseudo-header partial sum for this datagram
 * (pseudoHeaderSumV4/V6 with the UDP length).
 */
export function parseUdp(bytes: Uint8Array, pseudoSum: number): Result<UdpParse> {
  if (bytes.length < UDP_HEADER_LENGTH) {
    return fail('udp', bytes.length, `${bytes.length} bytes is shorter than the 8-byte UDP header`);
  }
  const length = readU16(bytes, field.length);
  if (length < UDP_HEADER_LENGTH) return fail('udp', field.length, `length ${length} is below the 8-byte minimum`);
  if (length > bytes.length) {
    return fail('udp', field.length, `length ${length} exceeds the ${bytes.length} bytes available`);
  }
  const checksum = readU16(bytes, field.checksum);
  const zeroChecksum = checksum === 0;
  return ok({
    repr: {
      srcPort: readU16(bytes, field.srcPort),
      dstPort: readU16(bytes, field.dstPort),
      payload: bytes.subarray(field.payload, length),
    },
    checksum,
    zeroChecksum,
    checksumOk: zeroChecksum || finishChecksum(sumWords(bytes, 0, length, pseudoSum)) === 0,
  });
}

/**
 * Writes the 8-byte header at `offset` for `payloadLength` bytes of data that are already in
 * `buf` after it, then the checksum over them; `pseudoSum` null transmits 0 (no checksum).
 * Used directly when the payload was emitted in place (VXLAN), so it is never copied.
 */
export function emitUdpHeader(
  srcPort: number,
  dstPort: number,
  payloadLength: number,
  buf: Uint8Array,
  offset: number,
  pseudoSum: number | null,
): void {
  const length = UDP_HEADER_LENGTH + payloadLength;
  writeU16(buf, offset + field.srcPort, srcPort);
  writeU16(buf, offset + field.dstPort, dstPort);
  writeU16(buf, offset + field.length, length);
  writeU16(buf, offset + field.checksum, 0);
  if (pseudoSum === null) return;
  const c = finishChecksum(sumWords(buf, offset, offset + length, pseudoSum));
  writeU16(buf, offset + field.checksum, c === 0 ? 0xffff : c);
}

/**
 * Writes header and payload at `offset`; `buf` needs `udpLength(repr)` bytes there.
 * `pseudoSum` null transmits checksum 0 (IPv4 only: RFC 768; RFC 7348 for VXLAN).
 */
export function emitUdp(repr: UdpRepr, buf: Uint8Array, offset: number, pseudoSum: number | null): void {
  copyBytes(repr.payload, buf, offset + field.payload);
  emitUdpHeader(repr.srcPort, repr.dstPort, repr.payload.length, buf, offset, pseudoSum);
}

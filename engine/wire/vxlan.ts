/**
 * VXLAN header. RFC 7348 §5: https://www.rfc-editor.org/rfc/rfc7348#section-5
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | inner Ethernet frame (no FCS) ...
 * ```
 *
 * Carried in UDP, destination port 4789 by default; Azure's gateway load balancer uses 10800
 * (internal, VNI 800) and 10801 (external, VNI 801). RFC 7348: reserved fields "MUST be set to
 * zero on transmission and ignored on receipt", so parse accepts any value and keeps it, which
 * makes a round trip exact; the I flag "MUST be set to 1 for a valid VNI" and is kept as sent.
 */
import { writeU16 } from './bytes.ts';
import { fail, ok, type Result } from './result.ts';

/** Byte offsets, from the start of the header. */
const field = {
  flags: 0,
  reserved1: 1,
  vni: 4,
  reserved2: 7,
} as const;

export const VXLAN_HEADER_LENGTH = 8;
/** The I flag: the VNI is valid. */
export const VXLAN_FLAG_I = 0x08;
export const VXLAN_PORT = 4789;

export interface VxlanRepr {
  /** Byte 0: 0x08 (the I flag) on every valid packet; the other seven bits are reserved. */
  flags: number;
  /** 24 bits. */
  vni: number;
  /** Bytes 1-3 as a 24-bit number; present only when non-zero. */
  reserved1?: number;
  /** Byte 7; present only when non-zero. */
  reserved2?: number;
}

/** Reads the 8-byte header; the inner frame starts at VXLAN_HEADER_LENGTH. */
export function parseVxlanHeader(bytes: Uint8Array): Result<VxlanRepr> {
  if (bytes.length < VXLAN_HEADER_LENGTH) {
    return fail('vxlan', bytes.length, `${bytes.length} bytes is shorter than the 8-byte VXLAN header`);
  }
  const repr: VxlanRepr = {
    flags: bytes[field.flags]!,
    vni: (bytes[field.vni]! << 16) | (bytes[field.vni + 1]! << 8) | bytes[field.vni + 2]!,
  };
  const r1 = (bytes[field.reserved1]! << 16) | (bytes[field.reserved1 + 1]! << 8) | bytes[field.reserved1 + 2]!;
  if (r1) repr.reserved1 = r1;
  if (bytes[field.reserved2]) repr.reserved2 = bytes[field.reserved2]!;
  return ok(repr);
}

/** Writes the header at `offset`; `buf` needs 8 bytes there. */
export function emitVxlanHeader(repr: VxlanRepr, buf: Uint8Array, offset: number): void {
  const r1 = repr.reserved1 ?? 0;
  buf[offset + field.flags] = repr.flags & 0xff;
  buf[offset + field.reserved1] = (r1 >>> 16) & 0xff;
  writeU16(buf, offset + field.reserved1 + 1, r1);
  buf[offset + field.vni] = (repr.vni >>> 16) & 0xff;
  writeU16(buf, offset + field.vni + 1, repr.vni);
  buf[offset + field.reserved2] = (repr.reserved2 ?? 0) & 0xff;
}

/** A valid header (I flag set) for `vni`. */
export function vxlanRepr(vni: number): VxlanRepr {
  return { flags: VXLAN_FLAG_I, vni };
}

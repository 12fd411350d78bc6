/**
 * Linux "cooked" capture headers, written by tcpdump on `-i any` (tcpdump.org/linktypes):
 *
 * LINKTYPE_LINUX_SLL (113), 16 bytes, big-endian:
 *   0 packet type u16 | 2 ARPHRD type u16 | 4 address length u16 | 6 address (8 bytes) | 14 protocol u16
 *
 * LINKTYPE_LINUX_SLL2 (276), 20 bytes, big-endian (libpcap >= 1.10 writes it for `-i any`):
 *   0 protocol u16 | 2 reserved u16 | 4 interface index u32 | 8 ARPHRD type u16 |
 *   10 packet type u8 | 11 address length u8 | 12 address (8 bytes)
 *
 * The payload starts right after the header; `protocol` is an EtherType (0x0800 IPv4, 0x86dd
 * IPv6, 0x0806 ARP) for ARPHRD_ETHER and most others, so a dissector can go on into IP.
 */
import { fail, ok, type Result } from '../wire/result.ts';
import { LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 } from './types.ts';

/** sll_pkttype values (linux/if_packet.h). */
export const SLL_PACKET_TYPE = {
  HOST: 0,
  BROADCAST: 1,
  MULTICAST: 2,
  OTHERHOST: 3,
  OUTGOING: 4,
} as const;

export interface SllHeader {
  packetType: number;
  arphrdType: number;
  /** As declared in the header (may exceed 8; the address itself is at most 8 bytes). */
  addressLength: number;
  /** The first min(addressLength, 8) bytes of the link-layer address (a view). */
  address: Uint8Array;
  /** EtherType of the payload (for ARPHRD_ETHER-like devices). */
  protocol: number;
  /** SLL2 only: the capturing interface's ifindex. */
  interfaceIndex?: number;
  /** Offset of the payload, relative to the start of the header: 16 (SLL) or 20 (SLL2). */
  payloadOffset: number;
}

export const SLL_HEADER_LENGTH = 16;
export const SLL2_HEADER_LENGTH = 20;

/** Parses a LINKTYPE_LINUX_SLL (113) header at `offset`. */
export function parseSll(bytes: Uint8Array, offset = 0): Result<SllHeader> {
  if (bytes.length - offset < SLL_HEADER_LENGTH) {
    return fail('sll', offset, `a Linux cooked header needs 16 bytes, only ${Math.max(0, bytes.length - offset)} are there`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, SLL_HEADER_LENGTH);
  const addressLength = dv.getUint16(4);
  return ok({
    packetType: dv.getUint16(0),
    arphrdType: dv.getUint16(2),
    addressLength,
    address: bytes.subarray(offset + 6, offset + 6 + Math.min(addressLength, 8)),
    protocol: dv.getUint16(14),
    payloadOffset: SLL_HEADER_LENGTH,
  });
}

/** Parses a LINKTYPE_LINUX_SLL2 (276) header at `offset`. */
export function parseSll2(bytes: Uint8Array, offset = 0): Result<SllHeader> {
  if (bytes.length - offset < SLL2_HEADER_LENGTH) {
    return fail('sll2', offset, `a Linux cooked v2 header needs 20 bytes, only ${Math.max(0, bytes.length - offset)} are there`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, SLL2_HEADER_LENGTH);
  const addressLength = dv.getUint8(11);
  return ok({
    protocol: dv.getUint16(0),
    interfaceIndex: dv.getUint32(4),
    arphrdType: dv.getUint16(8),
    packetType: dv.getUint8(10),
    addressLength,
    address: bytes.subarray(offset + 12, offset + 12 + Math.min(addressLength, 8)),
    payloadOffset: SLL2_HEADER_LENGTH,
  });
}

/** Parses whichever cooked header `linkType` names; null for other link types. */
export function parseCooked(linkType: number, bytes: Uint8Array, offset = 0): Result<SllHeader> | null {
  if (linkType === LINKTYPE_LINUX_SLL) return parseSll(bytes, offset);
  if (linkType === LINKTYPE_LINUX_SLL2) return parseSll2(bytes, offset);
  return null;
}

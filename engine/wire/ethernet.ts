/**
 * Ethernet II frame header, with an optional IEEE 802.1Q VLAN tag.
 * IEEE 802.3 §3.2; IEEE 802.1Q §9.6 (the tag); RFC 894 (IP over Ethernet).
 * https://www.rfc-editor.org/rfc/rfc894
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Destination MAC (6 bytes)                     |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                    Source MAC (6 bytes)                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     TPID 0x8100 (optional)    | PCP |D|         VID           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           EtherType           |  payload ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * No FCS: captures and the simulator see frames without it, as pcap linktype 1 does.
 * Only one tag is understood; a second tag (QinQ) is left in the payload under EtherType 0x8100.
 * EtherType values below 0x0600 (802.3 length fields) are kept as they are.
 */
import type { Mac } from './addr.ts';
import { readU16, writeU16 } from './bytes.ts';
import { fail, ok, type Result } from './result.ts';

export const EtherType = {
  Ipv4: 0x0800,
  Arp: 0x0806,
  Vlan: 0x8100,
  Ipv6: 0x86dd,
} as const;

/** Byte offsets, from the start of the frame. */
const field = {
  dst: 0,
  src: 6,
  /** EtherType, or TPID when a tag is present. */
  type: 12,
  /** Tag control information (PCP 3 bits, DEI 1 bit, VID 12 bits) when tagged. */
  tci: 14,
  /** EtherType after the tag. */
  innerType: 16,
} as const;

export const ETHERNET_HEADER_LENGTH = 14;
export const ETHERNET_VLAN_HEADER_LENGTH = 18;

export interface VlanTag {
  /** Priority code point, 0-7. */
  pcp: number;
  /** Drop eligible indicator. */
  dei: boolean;
  /** VLAN id, 0-4095 (0 = priority tag only, 4095 reserved: both kept). */
  vid: number;
}

export interface EthernetRepr {
  dst: Mac;
  src: Mac;
  vlan?: VlanTag;
  ethertype: number;
}

export function ethernetHeaderLength(repr: EthernetRepr): number {
  return repr.vlan ? ETHERNET_VLAN_HEADER_LENGTH : ETHERNET_HEADER_LENGTH;
}

/** Reads the header at the start of `bytes`; the payload starts at `ethernetHeaderLength(repr)`. */
export function parseEthernetHeader(bytes: Uint8Array): Result<EthernetRepr> {
  if (bytes.length < ETHERNET_HEADER_LENGTH) {
    return fail('ethernet', bytes.length, `frame of ${bytes.length} bytes is shorter than the 14-byte Ethernet header`);
  }
  const dst = readMac(bytes, field.dst);
  const src = readMac(bytes, field.src);
  const type = readU16(bytes, field.type);
  if (type !== EtherType.Vlan) return ok({ dst, src, ethertype: type });
  if (bytes.length < ETHERNET_VLAN_HEADER_LENGTH) {
    return fail('ethernet', field.tci, `802.1Q tag truncated: ${bytes.length} bytes, 18 needed`);
  }
  const tci = readU16(bytes, field.tci);
  const vlan: VlanTag = { pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff };
  return ok({ dst, src, vlan, ethertype: readU16(bytes, field.innerType) });
}

const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Same text as addr.ts's macFromBytes, by table lookup: parse runs for every captured frame. */
function readMac(b: Uint8Array, o: number): Mac {
  return `${HEX_PAIRS[b[o]!]}:${HEX_PAIRS[b[o + 1]!]}:${HEX_PAIRS[b[o + 2]!]}:${HEX_PAIRS[b[o + 3]!]}:${HEX_PAIRS[b[o + 4]!]}:${HEX_PAIRS[b[o + 5]!]}`;
}

/** Hex digit value of a character code; only lowercase/uppercase hex is expected. */
function hexValue(c: number): number {
  if (c <= 0x39) return c - 0x30;
  return (c | 0x20) - 0x57;
}

/**
 * Writes a "aa:bb:cc:dd:ee:ff" MAC without allocating (addr.ts's macToBytes slices strings;
 * this runs for every emitted frame).
 */
function writeMac(mac: Mac, buf: Uint8Array, offset: number): void {
  for (let i = 0; i < 6; i++) {
    const p = i * 3;
    buf[offset + i] = (hexValue(mac.charCodeAt(p)) << 4) | hexValue(mac.charCodeAt(p + 1));
  }
}

/**
 * Writes the header at `offset`; `buf` needs `ethernetHeaderLength(repr)` bytes there.
 * `ethertype` overrides `repr.ethertype` (emitFrame derives it from the layer above).
 */
export function emitEthernetHeader(repr: EthernetRepr, buf: Uint8Array, offset: number, ethertype = repr.ethertype): void {
  writeMac(repr.dst, buf, offset + field.dst);
  writeMac(repr.src, buf, offset + field.src);
  let typeAt = offset + field.type;
  if (repr.vlan) {
    const v = repr.vlan;
    const tci = ((v.pcp & 7) << 13) | (v.dei ? 0x1000 : 0) | (v.vid & 0x0fff);
    writeU16(buf, typeAt, EtherType.Vlan);
    writeU16(buf, offset + field.tci, tci);
    typeAt = offset + field.innerType;
  }
  writeU16(buf, typeAt, ethertype);
}

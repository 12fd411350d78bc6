/** Small byte readers and formatters shared by the dissectors. Nothing here allocates a tree. */
import type { Field, FieldValue } from './types.ts';

export const u8 = (d: Uint8Array, o: number): number => d[o]!;
export const u16 = (d: Uint8Array, o: number): number => (d[o]! << 8) | d[o + 1]!;
export const u24 = (d: Uint8Array, o: number): number => (d[o]! << 16) | (d[o + 1]! << 8) | d[o + 2]!;
export const u32 = (d: Uint8Array, o: number): number =>
  ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;

/** '0x' plus at least `width` lowercase hex digits, as Wireshark's BASE_HEX. */
export function hex(v: number, width: number): string {
  return '0x' + v.toString(16).padStart(width, '0');
}

export function field(name: string, label: string, value: FieldValue, offset: number, length: number): Field {
  return { name, label, value, offset, length };
}

export function bitField(name: string, label: string, value: FieldValue, offset: number, length: number, bitmask: number): Field {
  return { name, label, value, offset, length, bitmask };
}

export function generated(name: string, label: string, value: FieldValue, offset: number, length: number, display?: string): Field {
  const f: Field = { name, label, value, offset, length, generated: true };
  if (display !== undefined) f.display = display;
  return f;
}

const bitLineCache = new Map<number, string>();

/**
 * Wireshark's "...1 .... = Name: Set" rendering of the `mask` bits of a `bits`-wide (<= 16) field.
 * Cached: the same few flag patterns repeat on every frame.
 */
export function bitLine(value: number, mask: number, bits: number): string {
  const key = bits * 2 ** 32 + (mask & 0xffff) * 65536 + (value & mask & 0xffff);
  const hit = bitLineCache.get(key);
  if (hit !== undefined) return hit;
  let s = '';
  for (let i = bits - 1; i >= 0; i--) {
    s += (mask >>> i) & 1 ? ((value >>> i) & 1 ? '1' : '0') : '.';
    if (i % 4 === 0 && i) s += ' ';
  }
  if (bitLineCache.size > 4096) bitLineCache.clear();
  bitLineCache.set(key, s);
  return s;
}

export function flagField(name: string, text: string, word: number, mask: number, bits: number, offset: number, length: number): Field {
  const set = (word & mask) !== 0;
  return { name, label: `${bitLine(word, mask, bits)} = ${text}: ${set ? 'Set' : 'Not set'}`, value: set, offset, length, bitmask: mask };
}

/** RFC 5952 text form of the 16 bytes at `o`: lowercase, longest run of zero words (>1) as '::'. */
export function ipv6ToString(d: Uint8Array, o: number): string {
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    const zero = i < 8 && d[o + 2 * i] === 0 && d[o + 2 * i + 1] === 0;
    if (zero && runStart < 0) runStart = i;
    if (!zero && runStart >= 0) {
      if (i - runStart > bestLen) { bestLen = i - runStart; bestStart = runStart; }
      runStart = -1;
    }
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) { s += '::'; i += bestLen - 1; continue; }
    if (s && !s.endsWith(':')) s += ':';
    s += u16(d, o + 2 * i).toString(16);
  }
  return s;
}

export function ipv4At(d: Uint8Array, o: number): string {
  return `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;
}

/** Wireshark resolves the all-ones MAC to "Broadcast" in the address columns. */
export function macColumn(mac: string): string {
  return mac === 'ff:ff:ff:ff:ff:ff' ? 'Broadcast' : mac;
}

export const ETHERTYPES: Readonly<Record<number, string>> = {
  0x0800: 'IPv4', 0x0806: 'ARP', 0x8100: '802.1Q Virtual LAN', 0x86dd: 'IPv6', 0x88a8: '802.1ad', 0x6558: 'Transparent Ethernet bridging',
};

export function ethertypeName(t: number): string {
  return ETHERTYPES[t] ?? 'Unknown';
}

export const IP_PROTOS: Readonly<Record<number, string>> = {
  0: 'IPv6 Hop-by-Hop Option', 1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 43: 'Routing Header for IPv6',
  44: 'Fragment Header for IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 59: 'IPv6 No Next Header',
  60: 'Destination Options for IPv6', 89: 'OSPF', 112: 'VRRP', 132: 'SCTP',
};

export function ipProtoName(p: number): string {
  return IP_PROTOS[p] ?? 'Unknown';
}

/** Wireshark's checksum status values (proto_checksum_vals). */
export const CHECKSUM_BAD = 0;
export const CHECKSUM_GOOD = 1;
export const CHECKSUM_UNVERIFIED = 2;
export const CHECKSUM_NOT_PRESENT = 3;
export const CHECKSUM_ILLEGAL = 4;
export const CHECKSUM_STATUS_NAMES = ['Bad', 'Good', 'Unverified', 'Not present', 'Illegal'] as const;

export function checksumStatusField(name: string, label: string, status: number, offset: number): Field {
  const text = CHECKSUM_STATUS_NAMES[status] ?? 'Unknown';
  return generated(name, `[${label}: ${text}]`, status, offset, 2, text);
}

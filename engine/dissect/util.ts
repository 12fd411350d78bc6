/** Small byte readers and formatters shared by the dissectors. Nothing here allocates a tree. */
import type { Field, FieldValue } from './types.ts';
import { macFromBytes } from '../wire/addr.ts';

export const u8 = (d: Uint8Array, o: number): number => d[o]!;
export const u16 = (d: Uint8Array, o: number): number => (d[o]! << 8) | d[o + 1]!;
export const u24 = (d: Uint8Array, o: number): number => (d[o]! << 16) | (d[o + 1]! << 8) | d[o + 2]!;
export const u32 = (d: Uint8Array, o: number): number =>
  ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;

/**
 * `d.subarray(from, to)` for non-negative indexes (clamped the same way), without the species
 * lookup `subarray` does: byte values are views into the frame.
 */
export function view(d: Uint8Array, from: number, to: number): Uint8Array {
  const n = d.length;
  const a = from < n ? from : n;
  const b = to < n ? (to > a ? to : a) : n;
  return new Uint8Array(d.buffer, d.byteOffset + a, b - a);
}

/** '0x' plus at least `width` lowercase hex digits, as Wireshark's BASE_HEX. */
export function hex(v: number, width: number): string {
  return '0x' + v.toString(16).padStart(width, '0');
}

/**
 * A field whose display line is built only when read (`label`), since most are never shown: the
 * dissector hands it a constant, a prefix (label = `${prefix}: ${value}`) or a thunk. Spreading
 * one (`{...f}`) loses the label: use `withChildren` / `withDisplay` / `materialize` instead.
 */
export class LazyField implements Field {
  name: string;
  value: FieldValue;
  offset: number;
  length: number;
  bitmask: number | undefined = undefined;
  display: string | undefined = undefined;
  children: Field[] | undefined = undefined;
  malformed: string | undefined = undefined;
  generated: boolean | undefined = undefined;
  /** LABEL_*: how `lab` becomes the label. */
  private mode: number;
  /** For LABEL_FLAG / LABEL_BITS: the word the bits come from + its width * 65536. */
  private aux = 0;
  private lab: string | (() => string);

  constructor(name: string, mode: number, lab: string | (() => string), value: FieldValue, offset: number, length: number) {
    this.name = name;
    this.value = value;
    this.offset = offset;
    this.length = length;
    this.mode = mode;
    this.lab = lab;
  }

  setAux(aux: number): void {
    this.aux = aux;
  }

  get label(): string {
    let s: string;
    if (this.mode === LABEL_TEXT) return this.lab as string;
    if (this.mode === LABEL_PREFIX) s = `${this.lab as string}: ${String(this.value)}`;
    else if (this.mode === LABEL_FLAG) s = `${bitLine(this.aux & 0xffff, this.bitmask ?? 0, this.aux >>> 16)} = ${this.lab as string}: ${this.value ? 'Set' : 'Not set'}`;
    else if (this.mode === LABEL_BRACKET) s = `[${this.lab as string}: ${this.display ?? String(this.value)}]`;
    else if (this.mode === LABEL_BITS) s = `${bitLine(this.aux & 0xffff, this.bitmask ?? 0, this.aux >>> 16)} = ${this.lab as string}: ${String(this.value)}`;
    else s = (this.lab as () => string)();
    this.mode = LABEL_TEXT;
    this.lab = s;
    return s;
  }
}

const LABEL_TEXT = 0;
const LABEL_PREFIX = 1;
const LABEL_THUNK = 2;
const LABEL_FLAG = 3;
const LABEL_BITS = 4;
const LABEL_BRACKET = 5;

/** A generated field labelled `[${prefix}: ${display ?? value}]`, Wireshark's bracketed items. */
export function gfield(name: string, prefix: string, value: FieldValue, offset: number, length: number, display?: string): LazyField {
  const f = new LazyField(name, LABEL_BRACKET, prefix, value, offset, length);
  f.generated = true;
  if (display !== undefined) f.display = display;
  return f;
}

/** A bit field labelled `${bitLine(word, mask, bits)} = ${prefix}: ${value}` (word <= 16 bits). */
export function bitsField(name: string, prefix: string, value: FieldValue, word: number, bits: number, offset: number, length: number, bitmask: number): LazyField {
  const f = new LazyField(name, LABEL_BITS, prefix, value, offset, length);
  f.bitmask = bitmask;
  f.setAux((word & 0xffff) + bits * 65536);
  return f;
}

/** What a field's label is made of: the text itself, or a function that builds it when asked. */
export type LabelSource = string | (() => string);

const make = (name: string, label: LabelSource, value: FieldValue, offset: number, length: number): LazyField =>
  typeof label === 'string' ? new LazyField(name, LABEL_TEXT, label, value, offset, length) : new LazyField(name, LABEL_THUNK, label, value, offset, length);

export function field(name: string, label: LabelSource, value: FieldValue, offset: number, length: number): LazyField {
  return make(name, label, value, offset, length);
}

/** A field labelled `${prefix}: ${value}` (the label is built only when read). */
export function pfield(name: string, prefix: string, value: FieldValue, offset: number, length: number): LazyField {
  return new LazyField(name, LABEL_PREFIX, prefix, value, offset, length);
}

export function bitField(name: string, label: LabelSource, value: FieldValue, offset: number, length: number, bitmask: number): LazyField {
  const f = make(name, label, value, offset, length);
  f.bitmask = bitmask;
  return f;
}

export function generated(name: string, label: LabelSource, value: FieldValue, offset: number, length: number, display?: string): LazyField {
  const f = make(name, label, value, offset, length);
  f.generated = true;
  if (display !== undefined) f.display = display;
  return f;
}

export function withChildren(f: LazyField, children: Field[]): LazyField {
  f.children = children;
  return f;
}

export function withMalformed(f: LazyField, reason: string): LazyField {
  f.malformed = reason;
  return f;
}

export function withDisplay(f: LazyField, display: string): LazyField {
  f.display = display;
  return f;
}

/** A plain-object copy of a field tree with every label built (for structured clone / JSON). */
export function materializeField(f: Field): Field {
  const out: Field = { name: f.name, label: f.label, value: f.value instanceof Uint8Array ? f.value.slice() : f.value, offset: f.offset, length: f.length };
  if (f.display !== undefined) out.display = f.display;
  if (f.bitmask !== undefined) out.bitmask = f.bitmask;
  if (f.children !== undefined) out.children = f.children.map(materializeField);
  if (f.malformed !== undefined) out.malformed = f.malformed;
  if (f.generated !== undefined) out.generated = f.generated;
  return out;
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

export function flagField(name: string, text: string, word: number, mask: number, bits: number, offset: number, length: number): LazyField {
  const f = new LazyField(name, LABEL_FLAG, text, (word & mask) !== 0, offset, length);
  f.bitmask = mask;
  f.setAux((word & 0xffff) + bits * 65536);
  return f;
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

const macCache = new Map<number, string>();

/** 'aa:bb:cc:dd:ee:ff' of the 6 bytes at `o` (engine/wire's form, cached like ipv4At). */
export function macAt(d: Uint8Array, o: number): string {
  const k = (d[o]! * 256 + d[o + 1]!) * 4294967296 + (((d[o + 2]! << 24) | (d[o + 3]! << 16) | (d[o + 4]! << 8) | d[o + 5]!) >>> 0);
  const hit = macCache.get(k);
  if (hit !== undefined) return hit;
  const s = macFromBytes(d, o);
  if (macCache.size >= 8192) macCache.clear();
  macCache.set(k, s);
  return s;
}

const ethertypeDisplays: string[] = [];

/** 'IPv4 (0x0800)': eth.type's display (cached per type). */
export function ethertypeDisplay(t: number): string {
  return (ethertypeDisplays[t] ??= `${ethertypeName(t)} (${hex(t, 4)})`);
}

const protoDisplays: string[] = [];

/** 'TCP (6)': ip.proto's and ipv6.nxt's display (cached per protocol number). */
export function ipProtoDisplay(p: number): string {
  return (protoDisplays[p] ??= `${ipProtoName(p)} (${p})`);
}

const ipv4Cache = new Map<number, string>();

/** Dotted quad of the 4 bytes at `o` (cached: a capture holds few distinct addresses). */
export function ipv4At(d: Uint8Array, o: number): string {
  const k = ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
  const hit = ipv4Cache.get(k);
  if (hit !== undefined) return hit;
  const s = `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;
  if (ipv4Cache.size >= 8192) ipv4Cache.clear();
  ipv4Cache.set(k, s);
  return s;
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

export function checksumStatusField(name: string, label: string, status: number, offset: number): LazyField {
  const text = CHECKSUM_STATUS_NAMES[status] ?? 'Unknown';
  return gfield(name, label, status, offset, 2, text);
}

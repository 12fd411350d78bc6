/**
 * Display filters, part 2: what a literal means for a field of a given type, and how a field's
 * value (as the dissector stores it: numbers, booleans, dotted-quad strings, MAC strings, bytes)
 * is brought to the same form for comparison. Error sentences copy tshark 4.0's wording.
 */
import type { FieldValue } from '../types.ts';
import type { Literal } from './display-parse.ts';
import { FilterSyntaxError } from './display-parse.ts';
import { INT_RANGE, namedValues, TYPE_NAMES, type FieldType } from './registry.ts';
import { compareBytes, latin1, parseBytesText, parseIntegerText, parseIpv4Text, parseIpv6Text, parseMacText, utf8Bytes } from './literals.ts';

/** How values of a type compare: as numbers, IPv4 (number + mask), IPv6 (bytes + prefix), bytes or text. */
export type ValueClass = 'num' | 'ipv4' | 'ipv6' | 'bytes' | 'string' | 'none';

export function classOf(t: FieldType): ValueClass {
  switch (t) {
    case 'bool': case 'u8': case 'u16': case 'u24': case 'u32': case 'i32': case 'framenum': case 'reltime': return 'num';
    case 'ipv4': return 'ipv4';
    case 'ipv6': return 'ipv6';
    case 'ether': case 'bytes': case 'protocol': return 'bytes';
    case 'string': return 'string';
    case 'none': return 'none';
  }
}

export type Value =
  | { c: 'num'; v: number }
  | { c: 'ipv4'; v: number; mask: number; text: string | null }
  | { c: 'ipv6'; v: Uint8Array; prefix: number }
  | { c: 'bytes'; v: Uint8Array }
  | { c: 'string'; v: string };

/** A normalised field value: number (num, ipv4), bytes (ipv6, bytes) or string; null when unusable. */
export type Norm = number | Uint8Array | string | null;

/** Brings a dissector value to its class's comparable form. Never throws. */
export function normalizer(c: ValueClass): (v: FieldValue) => Norm {
  switch (c) {
    case 'num': return (v) => (typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : null);
    case 'ipv4': return (v) => (typeof v === 'string' ? parseIpv4Text(v) : typeof v === 'number' ? v >>> 0 : null);
    case 'ipv6': return (v) => (typeof v === 'string' ? parseIpv6Text(v) : v instanceof Uint8Array ? v : null);
    case 'bytes': return (v) => (v instanceof Uint8Array ? v : typeof v === 'string' ? stringBytes(v) : null);
    case 'string': return (v) => (typeof v === 'string' ? v : v instanceof Uint8Array ? latin1(v) : String(v));
    case 'none': return () => null;
  }
}

/** A MAC-looking string ('02:00:..') is its bytes; any other string its UTF-8 encoding. */
function stringBytes(s: string): Uint8Array {
  return (/^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(s) ? parseBytesText(s) : null) ?? utf8Bytes(s);
}

/** Orders two normalised values of one class (numbers, bytes or strings). */
export function compareNorm(a: number | Uint8Array | string, b: number | Uint8Array | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const fail = (lit: Literal, message: string): FilterSyntaxError =>
  new FilterSyntaxError({ message, offset: lit.offset, length: lit.length });

/** Converts a literal for a comparison with `field` (of `type`); throws FilterSyntaxError. */
export function convertLiteral(field: string, type: FieldType, lit: Literal): Value {
  switch (classOf(type)) {
    case 'num': return { c: 'num', v: convertNumber(field, type, lit) };
    case 'ipv4': return convertIpv4(lit);
    case 'ipv6': return convertIpv6(lit);
    case 'bytes': return { c: 'bytes', v: type === 'ether' ? convertMac(lit) : convertBytes(lit) };
    case 'string': return { c: 'string', v: lit.text };
    case 'none': throw fail(lit, `${field} (type=${TYPE_NAMES[type]}) cannot be compared with a value.`);
  }
}

function convertNumber(field: string, type: FieldType, lit: Literal): number {
  if (type === 'reltime') return convertSeconds(lit);
  const named = namedValues(field, type);
  const n = lit.quoted ? null : parseIntegerText(lit.text);
  if (n === null) {
    const v = named?.get(lit.text.toLowerCase());
    if (v !== undefined) return v;
    if (named) throw fail(lit, `"${lit.text}" cannot be found among the possible values for ${field}.`);
    if (lit.quoted) throw fail(lit, `${TYPE_NAMES[type]} cannot be converted from a string ("${lit.text}").`);
    throw fail(lit, `"${lit.text}" is not a valid number.`);
  }
  if (type === 'bool') return n !== 0 ? 1 : 0;
  const [min, max] = INT_RANGE[type] ?? [0, 0];
  if (n > max) throw fail(lit, `"${lit.text}" too big for this field, maximum ${max}.`);
  if (n < min) {
    // tshark 4.0 takes a negative literal for an unsigned field as its 64-bit two's complement
    // (so `tcp.port == -1` is valid and matches nothing); signed fields have a real minimum.
    if (min === 0) return 2 ** 64 + n;
    throw fail(lit, `"${lit.text}" too small for this field, minimum ${min}.`);
  }
  return n;
}

/** A relative time in seconds ("0.25", "3", "-1.5e-3"); the dissector stores seconds as a number. */
function convertSeconds(lit: Literal): number {
  const t = lit.text;
  if (!lit.quoted && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return Number(t);
  throw fail(lit, `"${t}" is not a valid time.`);
}

function convertIpv4(lit: Literal): Value {
  if (lit.quoted) throw fail(lit, `IPv4 address cannot be converted from a string ("${lit.text}").`);
  const slash = lit.text.indexOf('/');
  const addrText = slash < 0 ? lit.text : lit.text.slice(0, slash);
  const addr = parseIpv4Text(addrText);
  if (addr === null) throw fail(lit, `"${addrText}" is not a valid hostname or IPv4 address.`);
  if (slash < 0) return { c: 'ipv4', v: addr, mask: 0xffffffff, text: addrText };
  const bitsText = lit.text.slice(slash + 1);
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (Number.isNaN(bits)) throw fail(lit, `"${bitsText}" is not a valid number of netmask bits.`);
  if (bits > 32) throw fail(lit, `Netmask bits in a CIDR IPv4 address should be <= 32, not ${bits}`);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { c: 'ipv4', v: addr, mask, text: bits === 32 ? addrText : null };
}

function convertIpv6(lit: Literal): Value {
  if (lit.quoted) throw fail(lit, `IPv6 address cannot be converted from a string ("${lit.text}").`);
  const slash = lit.text.indexOf('/');
  const addrText = slash < 0 ? lit.text : lit.text.slice(0, slash);
  const addr = parseIpv6Text(addrText);
  if (addr === null) throw fail(lit, `"${addrText}" is not a valid hostname or IPv6 address.`);
  if (slash < 0) return { c: 'ipv6', v: addr, prefix: 128 };
  const bitsText = lit.text.slice(slash + 1);
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (Number.isNaN(bits)) throw fail(lit, `"${bitsText}" is not a valid IPv6 prefix length.`);
  if (bits > 128) throw fail(lit, `Prefix in a IPv6 address should be <= 128, not ${bits}`);
  return { c: 'ipv6', v: addr, prefix: bits };
}

function convertMac(lit: Literal): Uint8Array {
  const m = parseMacText(lit.text);
  if (m === null) throw fail(lit, `"${lit.text}" is not a valid Ethernet address.`);
  if (typeof m === 'number') throw fail(lit, `"${lit.text}" contains too ${m < 6 ? 'few' : 'many'} bytes to be a valid Ethernet address.`);
  return m;
}

/** A byte string: hex words are bytes; a quoted string is its UTF-8 bytes. */
export function convertBytes(lit: Literal): Uint8Array {
  if (lit.quoted) return utf8Bytes(lit.text);
  const b = parseBytesText(lit.text);
  if (b === null) throw fail(lit, `"${lit.text}" is not a valid byte string.`);
  return b;
}

/** Equality with a literal, with IPv4/IPv6 prefixes (a CIDR literal matches its whole block). */
export function equalsValue(n: Norm, lit: Value): boolean {
  if (n === null) return false;
  switch (lit.c) {
    case 'num': return n === lit.v;
    case 'ipv4': return typeof n === 'number' && ((n & lit.mask) >>> 0) === ((lit.v & lit.mask) >>> 0);
    case 'ipv6': return n instanceof Uint8Array && prefixEqual(n, lit.v, lit.prefix);
    case 'bytes': return n instanceof Uint8Array && compareBytes(n, lit.v) === 0;
    case 'string': return n === lit.v;
  }
}

function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  if (a.length !== 16) return false;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

/** The literal as a plain comparable (for ordering; a prefix's base address). */
export function plain(lit: Value): number | Uint8Array | string {
  return lit.v;
}

/**
 * Text -> value parsers shared by the display and capture filter languages. All return null on
 * bad input (never throw); the caller words the error with the token's position.
 */
import { encodeUtf8 } from '../../wire/utf8.ts';

/** A strict dotted quad (each part 0-255, at most 3 digits) as an unsigned 32-bit number. */
export function parseIpv4Text(s: string): number | null {
  let value = 0;
  let part = -1;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = (part < 0 ? 0 : part) * 10 + (c - 48);
      if (++digits > 3 || part > 255) return null;
    } else if (c === 46) {
      if (part < 0 || ++dots > 3) return null;
      value = value * 256 + part;
      part = -1;
      digits = 0;
    } else {
      return null;
    }
  }
  if (dots !== 3 || part < 0) return null;
  return value * 256 + part;
}

/** An IPv6 address in any RFC 4291 text form (incl. an embedded dotted quad) as 16 bytes. */
export function parseIpv6Text(s: string): Uint8Array | null {
  if (s.length < 2 || s.length > 45) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const headWords = wordsOf(head, dbl < 0);
  const tailWords = dbl >= 0 ? wordsOf(tail, true) : [];
  if (!headWords || !tailWords) return null;
  const total = headWords.length + tailWords.length;
  if (dbl < 0 ? total !== 8 : total > 7) return null;
  const out = new Uint8Array(16);
  headWords.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 255; });
  const start = 8 - tailWords.length;
  tailWords.forEach((w, i) => { out[2 * (start + i)] = w >> 8; out[2 * (start + i) + 1] = w & 255; });
  return out;
}

/** The 16-bit words of one side of '::'; the last group may be a dotted quad when `last`. */
function wordsOf(side: string, last: boolean): number[] | null {
  if (side === '') return [];
  const parts = side.split(':');
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (last && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4Text(p);
      if (v4 === null) return null;
      words.push(v4 >>> 16, v4 & 0xffff);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      words.push(parseInt(p, 16));
    }
  }
  return words;
}

/**
 * A byte string as Wireshark writes it: hex pairs separated by ':', '-' or '.', or run together
 * ('68656c'), or a single byte ('aa'). Mixed separators are refused.
 */
export function parseBytesText(s: string): Uint8Array | null {
  if (s.length === 0) return null;
  const sep = /[:.-]/.exec(s)?.[0];
  let groups: string[];
  if (sep === undefined) {
    if (s.length % 2 !== 0) return s.length === 1 && /^[0-9a-fA-F]$/.test(s) ? new Uint8Array([parseInt(s, 16)]) : null;
    groups = s.match(/../g) ?? [];
  } else {
    groups = s.split(sep);
  }
  const out = new Uint8Array(groups.length);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,2}$/.test(g)) return null;
    out[i] = parseInt(g, 16);
  }
  return out;
}

/**
 * A MAC address: six bytes as aa:bb:cc:dd:ee:ff, aa-bb-..., aabb.ccdd.eeff or 12 hex digits.
 * Returns the byte count found when it is not six (for the error), or null when it is not hex.
 */
export function parseMacText(s: string): Uint8Array | number | null {
  let bytes: Uint8Array | null;
  if (/^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(s)) bytes = parseBytesText(s.replace(/\./g, ''));
  else bytes = parseBytesText(s);
  if (bytes === null) return null;
  return bytes.length === 6 ? bytes : bytes.length;
}

export function macToText(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i ? ':' : '') + b[i]!.toString(16).padStart(2, '0');
  return s;
}

/**
 * An integer literal as Wireshark reads it: decimal, 0x hex, 0b binary, leading-0 octal, with an
 * optional minus sign. Returns null when it is not a number.
 */
export function parseIntegerText(s: string): number | null {
  let t = s;
  let sign = 1;
  if (t.startsWith('-')) { sign = -1; t = t.slice(1); }
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^0[bB][01]+$/.test(t)) v = parseInt(t.slice(2), 2);
  else if (/^0[0-7]+$/.test(t)) v = parseInt(t.slice(1), 8);
  else if (/^(0|[1-9][0-9]*)$/.test(t)) v = parseInt(t, 10);
  else return null;
  return sign * v;
}

/** Byte-wise comparison of two byte strings (shorter first when one is a prefix of the other). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** True when `needle` occurs in `hay` (an empty needle occurs everywhere). */
export function bytesContain(hay: Uint8Array, needle: Uint8Array): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const first = needle[0]!;
  outer: for (let i = 0; i + n <= hay.length; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < n; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** UTF-8 bytes of a string, without TextEncoder (not in the engine's ES-only lib). */
export const utf8Bytes = encodeUtf8;

/** Bytes as a string of char codes 0-255, for regular expressions over binary data. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

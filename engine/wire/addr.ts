/**
 * Addresses. IPv4 addresses are unsigned 32-bit numbers inside the engine (cheap to hash, compare
 * and rewrite); they become dotted quads only at the edges (documents, panels, CLI).
 * MAC addresses are lowercase colon-separated strings ("02:00:5e:10:00:01").
 */
export type Ipv4Addr = number;
export type Mac = string;

/** A dotted quad, each part 0-255 without leading zeros. */
export const IPV4_PATTERN = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses "10.0.0.4" into a u32; null when it is not a dotted quad. */
export function parseIpv4(text: string): Ipv4Addr | null {
  const m = IPV4_PATTERN.exec(text);
  if (!m) return null;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

export function ipv4ToString(a: Ipv4Addr): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export interface Cidr {
  readonly base: Ipv4Addr;
  readonly prefix: number;
}

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "10.0.0.0/24". Host bits must be zero (as Azure requires for address prefixes). */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const base = parseIpv4(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (base === null || !/^\d{1,2}$/.test(p)) return null;
  const prefix = Number(p);
  if (prefix > 32) return null;
  if (((base & ~prefixMask(prefix)) >>> 0) !== 0) return null;
  return { base, prefix };
}

export function cidrToString(c: Cidr): string {
  return `${ipv4ToString(c.base)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, a: Ipv4Addr): boolean {
  return ((a & prefixMask(c.prefix)) >>> 0) === c.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  const m = prefixMask(p);
  return ((a.base & m) >>> 0) === ((b.base & m) >>> 0);
}

/** Number of addresses in the block (2^(32-prefix)). */
export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function macToBytes(mac: Mac, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 6; i++) out[offset + i] = parseInt(mac.slice(i * 3, i * 3 + 2), 16);
}

export function macFromBytes(b: Uint8Array, offset: number): Mac {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const v = b[offset + i]!;
    s += (i ? ':' : '') + (v < 16 ? '0' : '') + v.toString(16);
  }
  return s;
}

/** A locally administered unicast MAC derived from a number (stable per NIC index). */
export function macFromIndex(index: number): Mac {
  const b = new Uint8Array(6);
  b[0] = 0x02;
  b[1] = 0x00;
  b[2] = (index >>> 24) & 255;
  b[3] = (index >>> 16) & 255;
  b[4] = (index >>> 8) & 255;
  b[5] = index & 255;
  return macFromBytes(b, 0);
}

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum.
 * Sums are kept as plain numbers and folded at the end, so partial sums can be chained
 * (pseudo header + header + payload) without copying.
 */
import type { Ipv4Addr } from './addr.ts';

/** Adds the bytes [start, end) as big-endian 16-bit words to `sum` (an odd tail is padded with 0). */
export function sumWords(bytes: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds carries and returns the one's complement, as a 16-bit number. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** The checksum of bytes [start, end). A buffer whose checksum field is right sums to 0. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return finishChecksum(sumWords(bytes, start, end));
}

/** RFC 793 / RFC 768 IPv4 pseudo header: src, dst, zero, protocol, upper-layer length. */
export function pseudoHeaderSumV4(src: Ipv4Addr, dst: Ipv4Addr, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** RFC 8200 §8.1 IPv6 pseudo header: src (16 B), dst (16 B), upper-layer length (32 bit), next header. */
export function pseudoHeaderSumV6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  let sum = sumWords(src, 0, 16);
  sum = sumWords(dst, 0, 16, sum);
  return sum + (length >>> 16) + (length & 0xffff) + nextHeader;
}

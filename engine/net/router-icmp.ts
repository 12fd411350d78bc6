/**
 * The quoted packet of an ICMP error (RFC 792: the IP header and the first 8 bytes of the
 * datagram), carried as the ICMP error's payload so that captures show real bytes and a NAT
 * further on can read and rewrite it (RFC 5508 §7: a NAT translates the embedded packet too).
 */
import { internetChecksum } from '../wire/checksum.ts';
import type { InnerPacket } from './netfilter/types.ts';

/** 20 bytes of IPv4 header + 8 bytes of transport header; `old` keeps what is not rewritten. */
export function quotedPayload(inner: InnerPacket, old?: Uint8Array | null): Uint8Array {
  const b = old && old.length >= 28 ? old.slice() : new Uint8Array(28);
  if (!old || old.length < 28) {
    b[0] = 0x45;
    b[3] = 28 + (inner.proto === 6 ? 12 : 0);
    b[8] = 64;
  }
  b[9] = inner.proto;
  put32(b, 12, inner.src);
  put32(b, 16, inner.dst);
  b[10] = b[11] = 0;
  const c = internetChecksum(b, 0, 20);
  b[10] = c >> 8;
  b[11] = c & 0xff;
  if (inner.proto === 1) {
    b[20] = inner.icmpType ?? 8;
    b[21] = inner.icmpCode ?? 0;
    b[24] = (inner.icmpId ?? 0) >> 8;
    b[25] = (inner.icmpId ?? 0) & 0xff;
  } else {
    b[20] = inner.sport >> 8;
    b[21] = inner.sport & 0xff;
    b[22] = inner.dport >> 8;
    b[23] = inner.dport & 0xff;
  }
  return b;
}

/** The quoted packet of an ICMP error's payload, or null when it is too short. */
export function innerOfPayload(b: Uint8Array | null): InnerPacket | null {
  if (b === null || b.length < 28 || b[0]! >> 4 !== 4) return null;
  const ihl = (b[0]! & 15) * 4;
  if (b.length < ihl + 8) return null;
  const proto = b[9]!;
  const src = get32(b, 12);
  const dst = get32(b, 16);
  if (proto === 1) return { proto, src, dst, sport: 0, dport: 0, icmpType: b[ihl]!, icmpCode: b[ihl + 1]!, icmpId: (b[ihl + 4]! << 8) | b[ihl + 5]! };
  return { proto, src, dst, sport: (b[ihl]! << 8) | b[ihl + 1]!, dport: (b[ihl + 2]! << 8) | b[ihl + 3]! };
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function get32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/**
 * The quoted datagram of an ICMP error, carried as the ICMP error's payload so that captures show
 * real bytes and a NAT further on can read and rewrite it (RFC 5508 §7: a NAT translates the
 * embedded packet too).
 *
 * Linux's icmp_send quotes the offending datagram as it holds it: the IP header verbatim (total
 * length, identification, TTL) and as much of the rest as fits in a 576-byte error (RFC 1812
 * §4.3.2.3: room = 576 − 20 − 8 = 548 bytes quoted), so a UDP header keeps its real length and
 * checksum and a TCP header its ports and sequence number.
 */
import { finishChecksum, internetChecksum } from '../wire/checksum.ts';
import { emitFrame } from '../wire/frame.ts';
import { frameOf } from './capture.ts';
import type { Packet } from './packet.ts';
import type { InnerPacket } from './netfilter/types.ts';

/** The most an ICMP error quotes: 576 − IP header 20 − ICMP header 8 (icmp_send). */
export const QUOTE_MAX = 548;

const ANY_MAC = '00:00:00:00:00:00';

/** The bytes of `p` from its IP header on, as a capture shows them, cut to what an ICMP error quotes. */
export function quotedDatagram(p: Packet): Uint8Array {
  const frame = emitFrame(frameOf(p, ANY_MAC, ANY_MAC));
  return frame.slice(14, 14 + QUOTE_MAX);
}

/**
 * The quote with `inner`'s fields written in. `base` is what is quoted so far (the datagram's
 * bytes from quotedDatagram, or an earlier quote that a NAT now rewrites); its other bytes are
 * kept. The IP header checksum is recomputed; the transport checksum is updated for the words that
 * change (RFC 1624), as the kernel's NAT does for the embedded packet, so it stays right whether
 * or not the whole datagram is quoted. Without a base, only the headers (28 bytes) are made.
 */
export function quotedPayload(inner: InnerPacket, base?: Uint8Array | null): Uint8Array {
  const quoted = base !== undefined && base !== null && base.length >= 28 && base[0]! >> 4 === 4;
  const b = quoted ? base.slice() : headersOnly(inner);
  const ihl = (b[0]! & 15) * 4;
  if (inner.length !== undefined) put16(b, 2, inner.length);
  if (inner.ipId !== undefined) put16(b, 4, inner.ipId);
  if (inner.ttl !== undefined) b[8] = inner.ttl;
  b[9] = inner.proto;
  const ck = { sum: 0 };
  const pseudo = inner.proto === 6 || inner.proto === 17;
  change(b, 12, inner.src >>> 16, pseudo ? ck : null);
  change(b, 14, inner.src & 0xffff, pseudo ? ck : null);
  change(b, 16, inner.dst >>> 16, pseudo ? ck : null);
  change(b, 18, inner.dst & 0xffff, pseudo ? ck : null);
  b[10] = b[11] = 0;
  put16(b, 10, internetChecksum(b, 0, ihl));
  let ckAt = -1;
  if (inner.proto === 1) {
    if (ihl + 8 > b.length) return b;
    change(b, ihl, ((inner.icmpType ?? 8) << 8) | (inner.icmpCode ?? 0), ck);
    if (inner.icmpId !== undefined) change(b, ihl + 4, inner.icmpId, ck);
    ckAt = ihl + 2;
  } else {
    if (ihl + 8 > b.length) return b;
    change(b, ihl, inner.sport, ck);
    change(b, ihl + 2, inner.dport, ck);
    if (inner.proto === 6 && inner.seq !== undefined) {
      change(b, ihl + 4, inner.seq >>> 16, ck);
      change(b, ihl + 6, inner.seq & 0xffff, ck);
    }
    ckAt = inner.proto === 17 ? ihl + 6 : inner.proto === 6 ? ihl + 16 : -1;
  }
  if (quoted && ckAt >= 0 && ckAt + 2 <= b.length && ck.sum !== 0) {
    const old = get16(b, ckAt);
    // UDP checksum 0 means "none" (RFC 768) and stays so; a computed 0 is sent as 0xffff.
    if (!(inner.proto === 17 && old === 0)) {
      const c = finishChecksum((~old & 0xffff) + ck.sum);
      put16(b, ckAt, c === 0 && inner.proto === 17 ? 0xffff : c);
    }
  }
  return b;
}

/** A 28-byte quote made from fields alone (no bytes of the datagram at hand); checksum 0. */
function headersOnly(inner: InnerPacket): Uint8Array {
  const b = new Uint8Array(28);
  const length = inner.length ?? 28;
  b[0] = 0x45;
  put16(b, 2, length);
  b[8] = 64;
  b[9] = inner.proto;
  if (inner.proto === 17) put16(b, 24, Math.max(8, length - 20));
  return b;
}

/** Writes a 16-bit word and adds the change to the transport checksum's running sum (RFC 1624 eqn 3). */
function change(b: Uint8Array, at: number, v: number, ck: { sum: number } | null): void {
  const old = get16(b, at);
  if (old === v) return;
  put16(b, at, v);
  if (ck !== null) ck.sum += (~old & 0xffff) + v;
}

/** The quoted packet of an ICMP error's payload, or null when it is too short. */
export function innerOfPayload(b: Uint8Array | null): InnerPacket | null {
  if (b === null || b.length < 28 || b[0]! >> 4 !== 4) return null;
  const ihl = (b[0]! & 15) * 4;
  if (b.length < ihl + 8) return null;
  const proto = b[9]!;
  const head = { proto, src: get32(b, 12), dst: get32(b, 16), length: get16(b, 2), ipId: get16(b, 4), ttl: b[8]! };
  if (proto === 1) return { ...head, sport: 0, dport: 0, icmpType: b[ihl]!, icmpCode: b[ihl + 1]!, icmpId: get16(b, ihl + 4) };
  const ports = { ...head, sport: get16(b, ihl), dport: get16(b, ihl + 2) };
  return proto === 6 ? { ...ports, seq: get32(b, ihl + 4) } : ports;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function get16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function get32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

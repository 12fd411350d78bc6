/** The quoted datagram of the router's ICMP errors (router-icmp.ts): verbatim bytes, and a NAT rewrite that keeps checksums right. */
import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../wire/addr.ts';
import { parseFrameWithChecks } from '../wire/frame.ts';
import { Packet, PROTO_TCP, PROTO_UDP, SYN, textBytes } from './packet.ts';
import { innerOfPayload, QUOTE_MAX, quotedDatagram, quotedPayload } from './router-icmp.ts';

const ip = (s: string) => parseIpv4(s)!;

/** The quote as a frame of its own (it is a whole datagram when short enough), parsed with its checksums. */
function checks(quote: Uint8Array) {
  const frame = new Uint8Array(14 + quote.length);
  frame.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]);
  frame.set(quote, 14);
  const r = parseFrameWithChecks(frame);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function udp(payload: number): Packet {
  const p = new Packet(1, 1, PROTO_UDP, ip('10.0.1.4'), ip('198.51.100.10'));
  p.srcPort = 40001;
  p.dstPort = 53;
  p.ipId = 4242;
  p.ttl = 63;
  p.payload = textBytes('x'.repeat(payload));
  return p;
}

describe('quotedDatagram / quotedPayload', () => {
  it('quotes the datagram verbatim, at most 548 bytes', () => {
    expect(quotedDatagram(udp(32))).toHaveLength(20 + 8 + 32);
    expect(quotedDatagram(udp(1000))).toHaveLength(QUOTE_MAX);
    const inner = innerOfPayload(quotedDatagram(udp(1000)))!;
    expect(inner).toMatchObject({ proto: PROTO_UDP, length: 1028, ipId: 4242, ttl: 63, sport: 40001, dport: 53 });
  });

  it('a NAT rewrite of the embedded packet (RFC 5508) keeps the IP and UDP checksums right', () => {
    const base = quotedDatagram(udp(32));
    const inner = innerOfPayload(base)!;
    const out = quotedPayload({ ...inner, src: ip('203.0.113.5'), sport: 61000 }, base);
    const v = checks(out);
    expect(v.checksums.every((c) => c.ok)).toBe(true);
    expect(innerOfPayload(out)).toMatchObject({ src: ip('203.0.113.5'), sport: 61000, length: 60, ipId: 4242, ttl: 63 });
    // and back again: the bytes are the original's
    expect(Array.from(quotedPayload(inner, out))).toEqual(Array.from(base));
  });

  it('a TCP quote keeps the sequence number; a rewrite keeps the TCP checksum right', () => {
    const p = new Packet(1, 1, PROTO_TCP, ip('10.0.1.4'), ip('198.51.100.10'));
    Object.assign(p, { srcPort: 39322, dstPort: 80, seq: 2271562205, flags: SYN, window: 64240, mss: 1460 });
    const base = quotedDatagram(p);
    const inner = innerOfPayload(base)!;
    expect(inner).toMatchObject({ seq: 2271562205, length: 44 });
    const out = quotedPayload({ ...inner, src: ip('203.0.113.5'), sport: 40000 }, base);
    expect(checks(out).checksums.every((c) => c.ok)).toBe(true);
  });

  it('without the bytes, the headers come from the fields (real length, UDP length)', () => {
    const b = quotedPayload({ proto: PROTO_UDP, src: ip('10.0.1.4'), dst: ip('198.51.100.10'), sport: 1, dport: 2, length: 60, ipId: 7, ttl: 1 });
    expect(b).toHaveLength(28);
    expect(innerOfPayload(b)).toMatchObject({ length: 60, ipId: 7, ttl: 1 });
    expect((b[24]! << 8) | b[25]!).toBe(40);
  });
});

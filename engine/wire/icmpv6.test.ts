import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pseudoHeaderSumV6 } from './checksum.ts';
import { emitIcmpv6, icmpv6Length, parseIcmpv6, type Icmpv6Repr } from './icmpv6.ts';
import { parseIpv6, parseIpv6Header } from './ipv6.ts';
import { arbIcmpv6, arbIpv6Addr, expectTruncationsFail, hex, toHex, unwrap } from './test-util.ts';

const LO6 = parseIpv6('::1')!;
const pseudo = (len: number): number => pseudoHeaderSumV6(LO6, LO6, 58, len);
const LOOPBACK = '00000000000000000000000000000001';
// Real messages from a Linux host (::1 -> ::1): echo request and reply, and the port unreachable
// answering a UDP datagram to a closed port.
const REQUEST = hex('8000fdf843210007' + '6e6574706c61792d76362d6563686f21');
const REPLY = hex('8100fcf843210007' + '6e6574706c61792d76362d6563686f21');
const UNREACHABLE = hex('010495b700000000' + '6006fa9500101140' + LOOPBACK + LOOPBACK + '900eb26f0010002368656c6c6f207636');

const emit = (repr: Icmpv6Repr, sum = pseudo(icmpv6Length(repr))): Uint8Array => {
  const b = new Uint8Array(icmpv6Length(repr));
  emitIcmpv6(repr, b, 0, sum);
  return b;
};

describe('icmpv6', () => {
  it('reads fields from known bytes', () => {
    const req = unwrap(parseIcmpv6(REQUEST, pseudo(REQUEST.length)));
    expect(req.repr).toEqual({ kind: 'echoRequest', id: 0x4321, seq: 7, data: new TextEncoder().encode('netplay-v6-echo!') });
    expect(req.checksumOk).toBe(true);
    expect(unwrap(parseIcmpv6(REPLY, pseudo(REPLY.length)))).toMatchObject({ repr: { kind: 'echoReply' }, checksumOk: true });
    const un = unwrap(parseIcmpv6(UNREACHABLE, pseudo(UNREACHABLE.length)));
    expect(un).toMatchObject({ repr: { kind: 'destUnreachable', code: 4 }, checksumOk: true });
    if (un.repr.kind !== 'destUnreachable') throw new Error('kind');
    expect(unwrap(parseIpv6Header(un.repr.data)).upperProtocol).toBe(17);
  });

  it('builds bytes from fields', () => {
    const data = new TextEncoder().encode('netplay-v6-echo!');
    expect(toHex(emit({ kind: 'echoRequest', id: 0x4321, seq: 7, data }))).toBe(toHex(REQUEST));
    expect(toHex(emit({ kind: 'echoReply', id: 0x4321, seq: 7, data }))).toBe(toHex(REPLY));
    expect(toHex(emit({ kind: 'destUnreachable', code: 4, data: UNREACHABLE.subarray(8) }))).toBe(toHex(UNREACHABLE));
    const ptb = emit({ kind: 'packetTooBig', mtu: 1280, data: UNREACHABLE.subarray(8) });
    expect(toHex(ptb.subarray(4, 8))).toBe('00000500');
  });

  it('keeps neighbour discovery and other types as they are', () => {
    const ns: Icmpv6Repr = { kind: 'other', type: 135, code: 0, rest: hex('00000000' + 'fe800000000000000000000000000001') };
    expect(unwrap(parseIcmpv6(emit(ns), pseudo(icmpv6Length(ns)))).repr).toEqual(ns);
  });

  it('parse(emit(x)) deep-equals x, over any pseudo header', () => {
    fc.assert(
      fc.property(arbIcmpv6, arbIpv6Addr, arbIpv6Addr, (repr, src, dst) => {
        const sum = pseudoHeaderSumV6(src, dst, 58, icmpv6Length(repr));
        const p = unwrap(parseIcmpv6(emit(repr, sum), sum));
        expect(p.repr).toEqual(repr);
        expect(p.checksumOk).toBe(true);
      }),
    );
  });

  it('a corrupted byte, or another pseudo header, flips checksumOk', () => {
    for (let i = 0; i < REQUEST.length; i++) {
      const b = REQUEST.slice();
      b[i]! ^= 0x80;
      expect(unwrap(parseIcmpv6(b, pseudo(b.length))).checksumOk, `byte ${i}`).toBe(false);
    }
    const other = pseudoHeaderSumV6(parseIpv6('2001:db8::1')!, LO6, 58, REQUEST.length);
    expect(unwrap(parseIcmpv6(REQUEST, other)).checksumOk).toBe(false);
  });

  it('fails below 4 bytes, never throws', () => {
    expectTruncationsFail(UNREACHABLE, 4, (b) => parseIcmpv6(b, 0));
  });
});

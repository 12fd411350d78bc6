import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitIcmpv4, icmpv4Length, parseIcmpv4, type Icmpv4Repr } from './icmpv4.ts';
import { parseIpv4Header } from './ipv4.ts';
import { arbIcmpv4, expectTruncationsFail, hex, toHex, unwrap } from './test-util.ts';

const PING_DATA = '101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f';
// Real messages from a Linux host: an echo request, the kernel's reply, and the port unreachable
// it sent for a UDP datagram to a closed port (quoting the datagram's IP header and data).
const REQUEST = hex('0800f3c812340001' + PING_DATA);
const REPLY = hex('0000fbc812340001' + PING_DATA);
const UNREACHABLE = hex(
  '0303b3a200000000' + '4500002929ac4000401113167f0000017f000001' + '8c82b26f0015fe2868656c6c6f206e6574706c6179',
);

const emit = (repr: Icmpv4Repr): Uint8Array => {
  const b = new Uint8Array(icmpv4Length(repr));
  emitIcmpv4(repr, b, 0);
  return b;
};

describe('icmpv4', () => {
  it('reads fields from known bytes', () => {
    const req = unwrap(parseIcmpv4(REQUEST));
    expect(req.repr).toEqual({ kind: 'echoRequest', id: 0x1234, seq: 1, data: hex(PING_DATA) });
    expect(req.checksumOk).toBe(true);
    expect(unwrap(parseIcmpv4(REPLY)).repr.kind).toBe('echoReply');
    const un = unwrap(parseIcmpv4(UNREACHABLE));
    expect(un.checksumOk).toBe(true);
    expect(un.repr).toMatchObject({ kind: 'destUnreachable', code: 3 });
    if (un.repr.kind !== 'destUnreachable') throw new Error('kind');
    // The quoted datagram is an IPv4 header we can read in turn.
    expect(unwrap(parseIpv4Header(un.repr.data)).repr.protocol).toBe(17);
  });

  it('builds bytes from fields', () => {
    expect(toHex(emit({ kind: 'echoRequest', id: 0x1234, seq: 1, data: hex(PING_DATA) }))).toBe(toHex(REQUEST));
    expect(toHex(emit({ kind: 'echoReply', id: 0x1234, seq: 1, data: hex(PING_DATA) }))).toBe(toHex(REPLY));
    expect(toHex(emit({ kind: 'destUnreachable', code: 3, data: UNREACHABLE.subarray(8) }))).toBe(toHex(UNREACHABLE));
  });

  it('carries the next-hop MTU of "fragmentation needed" (RFC 1191)', () => {
    const b = emit({ kind: 'destUnreachable', code: 4, nextHopMtu: 1450, data: UNREACHABLE.subarray(8) });
    expect(toHex(b.subarray(0, 2))).toBe('0304');
    expect(toHex(b.subarray(4, 8))).toBe('000005aa');
    expect(unwrap(parseIcmpv4(b)).repr).toMatchObject({ kind: 'destUnreachable', code: 4, nextHopMtu: 1450 });
  });

  it('keeps other types, and echo with an odd code, as they are', () => {
    const redirect = emit({ kind: 'other', type: 5, code: 1, rest: hex('0a000001' + '45000014') });
    expect(unwrap(parseIcmpv4(redirect)).repr).toEqual({ kind: 'other', type: 5, code: 1, rest: hex('0a000001' + '45000014') });
    const odd = REQUEST.slice();
    odd[1] = 7;
    expect(unwrap(parseIcmpv4(odd)).repr).toMatchObject({ kind: 'other', type: 8, code: 7 });
    const time = emit({ kind: 'timeExceeded', code: 0, data: UNREACHABLE.subarray(8, 36) });
    expect(unwrap(parseIcmpv4(time)).repr).toMatchObject({ kind: 'timeExceeded', code: 0 });
  });

  it('parse(emit(x)) deep-equals x', () => {
    fc.assert(
      fc.property(arbIcmpv4, (repr) => {
        const p = unwrap(parseIcmpv4(emit(repr)));
        expect(p.repr).toEqual(repr);
        expect(p.checksumOk).toBe(true);
      }),
    );
  });

  it('a corrupted byte flips checksumOk', () => {
    for (let i = 0; i < UNREACHABLE.length; i++) {
      const b = UNREACHABLE.slice();
      b[i]! ^= 0x01;
      expect(unwrap(parseIcmpv4(b)).checksumOk, `byte ${i}`).toBe(false);
    }
  });

  it('fails below 4 bytes, never throws', () => {
    expectTruncationsFail(REQUEST, 4, parseIcmpv4);
    // 4 to 7 bytes: too short for an echo, kept as "other".
    expect(unwrap(parseIcmpv4(REQUEST.subarray(0, 6))).repr).toMatchObject({ kind: 'other', type: 8 });
  });
});

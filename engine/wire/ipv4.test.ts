import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIpv4 } from './addr.ts';
import { emitIpv4Header, ipv4HeaderLength, ipv4Repr, isFragment, parseIpv4Header, type Ipv4Repr } from './ipv4.ts';
import { arbIpv4, expectTruncationsFail, hex, toHex, unwrap } from './test-util.ts';

// A real TCP SYN from a Linux host (127.0.0.1 -> 127.0.0.1:45678), IP header and TCP segment.
const SYN_IP = hex(
  '4500003c513d40004006eb7c7f0000017f000001' +
    '89acb26e47aa8cb000000000a002ffd700b600000204ffd70402080af6e647ec000000000103030a',
);
// IGMPv2 report to 224.0.0.251 with the Router Alert option (RFC 2113), as Linux sends it.
const IGMP = hex('46c00020000040000102416ac0a8010ae00000fb94040000' + '16000904e00000fb');

describe('ipv4', () => {
  it('reads fields from known bytes', () => {
    const p = unwrap(parseIpv4Header(SYN_IP));
    expect(p.repr).toEqual({
      dscp: 0, ecn: 0, identification: 0x513d, dontFragment: true, moreFragments: false, fragmentOffset: 0,
      ttl: 64, protocol: 6, src: parseIpv4('127.0.0.1'), dst: parseIpv4('127.0.0.1'), options: new Uint8Array(0), payloadLength: 40,
    });
    expect(p.headerLength).toBe(20);
    expect(p.checksum).toBe(0xeb7c);
    expect(p.checksumOk).toBe(true);
    expect(p.payload.length).toBe(40);
    expect(p.payload[0]).toBe(0x89);

    const igmp = unwrap(parseIpv4Header(IGMP));
    expect(igmp.repr).toMatchObject({ dscp: 48, ecn: 0, ttl: 1, protocol: 2, dst: parseIpv4('224.0.0.251'), payloadLength: 8 });
    expect(toHex(igmp.repr.options)).toBe('94040000');
    expect(igmp.headerLength).toBe(24);
    expect(igmp.checksumOk).toBe(true);
  });

  it('builds bytes from fields, checksum included', () => {
    const repr = unwrap(parseIpv4Header(IGMP)).repr;
    const buf = new Uint8Array(24);
    emitIpv4Header(repr, buf, 0);
    expect(toHex(buf)).toBe(toHex(IGMP.subarray(0, 24)));

    const syn = ipv4Repr({ src: parseIpv4('127.0.0.1')!, dst: parseIpv4('127.0.0.1')!, identification: 0x513d, payloadLength: 40 });
    const out = new Uint8Array(20);
    emitIpv4Header(syn, out, 0);
    expect(toHex(out)).toBe(toHex(SYN_IP.subarray(0, 20)));
  });

  it('pads options to 4 bytes and keeps the evil bit', () => {
    const repr = ipv4Repr({ src: 1, dst: 2, options: Uint8Array.of(0x94, 0x04, 0x00), reservedFlag: true });
    expect(ipv4HeaderLength(repr)).toBe(24);
    const buf = new Uint8Array(24).fill(0xee);
    emitIpv4Header(repr, buf, 0);
    const p = unwrap(parseIpv4Header(buf));
    expect(toHex(p.repr.options)).toBe('94040000');
    expect(p.repr.reservedFlag).toBe(true);
    expect(p.checksumOk).toBe(true);
  });

  it('reports fragments', () => {
    const base = ipv4Repr({ src: 1, dst: 2 });
    expect(isFragment(base)).toBe(false);
    expect(isFragment({ ...base, moreFragments: true })).toBe(true);
    expect(isFragment({ ...base, fragmentOffset: 185 })).toBe(true);
  });

  it('parse(emit(x)) deep-equals x', () => {
    fc.assert(
      fc.property(arbIpv4, (repr: Ipv4Repr) => {
        const hl = ipv4HeaderLength(repr);
        const buf = new Uint8Array(hl + repr.payloadLength);
        emitIpv4Header(repr, buf, 0);
        const p = unwrap(parseIpv4Header(buf));
        expect(p.repr).toEqual(repr);
        expect(p.checksumOk).toBe(true);
      }),
    );
  });

  it('a corrupted byte flips checksumOk; the packet still parses', () => {
    // Version/IHL (byte 0) and Total Length (2-3) are validated first, so they are not flipped here.
    for (let i = 1; i < 20; i++) {
      if (i === 2 || i === 3) continue;
      const b = SYN_IP.slice();
      b[i]! ^= 0x10;
      const p = unwrap(parseIpv4Header(b));
      expect(p.checksumOk, `byte ${i}`).toBe(false);
    }
  });

  it('refuses bad version, IHL and total length with the offset', () => {
    const err = (b: Uint8Array) => {
      const r = parseIpv4Header(b);
      return r.ok ? null : r.error;
    };
    const v6 = SYN_IP.slice();
    v6[0] = 0x65;
    expect(err(v6)).toMatchObject({ layer: 'ipv4', offset: 0 });
    const ihl = SYN_IP.slice();
    ihl[0] = 0x44;
    expect(err(ihl)).toMatchObject({ offset: 0 });
    const long = SYN_IP.slice();
    long[3] = 0x3d;
    expect(err(long)).toMatchObject({ offset: 2 });
    const short = SYN_IP.slice();
    short[3] = 0x10;
    expect(err(short)).toMatchObject({ offset: 2 });
  });

  it('fails on every truncation, never throws', () => {
    expectTruncationsFail(SYN_IP, SYN_IP.length, parseIpv4Header);
    expectTruncationsFail(IGMP, IGMP.length, parseIpv4Header);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  emitIpv6Header,
  IPV6_HEADER_LENGTH,
  IPV6_MAX_EXTENSION_HEADERS,
  ipv6Repr,
  ipv6ToString,
  parseIpv6,
  parseIpv6Header,
  type Ipv6Repr,
} from './ipv6.ts';
import { arbIpv6, arbIpv6Addr, expectTruncationsFail, hex, toHex, unwrap } from './test-util.ts';

const LOOPBACK = '00000000000000000000000000000001';
// A real ICMPv6 echo request from a Linux host, ::1 -> ::1 (flow label set by the kernel).
const ECHO6 = hex('600e004000183a40' + LOOPBACK + LOOPBACK + '8000fdf8432100076e6574706c61792d76362d6563686f21');

/** A chain: hop-by-hop -> routing -> AH -> destination options -> fragment (first) -> UDP. */
function chained(fragmentOffset = 0): Uint8Array {
  const hbh = '2b00' + '05020000' + '0100'; // next 43, len 0: Router Alert, PadN
  const routing = '3302' + '0400' + '00000000' + '00'.repeat(16); // next 51, 24 bytes, type 4
  const ah = '3c04' + '0000' + '00000100' + '00000001' + '00'.repeat(12); // next 60, (4+2)*4 = 24 bytes
  const dst = '2c00' + '010400000000'; // next 44, 8 bytes of PadN
  const frag = '1100' + ((fragmentOffset << 3) | 1).toString(16).padStart(4, '0') + 'deadbeef'; // next 17, M=1
  const udp = '30393039000a0000' + 'abcd';
  const payload = hbh + routing + ah + dst + frag + udp;
  const len = (payload.length / 2).toString(16).padStart(4, '0');
  return hex('60000000' + len + '0040' + LOOPBACK + LOOPBACK + payload);
}

describe('ipv6', () => {
  it('reads fields from known bytes', () => {
    const p = unwrap(parseIpv6Header(ECHO6));
    expect(p.repr).toEqual({
      trafficClass: 0, flowLabel: 0xe0040, payloadLength: 24, nextHeader: 58, hopLimit: 64,
      src: parseIpv6('::1'), dst: parseIpv6('::1'),
    });
    expect(p.extensionHeaders).toEqual([]);
    expect(p.upperProtocol).toBe(58);
    expect(p.upperOffset).toBe(40);
    expect(p.payload.length).toBe(24);
  });

  it('builds bytes from fields', () => {
    const repr = ipv6Repr({ src: parseIpv6('::1')!, dst: parseIpv6('::1')!, flowLabel: 0xe0040, nextHeader: 58, payloadLength: 24 });
    const buf = new Uint8Array(40);
    emitIpv6Header(repr, buf, 0);
    expect(toHex(buf)).toBe(toHex(ECHO6.subarray(0, 40)));
    const tc = new Uint8Array(40);
    emitIpv6Header({ ...repr, trafficClass: 0xb8, flowLabel: 0xfffff }, tc, 0);
    expect(toHex(tc.subarray(0, 4))).toBe('6b8fffff');
  });

  it('walks extension headers to the upper layer', () => {
    const p = unwrap(parseIpv6Header(chained()));
    expect(p.extensionHeaders.map((e) => [e.type, e.offset, e.length, e.nextHeader])).toEqual([
      [0, 40, 8, 43],
      [43, 48, 24, 51],
      [51, 72, 24, 60],
      [60, 96, 8, 44],
      [44, 104, 8, 17],
    ]);
    expect(p.upperProtocol).toBe(17);
    expect(p.upperOffset).toBe(112);
    expect(p.fragment).toEqual({ offset: 0, moreFragments: true, identification: 0xdeadbeef });
  });

  it('stops at a non-first fragment', () => {
    const p = unwrap(parseIpv6Header(chained(185)));
    expect(p.fragment?.offset).toBe(185);
    expect(p.upperProtocol).toBe(17);
    expect(p.upperOffset).toBe(112);
  });

  it('bounds the walk and checks every length', () => {
    const n = IPV6_MAX_EXTENSION_HEADERS + 1;
    const loop = hex('60000000' + (n * 8).toString(16).padStart(4, '0') + '0040' + LOOPBACK + LOOPBACK + '0000010400000000'.repeat(n));
    const r = parseIpv6Header(loop);
    expect(r.ok ? null : r.error).toMatchObject({ layer: 'ipv6', offset: 40 + 8 * IPV6_MAX_EXTENSION_HEADERS });
    const overlong = chained();
    overlong[41] = 0xff; // hop-by-hop claims 2048 bytes
    const o = parseIpv6Header(overlong);
    expect(o.ok ? null : o.error).toMatchObject({ layer: 'ipv6', offset: 41 });
  });

  it('parse(emit(x)) deep-equals x', () => {
    fc.assert(
      fc.property(arbIpv6, (repr: Ipv6Repr) => {
        // Payload of zeros: an extension chain, if nextHeader names one, reads as hop-by-hop.
        const buf = new Uint8Array(IPV6_HEADER_LENGTH + repr.payloadLength);
        emitIpv6Header(repr, buf, 0);
        const r = parseIpv6Header(buf);
        if (r.ok) expect(r.value.repr).toEqual(repr);
        else expect(r.error.layer).toBe('ipv6'); // a zero-filled extension chain may run out
        const plain = { ...repr, nextHeader: 6 };
        emitIpv6Header(plain, buf, 0);
        expect(unwrap(parseIpv6Header(buf)).repr).toEqual(plain);
      }),
      { numRuns: 50 },
    );
  });

  it('fails on every truncation, never throws', () => {
    expectTruncationsFail(ECHO6, ECHO6.length, parseIpv6Header);
    expectTruncationsFail(chained(), chained().length, parseIpv6Header);
    const v4 = ECHO6.slice();
    v4[0] = 0x45;
    expect(parseIpv6Header(v4).ok).toBe(false);
  });
});

describe('ipv6 text', () => {
  it('prints RFC 5952 canonical text', () => {
    const cases: [string, string][] = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0db8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:DB8::AbCd', '2001:db8::abcd'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['::1', '::1'],
      ['fe80::', 'fe80::'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['::ffff:10.0.0.4', '::ffff:10.0.0.4'],
      ['::ffff:a00:4', '::ffff:10.0.0.4'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ];
    for (const [input, canonical] of cases) {
      const a = parseIpv6(input);
      expect(a, input).not.toBeNull();
      expect(ipv6ToString(a!)).toBe(canonical);
    }
  });

  it('refuses malformed text', () => {
    for (const bad of ['', ':', ':::', '1::2::3', '12345::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', ':1::', '::1:', 'g::1', '::1.2.3', '::256.0.0.1', '1.2.3.4::', 'fe80::1%eth0']) {
      expect(parseIpv6(bad), bad).toBeNull();
    }
  });

  it('parseIpv6(ipv6ToString(a)) equals a', () => {
    fc.assert(fc.property(arbIpv6Addr, (a) => {
      expect(parseIpv6(ipv6ToString(a))).toEqual(a);
    }));
    // Runs of zeros are where the compression choices are made.
    const sparse = fc.array(fc.constantFrom(0, 0, 0, 1, 0xffff), { minLength: 8, maxLength: 8 }).map((w) => {
      const b = new Uint8Array(16);
      w.forEach((x, i) => { b[i * 2] = x >>> 8; b[i * 2 + 1] = x & 0xff; });
      return b;
    });
    fc.assert(fc.property(sparse, (a) => {
      expect(parseIpv6(ipv6ToString(a))).toEqual(a);
    }));
  });
});

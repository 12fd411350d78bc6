import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIpv4 } from './addr.ts';
import { pseudoHeaderSumV4, pseudoHeaderSumV6 } from './checksum.ts';
import { parseIpv6 } from './ipv6.ts';
import { emitUdp, emitUdpHeader, parseUdp, udpLength, type UdpRepr } from './udp.ts';
import { arbUdp, expectTruncationsFail, hex, toHex, u32, unwrap } from './test-util.ts';

const LO = parseIpv4('127.0.0.1')!;
const LO6 = parseIpv6('::1')!;
const v4 = (len: number): number => pseudoHeaderSumV4(LO, LO, 17, len);
const v6 = (len: number): number => pseudoHeaderSumV6(LO6, LO6, 17, len);

// Real datagrams from a Linux host, 127.0.0.1:35970 and [::1]:36878 to port 45679. On lo their
// checksum fields held the offload partial sums 0xfe28 and 0x0023; 0xb6a5 and 0x0326 are right.
const DGRAM4 = hex('8c82b26f0015b6a5' + '68656c6c6f206e6574706c6179');
const DGRAM4_OFFLOADED = hex('8c82b26f0015fe28' + '68656c6c6f206e6574706c6179');
const DGRAM6 = hex('900eb26f00100326' + '68656c6c6f207636');

const emit = (repr: UdpRepr, sum: number | null): Uint8Array => {
  const b = new Uint8Array(udpLength(repr));
  emitUdp(repr, b, 0, sum);
  return b;
};

describe('udp', () => {
  it('reads fields from known bytes', () => {
    const p = unwrap(parseUdp(DGRAM4, v4(DGRAM4.length)));
    expect(p.repr).toEqual({ srcPort: 35970, dstPort: 45679, payload: new TextEncoder().encode('hello netplay') });
    expect(p).toMatchObject({ checksum: 0xb6a5, checksumOk: true, zeroChecksum: false });
    expect(unwrap(parseUdp(DGRAM4_OFFLOADED, v4(DGRAM4.length))).checksumOk).toBe(false);
    const p6 = unwrap(parseUdp(DGRAM6, v6(DGRAM6.length)));
    expect(p6.repr.srcPort).toBe(36878);
    expect(p6.checksumOk).toBe(true);
  });

  it('builds bytes from fields', () => {
    const payload = new TextEncoder().encode('hello netplay');
    expect(toHex(emit({ srcPort: 35970, dstPort: 45679, payload }, v4(21)))).toBe(toHex(DGRAM4));
    expect(toHex(emit({ srcPort: 36878, dstPort: 45679, payload: new TextEncoder().encode('hello v6') }, v6(16)))).toBe(toHex(DGRAM6));
  });

  it('emits checksum 0 when disabled, and reads 0 as "no checksum"', () => {
    const b = emit({ srcPort: 50000, dstPort: 4789, payload: Uint8Array.of(1, 2, 3) }, null);
    expect(toHex(b.subarray(6, 8))).toBe('0000');
    expect(unwrap(parseUdp(b, v4(b.length)))).toMatchObject({ zeroChecksum: true, checksumOk: true });
  });

  it('sends a computed 0 as 0xffff (RFC 768)', () => {
    const repr: UdpRepr = { srcPort: 1234, dstPort: 5678, payload: Uint8Array.of(9, 8, 7) };
    const b = emit(repr, 0);
    const c = (b[6]! << 8) | b[7]!;
    // With the pseudo sum raised by c, the one's complement sum before inversion is 0xffff.
    const forced = emit(repr, c);
    expect(toHex(forced.subarray(6, 8))).toBe('ffff');
    expect(unwrap(parseUdp(forced, c))).toMatchObject({ zeroChecksum: false, checksumOk: true });
  });

  it('writes a header over a payload already in place', () => {
    const b = new Uint8Array(8 + 13);
    b.set(DGRAM4.subarray(8), 8);
    emitUdpHeader(35970, 45679, 13, b, 0, v4(21));
    expect(toHex(b)).toBe(toHex(DGRAM4));
  });

  it('parse(emit(x)) deep-equals x', () => {
    fc.assert(
      fc.property(arbUdp, u32, (repr, sum) => {
        const p = unwrap(parseUdp(emit(repr, sum), sum));
        expect(p.repr).toEqual(repr);
        expect(p.checksumOk).toBe(true);
        expect(p.zeroChecksum).toBe(false);
      }),
    );
  });

  it('a corrupted byte flips checksumOk', () => {
    for (let i = 0; i < DGRAM4.length; i++) {
      if (i === 4 || i === 5) continue; // the length is validated before the checksum
      const b = DGRAM4.slice();
      b[i]! ^= 0x04;
      expect(unwrap(parseUdp(b, v4(b.length))).checksumOk, `byte ${i}`).toBe(false);
    }
  });

  it('ignores bytes after Length and refuses a bad Length with its offset', () => {
    const padded = new Uint8Array(DGRAM4.length + 5);
    padded.set(DGRAM4);
    expect(unwrap(parseUdp(padded, v4(21))).repr.payload.length).toBe(13);
    const short = DGRAM4.slice();
    short[5] = 7;
    const r = parseUdp(short, 0);
    expect(r.ok ? null : r.error).toMatchObject({ layer: 'udp', offset: 4 });
  });

  it('fails on every truncation, never throws', () => {
    expectTruncationsFail(DGRAM4, DGRAM4.length, (b) => parseUdp(b, 0));
  });
});

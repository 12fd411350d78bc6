import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeTsresol, ticksToTime, timeToTicks, type Timestamp } from './timestamp.ts';
import { decodeUtf8, encodeUtf8 } from '../wire/utf8.ts';

describe('ticksToTime', () => {
  const bigConvert = (high: number, low: number, perSec: bigint): [number, number] => {
    const t = (BigInt(high) << 32n) | BigInt(low);
    return [Number(t / perSec), Number(((t % perSec) * 1_000_000_000n) / perSec)];
  };

  it('agrees with BigInt arithmetic for every base-10 resolution up to 10^-9 (fast path)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (n, high, low) => {
        const out: Timestamp = { sec: 0, nsec: 0 };
        ticksToTime(high, low, decodeTsresol(n), out);
        const [sec, nsec] = bigConvert(high, low, 10n ** BigInt(n));
        // Seconds above 2^53 cannot be exact as numbers; compare what is representable.
        expect(out.sec).toBe(sec);
        expect(out.nsec).toBe(nsec);
      }),
      { numRuns: 2000 },
    );
  });

  it('handles base-2 and sub-nanosecond resolutions exactly (BigInt path)', () => {
    const out: Timestamp = { sec: 0, nsec: 0 };
    ticksToTime(0, 3 * 1024 + 256, decodeTsresol(0x80 | 10), out);
    expect(out).toEqual({ sec: 3, nsec: 250_000_000 });
    ticksToTime(0x1234, 0x56789abc, decodeTsresol(12), out);
    expect([out.sec, out.nsec]).toEqual(bigConvert(0x1234, 0x56789abc, 10n ** 12n));
  });

  it('timeToTicks inverts ticksToTime', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 2 ** 34 - 1 }), fc.integer({ min: 0, max: 999_999_999 }), (n, sec, nsec) => {
        const unitsPerSec = 10 ** n;
        const { high, low } = timeToTicks(sec, nsec, unitsPerSec);
        const expected = BigInt(sec) * BigInt(unitsPerSec) + BigInt(Math.floor(nsec / (1e9 / unitsPerSec)));
        expect((BigInt(high) << 32n) | BigInt(low)).toBe(expected);
        const out: Timestamp = { sec: 0, nsec: 0 };
        ticksToTime(high, low, decodeTsresol(n), out);
        expect(out.sec).toBe(sec);
        expect(out.nsec).toBe(Math.floor(nsec / (1e9 / unitsPerSec)) * (1e9 / unitsPerSec));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('utf8', () => {
  it('round-trips any string without lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const b = encodeUtf8(s);
        expect(b).toEqual(new Uint8Array(Buffer.from(s, 'utf8')));
        expect(decodeUtf8(b, 0, b.length)).toBe(s);
      }),
    );
  });

  it('decodes malformed bytes to U+FFFD without throwing', () => {
    expect(decodeUtf8(Uint8Array.of(0x61, 0xff, 0xc3, 0x62, 0xe2, 0x82), 0, 6)).toBe('a\ufffd\ufffdb\ufffd\ufffd');
  });
});

/**
 * pcapng timestamps: a 64-bit count of ticks since 1970 split in two u32 (ts_high, ts_low),
 * with the tick length given by the interface's if_tsresol option (draft-ietf-opsawg-pcapng §4.2):
 *
 *   if_tsresol byte: MSB 0 => tick = 10^-n s, MSB 1 => tick = 2^-n s (n = low 7 bits); absent => 10^-6.
 *
 * Nanosecond stamps of today (~1.7e18) are above 2^53, so a plain double loses them. The common
 * resolutions (10^-n, n <= 9) are split exactly with 16-bit long division in doubles, without
 * BigInt, because this runs once per frame; any other resolution takes an exact BigInt path.
 */

export interface TsResolution {
  /** 10 or 2. */
  base: number;
  exponent: number;
  /** Ticks per second when it is an integer <= 1e9 (the fast path), otherwise 0. */
  fastUnitsPerSec: number;
  /** Nanoseconds per tick (may be fractional). */
  nsPerUnit: number;
}

export const MICROSECONDS: TsResolution = decodeTsresol(6);

export function decodeTsresol(byte: number): TsResolution {
  const base = byte & 0x80 ? 2 : 10;
  const exponent = byte & 0x7f;
  const fast = base === 10 && exponent <= 9 ? 10 ** exponent : 0;
  return { base, exponent, fastUnitsPerSec: fast, nsPerUnit: 1e9 / base ** exponent };
}

/** Receives the result of a conversion; reused by the reader to avoid one allocation per frame. */
export interface Timestamp {
  sec: number;
  nsec: number;
}

/** Floor division of an exact integer a (< 2^53) by d, corrected for rounding. */
function divFloor(a: number, d: number): number {
  let q = Math.floor(a / d);
  const r = a - q * d;
  if (r < 0) q -= 1;
  else if (r >= d) q += 1;
  return q;
}

/** Converts (ts_high, ts_low) ticks into seconds and nanoseconds, written into `out`. */
export function ticksToTime(high: number, low: number, res: TsResolution, out: Timestamp): void {
  const d = res.fastUnitsPerSec;
  if (d === 0) {
    slowTicksToTime(high, low, res, out);
    return;
  }
  // Long division of (high * 2^32 + (low >>> 16) * 2^16 + (low & 0xffff)) by d, 16 bits at a time
  // below the first u32 digit; every intermediate stays below 2^47.
  const q1 = divFloor(high, d);
  const r1 = high - q1 * d;
  const m = r1 * 65536 + (low >>> 16);
  const q2 = divFloor(m, d);
  const r2 = m - q2 * d;
  const n = r2 * 65536 + (low & 0xffff);
  const q3 = divFloor(n, d);
  const r3 = n - q3 * d;
  out.sec = q1 * 4294967296 + q2 * 65536 + q3;
  out.nsec = r3 * (1e9 / d);
}

function slowTicksToTime(high: number, low: number, res: TsResolution, out: Timestamp): void {
  const ticks = (BigInt(high) << 32n) | BigInt(low);
  const perSec = BigInt(res.base) ** BigInt(res.exponent);
  const sec = ticks / perSec;
  const rem = ticks % perSec;
  out.sec = Number(sec);
  out.nsec = Number((rem * 1_000_000_000n) / perSec);
}

/**
 * Converts seconds and nanoseconds into (high, low) ticks of `unitsPerSec` (a power of ten up to
 * 1e9), truncating sub-tick nanoseconds. Exact for any result below 2^64; throws RangeError
 * beyond it or for a negative or non-integer time (a writer bug, not a file problem).
 */
export function timeToTicks(sec: number, nsec: number, unitsPerSec: number): { high: number; low: number } {
  if (!Number.isInteger(sec) || sec < 0 || sec >= 2 ** 37) {
    throw new RangeError(`timestamp seconds ${sec} is not an integer in 0..2^37`);
  }
  if (!Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) {
    throw new RangeError(`timestamp nanoseconds ${nsec} is not an integer in 0..999999999`);
  }
  const sub = Math.floor(nsec / (1e9 / unitsPerSec));
  // ticks = sec * U + sub = (sh * U) * 2^16 + (sl * U + sub), with sh < 2^21 so sh * U < 2^51.
  const sh = Math.floor(sec / 65536);
  const sl = sec - sh * 65536;
  const a = sh * unitsPerSec;
  const b = sl * unitsPerSec + sub;
  const ah = Math.floor(a / 65536);
  const al = a - ah * 65536;
  const lowPart = al * 65536 + b;
  const carry = Math.floor(lowPart / 4294967296);
  const high = ah + carry;
  if (high >= 4294967296) throw new RangeError(`timestamp ${sec}s does not fit 64-bit ticks`);
  return { high, low: lowPart - carry * 4294967296 };
}

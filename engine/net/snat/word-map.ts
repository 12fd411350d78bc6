/**
 * A hash map from four 32-bit words to a non-negative int32, for the per-packet lookups of the
 * SNAT table. A 5-tuple is 104 bits, too wide for one JS number and too slow as a string or a
 * BigInt; here it is packed into four words (ip, ip, port<<16|port, proto) and stored inline.
 *
 * Open addressing with linear probing (load ≤ 1/2) and backward-shift deletion, so there are no
 * tombstones and a lookup never allocates. Each entry is five int32 in one array (four key words
 * and the value), so a probe touches one cache line: at 512,000 entries the table is far larger
 * than the CPU caches and keeping keys and values apart measured about half as fast.
 * Keys are compared as int32 (`x | 0`), so callers may pass unsigned addresses as they are.
 */

const EMPTY = -1;
const W = 5;

/** Mixes four words into a 32-bit hash (murmur3 finaliser steps between the words). */
export function hash4(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ c, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16) ^ d, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

export class WordMap {
  private s: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 16) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.s = emptySlots(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the backing array (for the benchmark's memory figure). */
  get byteLength(): number {
    return this.s.byteLength;
  }

  /** The value stored under the key, or -1. */
  get(a: number, b: number, c: number, d: number): number {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const s = this.s;
    const mask = this.mask;
    let i = hash4(a, b, c, d) & mask;
    for (;;) {
      const j = i * W;
      const v = s[j + 4]!;
      if (v === EMPTY) return EMPTY;
      if (s[j] === a && s[j + 1] === b && s[j + 2] === c && s[j + 3] === d) return v;
      i = (i + 1) & mask;
    }
  }

  /** Stores `value` (≥ 0) under the key, replacing any previous value. */
  set(a: number, b: number, c: number, d: number, value: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.put(a | 0, b | 0, c | 0, d | 0, value);
  }

  private put(a: number, b: number, c: number, d: number, value: number): void {
    const s = this.s;
    const mask = this.mask;
    let i = hash4(a, b, c, d) & mask;
    for (;;) {
      const j = i * W;
      if (s[j + 4] === EMPTY) {
        s[j] = a;
        s[j + 1] = b;
        s[j + 2] = c;
        s[j + 3] = d;
        s[j + 4] = value;
        this.count++;
        return;
      }
      if (s[j] === a && s[j + 1] === b && s[j + 2] === c && s[j + 3] === d) {
        s[j + 4] = value;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /** Removes the key; returns whether it was there. */
  delete(a: number, b: number, c: number, d: number): boolean {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const s = this.s;
    const mask = this.mask;
    let i = hash4(a, b, c, d) & mask;
    for (;;) {
      const j = i * W;
      if (s[j + 4] === EMPTY) return false;
      if (s[j] === a && s[j + 1] === b && s[j + 2] === c && s[j + 3] === d) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: pull later members of the probe run into the hole when their
    // home slot does not lie (cyclically) between the hole and their current slot.
    let hole = i;
    let k = (hole + 1) & mask;
    for (;;) {
      const kj = k * W;
      if (s[kj + 4] === EMPTY) break;
      const home = hash4(s[kj]!, s[kj + 1]!, s[kj + 2]!, s[kj + 3]!) & mask;
      const between = hole <= k ? home > hole && home <= k : home > hole || home <= k;
      if (!between) {
        s.copyWithin(hole * W, kj, kj + W);
        hole = k;
      }
      k = (k + 1) & mask;
    }
    s[hole * W + 4] = EMPTY;
    this.count--;
    return true;
  }

  clear(): void {
    this.s = emptySlots(this.mask + 1);
    this.count = 0;
  }

  private grow(): void {
    const old = this.s;
    const cap = (this.mask + 1) * 2;
    this.s = emptySlots(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let j = 0; j < old.length; j += W) {
      const v = old[j + 4]!;
      if (v !== EMPTY) this.put(old[j]!, old[j + 1]!, old[j + 2]!, old[j + 3]!, v);
    }
  }
}

function emptySlots(cap: number): Int32Array {
  const s = new Int32Array(cap * W);
  for (let j = 4; j < s.length; j += W) s[j] = EMPTY;
  return s;
}

import { describe, expect, it } from 'vitest';
import { Rng, hashName } from './rng.ts';

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.nextU32());

describe('Rng', () => {
  it('is deterministic for a seed and a name', () => {
    expect(draw(new Rng(1, 'x'), 10)).toEqual(draw(new Rng(1, 'x'), 10));
    expect(draw(new Rng(1), 10)).not.toEqual(draw(new Rng(2), 10));
  });

  it('gives named sub-streams that do not depend on what others drew', () => {
    const root1 = new Rng(7);
    const a1 = draw(root1.stream('host:a'), 5);
    const root2 = new Rng(7);
    draw(root2, 100); // the root drawing does not shift sub-streams
    const noise = root2.stream('host:new-component');
    draw(noise, 50); // nor does a new component drawing
    const a2 = draw(root2.stream('host:a'), 5);
    expect(a2).toEqual(a1);
    expect(draw(root2.stream('host:b'), 5)).not.toEqual(a1);
    expect(root1.stream('x').stream('y').name).toBe('x/y');
  });

  it('makes u32s, floats in [0,1) and ints in range', () => {
    const r = new Rng(3);
    for (let i = 0; i < 1000; i++) {
      const u = r.nextU32();
      expect(Number.isInteger(u) && u >= 0 && u < 2 ** 32).toBe(true);
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      const k = r.int(10, 12);
      expect(k >= 10 && k <= 12).toBe(true);
    }
    expect(hashName('a')).not.toBe(hashName('b'));
  });

  it('spreads values (a rough uniformity check)', () => {
    const r = new Rng(99);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10000; i++) buckets[Math.floor(r.nextFloat() * 10)]!++;
    for (const b of buckets) expect(b).toBeGreaterThan(850);
  });
});

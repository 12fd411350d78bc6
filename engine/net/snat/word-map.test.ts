import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WordMap } from './word-map.ts';

describe('WordMap', () => {
  it('behaves like a Map under random set/delete/get, through growth and backward-shift deletes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('set', 'del', 'get'), fc.nat(40), fc.constantFrom(0, 0xffffffff, 0x80000000), fc.nat(3)), { maxLength: 300 }),
        (ops) => {
          const m = new WordMap(2);
          const ref = new Map<string, number>();
          ops.forEach(([op, k, hi, d], n) => {
            const key = `${k}/${hi}/${d}`;
            if (op === 'set') {
              m.set(k, hi, k * 65537, d, n);
              ref.set(key, n);
            } else if (op === 'del') expect(m.delete(k, hi, k * 65537, d)).toBe(ref.delete(key));
            else expect(m.get(k, hi, k * 65537, d)).toBe(ref.get(key) ?? -1);
            expect(m.size).toBe(ref.size);
          });
          for (const [key, v] of ref) {
            const [k, hi, d] = key.split('/').map(Number) as [number, number, number];
            expect(m.get(k, hi, k * 65537, d)).toBe(v);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { pickEphemeralPort, portOffset } from './ports.ts';

describe('pickEphemeralPort (Linux __inet_hash_connect)', () => {
  const range = { low: 32768, high: 60999 };

  it('picks even ports in range for connect(), odd ones for bind()', () => {
    for (let seed = 0; seed < 2000; seed += 37) {
      const p = pickEphemeralPort(range, seed * 7919, 0, () => false)!;
      expect(p.port % 2).toBe(0);
      expect(p.port >= range.low && p.port <= range.high).toBe(true);
      const b = pickEphemeralPort(range, seed * 7919, 1, () => false)!;
      expect(b.port % 2).toBe(1);
    }
  });

  it('walks by two past taken ports and reports how far it went', () => {
    const first = pickEphemeralPort(range, 1000, 0, () => false)!;
    const taken = new Set([first.port, first.port + 2]);
    const next = pickEphemeralPort(range, 1000, 0, (p) => taken.has(p))!;
    expect(next.port).toBe(first.port + 4);
    expect(next.i).toBe(4);
  });

  it('wraps inside the range and falls back to the other parity when all even ports are taken', () => {
    const small = { low: 100, high: 105 };
    const p = pickEphemeralPort(small, 4, 0, (x) => x === 104)!;
    expect(p.port).toBe(100); // 104 taken, wraps to 100
    const odd = pickEphemeralPort(small, 0, 0, (x) => x % 2 === 0)!;
    expect(odd.port % 2).toBe(1);
    expect(pickEphemeralPort(small, 0, 0, () => true)).toBeNull();
  });

  it('keys the offset by destination', () => {
    expect(portOffset(1, 10, 20, 80)).toBe(portOffset(1, 10, 20, 80));
    expect(portOffset(1, 10, 20, 80)).not.toBe(portOffset(1, 10, 21, 80));
    expect(portOffset(1, 10, 20, 80)).not.toBe(portOffset(2, 10, 20, 80));
  });
});

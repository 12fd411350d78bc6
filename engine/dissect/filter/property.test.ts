/**
 * Property tests: well-formed random filters always compile and never throw when evaluated;
 * random text never throws (it is always ok or an error with a position inside the text).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Field, FieldValue } from '../types.ts';
import { compileCaptureFilter, compileDisplayFilter, FIELD_TYPES, PROTOCOL_MARKERS, type FieldType } from './index.ts';

const LITERALS: Readonly<Record<FieldType, fc.Arbitrary<string>>> = {
  bool: fc.constantFrom('0', '1', 'True', 'false'),
  u8: fc.integer({ min: 0, max: 255 }).map(String),
  u16: fc.integer({ min: 0, max: 65535 }).map((n) => (n % 2 ? String(n) : `0x${n.toString(16)}`)),
  u24: fc.integer({ min: 0, max: 0xffffff }).map(String),
  u32: fc.integer({ min: 0, max: 0xffffffff }).map(String),
  i32: fc.integer({ min: -5, max: 5000 }).map(String),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':')),
  protocol: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':')),
  ether: fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':')),
  ipv4: fc.tuple(fc.ipV4(), fc.option(fc.integer({ min: 0, max: 32 }))).map(([a, p]) => (p === null ? a : `${a}/${p}`)),
  ipv6: fc.ipV6(),
  string: fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  none: fc.constant('1'),
  framenum: fc.integer({ min: 0, max: 0xffffffff }).map(String),
  reltime: fc.double({ min: 0, max: 100, noNaN: true }).map((x) => x.toFixed(6)),
};

const FIELDS = [...FIELD_TYPES.entries()].filter(([, t]) => t !== 'none');
const OPS = ['==', '!=', '<', '>', '<=', '>=', 'eq', 'ne', 'lt', 'gt', 'le', 'ge', '~=', '==='];

const comparison: fc.Arbitrary<string> = fc.constantFrom(...FIELDS).chain(([name, type]) => fc.oneof(
  fc.tuple(fc.constantFrom(...OPS), LITERALS[type]).map(([op, lit]) => `${name} ${op} ${lit}`),
  fc.constant(name),
  type === 'bytes' || type === 'protocol' ? LITERALS.bytes.map((b) => `${name} contains ${b}`) : fc.constant(`${name} == ${name}`),
));

const displayFilter: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.constantFrom(...PROTOCOL_MARKERS.keys()),
    fc.tuple(tie('e'), fc.constantFrom(' and ', ' or ', ' && ', ' || ', ' xor '), tie('e')).map(([a, op, b]) => a + op + b),
    tie('e').map((e) => `not ${e}`),
    tie('e').map((e) => `!(${e})`),
  ),
})).e;

const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), fc.ipV4(), fc.ipV6(), fc.uint8Array({ maxLength: 8 }), fc.string({ maxLength: 6 }),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

/** A field map with random names from the registry and values of ANY type (the dissector may surprise us). */
const fieldMap = fc.array(fc.tuple(fc.constantFrom(...FIELD_TYPES.keys()), fc.array(fieldValue, { minLength: 1, maxLength: 3 })), { maxLength: 12 })
  .map((entries) => {
    const m = new Map<string, Field[]>();
    for (const [name, values] of entries) m.set(name, values.map((value) => ({ name, label: name, value, offset: 0, length: 0 })));
    return m;
  });

describe('display filters', () => {
  it('well-formed random filters compile and evaluate without throwing', () => {
    fc.assert(fc.property(displayFilter, fc.array(fieldMap, { maxLength: 4 }), (text, maps) => {
      const c = compileDisplayFilter(text);
      if (!c.ok) throw new Error(`${text}: ${c.error.message} at ${c.error.offset}`);
      for (const m of maps) expect(typeof c.filter.test(m)).toBe('boolean');
    }), { numRuns: 400 });
  });

  it('random text never throws: ok, or an error inside the text', () => {
    const alphabet = fc.constantFrom(...'ip.src tcp.port == != && || ! ( ) { } , " \\ 10.0.0.1/24 ff:ee 0x1f and or not in contains matches ~ < > = xor'.split(' '));
    const noisy = fc.oneof(fc.string({ maxLength: 40 }), fc.array(alphabet, { maxLength: 12 }).map((a) => a.join(' ')));
    fc.assert(fc.property(noisy, (text) => {
      const c = compileDisplayFilter(text);
      if (!c.ok) {
        expect(c.error.offset).toBeGreaterThanOrEqual(0);
        expect(c.error.offset + c.error.length).toBeLessThanOrEqual(text.length);
        expect(c.error.message.length).toBeGreaterThan(0);
        expect(c.error.message).not.toMatch(/^Internal error/);
      } else {
        expect(typeof c.filter.test(new Map())).toBe('boolean');
      }
    }), { numRuns: 2000 });
  });
});

const ID = fc.oneof(
  fc.ipV4(), fc.integer({ min: 0, max: 65535 }).map(String), fc.constantFrom('10.0.0.0/8', '10.1', 'fd00::1', 'fd00::/16', '80-90'),
);
const captureFilter: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('tcp', 'udp', 'icmp', 'ip', 'ip6', 'arp', 'vlan', 'icmp6', 'vlan 10'),
    fc.tuple(fc.constantFrom('', 'src ', 'dst ', 'src or dst '), fc.ipV4()).map(([d, a]) => `${d}host ${a}`),
    fc.tuple(fc.constantFrom('', 'tcp ', 'udp '), fc.constantFrom('', 'src ', 'dst '), fc.integer({ min: 0, max: 65535 })).map(([p, d, n]) => `${p}${d}port ${n}`),
    fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })).map(([a, b]) => `portrange ${a}-${b}`),
    fc.constantFrom('net 10.0.0.0/8', 'net 192.168.0.0 mask 255.255.0.0', 'net fd00::/8', 'ether host 02:00:00:00:00:01'),
    fc.tuple(tie('e'), fc.constantFrom(' and ', ' or ', ' && ', ' || '), tie('e')).map(([a, op, b]) => a + op + b),
    tie('e').map((e) => `not ${e}`),
    tie('e').map((e) => `(${e})`),
  ),
})).e;

describe('capture filters', () => {
  it('well-formed random filters compile and evaluate on random bytes without throwing', () => {
    fc.assert(fc.property(captureFilter, fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 4 }), fc.constantFrom(1, 101, 113, 276, 0), (text, frames, link) => {
      const c = compileCaptureFilter(text);
      if (!c.ok) throw new Error(`${text}: ${c.error.message}`);
      for (const f of frames) expect(typeof c.filter.test(f, link)).toBe('boolean');
    }), { numRuns: 400 });
  });

  it('inherited bare ids compile: "<primitive> or <id>"', () => {
    fc.assert(fc.property(fc.ipV4(), ID, (a, b) => {
      const c = compileCaptureFilter(`host ${a} or ${b.includes('-') ? '10.0.0.1' : b}`);
      expect(c.ok).toBe(true);
    }), { numRuns: 200 });
  });

  it('random text never throws: ok, or an error inside the text', () => {
    const alphabet = fc.constantFrom(...'host net port portrange src dst tcp udp ip ip6 arp vlan and or not mask ( ) && || ! 10.0.0.1 80 80-90 fd00:: 255.255.0.0 /24 ether'.split(' '));
    const noisy = fc.oneof(fc.string({ maxLength: 40 }), fc.array(alphabet, { maxLength: 10 }).map((a) => a.join(' ')));
    fc.assert(fc.property(noisy, (text) => {
      const c = compileCaptureFilter(text);
      if (!c.ok) {
        expect(c.error.offset).toBeGreaterThanOrEqual(0);
        expect(c.error.offset + c.error.length).toBeLessThanOrEqual(text.length);
        expect(c.error.message).not.toMatch(/^Internal error/);
      } else {
        expect(typeof c.filter.test(Uint8Array.from([1, 2, 3]), 1)).toBe('boolean');
      }
    }), { numRuns: 2000 });
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitVxlanHeader, parseVxlanHeader, VXLAN_FLAG_I, vxlanRepr, type VxlanRepr } from './vxlan.ts';
import { arbVxlan, expectTruncationsFail, hex, toHex, unwrap } from './test-util.ts';

// Azure gateway load balancer's internal tunnel (VNI 800) and external tunnel (VNI 801).
const VNI800 = hex('0800000000032000');
const VNI801 = hex('0800000000032100');

const emit = (repr: VxlanRepr): Uint8Array => {
  const b = new Uint8Array(8);
  emitVxlanHeader(repr, b, 0);
  return b;
};

describe('vxlan', () => {
  it('reads fields from known bytes', () => {
    expect(unwrap(parseVxlanHeader(VNI800))).toEqual({ flags: VXLAN_FLAG_I, vni: 800 });
    expect(unwrap(parseVxlanHeader(VNI801))).toEqual({ flags: 0x08, vni: 801 });
    expect(unwrap(parseVxlanHeader(hex('08000000ffffff00'))).vni).toBe(0xffffff);
  });

  it('builds bytes from fields', () => {
    expect(toHex(emit(vxlanRepr(800)))).toBe(toHex(VNI800));
    expect(toHex(emit(vxlanRepr(801)))).toBe(toHex(VNI801));
  });

  it('keeps reserved bits so a round trip is exact (RFC 7348: ignored on receipt)', () => {
    const odd = hex('8c123456000320ab');
    const r = unwrap(parseVxlanHeader(odd));
    expect(r).toEqual({ flags: 0x8c, vni: 800, reserved1: 0x123456, reserved2: 0xab });
    expect(toHex(emit(r))).toBe(toHex(odd));
  });

  it('parse(emit(x)) deep-equals x', () => {
    fc.assert(
      fc.property(arbVxlan, (repr) => {
        expect(unwrap(parseVxlanHeader(emit(repr)))).toEqual(repr);
      }),
    );
  });

  it('fails on every truncation, never throws', () => {
    expectTruncationsFail(VNI800, 8, parseVxlanHeader);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitEthernetHeader, ethernetHeaderLength, parseEthernetHeader, type EthernetRepr } from './ethernet.ts';
import { arbEthernet, expectTruncationsFail, hex, toHex, unwrap } from './test-util.ts';

// Start of a real frame: an IPv4 ARP request from a Linux host (broadcast).
const ARP = hex('ffffffffffff 525400123456 0806 0001');
// An 802.1Q-tagged ARP: PCP 5, DEI 1, VID 100 (TCI 0xb064).
const TAGGED = hex('ffffffffffff 001b213a4b5c 8100 b064 0806');

describe('ethernet', () => {
  it('reads fields from known bytes', () => {
    expect(unwrap(parseEthernetHeader(ARP))).toEqual({ dst: 'ff:ff:ff:ff:ff:ff', src: '52:54:00:12:34:56', ethertype: 0x0806 });
    const tagged = unwrap(parseEthernetHeader(TAGGED));
    expect(tagged).toEqual({
      dst: 'ff:ff:ff:ff:ff:ff',
      src: '00:1b:21:3a:4b:5c',
      vlan: { pcp: 5, dei: true, vid: 100 },
      ethertype: 0x0806,
    });
    expect(ethernetHeaderLength(tagged)).toBe(18);
  });

  it('builds bytes from fields', () => {
    const repr: EthernetRepr = { dst: 'ff:ff:ff:ff:ff:ff', src: '00:1B:21:3a:4b:5c', vlan: { pcp: 5, dei: true, vid: 100 }, ethertype: 0x0806 };
    const buf = new Uint8Array(18);
    emitEthernetHeader(repr, buf, 0);
    expect(toHex(buf)).toBe(toHex(TAGGED));
    const plain = new Uint8Array(16);
    emitEthernetHeader({ dst: 'ff:ff:ff:ff:ff:ff', src: '52:54:00:12:34:56', ethertype: 0x9999 }, plain, 2, 0x0806);
    expect(toHex(plain.subarray(2))).toBe('ffffffffffff5254001234560806');
  });

  it('keeps 802.3 length values and odd VLAN ids', () => {
    const r = unwrap(parseEthernetHeader(hex('0180c2000000 001122334455 0026 4242')));
    expect(r.ethertype).toBe(0x26);
    expect(unwrap(parseEthernetHeader(hex('ffffffffffff 001122334455 8100 0fff 86dd'))).vlan).toEqual({ pcp: 0, dei: false, vid: 4095 });
  });

  it('parse(emit(x)) deep-equals x', () => {
    fc.assert(
      fc.property(arbEthernet, (repr) => {
        const buf = new Uint8Array(ethernetHeaderLength(repr));
        emitEthernetHeader(repr, buf, 0);
        expect(unwrap(parseEthernetHeader(buf))).toEqual(repr);
      }),
    );
  });

  it('fails on every truncation, never throws', () => {
    expectTruncationsFail(ARP.subarray(0, 14), 14, parseEthernetHeader);
    expectTruncationsFail(TAGGED, 18, parseEthernetHeader);
    const r = parseEthernetHeader(TAGGED.subarray(0, 15));
    expect(r.ok ? null : r.error).toMatchObject({ layer: 'ethernet', offset: 14 });
  });
});

import { describe, expect, it } from 'vitest';
import { parseCooked, parseSll, parseSll2 } from './sll.ts';
import { hex } from './test-util.ts';

describe('Linux cooked headers', () => {
  it('parses a known SLL (113) header: outgoing, Ethernet, 6-byte address, IPv4', () => {
    const b = hex('0004 0001 0006 0a0b0c0d0e0f 0000 0800 45');
    const r = parseSll(b);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect({ ...r.value, address: Array.from(r.value.address) }).toEqual({
      packetType: 4,
      arphrdType: 1,
      addressLength: 6,
      address: [10, 11, 12, 13, 14, 15],
      protocol: 0x0800,
      payloadOffset: 16,
    });
    expect(b[r.value.payloadOffset]).toBe(0x45);
  });

  it('parses a known SLL2 (276) header: IPv6 on ifindex 2, sent to us', () => {
    const b = hex('86dd 0000 00000002 0001 00 06 0a0b0c0d0e0f0000 60');
    const r = parseSll2(b);
    expect(r.ok && { ...r.value, address: Array.from(r.value.address) }).toEqual({
      protocol: 0x86dd,
      interfaceIndex: 2,
      arphrdType: 1,
      packetType: 0,
      addressLength: 6,
      address: [10, 11, 12, 13, 14, 15],
      payloadOffset: 20,
    });
  });

  it('keeps an address length above 8 but views at most 8 bytes; refuses short input', () => {
    const r = parseSll(hex('0000 0001 0010 0102030405060708 0800'));
    expect(r.ok && [r.value.addressLength, r.value.address.length]).toEqual([16, 8]);
    expect(parseSll(hex('0000'))).toMatchObject({ ok: false, error: { layer: 'sll', offset: 0 } });
    expect(parseSll2(new Uint8Array(19))).toMatchObject({ ok: false, error: { layer: 'sll2' } });
    expect(parseCooked(1, new Uint8Array(20))).toBeNull();
    expect(parseCooked(113, hex('0000 0001 0006 000000000000 0000 0806'), 0)?.ok).toBe(true);
  });

  it('parses at an offset inside a larger buffer', () => {
    const b = hex('ffff 0001 0001 0006 0a0b0c0d0e0f 0000 0806');
    const r = parseSll(b, 2);
    expect(r.ok && [r.value.packetType, r.value.protocol, r.value.address[0]]).toEqual([1, 0x0806, 10]);
  });
});

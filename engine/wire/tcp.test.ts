import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIpv4 } from './addr.ts';
import { pseudoHeaderSumV4, pseudoHeaderSumV6 } from './checksum.ts';
import {
  emitTcp,
  parseTcp,
  tcpFlags,
  tcpHeaderLength,
  tcpLength,
  tcpRepr,
  type TcpRepr,
} from './tcp.ts';
import type { TcpOptions, TcpOptionSlot } from './tcp-options.ts';
import { arbIpv6Addr, arbTcp, arbTcpOptions, expectTruncationsFail, hex, toHex, u32, unwrap } from './test-util.ts';

const LO = parseIpv4('127.0.0.1')!;
const pseudo = (len: number): number => pseudoHeaderSumV4(LO, LO, 6, len);

// A real SYN from a Linux host to 127.0.0.1:45678: MSS, SACK permitted, timestamps, NOP, window
// scale (Linux's order). Captured on lo its checksum field held 0xfe30, the pseudo-header sum left
// for checksum offload; 0x00b6 is the correct value (as tshark computes).
const SYN_HEX = '89acb26e47aa8cb000000000a002ffd7' + '00b6' + '0000' + '0204ffd70402080af6e647ec000000000103030a';
const SYN = hex(SYN_HEX);
const SYN_OFFLOADED = hex(SYN_HEX.replace('00b6', 'fe30'));
// The RST+ACK the host answered with (nothing listening).
const RST = hex('b26e89ac0000000047aa8cb150140000a1570000');

const emit = (repr: TcpRepr, pseudoSum = pseudo(tcpLength(repr))): Uint8Array => {
  const buf = new Uint8Array(tcpLength(repr));
  emitTcp(repr, buf, 0, pseudoSum);
  return buf;
};

describe('tcp', () => {
  it('reads fields from known bytes', () => {
    const p = unwrap(parseTcp(SYN, pseudo(SYN.length)));
    expect(p.repr).toEqual({
      srcPort: 35244,
      dstPort: 45678,
      seq: 0x47aa8cb0,
      ack: 0,
      flags: tcpFlags({ syn: true }),
      window: 65495,
      urgentPointer: 0,
      options: { mss: 65495, sackPermitted: true, timestamps: { value: 4142286828, echo: 0 }, windowScale: 10, unknown: [] },
      payload: new Uint8Array(0),
    });
    expect(p.headerLength).toBe(40);
    expect(p.checksum).toBe(0x00b6);
    expect(p.checksumOk).toBe(true);
    expect(unwrap(parseTcp(SYN_OFFLOADED, pseudo(SYN.length))).checksumOk).toBe(false);

    const rst = unwrap(parseTcp(RST, pseudo(RST.length)));
    expect(rst.repr.flags).toEqual(tcpFlags({ rst: true, ack: true }));
    expect(rst.repr.ack).toBe(0x47aa8cb1);
    expect(rst.checksumOk).toBe(true);
  });

  it('builds the Linux SYN from a few fields', () => {
    const syn = tcpRepr({
      srcPort: 35244,
      dstPort: 45678,
      seq: 0x47aa8cb0,
      flags: tcpFlags({ syn: true }),
      window: 65495,
      options: { mss: 65495, windowScale: 10, sackPermitted: true, timestamps: { value: 4142286828, echo: 0 }, unknown: [] },
    });
    expect(toHex(emit(syn))).toBe(SYN_HEX);
    expect(toHex(emit(tcpRepr({ srcPort: 45678, dstPort: 35244, ack: 0x47aa8cb1, window: 0, flags: tcpFlags({ rst: true, ack: true }) })))).toBe(toHex(RST));
  });

  it('keeps an unusual option order byte for byte', () => {
    // A macOS-style SYN (MSS, NOP, WS, NOP, NOP, timestamps, SACK-permitted), then a TFO cookie
    // (34) and an MSS repeated with a wrong length, which must stay an unknown option.
    const options = '020405b4' + '01030306' + '0101' + '080a1122334400000000' + '0402' + '2206aabbccdd' + '020300' + '00';
    const seg = hex('0050c0de000000010000000080025b40' + '0000' + '0000' + options);
    seg[12] = ((20 + options.length / 2) / 4) << 4;
    seg[13] = 0x02;
    const p = unwrap(parseTcp(seg, 0));
    expect(p.repr.options).toEqual({
      mss: 1460,
      windowScale: 6,
      timestamps: { value: 0x11223344, echo: 0 },
      sackPermitted: true,
      unknown: [{ kind: 34, data: hex('aabbccdd') }, { kind: 2, data: hex('00') }],
      layout: ['mss', 'nop', 'windowScale', 'nop', 'nop', 'timestamps', 'sackPermitted', 'unknown', 'unknown', 'eol'],
    });
    const again = emit(p.repr, 0);
    again.set(seg.subarray(16, 18), 16); // checksum aside: the input carried none
    expect(toHex(again)).toBe(toHex(seg));
  });

  it('writes the default order without a layout, and the layout when given', () => {
    const o: TcpOptions = { mss: 1460, windowScale: 7, sackPermitted: true, unknown: [] };
    const plain = emit(tcpRepr({ srcPort: 1, dstPort: 2, options: o }));
    expect(toHex(plain.subarray(20))).toBe('020405b4' + '01030307' + '01010402');
    const given = emit(tcpRepr({ srcPort: 1, dstPort: 2, options: { ...o, layout: ['sackPermitted', 'windowScale', 'mss'] } }));
    expect(toHex(given.subarray(20))).toBe('0402' + '030307' + '020405b4' + '000000');
    // Something the layout forgets is still written, after it.
    const forgot = emit(tcpRepr({ srcPort: 1, dstPort: 2, options: { ...o, layout: ['windowScale', 'nop'] } }));
    expect(toHex(forgot.subarray(20))).toBe('030307' + '01' + '020405b4' + '0402' + '0000');
  });

  it('drops options that cannot fit in 40 bytes rather than corrupt the header', () => {
    const unknown = [1, 2, 3, 4].map((i) => ({ kind: 200 + i, data: new Uint8Array(10) }));
    const repr = tcpRepr({ srcPort: 1, dstPort: 2, options: { mss: 1460, unknown } });
    expect(tcpHeaderLength(repr)).toBe(60);
    const p = unwrap(parseTcp(emit(repr), pseudo(tcpLength(repr))));
    expect(p.repr.options.unknown.map((u) => u.kind)).toEqual([201, 202, 203]);
    expect(p.checksumOk).toBe(true);
  });

  it('parse(emit(x)) deep-equals x', () => {
    fc.assert(
      fc.property(arbTcp, (repr) => {
        const p = unwrap(parseTcp(emit(repr), pseudo(tcpLength(repr))));
        expect(p.repr).toEqual(repr);
        expect(p.checksumOk).toBe(true);
      }),
    );
  });

  it('checksums with the IPv6 pseudo header', () => {
    fc.assert(
      fc.property(arbTcp, arbIpv6Addr, arbIpv6Addr, (repr, src, dst) => {
        const sum = pseudoHeaderSumV6(src, dst, 6, tcpLength(repr));
        const b = emit(repr, sum);
        expect(unwrap(parseTcp(b, sum)).checksumOk).toBe(true);
        expect(unwrap(parseTcp(b, pseudoHeaderSumV6(dst, src, 6, b.length + 2))).checksumOk).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('any layout re-emits byte for byte after parse', () => {
    const slot = fc.constantFrom<TcpOptionSlot>('nop', 'mss', 'windowScale', 'sackPermitted', 'sack', 'timestamps', 'unknown', 'eol');
    fc.assert(
      fc.property(arbTcp, fc.array(slot, { maxLength: 12 }), (repr, layout) => {
        const x = { ...repr, options: { ...repr.options, layout } };
        const once = emit(x);
        const back = unwrap(parseTcp(once, pseudo(once.length))).repr;
        expect(toHex(emit(back))).toBe(toHex(once));
      }),
    );
  });

  it('well-formed option bytes of any kind re-emit byte for byte', () => {
    const item = fc.oneof(
      fc.constant(Uint8Array.of(1)),
      fc.record({ kind: fc.integer({ min: 2, max: 255 }), data: fc.uint8Array({ maxLength: 10 }) }).map(({ kind, data }) =>
        Uint8Array.of(kind, data.length + 2, ...data),
      ),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), u32, (items, seq) => {
        const raw = items.flatMap((i) => [...i]);
        fc.pre(raw.length <= 40);
        const optLen = (raw.length + 3) & ~3;
        const seg = new Uint8Array(20 + optLen);
        seg.set(raw, 20);
        seg[12] = ((20 + optLen) / 4) << 4;
        seg[7] = seq & 0xff;
        const p = unwrap(parseTcp(seg, 0));
        const again = emit(p.repr, 0);
        again.set(seg.subarray(16, 18), 16);
        expect(toHex(again)).toBe(toHex(seg));
      }),
    );
  });

  it('a corrupted byte flips checksumOk', () => {
    for (let i = 0; i < SYN.length; i++) {
      if (i === 12) continue; // data offset is validated before the checksum
      const b = SYN.slice();
      b[i]! ^= 0x20;
      const r = parseTcp(b, pseudo(b.length));
      if (r.ok) expect(r.value.checksumOk, `byte ${i}`).toBe(false);
      else expect(r.error.layer).toBe('tcp'); // an option length became malformed
    }
  });

  it('refuses malformed headers and options with the offset', () => {
    const err = (b: Uint8Array) => {
      const r = parseTcp(b, 0);
      return r.ok ? null : r.error;
    };
    const small = SYN.slice();
    small[12] = 0x40;
    expect(err(small)).toMatchObject({ layer: 'tcp', offset: 12 });
    const big = SYN.slice();
    big[12] = 0xf0;
    expect(err(big)).toMatchObject({ offset: 12 });
    const zeroLen = SYN.slice();
    zeroLen[21] = 0;
    expect(err(zeroLen)).toMatchObject({ offset: 21 });
    const overrun = SYN.slice();
    overrun[38] = 4; // window scale claims 4 bytes, 3 are left
    expect(err(overrun)).toMatchObject({ offset: 38 });
    const noLen = hex('00010002000000000000000060020000000000000101' + '0103');
    noLen[22] = 0x01;
    noLen[23] = 0x03;
    expect(err(noLen)).toMatchObject({ offset: 23 });
  });

  it('fails on every truncation of the header, never throws', () => {
    expectTruncationsFail(SYN, SYN.length, (b) => parseTcp(b, 0));
    expectTruncationsFail(RST, RST.length, (b) => parseTcp(b, 0));
  });

  it('options arbitrary covers what the default layout can hold', () => {
    fc.assert(
      fc.property(arbTcpOptions, (o) => {
        expect(tcpHeaderLength(tcpRepr({ srcPort: 0, dstPort: 0, options: o }))).toBeLessThanOrEqual(60);
      }),
      { numRuns: 50 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readCapture } from './reader.ts';
import { PcapngWriter, PcapWriter, writePcap, writePcapng } from './writer.ts';
import { hex, udpFrame } from './test-util.ts';
import type { WriteFrame } from './types.ts';

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const D4 = hex('deadbeef');

describe('PcapWriter', () => {
  it('writes the known header and record bytes, µs and ns, both byte orders', () => {
    const f: WriteFrame = { tsSec: 1700000000, tsNsec: 123456789, data: D4, originalLength: 60 };
    expect(toHex(writePcap([f], { linkType: 1, snaplen: 65535 }))).toBe(
      'd4c3b2a1020004000000000000000000ffff00000100000000f1536540e20100040000003c000000deadbeef',
    );
    expect(toHex(writePcap([f], { linkType: 1, snaplen: 65535, nanosecond: true, bigEndian: true }))).toBe(
      'a1b23c4d0002000400000000000000000000ffff000000016553f100075bcd15000000040000003cdeadbeef',
    );
  });

  it('truncates to the snaplen and keeps the original length', () => {
    const w = new PcapWriter({ linkType: 1, snaplen: 2 });
    const rec = w.frame({ tsSec: 1, tsNsec: 0, data: D4 });
    expect(toHex(rec)).toBe('01000000000000000200000004000000dead');
  });

  it('throws RangeError on values a file cannot hold', () => {
    const w = new PcapWriter({ linkType: 1 });
    expect(() => w.frame({ tsSec: -1, tsNsec: 0, data: D4 })).toThrow(RangeError);
    expect(() => w.frame({ tsSec: 2 ** 32, tsNsec: 0, data: D4 })).toThrow(RangeError);
    expect(() => w.frame({ tsSec: 0, tsNsec: 1e9, data: D4 })).toThrow(RangeError);
    expect(() => w.frame({ tsSec: 0, tsNsec: 0, data: D4, originalLength: 3 })).toThrow(RangeError);
    expect(() => new PcapWriter({ linkType: 1, snaplen: 0 })).toThrow(RangeError);
    expect(() => new PcapWriter({ linkType: 70000 })).toThrow(RangeError);
  });
});

describe('PcapngWriter', () => {
  it('writes known SHB, IDB and EPB bytes with options padded to 4', () => {
    const w = new PcapngWriter([{ linkType: 1, name: 'eth0', snaplen: 65535, tsResolutionNs: 1 }], { userAppl: 'np' });
    expect(toHex(w.header())).toBe(
      // SHB: magic, major 1, minor 0, section length -1, shb_userappl "np" (padded), end of options.
      '0a0d0d0a28000000' + '4d3c2b1a' + '01000000' + 'ffffffffffffffff' + '04000200' + '6e700000' + '00000000' + '28000000' +
        // IDB: linktype 1, snaplen 65535, if_name "eth0", if_tsresol 9 (padded), end.
        '0100000028000000' + '01000000' + 'ffff0000' + '0200040065746830' + '0900010009000000' + '00000000' + '28000000',
    );
    expect(toHex(w.frame({ tsSec: 1700000000, tsNsec: 123456789, data: hex('0102030405'), originalLength: 60, comment: 'hé' }))).toBe(
      '0600000034000000' + '00000000' + 'fe9c9717' + '15cd853d' + '05000000' + '3c000000' + '0102030405000000' + '01000300' + '68c3a900' + '00000000' + '34000000',
    );
  });

  it('writes big-endian sections', () => {
    const w = new PcapngWriter([{ linkType: 101 }], { bigEndian: true });
    expect(toHex(w.header())).toBe('0a0d0d0a0000001c1a2b3c4d00010000ffffffffffffffff0000001c' + '00000001000000140065000000040000' + '00000014');
    expect(toHex(w.frame({ tsSec: 0, tsNsec: 1000, data: new Uint8Array(0) }))).toBe('000000060000002000000000000000000000000100000000000000000000' + '0020');
  });

  it('throws RangeError on an unknown interface or resolution', () => {
    expect(() => new PcapngWriter([{ linkType: 1 }]).frame({ tsSec: 0, tsNsec: 0, data: D4, interfaceId: 1 })).toThrow(RangeError);
    expect(() => new PcapngWriter([{ linkType: 1, tsResolutionNs: 3 }])).toThrow(RangeError);
  });
});

describe('round trips', () => {
  const frameArb = fc.record({
    tsSec: fc.integer({ min: 0, max: 0xffffffff }),
    tsNsec: fc.integer({ min: 0, max: 999_999_999 }),
    data: fc.uint8Array({ maxLength: 200 }),
    extra: fc.integer({ min: 0, max: 1000 }),
    interfaceId: fc.integer({ min: 0, max: 2 }),
    comment: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  });

  it('pcap (µs/ns, both byte orders): write then read gives the frames back', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 20 }), fc.boolean(), fc.boolean(), (frames, nano, be) => {
        const bytes = writePcap(
          frames.map((f) => ({ tsSec: f.tsSec, tsNsec: f.tsNsec, data: f.data, originalLength: f.data.length + f.extra })),
          { linkType: 1, nanosecond: nano, bigEndian: be },
        );
        const r = readCapture(bytes);
        expect(r.error).toBeNull();
        expect(r.frames.map((f) => [f.tsSec, f.tsNsec, f.originalLength, Array.from(f.data)])).toEqual(
          frames.map((f) => [f.tsSec, nano ? f.tsNsec : Math.floor(f.tsNsec / 1000) * 1000, f.data.length + f.extra, Array.from(f.data)]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('pcapng (3 interfaces, comments, both byte orders): write then read gives the frames back', () => {
    const res = [1, 1000, 1e6];
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 20 }), fc.boolean(), (frames, be) => {
        const ifaces = [
          { linkType: 1, name: 'eth0', tsResolutionNs: 1 },
          { linkType: 101, name: 'tun0' },
          { linkType: 113, snaplen: 100, tsResolutionNs: 1e6 },
        ];
        const bytes = writePcapng(ifaces, frames, { bigEndian: be, userAppl: 'netplay test' });
        const r = readCapture(bytes);
        expect(r.error).toBeNull();
        expect(r.interfaces.map((i) => [i.linkType, i.name, i.tsResolutionNs, i.snaplen])).toEqual([
          [1, 'eth0', 1, 262144],
          [101, 'tun0', 1000, 262144],
          [113, undefined, 1e6, 100],
        ]);
        expect(r.frames.map((f) => [f.interfaceId, f.linkType, f.tsSec, f.tsNsec, f.originalLength, Array.from(f.data), f.comment])).toEqual(
          frames.map((f) => {
            const step = res[f.interfaceId]!;
            const cap = f.interfaceId === 2 ? Math.min(100, f.data.length) : f.data.length;
            return [f.interfaceId, ifaces[f.interfaceId]!.linkType, f.tsSec, Math.floor(f.tsNsec / step) * step, f.data.length, Array.from(f.data.subarray(0, cap)), f.comment];
          }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('keeps 64-bit nanosecond timestamps exact far beyond 2^53 ticks', () => {
    const f = { tsSec: 2 ** 34 - 1, tsNsec: 999_999_999, data: udpFrame() };
    const r = readCapture(writePcapng([{ linkType: 1, tsResolutionNs: 1 }], [f]));
    expect([r.frames[0]!.tsSec, r.frames[0]!.tsNsec]).toEqual([2 ** 34 - 1, 999_999_999]);
  });
});

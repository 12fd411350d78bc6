/**
 * Known bytes for every record and block type. The hex was produced with Python's struct module
 * (an implementation independent of ours) and checked against tshark 4.0.
 */
import { describe, expect, it } from 'vitest';
import { CaptureReader, interfaceOf, readCapture } from './reader.ts';
import { hex, KNOWN_PCAPNG as NG } from './test-util.ts';

const PCAP = {
  leUs: 'd4c3b2a1020004000000000000000000ffff00000100000000f1536540e20100040000003c000000deadbeef01f15365000000000000000000000000',
  leNs: '4d3cb2a1020004000000000000000000ffff00000100000000f1536515cd5b07040000003c000000deadbeef01f15365000000000000000000000000',
  beUs: 'a1b2c3d40002000400000000000000000000ffff000000016553f1000001e240000000040000003cdeadbeef6553f101000000000000000000000000',
  beNs: 'a1b23c4d0002000400000000000000000000ffff000000016553f100075bcd15000000040000003cdeadbeef6553f101000000000000000000000000',
};

describe('classic pcap', () => {
  for (const [name, bytes, nano] of [
    ['little-endian µs', PCAP.leUs, false],
    ['little-endian ns', PCAP.leNs, true],
    ['big-endian µs', PCAP.beUs, false],
    ['big-endian ns', PCAP.beNs, true],
  ] as const) {
    it(`reads ${name}`, () => {
      const r = readCapture(hex(bytes));
      expect(r.error).toBeNull();
      expect(r.format).toBe('pcap');
      expect(r.interfaces).toEqual([{ linkType: 1, snaplen: 65535, tsResolutionNs: nano ? 1 : 1000, section: 0 }]);
      expect(r.frames).toHaveLength(2);
      const [a, b] = r.frames;
      expect(a).toMatchObject({ index: 0, interfaceId: 0, linkType: 1, tsSec: 1700000000, tsNsec: nano ? 123456789 : 123456000, capturedLength: 4, originalLength: 60, fileOffset: 24 });
      expect(Array.from(a!.data)).toEqual([0xde, 0xad, 0xbe, 0xef]);
      expect(a!.comment).toBeUndefined();
      // A zero-length record is legal.
      expect(b).toMatchObject({ index: 1, tsSec: 1700000001, tsNsec: 0, capturedLength: 0, originalLength: 0, fileOffset: 44 });
      expect(b!.data.length).toBe(0);
    });
  }

  it('keeps only the low 16 bits of the link-type field (the upper bits carry FCS information)', () => {
    const bytes = hex(PCAP.leUs);
    bytes[23] = 0x10; // FCS-length bits set
    expect(readCapture(bytes).frames[0]!.linkType).toBe(1);
  });

  it('refuses a captured length above the snaplen, naming the byte offset', () => {
    const bytes = hex(PCAP.leUs);
    new DataView(bytes.buffer).setUint32(44 + 8, 70000, true);
    const r = readCapture(bytes);
    expect(r.frames).toHaveLength(1);
    expect(r.error).toEqual({ code: 'bad-length', offset: 44, message: 'record at byte 44 claims 70000 captured bytes, more than the snaplen 65535' });
  });

  it('refuses a captured length above 256 KiB even with snaplen 0', () => {
    const bytes = hex(PCAP.beUs);
    new DataView(bytes.buffer).setUint32(16, 0, false);
    new DataView(bytes.buffer).setUint32(24 + 8, 300000, false);
    const r = readCapture(bytes);
    expect(r.frames).toHaveLength(0);
    expect(r.error?.code).toBe('bad-length');
    expect(r.error?.message).toContain('262144');
  });

  it('names an unsupported version', () => {
    const bytes = hex(PCAP.leUs);
    bytes[4] = 3;
    expect(readCapture(bytes).error).toMatchObject({ code: 'unsupported-version', offset: 0 });
  });

  it('explains a bad magic, a gzip file and an empty file', () => {
    expect(readCapture(hex('00112233445566778899')).error).toMatchObject({ code: 'bad-magic', offset: 0 });
    expect(readCapture(hex('1f8b0800000000000003')).error?.message).toContain('gzip');
    expect(readCapture(hex('34cdb2a10200040000')).error?.message).toContain('Kuznetsov');
    expect(readCapture(new Uint8Array(0)).error).toEqual({ code: 'truncated-header', offset: 0, message: 'the file is empty' });
    expect(readCapture(hex('d4c3b2a10200')).error).toMatchObject({ code: 'truncated-header', offset: 0 });
  });

  it('reports a record cut short after the frames before it', () => {
    const bytes = hex(PCAP.leUs).subarray(0, 44 + 10);
    const r = readCapture(bytes);
    expect(r.frames).toHaveLength(1);
    expect(r.error).toEqual({ code: 'truncated-record', offset: 44, message: 'the file ends 10 bytes into the record at byte 44, before its header' });
  });
});

describe('pcapng', () => {
  it('reads every block type, two sections of opposite byte order, skipping unknown blocks and options', () => {
    const r = readCapture(hex(NG));
    expect(r.error).toBeNull();
    expect(r.format).toBe('pcapng');
    expect(r.interfaces).toEqual([
      { linkType: 1, snaplen: 65535, name: 'eth0', description: 'uplink', tsResolutionNs: 1, section: 0 },
      { linkType: 101, snaplen: 0, tsResolutionNs: 1e9 / 1024, section: 1 },
    ]);
    const rows = r.frames.map(({ data, ...f }) => ({ ...f, bytes: Array.from(data) }));
    expect(rows).toEqual([
      { index: 0, interfaceId: 0, section: 0, linkType: 1, tsSec: 1700000000, tsNsec: 123456789, capturedLength: 5, originalLength: 60, fileOffset: 124, comment: 'héllo', bytes: [1, 2, 3, 4, 5] },
      // SPB: no timestamp (0), interface 0, original length from the block.
      { index: 1, interfaceId: 0, section: 0, linkType: 1, tsSec: 0, tsNsec: 0, capturedLength: 4, originalLength: 4, fileOffset: 188, bytes: [0xde, 0xad, 0xbe, 0xef] },
      // Obsolete packet block (type 2): u16 interface id and drops count.
      { index: 2, interfaceId: 0, section: 0, linkType: 1, tsSec: 1700000001, tsNsec: 2, capturedLength: 4, originalLength: 4, fileOffset: 252, comment: 'old', bytes: [0xde, 0xad, 0xbe, 0xef] },
      // Second section restarts interface numbering; 2^-10 s ticks.
      { index: 3, interfaceId: 0, section: 1, linkType: 101, tsSec: 1700000002, tsNsec: 500000000, capturedLength: 5, originalLength: 5, fileOffset: 360, bytes: [1, 2, 3, 4, 5] },
    ]);
    expect(interfaceOf(r.interfaces, r.frames[3]!)?.linkType).toBe(101);
    expect(interfaceOf(r.interfaces, r.frames[0]!)?.name).toBe('eth0');
  });

  it('converts every if_tsresol variant and applies if_tsoffset', () => {
    const RES =
      '0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c0000000100000020000000010000000000000009000100030000000000000020000000010000001400000001000000000000001400000001000000200000000100000000000000090001000c00000000000000200000000100000020000000010000000000000009000100940000000000000020000000010000002400000001000000000000000e0008006400000000000000000000002400000001000000200000000100000000000000090001000000000000000000200000000600000024000000000000008b0100007b68e5cf0400000004000000deadbeef24000000060000002400000001000000240a0600402220180400000004000000deadbeef24000000060000002400000002000000c10d0000140a45340400000004000000deadbeef240000000600000024000000030000003f550600000008100400000004000000deadbeef2400000006000000240000000400000000000000414b4c000400000004000000deadbeef240000000600000024000000050000000000000000f153650400000004000000deadbeef24000000';
    const r = readCapture(hex(RES));
    expect(r.error).toBeNull();
    expect(r.interfaces.map((i) => i.tsResolutionNs)).toEqual([1e6, 1000, 0.001, 1e9 / 2 ** 20, 1000, 1e9]);
    expect(r.interfaces[4]!.tsOffsetSec).toBe(100);
    expect(r.frames.map((f) => [f.interfaceId, f.tsSec, f.tsNsec])).toEqual([
      [0, 1700000000, 123000000], // 10^-3
      [1, 1700000000, 123456000], // absent: 10^-6
      [2, 15, 123456789], // 10^-12 (tshark 4.0 shows 15.012776324 here; 15123456789012 ps is 15.123456789012 s)
      [3, 1700000000, 500000000], // 2^-20
      [4, 105, 1000], // µs plus if_tsoffset 100 s
      [5, 1700000000, 0], // 10^0
    ]);
  });

  it('takes an SPB captured length from the snaplen of interface 0 (big-endian section)', () => {
    const SPB =
      '0a0d0d0a0000001c1a2b3c4d00010000ffffffffffffffff0000001c000000010000001400010000000000040000001400000003000000140000003cdeadbeef000000140000000300000014000000030708090000000014';
    const r = readCapture(hex(SPB));
    expect(r.error).toBeNull();
    expect(r.frames.map((f) => [f.capturedLength, f.originalLength, Array.from(f.data)])).toEqual([
      [4, 60, [0xde, 0xad, 0xbe, 0xef]],
      [3, 3, [7, 8, 9]],
    ]);
  });

  it('names a packet block whose interface was never described', () => {
    const NOIF = '0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c00000006000000240000000000000000000000000000000400000004000000deadbeef24000000';
    expect(readCapture(hex(NOIF)).error).toEqual({
      code: 'unknown-interface',
      offset: 28,
      message: 'enhanced packet block at byte 28 names interface 0, but its section describes no interfaces',
    });
  });

  it('refuses block lengths that are too short, unaligned, oversized or disagree with the trailer', () => {
    const base = hex(NG);
    const at = (mutate: (dv: DataView) => void) => {
      const b = base.slice();
      mutate(new DataView(b.buffer));
      return readCapture(b);
    };
    let r = at((dv) => dv.setUint32(124 + 4, 30, true));
    expect(r.error).toMatchObject({ code: 'bad-block', offset: 124 });
    expect(r.error?.message).toBe('enhanced packet block at byte 124 has length 30, shorter than the 32 bytes such a block needs');
    r = at((dv) => dv.setUint32(124 + 4, 66, true));
    expect(r.error?.message).toContain('not a multiple of 4');
    r = at((dv) => dv.setUint32(124 + 4, 0x7ffffffc, true));
    expect(r.error?.message).toContain('more than the 16777216');
    r = at((dv) => dv.setUint32(124 + 60, 68, true));
    expect(r.error).toEqual({ code: 'bad-block', offset: 124, message: 'enhanced packet block at byte 124 has length 64 at its start but 68 at its end' });
    r = at((dv) => dv.setUint32(124 + 20, 40, true));
    expect(r.error).toEqual({ code: 'bad-length', offset: 124, message: 'enhanced packet block at byte 124 claims 40 captured bytes, but only 32 fit in the block' });
    expect(r.frames).toHaveLength(0);
    r = at((dv) => dv.setUint32(8, 0x11223344, true));
    expect(r.error).toMatchObject({ code: 'bad-magic', offset: 0 });
    r = at((dv) => dv.setUint16(300 + 12, 2, false));
    expect(r.error).toMatchObject({ code: 'unsupported-version', offset: 300 });
    expect(r.frames).toHaveLength(3);
  });

  it('calls a garbled byte-order magic in a later section a bad block, not a bad magic', () => {
    const b = hex(NG);
    // A second SHB whose byte-order magic is garbage, mid-file: bad-block, not bad-magic.
    new DataView(b.buffer).setUint32(300 + 8, 0xdeadbeef, true);
    expect(readCapture(b).error).toMatchObject({ code: 'bad-block', offset: 300 });
  });

  it('copies frames on request, and views the pushed chunk otherwise', () => {
    const bytes = hex(NG);
    const viewing = new CaptureReader().push(bytes);
    const copying = new CaptureReader({ copyFrames: true }).push(bytes);
    expect(viewing[0]!.data.buffer).toBe(bytes.buffer);
    expect(copying[0]!.data.buffer).not.toBe(bytes.buffer);
    bytes[124 + 28] = 0x99;
    expect(viewing[0]!.data[0]).toBe(0x99);
    expect(copying[0]!.data[0]).toBe(1);
  });

  it('reports bytesConsumed, stops after an error and after end()', () => {
    const bytes = hex(NG);
    const r = new CaptureReader();
    expect(r.format).toBeNull();
    r.push(bytes.subarray(0, 130));
    expect(r.format).toBe('pcapng');
    expect(r.bytesConsumed).toBe(124);
    expect(r.push(bytes.subarray(130))).toHaveLength(4);
    expect(r.bytesConsumed).toBe(bytes.length);
    expect(r.end()).toBeNull();
    expect(r.push(bytes)).toEqual([]);
  });
});

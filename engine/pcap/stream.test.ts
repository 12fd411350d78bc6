/**
 * Incremental reading: any chunking gives the same result as one buffer; a file cut at any byte
 * gives the frames before the cut and a typed error; random and mutated bytes never throw.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { indexCapture, indexEntry } from './capture-index.ts';
import { CaptureReader, readCapture } from './reader.ts';
import { writePcap, writePcapng } from './writer.ts';
import { chunked, hex, KNOWN_PCAPNG, plain, udpFrame } from './test-util.ts';
import type { CaptureFrame, PcapError } from './types.ts';

const frames = Array.from({ length: 6 }, (_, i) => ({
  tsSec: 1700000000 + i,
  tsNsec: i * 1111,
  data: udpFrame({ payload: new Uint8Array(i * 7).fill(i), srcPort: 40000 + i }),
  interfaceId: i % 2,
  comment: i % 3 === 0 ? `frame ${i}` : undefined,
}));

const SAMPLES: Record<string, Uint8Array> = {
  known: hex(KNOWN_PCAPNG),
  pcapUs: writePcap(frames, { linkType: 1 }),
  pcapNsBe: writePcap(frames, { linkType: 1, nanosecond: true, bigEndian: true }),
  pcapng: writePcapng([{ linkType: 1, name: 'a' }, { linkType: 1, tsResolutionNs: 1 }], frames, { userAppl: 'x' }),
  pcapngBe: writePcapng([{ linkType: 1 }, { linkType: 101, snaplen: 50 }], frames, { bigEndian: true }),
};

function readChunked(chunks: Uint8Array[]): { frames: CaptureFrame[]; error: PcapError | null; consumed: number } {
  const r = new CaptureReader();
  const out: CaptureFrame[] = [];
  for (const c of chunks) out.push(...r.push(c));
  const error = r.end();
  return { frames: out, error, consumed: r.bytesConsumed };
}

describe('chunked reading', () => {
  for (const [name, bytes] of Object.entries(SAMPLES)) {
    it(`${name}: random chunk sizes give the same frames, interfaces and index as one buffer`, () => {
      const whole = readCapture(bytes);
      expect(whole.error).toBeNull();
      const wholeIndex = indexCapture([bytes]);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }), (sizes) => {
          const chunks = chunked(bytes, sizes);
          const got = readChunked(chunks);
          expect(got.error).toBeNull();
          expect(got.frames.map(plain)).toEqual(whole.frames.map(plain));
          const idx = indexCapture(chunks);
          expect(idx.count).toBe(wholeIndex.count);
          expect(Array.from({ length: idx.count }, (_, i) => indexEntry(idx, i))).toEqual(Array.from({ length: idx.count }, (_, i) => indexEntry(wholeIndex, i)));
        }),
        { numRuns: 150 },
      );
    });
  }

  it('one byte at a time works too, and the index points at the frame bytes', () => {
    const bytes = SAMPLES.pcapng!;
    const got = readChunked(chunked(bytes, [1]));
    const whole = readCapture(bytes);
    expect(got.frames.map(plain)).toEqual(whole.frames.map(plain));
    const idx = indexCapture(chunked(bytes, [1]));
    for (let i = 0; i < idx.count; i++) {
      const e = indexEntry(idx, i)!;
      expect(bytes.subarray(e.dataOffset, e.dataOffset + e.capturedLength)).toEqual(whole.frames[i]!.data);
      expect(e.fileOffset).toBe(whole.frames[i]!.fileOffset);
    }
    expect(indexEntry(idx, idx.count)).toBeUndefined();
  });
});

describe('truncation at every byte offset', () => {
  for (const [name, bytes] of Object.entries(SAMPLES)) {
    it(`${name}: frames before the cut, then a truncation error (or none at a record boundary)`, () => {
      const full = readCapture(bytes).frames.map(plain);
      let last = 0;
      for (let n = 0; n <= bytes.length; n++) {
        const cut = bytes.subarray(0, n);
        const r = readCapture(cut);
        const got = r.frames.map(plain);
        expect(got).toEqual(full.slice(0, got.length));
        expect(got.length).toBeGreaterThanOrEqual(last);
        last = got.length;
        const reader = new CaptureReader();
        reader.push(cut);
        const err = reader.end();
        expect(err).toEqual(r.error);
        if (err === null) expect(reader.bytesConsumed).toBe(n);
        else {
          expect(['truncated-header', 'truncated-record']).toContain(err.code);
          expect(err.offset).toBe(n === 0 ? 0 : reader.bytesConsumed);
          expect(err.message.length).toBeGreaterThan(10);
        }
      }
      expect(last).toBe(full.length);
    });
  }
});

describe('fuzz: never throws, always terminates, chunking never changes the answer', () => {
  const check = (bytes: Uint8Array, sizes: number[]): void => {
    const whole = readCapture(bytes);
    const got = readChunked(chunked(bytes, sizes));
    expect(got.frames.map(plain)).toEqual(whole.frames.map(plain));
    expect(got.error).toEqual(whole.error);
    const idx = indexCapture(chunked(bytes, sizes));
    expect(idx.count).toBe(whole.frames.length);
    expect(idx.error).toEqual(whole.error);
    for (const f of whole.frames) expect(f.data.length).toBe(f.capturedLength);
  };

  it('random bytes behind each magic', () => {
    const magics = [hex('d4c3b2a1'), hex('a1b2c3d4'), hex('4d3cb2a1'), hex('0a0d0d0a'), new Uint8Array(0)];
    fc.assert(
      fc.property(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 400 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }), (magic, rest, sizes) => {
        const bytes = new Uint8Array(magic.length + rest.length);
        bytes.set(magic);
        bytes.set(rest, magic.length);
        check(bytes, sizes);
      }),
      { numRuns: 1500 },
    );
  });

  it('mutated valid files (byte flips, cuts, splices)', () => {
    const samples = Object.values(SAMPLES);
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 }),
        (sample, flips, cut, sizes) => {
          const bytes = sample.slice();
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          check(bytes, sizes);
          check(bytes.subarray(0, cut % (bytes.length + 1)), sizes);
          const start = cut % bytes.length;
          check(new Uint8Array([...bytes.subarray(0, start), ...bytes.subarray(start + 4)]), sizes);
        },
      ),
      { numRuns: 2500 },
    );
  });

  it('a block claiming 16 MiB waits for its bytes one at a time, then reports the cut', () => {
    const b = hex(KNOWN_PCAPNG).slice(0, 124 + 12);
    new DataView(b.buffer).setUint32(124 + 4, 16 * 1024 * 1024, true);
    const r = new CaptureReader();
    r.push(b);
    for (let i = 0; i < 1000; i++) r.push(new Uint8Array(1));
    expect(r.bytesConsumed).toBe(124);
    expect(r.end()).toMatchObject({ code: 'truncated-record', offset: 124 });
  });
});

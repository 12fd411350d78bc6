/**
 * Fuzzing the capture facade (reader + index + dissector + filter + export, as the panel drives
 * them): thousands of random and mutated files. Whatever the bytes, opening never throws, every
 * result is frames plus at most one fault (with a byte offset inside the file), every frame's rows
 * and details come out, and the work loop ends. Seeds are fixed so a failure reproduces.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureView } from './capture-api.ts';

const FIX = new URL('./dissect/fixtures/', import.meta.url);
const PFIX = new URL('./pcap/fixtures/', import.meta.url);
const seeds: Uint8Array[] = [
  ...['underlay.pcap', 'vx800.pcap', 'any-sll.pcap', 'any-sll2.pcap', 'raw.pcap'].map((n) => new Uint8Array(readFileSync(new URL(n, FIX)))),
  new Uint8Array(readFileSync(new URL('editcap-veth-us.pcapng', PFIX))),
].map((b) => b.subarray(0, 6000));

/** Opens, walks every frame and runs a filter to the end; returns what a person would see. */
function exercise(bytes: Uint8Array): { frames: number; faultAt: number | null } {
  const v = CaptureView.fromFile('fuzz', bytes, { decodeAs: ['udp.port==10800,vxlan'] });
  const meta = v.info();
  const frames = meta.frames;
  let guard = 0;
  while (v.work(() => true)) if (++guard > 100_000) throw new Error('work does not end');
  const page = v.rows(0, 500);
  expect(page.rows.length).toBe(Math.min(500, frames));
  for (const r of page.rows.slice(0, 40)) {
    const d = v.details(r.index);
    expect(d).not.toBeNull();
    for (const l of d!.layers) expect(l.offset + l.length).toBeLessThanOrEqual(d!.bytes.length);
  }
  v.setFilter('tcp || vxlan.vni == 800 || ip.ttl < 5');
  guard = 0;
  while (v.work(() => true)) if (++guard > 100_000) throw new Error('filter does not end');
  // Export writes what it can represent; a timestamp beyond the format's range is refused with why.
  const ex = v.export('pcapng', false);
  if (!ex.ok) expect(ex.message).toMatch(/timestamp/);
  return { frames, faultAt: meta.fault ? meta.fault.offset : null };
}

function mutate(seed: Uint8Array, edits: { at: number; byte: number }[], cut: number): Uint8Array {
  const b = seed.slice(0, Math.max(0, Math.min(seed.length, cut)));
  for (const e of edits) if (b.length) b[e.at % b.length] = e.byte;
  return b;
}

describe('capture facade fuzz', () => {
  it('random bytes: no exception, frames plus an error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = exercise(bytes);
        if (r.faultAt !== null) expect(r.faultAt).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 1500, seed: 4242 },
    );
  });

  it('random bytes behind a valid pcap or pcapng header', () => {
    const heads = [seeds[0]!.subarray(0, 24), seeds[5]!.subarray(0, 120)];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.uint8Array({ maxLength: 800 }), (h, tail) => {
        const b = new Uint8Array(heads[h]!.length + tail.length);
        b.set(heads[h]!);
        b.set(tail, heads[h]!.length);
        exercise(b);
      }),
      { numRuns: 1000, seed: 77 },
    );
  });

  it('mutated and truncated real captures keep every frame before the fault', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 12 }),
        fc.nat({ max: 6000 }),
        (k, edits, cut) => {
          const b = mutate(seeds[k]!, edits, cut);
          const r = exercise(b);
          if (r.faultAt !== null) expect(r.faultAt).toBeLessThanOrEqual(b.length);
        },
      ),
      { numRuns: 1500, seed: 1234 },
    );
    // 1,500 full dissections: ~12 s of CPU here, far more wall time on a loaded 2-core machine.
  }, 180_000);

  it('gzipped, cut or corrupted: no exception', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.double({ min: 0, max: 1, noNaN: true }), (k, at, byte, keep) => {
        const gz = gzipSync(seeds[k]!);
        const b = gz.slice(0, Math.floor(gz.length * keep));
        if (b.length > 12) b[12 + (at % (b.length - 12))] = byte;
        exercise(b);
      }),
      { numRuns: 400, seed: 99 },
    );
  });
});

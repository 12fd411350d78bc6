/** Checked-in tcpdump/editcap captures, compared with tshark's answers recorded beside them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexCapture } from './capture-index.ts';
import { readCapture } from './reader.ts';
import { parseCooked } from './sll.ts';
import { chunked, ourRows, type FieldRow } from './test-util.ts';

const DIR = join(import.meta.dirname, 'fixtures');
const FILES = [
  { file: 'tcpdump-veth-us.pcap', format: 'pcap', linkType: 1, res: 1000 },
  { file: 'tcpdump-veth-ns.pcap', format: 'pcap', linkType: 1, res: 1 },
  { file: 'tcpdump-any-sll2.pcap', format: 'pcap', linkType: 276, res: 1000 },
  { file: 'editcap-veth-us.pcapng', format: 'pcapng', linkType: 1, res: 1000 },
] as const;

function expected(file: string): FieldRow[] {
  return readFileSync(join(DIR, `${file}.tshark.tsv`), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [n, epoch, len, cap, ifc] = l.split('\t');
      return { number: Number(n), epoch: epoch!, len: Number(len), capLen: Number(cap), interfaceId: ifc ?? '' };
    });
}

describe('tcpdump fixtures', () => {
  for (const f of FILES) {
    it(`${f.file}: every frame as tshark read it`, () => {
      const bytes = new Uint8Array(readFileSync(join(DIR, f.file)));
      const r = readCapture(bytes);
      expect(r.error).toBeNull();
      expect(r.format).toBe(f.format);
      expect(r.interfaces[0]).toMatchObject({ linkType: f.linkType, tsResolutionNs: f.res });
      expect(r.frames.length).toBe(8);
      expect(ourRows(r.frames, f.format === 'pcapng')).toEqual(expected(f.file));
      const idx = indexCapture(chunked(bytes, [7, 100, 3]));
      expect(idx.count).toBe(8);
      expect(Array.from(idx.capturedLength)).toEqual(r.frames.map((x) => x.capturedLength));
    });
  }

  it('SLL2 frames from -i any carry IPv4 after a 20-byte cooked header', () => {
    const r = readCapture(new Uint8Array(readFileSync(join(DIR, 'tcpdump-any-sll2.pcap'))));
    for (const frame of r.frames) {
      const h = parseCooked(frame.linkType, frame.data);
      expect(h?.ok).toBe(true);
      if (!h?.ok) continue;
      expect(h.value).toMatchObject({ protocol: 0x0800, arphrdType: 1, addressLength: 6, payloadOffset: 20 });
      expect(h.value.address.length).toBe(6);
      expect(frame.data[h.value.payloadOffset]).toBe(0x45);
    }
  });
});

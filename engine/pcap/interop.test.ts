/**
 * Files from our writers, read by tshark: same frame count, timestamps, lengths and interface ids
 * as we wrote and as our reader reads back; the hand-built UDP frames decode as UDP.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readCapture } from './reader.ts';
import { writePcap, writePcapng } from './writer.ts';
import { concat, describeWithTools, epochText, ourRows, tempDir, toolGate, tsharkRows, udpFrame } from './test-util.ts';
import type { WriteFrame } from './types.ts';

const frames: WriteFrame[] = Array.from({ length: 9 }, (_, i) => ({
  tsSec: 1700000000 + i * 3,
  tsNsec: (i * 123456789) % 1e9,
  data: udpFrame({ src: `10.200.0.${i + 1}`, dstPort: 10800 + i, payload: new Uint8Array(10 + i * 13).fill(0x41 + i), ipId: i }),
  interfaceId: i % 2,
  comment: i % 4 === 0 ? `comment ${i} — ünïcode` : undefined,
}));
// One frame truncated by a snaplen: original length 100 more than captured.
frames[5] = { ...frames[5]!, originalLength: frames[5]!.data.length + 100 };

describeWithTools('tshark reads our files', toolGate(['tshark']), () => {
  const tmp = tempDir('netplay-pcap-interop-');
  afterAll(() => tmp.cleanup());

  const cases: { name: string; bytes: Uint8Array; pcapng: boolean; nsStep: number[] }[] = [
    { name: 'us.pcap', bytes: writePcap(frames, { linkType: 1 }), pcapng: false, nsStep: [1000, 1000] },
    { name: 'ns.pcap', bytes: writePcap(frames, { linkType: 1, nanosecond: true }), pcapng: false, nsStep: [1, 1] },
    { name: 'us-be.pcap', bytes: writePcap(frames, { linkType: 1, bigEndian: true }), pcapng: false, nsStep: [1000, 1000] },
    { name: 'ns-be.pcap', bytes: writePcap(frames, { linkType: 1, nanosecond: true, bigEndian: true }), pcapng: false, nsStep: [1, 1] },
    ...[false, true].map((be) => ({
      name: `two-ifaces${be ? '-be' : ''}.pcapng`,
      bytes: writePcapng([{ linkType: 1, name: 'eth0' }, { linkType: 1, name: 'eth1', description: 'second', tsResolutionNs: 1 }], frames, { bigEndian: be, userAppl: 'netplay' }),
      pcapng: true,
      nsStep: [1000, 1],
    })),
  ];

  for (const c of cases) {
    it(`${c.name}: tshark agrees frame by frame`, () => {
      const file = join(tmp.dir, c.name);
      writeFileSync(file, c.bytes);
      const theirs = tsharkRows(file);
      const ours = readCapture(c.bytes);
      expect(ours.error).toBeNull();
      expect(theirs).toEqual(ourRows(ours.frames, c.pcapng));
      expect(theirs).toEqual(
        frames.map((f, i) => {
          const step = c.nsStep[c.pcapng ? f.interfaceId! : 0]!;
          return {
            number: i + 1,
            epoch: epochText(f.tsSec, Math.floor(f.tsNsec / step) * step),
            len: f.originalLength ?? f.data.length,
            capLen: f.data.length,
            interfaceId: c.pcapng ? String(f.interfaceId) : '',
          };
        }),
      );
      const decoded = spawnSync('tshark', ['-r', file, '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-e', 'ip.src', '-e', 'udp.dstport', '-e', 'udp.checksum.status', '-e', 'frame.comment'], { encoding: 'utf8' });
      expect(decoded.stdout.split('\n').filter((l) => l.length > 0)).toEqual(
        frames.map((f, i) => [`10.200.0.${i + 1}`, String(10800 + i), '1' /* good */, c.pcapng ? (f.comment ?? '') : ''].join('\t')),
      );
    });
  }

  it('several sections (concatenated pcapng files, mixed byte order) restart interface ids, as in tshark 4.0', () => {
    const a = writePcapng([{ linkType: 1 }, { linkType: 1, tsResolutionNs: 1 }], frames.slice(0, 4));
    const b = writePcapng([{ linkType: 1, tsResolutionNs: 1 }, { linkType: 1 }], frames.slice(4), { bigEndian: true });
    const bytes = concat(a, b);
    const file = join(tmp.dir, 'sections.pcapng');
    writeFileSync(file, bytes);
    const ours = readCapture(bytes);
    expect(ours.error).toBeNull();
    expect(ours.interfaces.map((i) => i.section)).toEqual([0, 0, 1, 1]);
    expect(tsharkRows(file)).toEqual(ourRows(ours.frames, true));
  });
});

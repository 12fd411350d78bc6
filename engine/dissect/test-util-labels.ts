/**
 * Test helper (Node only): every display label the details pane can show, for a fixed corpus of
 * frames (all fixtures with and without a session, checksum verification on, deterministic
 * truncations and byte mutations of them, and hand-made frames for the rarer protocols). The
 * lines were recorded into fixtures/labels.expected.txt.gz before labels became lazy; the test in
 * labels.test.ts checks the lazy labels still equal them. Regenerate (only on purpose) with
 * `npx tsx engine/dissect/test-util-labels.ts --write`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { defaultDecodeAs } from './decode-as.ts';
import { dissect, DissectSession } from './index.ts';
import type { DecodeAs, DissectContext, Field } from './types.ts';
import { FIXTURE_NAMES, FIXTURES, fixtureDecodeAs, loadFixture } from './test-util.ts';

export const LABELS_FILE = join(FIXTURES, 'labels.expected.txt.gz');

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));

/** Hand-made frames for what the fixtures lack (VLAN, options, SACK, ARP, ICMP errors, SLL v1, ND). */
const HANDMADE: ReadonlyArray<readonly [string, Uint8Array, number]> = [
  ['eth-vlan-tcp', hex(`020000000002 020000000001 8100 2064 0800
    45 00 003c 1234 4000 40 06 0000 0a000004 0d4786b1
    d431 0050 00000064 00000000 a0 02 faf0 0000 0000
    020405b4 0402 080a 0001e240 00000000 01 030307`), 1],
  ['ipv4-options-sack', hex(`020000000002 020000000001 0800
    48 00 004c 1234 4000 40 06 0000 0a000004 0d4786b1 94040000 01010000 07030400
    d431 0050 00000064 000000c8 a0 18 faf0 0000 0000
    0101 050a 00000070 00000080 0103 0309 fe04 aabb 6869 6a6b`), 1],
  ['raw-v6-hbh-udp', hex(`6 00 12345 0014 00 40 fd000000000000000000000000000001 fd000000000000000000000000000002
    11 00 0000 00000000 14e9 9c40 000c 0000 61626364`), 101],
  ['raw-v6-frag-routing', hex(`6 00 00000 0020 2b 40 fd000000000000000000000000000001 fd000000000000000000000000000002
    2c 00 04 01 00000000 11 00 0011 12345678 01020304 05060708`), 101],
  ['arp-request', hex('ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002' + '00'.repeat(18)), 1],
  ['arp-other', hex('ffffffffffff 020000000001 0806 0006 0800 06 04 0003 020000000001 0a000001 000000000000 0a000002'), 1],
  ['icmp-unreach', hex(`020000000001 020000000002 0800
    45 00 0038 0002 0000 40 01 0000 0a000002 0a000001
    03 03 0000 00000000
    45 00 001c 0009 0000 40 11 0000 0a000001 0a000002 04d2 0035 0008 0000`), 1],
  ['icmp-frag-needed', hex(`020000000001 020000000002 0800
    45 00 0038 0002 0000 40 01 0000 0a000002 0a000001
    03 04 0000 0000 05dc
    45 00 001c 0009 0000 40 06 0000 0a000001 0a000002 04d2 0035 00000001`), 1],
  ['icmp-redirect', hex(`020000000001 020000000002 0800 45 00 0024 0002 0000 40 01 0000 0a000002 0a000001 05 01 0000 0a0000fe 4500`), 1],
  ['sll-udp', hex(`0004 0001 0006 020000000001 0000 0800
    45 00 001e 0003 0000 40 11 0000 c0a80001 c0a80002 03e8 07d0 000a 0000 6869`), 113],
  ['sll-other', hex(`0000 0304 0002 0102 0000 0000 0000 0004 aabbccdd`), 113],
  ['icmpv6-na', hex(`6 00 00000 0020 3a ff fe800000000000000000000000000001 fe800000000000000000000000000002
    88 00 0000 e0000000 fd000000000000000000000000000001 02 01 020000000001`), 101],
  ['icmpv6-ns', hex(`6 00 00000 0020 3a ff fe800000000000000000000000000001 ff0200000000000000000001ff000001
    87 00 0000 00000000 fd000000000000000000000000000001 01 01 020000000001`), 101],
  ['icmpv6-ptb', hex(`6 00 00000 0030 3a 40 fd000000000000000000000000000002 fd000000000000000000000000000001
    02 00 0000 00000500 6 00 00000 0008 11 40 fd000000000000000000000000000001 fd000000000000000000000000000002`), 101],
  ['icmpv6-mld', hex(`6 00 00000 0008 3a 01 fe800000000000000000000000000001 ff020000000000000000000000000016 8f 00 0000 00000000`), 101],
  ['vlan-qinq-arp', hex('ffffffffffff 020000000001 88a8 0064 8100 00c8 0806 0001 0800 06 04 0002 020000000001 0a000001 020000000002 0a000002'), 1],
  ['eth-8023', hex('ffffffffffff 020000000001 0010 aaaa030000000000' + '00'.repeat(40)), 1],
  ['eth-unknown-type', hex('ffffffffffff 020000000001 88cc 0102030405'), 1],
  ['raw-v5', hex('50 00 0014'), 101],
  ['linktype-unknown', hex('0102030405'), 999],
  ['ipv4-fragment', hex(`45 00 0020 abcd 2000 40 11 0000 0a000001 0a000002 04d2 0035 000c 0000 6869 6a6b`), 228],
  ['ipv4-bad-option', hex(`46 00 0020 abcd 0000 40 11 0000 0a000001 0a000002 07 09 0000 04d2 0035 0008 0000`), 228],
  ['udp-gbp-vxlan', hex(`45 00 0032 0001 0000 40 11 0000 0a000001 0a000002 c738 12b5 001e 0000
    88 48 1234 00002a 00 ffffffffffff 020000000001 88cc 01 02`), 228],
];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

function fieldLines(out: string[], fields: readonly Field[], depth: number): void {
  for (const f of fields) {
    out.push(`${'  '.repeat(depth)}${f.name}${f.malformed !== undefined ? ' !' : ''} | ${f.label}`);
    if (f.children) fieldLines(out, f.children, depth + 1);
  }
}

function frameLines(out: string[], title: string, data: Uint8Array, linkType: number, decodeAs: DecodeAs, ctx: DissectContext): void {
  const d = dissect(data, linkType, decodeAs, ctx);
  out.push(`## ${title}`);
  for (const l of d.layers) {
    out.push(`${l.protocol}${l.malformed !== undefined ? ' !' : ''} = ${l.label}`);
    fieldLines(out, l.fields, 1);
  }
}

/** The label dump of the whole corpus, one line per layer or field. */
export function labelCorpusLines(): string[] {
  const out: string[] = [];
  const decodeAs = fixtureDecodeAs();
  for (const name of FIXTURE_NAMES) {
    const frames = loadFixture(name);
    const session = new DissectSession();
    frames.forEach((fr, i) => frameLines(out, `${name}#${i + 1} session`, fr.data, fr.linkType, decodeAs, { session, frameNumber: i + 1, timeRelative: fr.time }));
    frames.forEach((fr, i) => frameLines(out, `${name}#${i + 1} verify`, fr.data, fr.linkType, decodeAs, { verifyChecksums: true }));
    const rnd = lcg(7);
    frames.forEach((fr, i) => {
      if (i % 3 !== 0) return;
      for (const cut of [1, 13, 15, 20, 33, 40, 54, 58, 62, 70, 90]) {
        if (cut < fr.data.length) frameLines(out, `${name}#${i + 1} cut ${cut}`, fr.data.subarray(0, cut), fr.linkType, decodeAs, {});
      }
      for (let k = 0; k < 3; k++) {
        const m = fr.data.slice();
        for (let j = 0; j < 4; j++) m[rnd() % Math.min(m.length, 96)] = rnd() & 255;
        frameLines(out, `${name}#${i + 1} mut ${k}`, m, fr.linkType, decodeAs, { verifyChecksums: true });
      }
    });
  }
  for (const [name, data, lt] of HANDMADE) {
    frameLines(out, `${name} session`, data, lt, defaultDecodeAs(), { session: new DissectSession(), verifyChecksums: true });
    for (let cut = 1; cut < data.length; cut += 3) frameLines(out, `${name} cut ${cut}`, data.subarray(0, cut), lt, defaultDecodeAs(), {});
  }
  return out;
}

export function readLabelSnapshot(): string[] {
  return gunzipSync(readFileSync(LABELS_FILE)).toString('utf8').split('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes('--write')) {
  const lines = labelCorpusLines();
  writeFileSync(LABELS_FILE, gzipSync(Buffer.from(lines.join('\n'), 'utf8'), { level: 9 }));
  console.log(`${lines.length} lines written to ${LABELS_FILE}`);
}

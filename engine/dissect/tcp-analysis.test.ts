/**
 * Wireshark's TCP sequence analysis against tshark 4.0 on hand-made conversations
 * (tcp-scenarios.ts: one case of the analysis at a time) and on the real unanswered-SYN capture
 * (fixtures/syn-retrans.pcap), on edited copies of a real bulk transfer and of the hand-made
 * conversations (frames dropped, repeated, swapped: lost segments, retransmissions, dup ACKs,
 * out-of-order, ACKed unseen segments in every combination), plus what must hold without tshark: every repeated SYN is a
 * retransmission, re-dissecting a frame gives the first pass's analysis, and the summary path
 * shows the same Info as the tree.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileDisplayFilter } from './filter/index.ts';
import { defaultDecodeAs, dissect, DissectSession, fieldsByName, summarize } from './index.ts';
import { readCapture } from '../pcap/index.ts';
import { allScenariosPcap, editedCapture, SCENARIOS, scenarioPcap } from './tcp-scenarios.ts';
import { FIXTURES, hasTool, loadCaptureFile, normOurs, normTshark, type FixtureFrame } from './test-util.ts';

const TSHARK = hasTool('tshark', ['--version']);
const CI = Boolean(process.env.CI);

/** Every tcp.analysis field and the payload marker, compared value by value. */
export const ANALYSIS_FIELDS = [
  'tcp.analysis', 'tcp.analysis.flags', 'tcp.analysis.acks_frame', 'tcp.analysis.ack_rtt', 'tcp.analysis.initial_rtt',
  'tcp.analysis.bytes_in_flight', 'tcp.analysis.push_bytes_sent', 'tcp.analysis.rto', 'tcp.analysis.rto_frame',
  'tcp.analysis.retransmission', 'tcp.analysis.fast_retransmission', 'tcp.analysis.spurious_retransmission',
  'tcp.analysis.out_of_order', 'tcp.analysis.reused_ports', 'tcp.analysis.lost_segment', 'tcp.analysis.ack_lost_segment',
  'tcp.analysis.window_update', 'tcp.analysis.window_full', 'tcp.analysis.keep_alive', 'tcp.analysis.keep_alive_ack',
  'tcp.analysis.duplicate_ack', 'tcp.analysis.duplicate_ack_num', 'tcp.analysis.duplicate_ack_frame',
  'tcp.analysis.zero_window', 'tcp.analysis.zero_window_probe', 'tcp.analysis.zero_window_probe_ack', 'tcp.segment_data', 'tcp.stream',
];

const dir = mkdtempSync(join(tmpdir(), 'netplay-tcp-analysis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Per frame: Info, then each field's values joined by ',' (tshark -T fields -E occurrence=a). */
function tsharkRows(file: string): string[][] {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=/t', '-e', '_ws.col.Info'];
  for (const f of ANALYSIS_FIELDS) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t').map((v, i) => (i === 0 ? v : v.split(',').filter((x) => x !== '').map((x) => normTshark(x, ANALYSIS_FIELDS[i - 1])).join(','))));
}

function ourRows(frames: FixtureFrame[]): string[][] {
  const session = new DissectSession();
  return frames.map((f, i) => {
    const d = dissect(f.data, f.linkType, defaultDecodeAs(), { session, frameNumber: i + 1, timeRelative: f.time });
    const m = fieldsByName(d);
    return [d.info, ...ANALYSIS_FIELDS.map((n) => (m.get(n) ?? []).map((x) => normOurs(x.value, n)).join(','))];
  });
}

function differences(name: string, ours: string[][], theirs: string[][]): string[] {
  const out: string[] = [];
  if (ours.length !== theirs.length) out.push(`${name}: ${ours.length} frames, tshark ${theirs.length}`);
  ours.forEach((row, i) => row.forEach((v, k) => {
    const want = theirs[i]?.[k] ?? '';
    if (v !== want) out.push(`${name} #${i + 1} ${k === 0 ? 'Info' : ANALYSIS_FIELDS[k - 1]}: tshark ${JSON.stringify(want)} ours ${JSON.stringify(v)}`);
  }));
  return out;
}

function scenarioFile(i: number): string {
  const file = join(dir, `scenario-${i}.pcap`);
  writeFileSync(file, scenarioPcap(SCENARIOS[i]!));
  return file;
}

describe.skipIf(!TSHARK && !CI)('TCP analysis agrees with tshark 4.0', () => {
  it('tshark is available (required under CI)', () => {
    expect(TSHARK, 'tshark is required in CI (process.env.CI is set) but was not found').toBe(true);
  });
  SCENARIOS.forEach((sc, i) => {
    it(`${sc.name}: Info and every tcp.analysis field`, () => {
      const file = scenarioFile(i);
      const diffs = differences(sc.name, ourRows(loadCaptureFile(file)), tsharkRows(file));
      expect(diffs).toEqual([]);
    });
  });
  it('all scenarios in one capture (one conversation per client port)', () => {
    const file = join(dir, 'all.pcap');
    writeFileSync(file, allScenariosPcap());
    expect(differences('all', ourRows(loadCaptureFile(file)), tsharkRows(file))).toEqual([]);
  });
  const EDITS = 10;
  for (const [name, bytes] of [
    ['fixtures/bulk-tcp.pcap', (): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, 'bulk-tcp.pcap')))],
    ['the hand-made conversations', allScenariosPcap],
  ] as const) {
    it(`${EDITS} edited copies of ${name} (frames dropped, repeated, swapped)`, () => {
      const cap = readCapture(bytes());
      if (cap.error) throw new Error(cap.error.message);
      const diffs: string[] = [];
      for (let seed = 1; seed <= EDITS; seed++) {
        const file = join(dir, `edited-${seed}.pcap`);
        writeFileSync(file, editedCapture(cap.frames, cap.frames[0]!.linkType, seed));
        diffs.push(...differences(`seed ${seed}`, ourRows(loadCaptureFile(file)), tsharkRows(file)));
      }
      expect(diffs.slice(0, 20)).toEqual([]);
    }, 60_000);
  }
  it('the unanswered SYN capture (fixtures/syn-retrans.pcap)', () => {
    const file = join(FIXTURES, 'syn-retrans.pcap');
    expect(differences('syn-retrans', ourRows(loadCaptureFile(file)), tsharkRows(file))).toEqual([]);
  });
});

describe('TCP analysis without tshark', () => {
  const syn = loadCaptureFile(join(FIXTURES, 'syn-retrans.pcap'));

  it('marks every repeat of an unanswered SYN "[TCP Retransmission]", and only the repeats', () => {
    const rows = ourRows(syn);
    expect(rows.length).toBeGreaterThan(3);
    rows.forEach(([info], i) => expect(info!.startsWith('[TCP Retransmission] '), `#${i + 1} ${info}`).toBe(i > 0));
    const synthetic = ourRows(loadCaptureFile(scenarioFile(0)));
    synthetic.forEach(([info], i) => expect(info!.startsWith('[TCP Retransmission] ')).toBe(i > 0));
  });

  it('re-dissecting a frame gives the first pass analysis; summarize shows the same Info as dissect', () => {
    for (let i = 0; i < SCENARIOS.length; i++) {
      const frames = loadCaptureFile(scenarioFile(i));
      const first = ourRows(frames);
      const session = new DissectSession();
      const infos = frames.map((f, k) => summarize(f.data, f.linkType, defaultDecodeAs(), { session, frameNumber: k + 1, timeRelative: f.time }).info);
      expect(infos).toEqual(first.map((r) => r[0]));
      // Again, in reverse order and without times: memoised, so nothing changes.
      const again = frames.map((f, k) => [k, f] as const).reverse().map(([k, f]) => {
        const m = fieldsByName(dissect(f.data, f.linkType, defaultDecodeAs(), { session, frameNumber: k + 1 }));
        return ANALYSIS_FIELDS.map((n) => (m.get(n) ?? []).map((x) => normOurs(x.value, n)).join(','));
      }).reverse();
      expect(again).toEqual(first.map((r) => r.slice(1)));
    }
  });

  it('display filters read the analysis fields', () => {
    const session = new DissectSession();
    const maps = syn.map((f, i) => fieldsByName(dissect(f.data, f.linkType, defaultDecodeAs(), { session, frameNumber: i + 1, timeRelative: f.time })));
    const keep = (text: string): number[] => {
      const c = compileDisplayFilter(text);
      if (!c.ok) throw new Error(c.error.message);
      return maps.flatMap((m, i) => (c.filter.test(m) ? [i + 1] : []));
    };
    const repeats = syn.slice(1).map((_, i) => i + 2);
    expect(keep('tcp.analysis.retransmission')).toEqual(repeats);
    expect(keep('tcp.analysis.flags && !tcp.analysis.window_update')).toEqual(repeats);
    expect(keep('tcp.analysis.rto_frame == 1')).toEqual(repeats);
    expect(keep('tcp.analysis.rto_frame == 2')).toEqual([]);
    expect(keep('tcp.analysis.rto > 0.5')).toEqual(repeats);
  });
});

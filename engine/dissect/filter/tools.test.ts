/**
 * Agreement with the real tools on real captures (engine/dissect/fixtures, made by
 * make-captures.sh in two network namespaces: ARP, ICMP, ICMPv6, TCP over v4 and v6, UDP, and
 * VXLAN on 10800, 10801 and 4789 with inner ARP/ICMP/TCP/UDP).
 * - Display filters: the frames we keep (our dissector + our filter) equal `tshark -Y`'s.
 * - Capture filters: the frames we keep (raw bytes) equal `tcpdump -r F FILTER`'s.
 * - Every filter we reject, the tool rejects too.
 * Without tshark/tcpdump these tests skip outside CI and fail in CI.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allScenariosPcap } from '../tcp-scenarios.ts';
import { compileCaptureFilter, compileDisplayFilter } from './index.ts';
import { CI, FIXTURES, fieldMaps, hasTool, loadFrames, pool, tcpdumpAccepts, tcpdumpFrames, tsharkFrames } from './test-util.ts';

const TSHARK = hasTool('tshark', ['--version']);
const TCPDUMP = hasTool('tcpdump', ['--version']);
const UNDERLAY = join(FIXTURES, 'underlay.pcap');
const RAW = join(FIXTURES, 'raw.pcap');
const SLL2 = join(FIXTURES, 'any-sll2.pcap');
const SLL = join(FIXTURES, 'any-sll.pcap');

function toolGate(present: boolean, name: string): void {
  if (!present && CI) throw new Error(`${name} is required in CI (process.env.CI is set) but was not found`);
}

export const DISPLAY_FILTERS = [
  'tcp', 'udp', 'vxlan', 'icmp', 'ip', 'ipv6', 'eth', 'arp', 'data', 'icmpv6', '!tcp', 'not ip',
  'ip.addr == 10.201.1.1', 'ip.addr == 10.201.8.2', 'ip.addr != 10.201.8.1', 'ip.addr ~= 10.201.8.1', 'ip.addr === 10.201.9.1',
  'ip.src == 10.201.8.0/24', 'ip.addr == 10.201.42.0/24 && icmp', 'ip.dst eq 10.201.9.2 or ip.dst == 10.201.42.2',
  'ip.src > 10.201.8.255', 'ip.ttl ge 64 and ip.ttl le 64', 'ip.proto == 17 && !vxlan', 'ip.proto == UDP',
  'tcp.port == 40123', 'tcp.port == 40123 && tcp.len > 0', 'tcp.srcport < 41000', 'tcp.dstport >= 59282',
  'tcp.flags.syn == 1 && tcp.flags.ack == 0', 'tcp.flags.syn', 'tcp.flags.fin == 1 || tcp.flags.reset == 1',
  'tcp.flags == 0x012', 'tcp.options.mss_val', 'tcp.options.mss_val < 1450', 'tcp.stream == 1', 'tcp.window_size_value > 64300',
  'udp.port in {40200, 4789}', 'udp.port in {40200,4000..4800}', 'udp.length > 20', 'udp.dstport == 10801',
  'vxlan.vni == 801', 'vxlan.vni != 800', 'vxlan && tcp', 'vxlan and not tcp and not arp',
  'eth.dst == ff:ff:ff:ff:ff:ff', 'eth.dst == ff-ff-ff-ff-ff-ff', 'eth.src == 02:00:0a:c9:08:01', 'eth.addr == 02:00:0a:c9:09:02',
  'eth.src contains 0a:c9:08', 'eth.type == 0x86dd', 'eth.type == IPv4', 'arp.opcode == 2', 'arp.opcode == reply',
  'arp.dst.proto_ipv4 == 10.201.9.2', 'icmp.type == 8', 'icmp.type == 0 and ip.src == 10.201.42.2', 'icmpv6.type == 135',
  'ipv6.addr == fd00:201:1::1', 'ipv6.src == fd00:201:1::/64', 'ipv6.dst == ff02::16', 'ipv6.nxt == 6',
  'data.data contains "hello"', 'data.data contains 68:65', 'data.data matches "HELLO"', 'data.data matches "^hel+o"', 'data.len > 20',
  'ip.src == 10.201.1.1 or ip.src == 10.201.1.2 and icmp', '(ip.src == 10.201.1.1 or ip.src == 10.201.1.2) and icmp',
  'not tcp and ip.src == 10.201.1.1', '!(ip.dst == 10.201.1.2) && ip', 'ip.src == ip.dst', 'tcp.srcport > tcp.dstport',
  'ip.checksum.status == 2', 'ip.checksum.status == "Unverified"', 'tcp.port == 010', 'ip.len == 0b1010100', 'tcp.port == -1',
];

/** TCP sequence analysis (tcp.analysis.*), on captures that have it. */
export const ANALYSIS_FILTERS = [
  'tcp.analysis', 'tcp.analysis.flags', '!tcp.analysis.flags && tcp', 'tcp.analysis.retransmission', 'tcp.analysis.duplicate_ack',
  'tcp.analysis.duplicate_ack_num == 1', 'tcp.analysis.duplicate_ack_frame == 54', 'tcp.analysis.acks_frame', 'tcp.analysis.acks_frame > 60',
  'tcp.analysis.ack_rtt > 0.00002', 'tcp.analysis.ack_rtt <= 0.000010', 'tcp.analysis.initial_rtt', 'tcp.analysis.bytes_in_flight > 20',
  'tcp.analysis.rto_frame == 1', 'tcp.analysis.rto < 0.000004', 'tcp.analysis.rto > 2', 'tcp.segment_data', 'tcp.analysis.window_update',
  'tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack',
  'tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment', 'tcp.analysis.zero_window', 'tcp.analysis.keep_alive or tcp.analysis.keep_alive_ack',
  'tcp.analysis.out_of_order || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission', 'tcp.analysis.reused_ports',
];

/** Filters we refuse; tshark 4.0 must refuse them too. */
export const BAD_DISPLAY_FILTERS = [
  'ip.sorce == 1.1.1.1', 'frob', 'ip.src ==', 'tcp.port == "abc"', 'ip.src == 300.1.1.1', 'tcp.port == 70000', '(tcp', 'tcp)',
  'tcp and', 'tcp.port = 80', 'ip.src contains 1', 'tcp.port == 1.2.3.4', 'eth.src == 1.2.3.4', 'ip.src == 10.0.0.0/33',
  'tcp.port == 0x1ffff', 'tcp.port == 80 80', 'tcp.port > abc', 'tcp.flags.syn == yes', '!', 'tcp.port == 08', 'eth.src == 02:00',
  'tcp.port == 1e3', 'ip.src == "10.1.1.1"', 'vxlan.vni == 4294967296', 'data.data contains "hel', '80 == tcp.port',
  'icmpv6.opt == 1', 'data.data matches "("', 'tcp.port contains 80', 'tcp.flags.syn == 1 == 1', '()', 'tcp.port in {}',
  'tcp.port ~ "x"', 'eth.src == 02:00:0a:c9:01:01:01', 'data.data == zz', 'ip.src == 10.1', 'tcp.flags.syn == 1 and and',
  'tcp.port == 80 or', '"abc"', '&& tcp', 'ip.checksum.status == "Wrong"', 'ip.src == tcp.port', 'tcp.port == 80 )',
];

describe.skipIf(!TSHARK && !CI)('display filters agree with tshark -Y', () => {
  it('tshark is available (or we are outside CI)', () => toolGate(TSHARK, 'tshark'));

  it(`keeps the same frames as tshark for ${DISPLAY_FILTERS.length} filters on underlay.pcap`, async () => {
    toolGate(TSHARK, 'tshark');
    const maps = fieldMaps(UNDERLAY);
    const mismatches: string[] = [];
    const results = await pool(DISPLAY_FILTERS, 6, (text) => tsharkFrames(UNDERLAY, text));
    for (const [k, text] of DISPLAY_FILTERS.entries()) {
      const c = compileDisplayFilter(text);
      if (!c.ok) { mismatches.push(`${text}: we reject (${c.error.message})`); continue; }
      const ours = maps.flatMap((m, i) => (c.filter.test(m) ? [i + 1] : []));
      const theirs = results[k]!;
      if (!Array.isArray(theirs)) { mismatches.push(`${text}: tshark rejects (${theirs.error})`); continue; }
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`${text}: ours ${ours.join(',')} tshark ${theirs.join(',')}`);
    }
    console.info(`[tshark agreement] ${DISPLAY_FILTERS.length - mismatches.length}/${DISPLAY_FILTERS.length} display filters keep the same frames`);
    expect(mismatches).toEqual([]);
  }, 300_000);

  const scenarioDir = mkdtempSync(join(tmpdir(), 'netplay-filter-tcp-'));
  afterAll(() => rmSync(scenarioDir, { recursive: true, force: true }));
  it(`keeps the same frames as tshark for ${ANALYSIS_FILTERS.length} TCP analysis filters on captures with retransmissions, dup ACKs, windows ...`, async () => {
    toolGate(TSHARK, 'tshark');
    // The hand-made conversations of tcp-scenarios.ts (every analysis flag), one after another.
    const scenarios = join(scenarioDir, 'scenarios.pcap');
    writeFileSync(scenarios, allScenariosPcap());
    const files = [SLL, scenarios];
    const mismatches: string[] = [];
    let compared = 0;
    for (const file of files) {
      const maps = fieldMaps(file);
      const results = await pool(ANALYSIS_FILTERS, 6, (text) => tsharkFrames(file, text));
      for (const [k, text] of ANALYSIS_FILTERS.entries()) {
        const c = compileDisplayFilter(text);
        if (!c.ok) { mismatches.push(`${text}: we reject (${c.error.message})`); continue; }
        const ours = maps.flatMap((m, i) => (c.filter.test(m) ? [i + 1] : []));
        const theirs = results[k]!;
        if (!Array.isArray(theirs)) { mismatches.push(`${text}: tshark rejects (${theirs.error})`); continue; }
        compared++;
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`${file.split('/').pop()} ${text}: ours ${ours.join(',')} tshark ${theirs.join(',')}`);
      }
    }
    console.info(`[tshark agreement] ${compared - mismatches.length}/${compared} TCP analysis filter runs (${ANALYSIS_FILTERS.length} filters x ${files.length} captures) keep the same frames`);
    expect(mismatches).toEqual([]);
  }, 300_000);

  it(`tshark also rejects the ${BAD_DISPLAY_FILTERS.length} filters we reject`, async () => {
    toolGate(TSHARK, 'tshark');
    const disagree: string[] = [];
    const results = await pool(BAD_DISPLAY_FILTERS, 6, (text) => tsharkFrames(UNDERLAY, text));
    for (const [k, text] of BAD_DISPLAY_FILTERS.entries()) {
      const c = compileDisplayFilter(text);
      if (c.ok) { disagree.push(`${text}: we accept`); continue; }
      if (Array.isArray(results[k])) disagree.push(`${text}: tshark accepts (we say ${c.error.message})`);
    }
    console.info(`[tshark agreement] ${BAD_DISPLAY_FILTERS.length - disagree.length}/${BAD_DISPLAY_FILTERS.length} rejected filters also rejected by tshark`);
    expect(disagree).toEqual([]);
  }, 300_000);
});

export const CAPTURE_FILTERS = [
  'tcp', 'udp', 'icmp', 'ip', 'ip6', 'arp', 'icmp6', 'not ip', '!tcp && !udp',
  'host 10.201.1.1', 'host 10.201.8.1', 'src host 10.201.1.2', 'dst host 10.201.1.2', 'src or dst host 10.201.1.1', 'src and dst host 10.201.1.1',
  'host fd00:201:1::2', 'ip6 host fd00:201:1::1', 'net 10.201.1.0/24', 'net 10.201.0.0/16', 'net 10.201.1.0 mask 255.255.255.0', 'net 10.201',
  'net fd00:201:1::/64', 'dst net ff02::/16', 'arp host 10.201.1.2',
  'port 40123', 'src port 40123', 'dst port 40200', 'tcp port 40124', 'udp port 10800', 'udp dst port 10801 or 4789',
  'portrange 40000-40199', 'tcp portrange 40123-40124', 'udp portrange 10800-10801',
  'host 10.201.1.1 and port 40123 or 40200', 'host 10.201.1.1 and (port 40123 or 40200)', 'not host 10.201.1.1 and 10.201.1.2',
  'tcp or udp and port 40200', 'not tcp and not udp', 'ether host 02:00:0a:c9:01:01', 'ether dst ff:ff:ff:ff:ff:ff', 'ether src 02:00:0a:c9:01:02',
  'ip and udp port 10800', 'vlan', 'port 0x9cbb', 'host 10.201.1.1 && (udp || icmp)',
];

export const BAD_CAPTURE_FILTERS = [
  'host 10.0.0.1 and', 'host', 'port 70000', 'net 10.0.0.1/24', 'net 10.0.0.1 mask 255.255.255.0', 'host foo.invalid', '80',
  '10.0.0.1', '(host 10.0.0.1', 'host 10.0.0.1)', 'vlan 5000', 'port -1', 'net 10.0.0.0/33', 'icmp port 80', 'ip6 host 10.0.0.1',
  'ip host fd00::1', 'tcp src', 'not', 'host 256.1.1.1', 'udp port abc', 'and', 'ip6 net fd00::/129', 'udp tcp', 'ether src 1.2.3.4',
  'host 1.2.3.4/24', 'tcp or 80', 'ether', 'port 80 ||', 'tcp host 10.0.0.1', 'host 02:00:0a:c9:01:01',
];

describe.skipIf(!TCPDUMP && !CI)('capture filters agree with tcpdump', () => {
  it('tcpdump is available (or we are outside CI)', () => toolGate(TCPDUMP, 'tcpdump'));

  for (const [name, file, filters] of [
    ['underlay.pcap (Ethernet)', UNDERLAY, CAPTURE_FILTERS],
    ['raw.pcap (raw IP)', RAW, CAPTURE_FILTERS.filter((f) => !f.startsWith('ether') && f !== 'vlan')],
    ['any-sll2.pcap (Linux cooked v2)', SLL2, CAPTURE_FILTERS.filter((f) => !f.startsWith('ether') && f !== 'vlan')],
  ] as const) {
    it(`keeps the same frames as tcpdump for ${filters.length} filters on ${name}`, () => {
      toolGate(TCPDUMP, 'tcpdump');
      const frames = loadFrames(file);
      const mismatches: string[] = [];
      for (const text of filters) {
        const c = compileCaptureFilter(text);
        if (!c.ok) { mismatches.push(`${text}: we reject (${c.error.message})`); continue; }
        const ours = frames.flatMap((f, i) => (c.filter.test(f.data, f.linkType) ? [i + 1] : []));
        const theirs = tcpdumpFrames(file, text);
        if (!Array.isArray(theirs)) { mismatches.push(`${text}: tcpdump rejects (${theirs.error})`); continue; }
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`${text}: ours ${ours.join(',')} tcpdump ${theirs.join(',')}`);
      }
      console.info(`[tcpdump agreement] ${name}: ${filters.length - mismatches.length}/${filters.length} capture filters keep the same frames`);
      expect(mismatches).toEqual([]);
    }, 120_000);
  }

  it(`tcpdump -d also rejects the ${BAD_CAPTURE_FILTERS.length} filters we reject`, () => {
    toolGate(TCPDUMP, 'tcpdump');
    const disagree: string[] = [];
    for (const text of BAD_CAPTURE_FILTERS) {
      const c = compileCaptureFilter(text);
      if (c.ok) { disagree.push(`${text}: we accept`); continue; }
      if (tcpdumpAccepts(text)) disagree.push(`${text}: tcpdump accepts (we say ${c.error.message})`);
    }
    console.info(`[tcpdump agreement] ${BAD_CAPTURE_FILTERS.length - disagree.length}/${BAD_CAPTURE_FILTERS.length} rejected filters also rejected by tcpdump`);
    expect(disagree).toEqual([]);
  }, 120_000);
});

/**
 * The whole simulator against the real kernel (issue 7, item 6): the gallery scenario
 * scenarios/linux-router-snat-8-ports.json, and the same topology with the same addresses in
 * network namespaces this test creates (npl<pid>{c,r,s}):
 *
 *   client 10.0.1.4/24 ── eth0 10.0.1.10  router  eth1 203.0.113.5/24 ── server 198.51.100.10 :80
 *   (default via 10.0.1.10)   default via 203.0.113.1                      (also 203.0.113.1/24)
 *   iptables -t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 203.0.113.5:40000-40007
 *
 * In Azure the client reaches the router through its subnet's route table (0.0.0.0/0 to the
 * virtual appliance 10.0.1.10); between namespaces, through its default route. The client opens
 * 9 connections 100 ms apart from the source ports the simulated client used, and holds them;
 * its net.ipv4.tcp_syn_linear_timeouts is set to the scenario client's (a kernel older than 6.5
 * has no such setting: then the simulated client gets 0, the behaviour of those kernels).
 * 6 s after the 9th started, both sides are compared: which connections got through, the set of
 * translated ports, what the 9th saw on the wire (its SYN and retransmissions, nothing back),
 * `conntrack -L` (timeouts within 2 s, translated ports as a set: the kernel draws its search
 * offset at random), `conntrack -S` insert_failed, and the SNAT rule's counters
 * (`iptables -t nat -L POSTROUTING -v -n [-x]`, the listing byte for byte). Where they differ, the simulator is wrong.
 *
 * Needs root, ip (iproute2), iptables, conntrack, tcpdump and python3; skipped with the reason
 * without them, failed under CI (Debian packages: iproute2 iptables conntrack tcpdump python3).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreScenario } from './model/restore.ts';
import { Simulation } from './net/simulation.ts';
import type { FlowRow, NetfilterRow, TraceEvent } from './sim/types.ts';
import type { Scenario } from './model/scenario.ts';
import { buildLine, conntrackShape, KERNEL_TEST_PACKAGES, removeLine, kernelTestsMissing, nsx, PCAP_PY, sh, waitFor, type WireSegment } from './net/netfilter/test-util-kernel.ts';

const RULE = '-t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 203.0.113.5:40000-40007';
/**
 * When both sides are compared: 6 s after the 9th connection started, a whole second from its
 * SYNs on either side (+0, +1, +2, +3, +4, +5, then +7 s; before Linux 6.5 +0, +1, +3, then +7 s),
 * so a busy machine's delays cannot move a SYN across it.
 */
const AFTER_NINTH_US = 6_000_000;
/** The 9th's SYNs by then. */
const NINTH_SYNS = (linear: number | null): number => (linear ? 6 : 3);

const reason = kernelTestsMissing();

const SERVER_PY = `
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('198.51.100.10', 80)); s.listen(64)
print('listening', flush=True)
held = []
while True:
    c, a = s.accept(); held.append(c)
`;

/** argv: source ports, gap between connects (s), wait after the last connect (s). */
const CLIENT_PY = `
import socket, sys, time, select, json
ports = [int(p) for p in sys.argv[1].split(',')]
gap = float(sys.argv[2]); wait = float(sys.argv[3])
socks = []; t0 = time.time(); last = t0
for i, p in enumerate(ports):
    while time.time() < t0 + i * gap: time.sleep(0.001)
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('10.0.1.4', p)); s.setblocking(False)
    last = time.time()
    try: s.connect(('198.51.100.10', 80))
    except BlockingIOError: pass
    socks.append((p, s))
pending = dict(socks); result = {}
while time.time() < last + wait:
    _, w, _ = select.select([], list(pending.values()), [], 0.01)
    for s in w:
        p = [k for k, v in pending.items() if v is s][0]
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        result[p] = 'connected' if err == 0 else 'error %d' % err
        del pending[p]
for p in pending: result[p] = 'pending'
print(json.dumps({str(k): v for k, v in result.items()}), flush=True)
sys.stdin.read()
`;

/** TCP packets of a pcap (Ethernet), one JSON record each. */

interface KernelRun {
  connected: Record<string, string>;
  client: WireSegment[];
  server: WireSegment[];
  conntrack: string[];
  conntrackStats: string;
  natList: string;
  natListX: string;
}

interface SimRun {
  flows: FlowRow[];
  nf: NetfilterRow;
  events: TraceEvent[];
  snapshotUs: number;
}

const ns = `npl${process.pid}`;
const procs: ChildProcess[] = [];
let dir = '';

/** The client's net.ipv4.tcp_syn_linear_timeouts in the scenario. */
function scenario(): Scenario {
  const r = restoreScenario(readFileSync(new URL('../scenarios/linux-router-snat-8-ports.json', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(r.issues[0]!.message);
  return r.scenario;
}

/** Runs the gallery scenario; `linear` overrides the client's tcp_syn_linear_timeouts (a kernel older than 6.5 has none: 0). */
function simulate(linear: number): SimRun {
  const doc = scenario();
  const resources = doc.resources.map((x) => (x.kind === 'vm' && x.id === 'client' ? { ...x, stack: { ...x.stack, synLinearTimeouts: linear } } : x));
  const sim = Simulation.create({ ...doc, resources }, { trace: 'full' });
  // The 9th starts at 8 × 100 ms.
  const snapshotUs = 800_000 + AFTER_NINTH_US;
  sim.runUntil(snapshotUs);
  return { flows: sim.flows().filter((f) => f.traffic === 'nine-connections'), nf: sim.netfilter().find((n) => n.node === 'edge-router')!, events: sim.traceSince(0), snapshotUs };
}

function build(): void {
  buildLine(ns, { client: '10.0.1.4/24', routerIn: '10.0.1.10/24', routerOut: '203.0.113.5/24', routerDefault: '203.0.113.1', server: ['198.51.100.10/24', '203.0.113.1/24'], rules: [RULE] });
}

/** The client namespace's tcp_syn_linear_timeouts set to the scenario's; null when the kernel has none (< 6.5). */
function setLinear(want: number): number | null {
  try {
    nsx(`${ns}c`, ['sysctl', '-qw', `net.ipv4.tcp_syn_linear_timeouts=${want}`]);
    return want;
  } catch {
    return null;
  }
}

async function runKernel(ports: number[], linear: number): Promise<KernelRun & { linear: number | null }> {
  dir = mkdtempSync(join(tmpdir(), 'npl-'));
  writeFileSync(join(dir, 'pcap.py'), PCAP_PY);
  build();
  const set = setLinear(linear);
  const server = spawn('ip', ['netns', 'exec', `${ns}s`, 'python3', '-c', SERVER_PY], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(server);
  await waitFor(server, /listening/, 'stdout', 10_000);
  const dumps: ChildProcess[] = [];
  for (const [n, iface, file] of [
    ['c', `${ns}a`, 'client.pcap'],
    ['s', `${ns}e`, 'server.pcap'],
  ] as const) {
    const d = spawn('ip', ['netns', 'exec', `${ns}${n}`, 'tcpdump', '-U', '-n', '-i', iface, '-w', join(dir, file), 'tcp'], { stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(d);
    dumps.push(d);
    await waitFor(d, /listening on/, 'stderr', 10_000);
  }
  const client = spawn('ip', ['netns', 'exec', `${ns}c`, 'python3', '-c', CLIENT_PY, ports.join(','), '0.1', String(AFTER_NINTH_US / 1e6)], { stdio: ['pipe', 'pipe', 'pipe'] });
  procs.push(client);
  const out = await waitFor(client, /\}\n/, 'stdout', 30_000);
  const connected = JSON.parse(out.trim().split('\n').pop()!) as Record<string, string>;
  const conntrack = nsx(`${ns}r`, ['conntrack', '-L']).trim().split('\n').filter(Boolean);
  const conntrackStats = nsx(`${ns}r`, ['conntrack', '-S']);
  const natList = nsx(`${ns}r`, ['iptables', '-t', 'nat', '-L', 'POSTROUTING', '-v', '-n']);
  const natListX = nsx(`${ns}r`, ['iptables', '-t', 'nat', '-L', 'POSTROUTING', '-v', '-n', '-x']);
  client.stdin!.end();
  // Let tcpdump write what it has read before it is interrupted.
  await new Promise((r) => setTimeout(r, 500));
  for (const d of dumps) {
    const done = new Promise((r) => d.once('exit', r));
    d.kill('SIGINT');
    await done;
  }
  const readPcap = (f: string): WireSegment[] => JSON.parse(sh(['python3', join(dir, 'pcap.py'), join(dir, f)])) as WireSegment[];
  return { connected, client: readPcap('client.pcap'), server: readPcap('server.pcap'), conntrack, conntrackStats, natList, natListX, linear: set };
}

function cleanup(): void {
  removeLine(ns, procs);
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A conntrack -L line without its timeout and its translated port (both compared separately). */

const port = (endpoint: string): number => Number(endpoint.split(':')[1]);
const SYN = 0x02;

describe('the Linux router scenario against the real kernel', () => {
  if (reason && process.env.CI) {
    it('has what the kernel test needs', () => {
      throw new Error(`kernel test cannot run in CI: ${reason}. .ci/run must install the Debian packages: ${KERNEL_TEST_PACKAGES}`);
    });
    return;
  }
  if (reason) {
    it.skip(`skipped: ${reason}`, () => undefined);
    return;
  }

  let s: SimRun;
  let k: KernelRun & { linear: number | null };
  let ports: number[];
  beforeAll(async () => {
    const client = scenario().resources.find((x) => x.id === 'client');
    const linear = client?.kind === 'vm' ? client.stack.synLinearTimeouts : 0;
    s = simulate(linear);
    ports = s.flows.map((f) => port(f.local));
    try {
      k = await runKernel(ports, linear);
    } finally {
      cleanup();
    }
    // A kernel older than 6.5 retransmits SYNs the classic way: simulate that client instead.
    if (k.linear === null) s = simulate(0);
    if (process.env.NPK_DEBUG) console.log(JSON.stringify({ k, sim: { conntrack: s.nf.conntrack, natTable: s.nf.natTable } }, null, 1));
  }, 90_000);
  afterAll(cleanup);

  it('gets the same 8 connections through and leaves the 9th pending', () => {
    const kernel = ports.map((p) => k.connected[String(p)]);
    expect(kernel).toEqual([...Array(8).fill('connected'), 'pending']);
    expect(s.flows.map((f) => (f.outcome === 'established' ? 'connected' : f.outcome))).toEqual(kernel);
  });

  it('translates to the same set of ports, 203.0.113.5:40000-40007, one per connection', () => {
    const kernel = k.server.filter((w) => w.flags === SYN && w.src === '203.0.113.5').map((w) => w.sport);
    expect([...new Set(kernel)].sort()).toEqual([40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007]);
    expect(kernel).toHaveLength(8);
    const sim = s.flows.slice(0, 8).map((f) => port(f.seenAs!));
    expect([...sim].sort()).toEqual([...new Set(kernel)].sort());
  });

  it('shows the same wire for the 9th: its SYN and the same retransmissions at the same times, nothing back, nothing at the server', () => {
    const ninth = ports[8]!;
    const kSyns = k.client.filter((w) => w.sport === ninth && w.flags === SYN);
    // Linux 6.5+ with tcp_syn_linear_timeouts 4: 0, 1, 2, 3, 4, 5 s; older: 0, 1, 3 s.
    expect(kSyns).toHaveLength(NINTH_SYNS(k.linear));
    expect(new Set(kSyns.map((w) => w.seq)).size).toBe(1);
    expect(k.client.some((w) => w.dport === ninth)).toBe(false);
    expect(k.server.some((w) => w.seq === kSyns[0]!.seq)).toBe(false);
    const sSyns = s.events.filter((e) => e.kind === 'send' && e.node === 'client' && e.packet?.tcp?.srcPort === ninth);
    expect(sSyns.every((e) => e.packet!.tcp!.flags === 'SYN')).toBe(true);
    expect(sSyns).toHaveLength(kSyns.length);
    const gaps = (t: number[]) => t.slice(1).map((x) => (x - t[0]!) / 1e6);
    const kGaps = gaps(kSyns.map((w) => w.t));
    const sGaps = gaps(sSyns.map((e) => e.t));
    for (const [i, g] of sGaps.entries()) expect(Math.abs(g - kGaps[i]!)).toBeLessThan(0.25);
    expect(s.events.some((e) => e.kind === 'deliver' && e.node === 'client' && e.packet?.tcp?.dstPort === ninth)).toBe(false);
    const drops = s.events.filter((e) => e.kind === 'drop' && e.packet?.tcp?.srcPort === ninth);
    expect(drops.map((d) => [d.node, d.code])).toEqual(kSyns.map(() => ['edge-router', 'conntrack-insert-failed']));
  });

  it('has the same conntrack entries (tuples, states, flags), timeouts within 2 s; insert_failed once per SYN of the 9th', () => {
    const a = k.conntrack.map(conntrackShape).sort((x, y) => (x.key < y.key ? -1 : 1));
    const b = s.nf.conntrack.map(conntrackShape).sort((x, y) => (x.key < y.key ? -1 : 1));
    expect(b.map((x) => x.key)).toEqual(a.map((x) => x.key));
    for (const [i, x] of a.entries()) expect(Math.abs(x.timeout - b[i]!.timeout)).toBeLessThanOrEqual(2);
    expect(b.map((x) => x.replyPort).sort()).toEqual(a.map((x) => x.replyPort).sort());
    const stat = (name: string): number => [...k.conntrackStats.matchAll(new RegExp(`${name}=(\\d+)`, 'g'))].reduce((sum, x) => sum + Number(x[1]), 0);
    expect(s.nf.conntrackStats.insertFailed).toBe(stat('insert_failed'));
    expect(s.nf.conntrackStats.insertFailed).toBe(NINTH_SYNS(k.linear));
  });

  it('prints the same SNAT rule counters: 8 connections plus one per SYN of the 9th', () => {
    // iptables -t nat -L POSTROUTING -v -n -x: 8 + 6 (or 3) packets, SYNs of 60 bytes.
    const n = 8 + NINTH_SYNS(k.linear);
    expect(/^\s+(\d+)\s+(\d+) SNAT /m.exec(k.natListX)!.slice(1, 3)).toEqual([String(n), String(n * 60)]);
    // The simulator's `iptables -t nat -L -v -n`, its POSTROUTING chain, byte for byte.
    const sim = s.nf.natTable;
    expect(sim.slice(sim.indexOf('Chain POSTROUTING'))).toBe(k.natList);
  });
});

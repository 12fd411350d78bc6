/**
 * The model against the real kernel (issue 7, item 4).
 *
 * In network namespaces this test creates (npk<pid>c, npk<pid>r, npk<pid>s):
 *
 *   client 10.210.1.2/24 ── eth0 10.210.1.1  router  eth1 10.210.2.1 ── server 10.210.2.2/24 :80
 *   iptables -t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.210.2.1:40000-40007
 *
 * the client opens 9 TCP connections (source ports 50001..50009) and holds them. We record which
 * connected, both captures (client side and server side), `conntrack -L`, `conntrack -S` and the
 * nat table's counters. Then the same client packets (times, flags, sequence numbers, lengths
 * from the client-side capture) go through LinuxRouter, with the server's answers taken from the
 * server-side capture, and everything is compared. Where they differ, the model is wrong.
 *
 * Needs root, ip (iproute2), iptables, conntrack, tcpdump and python3. Without them the test is
 * skipped with the reason, except under CI, where it fails (Debian packages: iproute2 iptables
 * conntrack tcpdump python3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipv4ToString, parseIpv4 } from '../../wire/addr.ts';
import { Rng } from '../../sim/rng.ts';
import { LinuxRouter } from './router.ts';
import { PROTO_TCP, TCP_ACK, TCP_SYN, type NfPacket } from './types.ts';
import type { Conn } from './conntrack.ts';
import { bestAddress, NF_NAT_RANGE_MAP_IPS, type NatRange } from './nat.ts';
import { buildLine, conntrackShape, KERNEL_TEST_PACKAGES, removeLine, kernelTestsMissing, nsx, PCAP_PY, sh, waitFor, type WireSegment } from './test-util-kernel.ts';

const reason = kernelTestsMissing();
const CLIENT_PORTS = [50001, 50002, 50003, 50004, 50005, 50006, 50007, 50008, 50009];
const RULE = '-t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.210.2.1:40000-40007';

const ADDRESS_RANGE = '10.210.2.100-10.210.2.107';
const ADDRESS_RULE = `-t nat -A POSTROUTING -o eth1 -p udp --dport 7 -j SNAT --to-source ${ADDRESS_RANGE}`;
const MAPPING_RULE = '-t nat -A POSTROUTING -o eth1 -p udp --dport 9 -j SNAT --to-source 10.210.2.1:20000-20099';
/**
 * Client port > destination, port 9: a port inside the range first (so 7000's random port cannot
 * be 20005), then one source to three destinations.
 */
const MAPPING_STEP1 = ['20005>10.210.2.2', '7000>10.210.2.2', '7000>10.210.2.3', '7000>10.210.2.4'];
const SEND_PY = `
import socket, sys
for item in sys.argv[1].split(' '):
    sp, dst = item.split('>')
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('10.210.1.2', int(sp))); s.sendto(b'x', (dst, 9)); s.close()
`;
const PROBE_PY = `
import socket
# A new source port each time: otherwise find_appropriate_src reuses the first mapping for all.
for i in range(2, 42):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('10.210.1.2', 6000 + i))
    s.sendto(b'x', ('10.210.2.%d' % i, 7))
`;

const SERVER_PY = `
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('10.210.2.2', 80)); s.listen(64)
print('listening', flush=True)
held = []
while True:
    c, a = s.accept(); held.append(c); print('accepted', a[0], a[1], flush=True)
`;

const CLIENT_PY = `
import socket, sys, time, select, json
ports = [int(p) for p in sys.argv[1].split(',')]
socks = []
for p in ports:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('10.210.1.2', p)); s.setblocking(False)
    try: s.connect(('10.210.2.2', 80))
    except BlockingIOError: pass
    socks.append((p, s)); time.sleep(0.05)
pending = dict(socks); result = {}
deadline = time.time() + 3.5
while pending and time.time() < deadline:
    _, w, _ = select.select([], list(pending.values()), [], 0.05)
    for s in w:
        p = [k for k, v in pending.items() if v is s][0]
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        result[p] = 'connected' if err == 0 else 'error %d' % err
        del pending[p]
for p, s in list(pending.items()):
    result[p] = 'pending'; s.close()   # stop the retransmissions before the snapshot
time.sleep(0.3)
print(json.dumps({str(k): v for k, v in result.items()}), flush=True)
sys.stdin.read()   # hold the connections until the test closes stdin
`;

/** Reads a pcap (Ethernet or Linux cooked) into TCP packet records. */

interface KernelRun {
  connected: Record<string, string>;
  client: WireSegment[];
  server: WireSegment[];
  conntrack: string[];
  conntrackStats: string;
  natList: string;
  natS: string;
  snapshotUs: number;
  backend: string;
  /** UDP probe after the snapshot: destination → the SNAT address the kernel chose from a range. */
  addressChoice: Record<string, string>;
  /** UDP probe: "clientPort>dst" → public port, after MAPPING_STEP1 and a second step. */
  mapping: Record<string, number>;
  mappingSteps: string[][];
}

const ns = `npk${process.pid}`;
const procs: ChildProcess[] = [];
let dir = '';

function build(): void {
  buildLine(ns, { client: '10.210.1.2/24', routerIn: '10.210.1.1/24', routerOut: '10.210.2.1/24', server: ['10.210.2.2/24'], serverDefault: '10.210.2.1', rules: [RULE] });
}

async function runKernel(): Promise<KernelRun> {
  dir = mkdtempSync(join(tmpdir(), 'npk-'));
  writeFileSync(join(dir, 'pcap.py'), PCAP_PY);
  build();
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
  const client = spawn('ip', ['netns', 'exec', `${ns}c`, 'python3', '-c', CLIENT_PY, CLIENT_PORTS.join(',')], { stdio: ['pipe', 'pipe', 'pipe'] });
  procs.push(client);
  const out = await waitFor(client, /\}\n/, 'stdout', 20_000);
  const connected = JSON.parse(out.trim().split('\n').pop()!) as Record<string, string>;
  const snapshotUs = Date.now() * 1000;
  const conntrack = nsx(`${ns}r`, ['conntrack', '-L']).trim().split('\n').filter(Boolean);
  const conntrackStats = nsx(`${ns}r`, ['conntrack', '-S']);
  const natList = nsx(`${ns}r`, ['iptables', '-t', 'nat', '-L', 'POSTROUTING', '-v', '-n', '-x']);
  const natS = nsx(`${ns}r`, ['iptables', '-t', 'nat', '-S']);
  const backend = sh(['iptables', '-V']).trim();
  // Which address of a range SNAT picks (find_best_ips_proto's hash of source and destination).
  nsx(`${ns}r`, ['iptables', ...ADDRESS_RULE.split(' ')]);
  nsx(`${ns}c`, ['python3', '-c', PROBE_PY]);
  const addressChoice: Record<string, string> = {};
  for (const line of nsx(`${ns}r`, ['conntrack', '-L', '-p', 'udp']).split('\n')) {
    const m = /dst=(\S+) sport=60\d\d dport=7 .*src=\S+ dst=(\S+) sport=7/.exec(line);
    if (m) addressChoice[m[1]!] = m[2]!;
  }
  for (const d of dumps) {
    const done = new Promise((r) => d.once('exit', r));
    d.kill('SIGINT');
    await done;
  }
  const readPcap = (f: string): WireSegment[] => JSON.parse(sh(['python3', join(dir, 'pcap.py'), join(dir, f)])) as WireSegment[];
  // RFC 4787 mapping behaviour: reuse toward new destinations, port preservation, clash.
  nsx(`${ns}r`, ['iptables', ...MAPPING_RULE.split(' ')]);
  const udpMap = (): Map<string, number> => {
    const m = new Map<string, number>();
    for (const line of nsx(`${ns}r`, ['conntrack', '-L', '-p', 'udp']).split('\n')) {
      const x = /dst=(\S+) sport=(\d+) dport=9 .*dport=(\d+) mark/.exec(line);
      if (x) m.set(`${x[2]}>${x[1]}`, Number(x[3]));
    }
    return m;
  };
  nsx(`${ns}c`, ['python3', '-c', SEND_PY, MAPPING_STEP1.join(' ')]);
  const p = udpMap().get('7000>10.210.2.2')!;
  const step2 = [`${p}>10.210.2.2`, '7000>10.210.2.5'];
  nsx(`${ns}c`, ['python3', '-c', SEND_PY, step2.join(' ')]);
  const mapping = Object.fromEntries(udpMap());
  return { connected, client: readPcap('client.pcap'), server: readPcap('server.pcap'), conntrack, conntrackStats, natList, natS, snapshotUs, backend, addressChoice, mapping, mappingSteps: [MAPPING_STEP1, step2] };
}

function cleanup(): void {
  removeLine(ns, procs);
  if (dir) rmSync(dir, { recursive: true, force: true });
}

const ip = (s: string): number => parseIpv4(s)!;

function toPacket(w: WireSegment): NfPacket {
  return { proto: PROTO_TCP, src: ip(w.src), dst: ip(w.dst), sport: w.sport, dport: w.dport, length: w.len, tcpFlags: w.flags, seq: w.seq, ack: w.ack, window: w.win, payload: w.payload };
}

interface ModelRun {
  router: LinuxRouter;
  /** Client port → public port the model used. */
  publicPort: Map<number, number>;
  /** Client ports whose SYN/ACK reached the client. */
  connected: Set<number>;
  dropped: { port: number; reason: string }[];
  forwardedToServer: NfPacket[];
  nowUs: number;
}

/** Replays the client's packets through the model; the server answers as it did for real. */
function runModel(k: KernelRun): ModelRun {
  const router = new LinuxRouter({
    interfaces: [
      { name: 'eth0', address: '10.210.1.1/24' },
      { name: 'eth1', address: '10.210.2.1/24' },
    ],
    rng: new Rng(7, 'kernel-test'),
  });
  const r = router.iptables(RULE);
  if (!r.ok) throw new Error(r.error.sentence);
  const t0 = k.client[0]!.t;
  const m: ModelRun = { router, publicPort: new Map(), connected: new Set(), dropped: [], forwardedToServer: [], nowUs: k.snapshotUs - t0 };
  const fromClient = k.client.filter((w) => w.src === '10.210.1.2');
  for (const w of fromClient) {
    const now = w.t - t0;
    const res = router.receive(toPacket(w), 'eth0', now);
    if (res.verdict === 'drop') {
      m.dropped.push({ port: w.sport, reason: res.reason });
      continue;
    }
    if (res.verdict !== 'forward') throw new Error(`unexpected ${res.verdict}`);
    m.forwardedToServer.push(res.packet);
    m.publicPort.set(w.sport, res.packet.sport);
    if (w.flags !== TCP_SYN) continue;
    // The server's answer to this SYN: the real SYN/ACK that acknowledged the same sequence number.
    const real = k.server.find((s) => s.src === '10.210.2.2' && s.flags === (TCP_SYN | TCP_ACK) && s.ack === ((w.seq + 1) >>> 0));
    const synSeen = k.server.find((s) => s.flags === TCP_SYN && s.seq === w.seq);
    if (!real || !synSeen) continue;
    const answer: NfPacket = { ...toPacket(real), dst: res.packet.src, dport: res.packet.sport };
    const back = router.receive(answer, 'eth1', now + (real.t - synSeen.t));
    if (back.verdict === 'forward' && back.packet.dst === ip('10.210.1.2') && back.packet.dport === w.sport) m.connected.add(w.sport);
  }
  return m;
}

/** A conntrack -L line with the timeout and the reply's destination port replaced, for comparing sets. */

describe('netfilter model against the real kernel', () => {
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

  let k: KernelRun;
  let m: ModelRun;
  beforeAll(async () => {
    try {
      k = await runKernel();
    } finally {
      cleanup();
    }
    m = runModel(k);
    if (process.env.NPK_DEBUG) console.log(JSON.stringify({ connected: k.connected, conntrack: k.conntrack, natList: k.natList, model: m.router.netfilter.conntrackList(m.nowUs), drops: m.dropped, stats: k.conntrackStats, ports: [...m.publicPort], addressChoice: k.addressChoice }, null, 1));
  }, 60_000);
  afterAll(cleanup);

  it('connects the same 8 connections and leaves the 9th pending', () => {
    const kernelConnected = CLIENT_PORTS.filter((p) => k.connected[String(p)] === 'connected');
    expect(kernelConnected).toEqual(CLIENT_PORTS.slice(0, 8));
    expect(k.connected['50009']).toBe('pending');
    expect([...m.connected].sort()).toEqual(kernelConnected);
  });

  it('uses the public ports 40000-40007, one per connection, on both', () => {
    const want = [40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007];
    const kernelPorts = [...new Set(k.server.filter((w) => w.dst === '10.210.2.2' && w.flags === TCP_SYN).map((w) => w.sport))].sort();
    expect(kernelPorts).toEqual(want);
    const modelPorts = [...new Set(CLIENT_PORTS.slice(0, 8).map((p) => m.publicPort.get(p)!))].sort();
    expect(modelPorts).toEqual(want);
    expect(m.publicPort.has(50009)).toBe(false);
  });

  it('drops every SYN of the 9th at the router: retransmitted on the client side, never on the server side', () => {
    const syns9 = k.client.filter((w) => w.sport === 50009 && w.flags === TCP_SYN);
    expect(syns9.length).toBeGreaterThanOrEqual(2); // the first SYN and at least one retransmission
    expect(new Set(syns9.map((w) => w.seq)).size).toBe(1); // the same SYN each time
    expect(k.server.some((w) => w.seq === syns9[0]!.seq)).toBe(false);
    expect(k.client.some((w) => w.dport === 50009)).toBe(false); // nothing ever came back
    const modelDrops = m.dropped.filter((d) => d.port === 50009);
    expect(modelDrops.length).toBe(syns9.length);
    expect(new Set(modelDrops.map((d) => d.reason))).toEqual(new Set(['conntrack-insert-failed']));
    expect(m.forwardedToServer.some((p) => p.seq === syns9[0]!.seq)).toBe(false);
    // conntrack -S: each of those SYNs failed to insert and was dropped.
    const stat = (name: string): number => [...k.conntrackStats.matchAll(new RegExp(`${name}=(\\d+)`, 'g'))].reduce((a, x) => a + Number(x[1]), 0);
    expect(stat('insert_failed')).toBe(syns9.length);
    expect(m.router.netfilter.conntrack.stats.insert_failed).toBe(syns9.length);
    expect(m.router.netfilter.conntrack.stats.drop).toBe(stat('drop'));
  });

  it('has the same conntrack entries (tuples, states, flags), timeouts within 2 s', () => {
    const model = m.router.netfilter.conntrackList(m.nowUs).trim().split('\n').filter((l) => !l.startsWith('conntrack v'));
    const a = k.conntrack.map(conntrackShape).sort((x, y) => (x.key < y.key ? -1 : 1));
    const b = model.map(conntrackShape).sort((x, y) => (x.key < y.key ? -1 : 1));
    expect(b.map((x) => x.key)).toEqual(a.map((x) => x.key));
    for (const [i, x] of a.entries()) expect(Math.abs(x.timeout - b[i]!.timeout)).toBeLessThanOrEqual(2);
    expect(b.map((x) => x.replyPort).sort()).toEqual(a.map((x) => x.replyPort).sort());
    const entries: Conn[] = m.router.netfilter.conntrack.entries(m.nowUs);
    expect(entries).toHaveLength(8);
  });

  it('counts the same packets on the SNAT rule: one per new connection, and one per SYN of the 9th', () => {
    const syns9 = k.client.filter((w) => w.sport === 50009 && w.flags === TCP_SYN).length;
    const kernelRule = /^\s*(\d+)\s+(\d+)\s+SNAT/m.exec(k.natList)!;
    expect(Number(kernelRule[1])).toBe(8 + syns9);
    const model = m.router.iptables('-t nat -L POSTROUTING -v -n -x');
    expect(model.ok && model.output).toBe(k.natList);
    const s = m.router.iptables('-t nat -S');
    expect(s.ok && s.output).toBe(k.natS);
  });

  it('picks the same address from an SNAT address range as the kernel (jhash of source and destination)', () => {
    const [lo, hi] = ADDRESS_RANGE.split('-').map(ip) as [number, number];
    const range: NatRange = { flags: NF_NAT_RANGE_MAP_IPS, minAddr: lo, maxAddr: hi, minPort: 0, maxPort: 0 };
    const dsts = Object.keys(k.addressChoice);
    expect(dsts.length).toBe(40);
    expect(new Set(Object.values(k.addressChoice)).size).toBeGreaterThan(1);
    for (const d of dsts) expect(ipv4ToString(bestAddress(ip('10.210.1.2'), ip(d), range)), d).toBe(k.addressChoice[d]);
  });

  it('maps like the kernel: reuse toward new destinations, port preservation, another port on a clash', () => {
    const km = k.mapping;
    const p = km['7000>10.210.2.2']!;
    // Kernel: the same inside ip:port keeps one public port toward every destination...
    expect([km['7000>10.210.2.3'], km['7000>10.210.2.4'], km['7000>10.210.2.5']]).toEqual([p, p, p]);
    // ...a port inside the range is kept...
    expect(km['20005>10.210.2.2']).toBe(20005);
    // ...and a source port equal to a public port in use toward the same destination moves.
    expect(km[`${p}>10.210.2.2`]).not.toBe(p);
    // The model, fed the same datagrams (its own random port for 7000):
    const r = new LinuxRouter({ interfaces: [{ name: 'eth0', address: '10.210.1.1/24' }, { name: 'eth1', address: '10.210.2.1/24' }], rng: new Rng(11, 'mapping') });
    for (const line of [RULE, ADDRESS_RULE, MAPPING_RULE]) expect(r.iptables(line).ok).toBe(true);
    const send = (item: string, t: number): number => {
      const [sp, dst] = item.split('>') as [string, string];
      const res = r.receive({ proto: 17, src: ip('10.210.1.2'), dst: ip(dst), sport: Number(sp), dport: 9, length: 29 }, 'eth0', t);
      if (res.verdict !== 'forward') throw new Error(`${item} dropped`);
      return res.packet.sport;
    };
    const mm: Record<string, number> = {};
    for (const [i, item] of k.mappingSteps[0]!.entries()) mm[item] = send(item, i);
    const q = mm['7000>10.210.2.2']!;
    mm[`${q}>10.210.2.2`] = send(`${q}>10.210.2.2`, 10);
    mm['7000>10.210.2.5'] = send('7000>10.210.2.5', 11);
    expect([mm['7000>10.210.2.3'], mm['7000>10.210.2.4'], mm['7000>10.210.2.5']]).toEqual([q, q, q]);
    expect(mm['20005>10.210.2.2']).toBe(20005);
    expect(mm[`${q}>10.210.2.2`]).not.toBe(q);
    expect(q >= 20000 && q <= 20099 && p >= 20000 && p <= 20099).toBe(true);
  });

  it('records which iptables it compared with', () => {
    expect(k.backend).toMatch(/^iptables v1\.8\./);
  });
});

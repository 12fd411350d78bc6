/**
 * The Linux router node and the fabric's route tables (router-node.ts, fabric-routes.ts): what
 * Azure does with each next hop type, what the router does with packets for itself, and the
 * kernel-like reasons of its drops.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDecodeAs, dissect, fieldsByName } from '../dissect/index.ts';
import { hasTool } from '../dissect/test-util.ts';
import { toPcap } from '../pcap-export.ts';
import type { CapturedFrame } from '../sim/types.ts';
import { Simulation } from './simulation.ts';
import { expectFrame, internetHost, scenarioOf, type Resources } from './test-util.ts';

const TSHARK = hasTool('tshark', ['--version']);

type Route = { name: string; addressPrefix: string; nextHopType: 'VirtualAppliance' | 'VnetLocal' | 'Internet' | 'None'; nextHopIpAddress?: string };

/** client 10.0.1.4 in 'clients' (route table 'rt'), router eth0 10.0.1.10 + uplink 203.0.113.5, a plain VM 10.0.1.20, server 198.51.100.10. */
function world(o: { routes?: Route[]; iptables?: string[]; routerRoutes?: string[]; vmForwarding?: boolean }): Resources {
  return [
    { id: 'vnet', kind: 'vnet', name: 'vnet', addressSpace: ['10.0.0.0/16'] },
    { id: 'clients', kind: 'subnet', name: 'clients', vnet: 'vnet', addressPrefix: '10.0.1.0/24', routeTable: 'rt' },
    { id: 'apps', kind: 'subnet', name: 'apps', vnet: 'vnet', addressPrefix: '10.0.2.0/24' },
    { id: 'rt', kind: 'routeTable', name: 'rt', routes: o.routes ?? [{ name: 'to-router', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.10' }] },
    { id: 'client', kind: 'vm', name: 'client' },
    { id: 'client-nic', kind: 'nic', name: 'client-nic', vm: 'client', subnet: 'clients', ipConfigs: [{ name: 'c', privateIp: '10.0.1.4' }] },
    { id: 'other', kind: 'vm', name: 'other', services: [{ type: 'tcp-accept', port: 80 }] },
    { id: 'other-nic', kind: 'nic', name: 'other-nic', vm: 'other', subnet: 'clients', enableIpForwarding: o.vmForwarding ?? false, ipConfigs: [{ name: 'c', privateIp: '10.0.1.20' }] },
    { id: 'app', kind: 'vm', name: 'app', services: [{ type: 'tcp-accept', port: 80 }] },
    { id: 'app-nic', kind: 'nic', name: 'app-nic', vm: 'app', subnet: 'apps', ipConfigs: [{ name: 'c', privateIp: '10.0.2.4' }] },
    { id: 'r', kind: 'linuxRouter', name: 'r', uplinks: [{ address: '203.0.113.5' }], routes: o.routerRoutes ?? [], iptables: o.iptables ?? ['-t nat -A POSTROUTING -o eth1 -j MASQUERADE'] },
    { id: 'r-nic', kind: 'nic', name: 'r-nic', vm: 'r', subnet: 'clients', enableIpForwarding: true, ipConfigs: [{ name: 'c', privateIp: '10.0.1.10' }] },
    internetHost('server', '198.51.100.10', [{ type: 'tcp-accept', port: 80 }, { type: 'udp-echo', port: 53 }]),
  ];
}

function run(resources: Resources, traffic: NonNullable<Parameters<typeof scenarioOf>[0]['traffic']>, captures: { id: string; node: string; iface?: string }[] = []) {
  const sim = Simulation.create(scenarioOf({ resources, traffic, captures, settings: { durationSeconds: 3 } }));
  sim.run();
  return sim;
}

describe('route tables in the fabric', () => {
  it('VirtualAppliance: the client reaches the Internet through the router, MASQUERADEd to its uplink', () => {
    const sim = run(world({}), [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }]);
    expect(sim.flows()[0]).toMatchObject({ outcome: 'established', seenAs: expect.stringMatching(/^203\.0\.113\.5:\d+$/) });
  });

  it('None drops, naming the route table and the route', () => {
    const sim = run(world({ routes: [{ name: 'blackhole', addressPrefix: '198.51.100.0/24', nextHopType: 'None' }] }), [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }]);
    const d = sim.drops()[0]!;
    expect(d).toMatchObject({ node: 'vnet', code: 'udr-none' });
    expect(d.reason).toBe("route 'blackhole' (198.51.100.0/24) of route table 'rt' has next hop type None: Azure drops traffic to 198.51.100.10");
  });

  it('a user-defined route beats the system route of the same length (VnetLocal 10.0.0.0/16)', () => {
    const sim = run(world({ routes: [{ name: 'no-east-west', addressPrefix: '10.0.0.0/16', nextHopType: 'None' }] }), [{ id: 't', type: 'tcp', from: 'client', to: 'app:80' }]);
    expect(sim.drops()[0]).toMatchObject({ code: 'udr-none', reason: expect.stringContaining("route 'no-east-west'") });
    expect(sim.flows()[0]!.outcome).not.toBe('established');
  });

  it('the longer prefix wins: VnetLocal 10.0.0.0/16 over a UDR 0.0.0.0/0', () => {
    const sim = run(world({ routes: [{ name: 'all', addressPrefix: '0.0.0.0/0', nextHopType: 'None' }] }), [{ id: 't', type: 'tcp', from: 'client', to: 'app:80' }]);
    expect(sim.flows()[0]!.outcome).toBe('established');
  });

  it('a next hop no NIC holds drops the packet with the address', () => {
    const sim = run(world({ routes: [{ name: 'gone', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.99' }] }), [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }]);
    expect(sim.drops()[0]).toMatchObject({ code: 'udr-no-appliance', reason: expect.stringContaining("virtual appliance 10.0.1.99, but no NIC in virtual network 'vnet' has that address") });
  });

  it('an appliance NIC without IP forwarding: Azure drops what is not addressed to it', () => {
    const sim = run(world({ routes: [{ name: 'via-other', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.20' }] }), [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }]);
    const d = sim.drops()[0]!;
    expect(d).toMatchObject({ node: 'vnet', code: 'ip-forwarding-off' });
    expect(d.reason).toContain("NIC 'other-nic' (10.0.1.20) of other, which has IP forwarding off");
  });

  it("honours the router's explicit next hop: 'via 10.0.1.20' delivers to that NIC whatever the destination", () => {
    const sim = run(world({ routerRoutes: ['10.0.2.0/24 via 10.0.1.20'], vmForwarding: true, routes: [{ name: 'apps-via-router', addressPrefix: '10.0.2.0/24', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.10' }] }), [
      { id: 't', type: 'tcp', from: 'client', to: 'app:80' },
    ]);
    // 'other' is a plain VM: its guest does not forward, so it drops what the fabric handed it.
    expect(sim.drops()[0]).toMatchObject({ node: 'other', code: 'not-for-host' });
  });
});

describe('the Linux router node', () => {
  it('FORWARD policy DROP: dropped at the router with the hook named', () => {
    const sim = run(world({ iptables: ['-P FORWARD DROP'] }), [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }]);
    const d = sim.drops()[0]!;
    expect(d).toMatchObject({ node: 'r', code: 'filter-policy' });
    expect(d.reason).toMatch(/^FORWARD policy DROP: no rule of the filter table's FORWARD chain accepted 10\.0\.1\.4:\d+ → 198\.51\.100\.10:80 on r$/);
  });

  it('a DROP rule is named as iptables -S prints it', () => {
    const sim = run(world({ iptables: ['-A FORWARD -p tcp --dport 80 -j DROP'] }), [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }]);
    expect(sim.drops()[0]!.reason).toMatch(/^iptables -A FORWARD -p tcp -m tcp --dport 80 -j DROP dropped /);
  });

  it('answers ping, RSTs a TCP connect to a closed port and sends ICMP port unreachable for UDP, as Linux does', () => {
    const sim = run(
      world({}),
      [
        { id: 'ping', type: 'ping', from: 'client', to: '10.0.1.10', count: 2, intervalMs: 10 },
        { id: 'ssh', type: 'tcp', from: 'client', to: '10.0.1.10:22', startMs: 100 },
        { id: 'dns', type: 'udp', from: 'client', to: '10.0.1.10:53', startMs: 200 },
      ],
      [{ id: 'cap', node: 'client' }],
    );
    const byTraffic = (id: string) => sim.flows().filter((f) => f.traffic === id);
    expect(byTraffic('ping').map((f) => f.outcome)).toEqual(['answered', 'answered']);
    expect(byTraffic('ssh')[0]!.outcome).toBe('reset');
    expect(byTraffic('dns')[0]!.outcome).not.toBe('answered');
    const frames = sim.captures()[0]!.frames.filter((f) => f.direction === 'in');
    const unreachable = frames.find((f) => f.data[23] === 1 && f.data[34] === 3)!;
    expectFrame(unreachable.data).ipv4({ src: '10.0.1.10', dst: '10.0.1.4' }).icmp({ kind: 'destUnreachable' });
  });

  it('captures on its interfaces: ethN, with the translated packet on the uplink and TTL decremented', () => {
    const sim = run(world({}), [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }], [{ id: 'up', node: 'r', iface: 'eth1' }]);
    const out = sim.captures()[0]!.frames.find((f) => f.direction === 'out')!;
    expect(out.iface).toBe('eth1');
    expectFrame(out.data).ipv4({ src: '203.0.113.5', dst: '198.51.100.10', ttl: 63 }).tcp({ dstPort: 80, flags: 'SYN' });
  });

  it('reports iptables, conntrack, routes and refused lines', () => {
    // The checks refuse such a document; a run of one that skipped them applies what it can.
    const doc = scenarioOf({ resources: world({ routerRoutes: ['10.9.0.0/16 via 10.0.1.20'] }), traffic: [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }], settings: { durationSeconds: 3 } });
    const r = doc.resources.find((x) => x.id === 'r')!;
    if (r.kind !== 'linuxRouter') throw new Error('no router');
    r.iptables.push('-t nat -A PREROUTING -j MASQUERADE');
    r.routes.push('default via 192.0.2.1');
    const sim = Simulation.create(doc);
    sim.run();
    const [row] = sim.netfilter();
    expect(row!.errors).toEqual([
      'routes[1]: Error: Nexthop has invalid gateway (192.0.2.1 is on none of the router\'s networks)',
      expect.stringMatching(/^iptables\[1\]: iptables v1\.8\.9 \(nf_tables\): .*MASQUERADE/),
    ]);
    expect(row!.routes).toEqual(['default via 203.0.113.1 dev eth1', '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10', '10.9.0.0/16 via 10.0.1.20 dev eth0', '203.0.113.0/24 dev eth1 proto kernel scope link src 203.0.113.5']);
    expect(row!.conntrack).toEqual([expect.stringMatching(/^tcp {6}6 \d+ ESTABLISHED src=10\.0\.1\.4 dst=198\.51\.100\.10 sport=\d+ dport=80 src=198\.51\.100\.10 dst=203\.0\.113\.5 .*\[ASSURED\]/)]);
    expect(row!.interfaces.map((i) => i.attached)).toEqual(["subnet 'clients' (10.0.1.0/24) of virtual network 'vnet'", 'the Internet']);
    expect(sim.report().netfilter).toHaveLength(1);
  });
});

describe('ip route of a router', () => {
  it('a NIC with two ipconfigs in one subnet has one connected route, from the primary address (as fib_add_ifaddr)', () => {
    const resources = world({});
    const nic = resources.find((x) => x.id === 'r-nic');
    if (nic?.kind !== 'nic') throw new Error('no nic');
    nic.ipConfigs = [{ name: 'c', privateIp: '10.0.1.10' }, { name: 'd', privateIp: '10.0.1.11', primary: false }];
    const sim = run(resources, []);
    const [row] = sim.netfilter();
    expect(row!.interfaces[0]!.addresses).toEqual(['10.0.1.10/24', '10.0.1.11/24']);
    expect(row!.routes).toEqual(['default via 203.0.113.1 dev eth1', '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10', '203.0.113.0/24 dev eth1 proto kernel scope link src 203.0.113.5']);
  });
});

describe('a routing loop through the route table', () => {
  it("a router with no uplink sending the client's traffic back into its own routed subnet: TTL runs out at the router, which sends ICMP time exceeded", () => {
    const resources = world({ iptables: [] });
    const r = resources.find((x) => x.id === 'r');
    if (r?.kind !== 'linuxRouter') throw new Error('no router');
    Object.assign(r, { uplinks: [], routes: ['default via 10.0.1.1'] });
    const sim = run(resources, [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }], [{ id: 'cap', node: 'client' }]);
    const d = sim.drops().find((x) => x.code === 'ttl-exceeded')!;
    expect(d.node).toBe('r');
    expect(d.reason).toMatch(/^TTL exceeded in transit at r \(10\.0\.1\.4:\d+ → 198\.51\.100\.10:80\); it sends ICMP time exceeded to 10\.0\.1\.4$/);
    const icmp = sim.captures()[0]!.frames.find((f) => f.direction === 'in' && f.data[23] === 1)!;
    expectFrame(icmp.data).ipv4({ src: '10.0.1.10', dst: '10.0.1.4' }).icmp({ kind: 'timeExceeded' });
  });
});

describe('a Linux router behind Azure outbound (no uplink: an NVA VM)', () => {
  const nvaWorld = (iptables: string[], publicIp: boolean): Resources => [
    { id: 'vnet', kind: 'vnet', name: 'vnet', addressSpace: ['10.0.0.0/16'] },
    { id: 'clients', kind: 'subnet', name: 'clients', vnet: 'vnet', addressPrefix: '10.0.1.0/24', routeTable: 'rt' },
    { id: 'nva-sn', kind: 'subnet', name: 'nva-sn', vnet: 'vnet', addressPrefix: '10.0.2.0/24' },
    { id: 'rt', kind: 'routeTable', name: 'rt', routes: [{ name: 'to-nva', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.2.10' }] },
    { id: 'client', kind: 'vm', name: 'client' },
    { id: 'client-nic', kind: 'nic', name: 'client-nic', vm: 'client', subnet: 'clients', ipConfigs: [{ name: 'ipconfig1', privateIp: '10.0.1.4' }] },
    { id: 'nva', kind: 'linuxRouter', name: 'nva', routes: ['default via 10.0.2.1 dev eth0'], iptables },
    { id: 'nva-pip', kind: 'publicIp', name: 'nva-pip', address: '20.1.2.3' },
    { id: 'nva-eth0', kind: 'nic', name: 'nva-eth0', vm: 'nva', subnet: 'nva-sn', enableIpForwarding: true, ipConfigs: [{ name: 'ipconfig1', privateIp: '10.0.2.10', ...(publicIp ? { publicIp: 'nva-pip' } : {}) }] },
    internetHost('web', '198.51.100.10', [{ type: 'http-echo', port: 80 }]),
  ];
  const go = (iptables: string[], publicIp: boolean) => {
    const s = Simulation.create(scenarioOf({ settings: { durationSeconds: 3 }, resources: nvaWorld(iptables, publicIp), traffic: [{ id: 't', type: 'tcp', from: 'client', to: 'web:80', request: 'http', count: 1 }] }));
    s.run();
    return s;
  };

  it('MASQUERADE to its NIC address, then the NIC ipconfig ILPIP: the server sees the public IP', () => {
    const s = go(['-t nat -A POSTROUTING -o eth0 -j MASQUERADE'], true);
    expect(s.flows()[0]).toMatchObject({ outcome: 'established' });
    expect(s.flows()[0]!.seenAs?.startsWith('20.1.2.3:')).toBe(true);
    expect(s.outboundPaths().find((p) => p.vm === 'nva')).toMatchObject({ mechanism: 'ilpip', publicIps: ['20.1.2.3'] });
  });

  it('without SNAT on the router, the forwarded packet is refused with the reason (not sent as if the client sent it)', () => {
    const s = go([], true);
    expect(s.flows()[0]!.outcome).not.toBe('established');
    expect(s.drops()[0]).toMatchObject({ code: 'forwarded-untranslated' });
    expect(s.drops()[0]!.reason).toContain('SNAT or MASQUERADE it on nva first');
  });
});

/** ICMP errors (type 3 or 11) among the frames: the byte after the 20-byte IP header. */
const icmpErrors = (frames: readonly CapturedFrame[]) => frames.filter((f) => f.direction === 'out' && f.data[23] === 1 && (f.data[34] === 3 || f.data[34] === 11));

/** Per frame, every value of each field (outer layers first, then the quoted datagram's), by our dissector. */
function ours(frames: readonly CapturedFrame[], names: string[]): Record<string, string[]>[] {
  return frames.map((f) => {
    const d = dissect(f.data, 1, defaultDecodeAs(), { verifyChecksums: true });
    const byName = fieldsByName(d, names);
    return Object.fromEntries(names.map((n) => [n, (byName.get(n) ?? []).map((x) => x.display ?? String(x.value))]));
  });
}

/** The same fields by tshark (checksums verified), and its expert errors. */
function tshark(frames: readonly CapturedFrame[], names: string[]): { fields: Record<string, string[]>[]; experts: string } {
  const dir = mkdtempSync(join(tmpdir(), 'netplay-icmp-'));
  try {
    const file = join(dir, 'x.pcap');
    writeFileSync(file, toPcap(frames));
    const prefs = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];
    const json = execFileSync('tshark', ['-r', file, ...prefs, '-T', 'json', ...names.flatMap((n) => ['-e', n])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const fields = (JSON.parse(json) as { _source: { layers: Record<string, string[]> } }[]).map((x) => Object.fromEntries(names.map((n) => [n, x._source.layers[n] ?? []])));
    const experts = execFileSync('tshark', ['-r', file, ...prefs, '-z', 'expert,warn', '-q'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { fields, experts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the router's ICMP errors quote the datagram as Linux's icmp_send does", () => {
  const names = ['ip.len', 'ip.id', 'ip.ttl', 'ip.checksum.status', 'udp.length', 'udp.checksum.status', 'tcp.seq_raw', 'tcp.srcport', 'tcp.dstport'];

  it('port unreachable: the IP header verbatim, the real UDP length and checksum, at most 576 bytes in all', () => {
    const sim = run(
      world({}),
      [
        { id: 'small', type: 'udp', from: 'server', to: '203.0.113.5:53', payloadBytes: 32 },
        { id: 'big', type: 'udp', from: 'server', to: '203.0.113.5:53', payloadBytes: 1000, startMs: 100 },
      ],
      [{ id: 'up', node: 'r', iface: 'eth1' }],
    );
    const frames = sim.captures()[0]!.frames;
    const sent = frames.filter((f) => f.direction === 'in');
    const errors = icmpErrors(frames);
    expect(errors.map((f) => f.data.length)).toEqual([14 + 20 + 8 + 60, 14 + 576]);
    // The quote is the datagram as it arrived: its first bytes, byte for byte (548 of the big one).
    expect(Array.from(errors[0]!.data.subarray(42))).toEqual(Array.from(sent[0]!.data.subarray(14)));
    expect(Array.from(errors[1]!.data.subarray(42))).toEqual(Array.from(sent[1]!.data.subarray(14, 14 + 548)));
    const id = (f: CapturedFrame) => String((f.data[18]! << 8) | f.data[19]!);
    const want = [
      { 'ip.len': ['88', '60'], 'ip.id': [expect.any(String), id(sent[0]!)], 'ip.ttl': ['64', '64'], 'ip.checksum.status': ['Good', 'Good'], 'udp.length': ['40'], 'udp.checksum.status': ['Good'] },
      { 'ip.len': ['576', '1028'], 'ip.id': [expect.any(String), id(sent[1]!)], 'ip.ttl': ['64', '64'], 'ip.checksum.status': ['Good', 'Good'], 'udp.length': ['1008'] },
    ];
    const mine = ours(errors, names);
    expect(mine).toMatchObject(want);
    if (!TSHARK) return;
    const t = tshark(errors, names);
    const num = (v: string) => (/^0x/.test(v) ? String(parseInt(v, 16)) : v);
    expect(t.fields.map((f) => [f['ip.len'], f['ip.id']!.map(num).slice(1), f['udp.length']])).toEqual(mine.map((f) => [f['ip.len'], f['ip.id']!.slice(1), f['udp.length']]));
    expect(t.experts).not.toMatch(/Bad length|Bad checksum|\[incorrect|Malformed/i);
  });

  it('time exceeded about a TCP SYN: its real length, TTL 1, ports and sequence number', () => {
    const resources = world({ iptables: [] });
    const r = resources.find((x) => x.id === 'r');
    if (r?.kind !== 'linuxRouter') throw new Error('no router');
    Object.assign(r, { uplinks: [], routes: ['default via 10.0.1.1'] });
    const sim = run(resources, [{ id: 't', type: 'tcp', from: 'client', to: 'server:80' }], [{ id: 'cap', node: 'r' }]);
    const frames = sim.captures()[0]!.frames;
    const syn = frames.find((f) => f.direction === 'in' && f.data[23] === 6)!;
    const errors = icmpErrors(frames);
    expect(errors.length).toBeGreaterThan(0);
    const seq = String(((syn.data[38]! << 24) | (syn.data[39]! << 16) | (syn.data[40]! << 8) | syn.data[41]!) >>> 0);
    const sport = String((syn.data[34]! << 8) | syn.data[35]!);
    const mine = ours(errors.slice(0, 1), names);
    expect(mine[0]).toMatchObject({ 'ip.len': ['88', '60'], 'ip.ttl': ['64', '1'], 'ip.checksum.status': ['Good', 'Good'], 'tcp.seq_raw': [seq], 'tcp.srcport': [sport], 'tcp.dstport': ['80'] });
    if (!TSHARK) return;
    // tshark shows a quoted TCP header's sequence number absolute, as tcp.seq (no tcp.seq_raw).
    const t = tshark(errors.slice(0, 1), [...names, 'tcp.seq', 'tcp.checksum.status']);
    expect(t.fields[0]).toMatchObject({ 'ip.len': ['88', '60'], 'ip.ttl': ['64', '1'], 'tcp.seq': [seq], 'tcp.srcport': [sport], 'tcp.dstport': ['80'], 'tcp.checksum.status': ['1'] }); // 1: Good
    expect(t.experts).not.toMatch(/Bad length|Bad checksum|\[incorrect|Malformed/i);
  });

  it("NAT on the way back rewrites the quoted datagram (RFC 5508) and keeps its checksums right: another router's port unreachable reaches the client", () => {
    const resources: Resources = [
      ...world({}),
      { id: 'far', kind: 'linuxRouter', name: 'far', uplinks: [{ address: '192.0.2.7' }], routes: [], iptables: [] },
    ];
    const sim = run(resources, [{ id: 'u', type: 'udp', from: 'client', to: '192.0.2.7:53', payloadBytes: 32 }], [{ id: 'cap', node: 'client' }]);
    const frames = sim.captures()[0]!.frames;
    const sent = frames.find((f) => f.direction === 'out' && f.data[23] === 17)!;
    const error = frames.find((f) => f.direction === 'in' && f.data[23] === 1 && f.data[34] === 3)!;
    expectFrame(error.data).ipv4({ src: '192.0.2.7', dst: '10.0.1.4' }).icmp({ kind: 'destUnreachable' });
    // The quote is what the client sent, as it sent it (MASQUERADE undone), except the TTL its router decremented.
    const quote = error.data.subarray(42);
    const original = sent.data.subarray(14);
    expect(quote[8]).toBe(original[8]! - 1);
    expect(Array.from(quote.subarray(12))).toEqual(Array.from(original.subarray(12)));
    const mine = ours([error], names)[0]!;
    expect(mine).toMatchObject({ 'ip.len': ['88', '60'], 'ip.checksum.status': ['Good', 'Good'], 'udp.length': ['40'], 'udp.checksum.status': ['Good'] });
    if (!TSHARK) return;
    const t = tshark([error], [...names, 'ip.src', 'udp.srcport']);
    expect(t.fields[0]).toMatchObject({ 'ip.src': ['192.0.2.7', '10.0.1.4'], 'udp.srcport': [String((original[20]! << 8) | original[21]!)], 'udp.length': ['40'] });
    expect(t.experts).not.toMatch(/Bad length|Bad checksum|\[incorrect|Malformed/i);
  });

  it('rate limited per destination as net.ipv4.icmp_ratelimit: a burst of 6, then one a second', () => {
    const doc = scenarioOf({
      resources: world({}),
      traffic: [{ id: 'flood', type: 'udp', from: 'server', to: '203.0.113.5:53', count: 60, intervalMs: 50 }],
      captures: [{ id: 'up', node: 'r', iface: 'eth1' }],
      settings: { durationSeconds: 4 },
    });
    const sim = Simulation.create(doc);
    sim.run();
    const frames = sim.captures()[0]!.frames;
    const t0 = frames.find((f) => f.direction === 'in')!.t;
    // Tokens: 6 s at first, −1 s per error, +elapsed: errors at 0–250 ms, then at 1 s and 2 s (2.95 s has 0.95 s).
    expect(icmpErrors(frames).map((f) => Math.round((f.t - t0) / 1000))).toEqual([0, 50, 100, 150, 200, 250, 1000, 2000]);
    expect(frames.filter((f) => f.direction === 'in')).toHaveLength(60);
  });
});

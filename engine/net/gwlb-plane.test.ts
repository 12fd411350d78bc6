/**
 * Gateway load balancer chaining in the simulator (gwlb-plane.ts, gwlb-build.ts, nva-node.ts):
 * scenarios written in code, asserting sockets, drops, probe states, the trace and capture bytes.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../model/scenario.ts';
import { emitFrame, parseFrameWithChecks } from '../wire/frame.ts';
import { parseIpv4 } from '../wire/addr.ts';
import { frameOf } from './capture.ts';
import { Packet, PROTO_TCP, PROTO_UDP, SYN } from './packet.ts';
import { Simulation } from './simulation.ts';
import { expectFrame, internetHost, scenarioOf, vnetWithVms, type Resources } from './test-util.ts';

const S = 1_000_000;
type Doc = Partial<ScenarioInput>;

/** srv (10.0.0.4, ILPIP 20.0.0.4) chained to gw1 (10.7.0.4); nva1 (10.7.1.5) behind it; client on the Internet. */
function world(o: { firewall?: string[]; doc?: Doc; traffic?: ScenarioInput['traffic']; timeline?: ScenarioInput['timeline'] } = {}) {
  const resources: Resources = [
    ...vnetWithVms({ id: 'app', space: '10.0.0.0/16', subnets: [{ id: 'app-sn', prefix: '10.0.0.0/24' }] }, [
      { id: 'srv', subnet: 'app-sn', ip: '10.0.0.4', publicIp: '20.0.0.4', services: [{ type: 'tcp-accept', port: 22 }, { type: 'udp-echo', port: 53 }] },
    ]),
    { id: 'provider', kind: 'vnet', name: 'provider', addressSpace: ['10.7.0.0/16'] },
    { id: 'gw-sn', kind: 'subnet', name: 'gw-sn', vnet: 'provider', addressPrefix: '10.7.0.0/24' },
    { id: 'nva-sn', kind: 'subnet', name: 'nva-sn', vnet: 'provider', addressPrefix: '10.7.1.0/24' },
    {
      id: 'gw1',
      kind: 'loadBalancer',
      name: 'gw1',
      sku: 'Gateway',
      frontends: [{ name: 'fe', subnet: 'gw-sn', privateIp: '10.7.0.4' }],
      backendPools: [{ name: 'nvas', tunnelInterfaces: [{ type: 'Internal', port: 10800, identifier: 800 }, { type: 'External', port: 10801, identifier: 801 }] }],
      probes: [{ name: 'p8080', protocol: 'Tcp', port: 8080, intervalInSeconds: 5, probeThreshold: 2 }],
      rules: [{ name: 'ha', frontend: 'fe', backendPool: 'nvas', protocol: 'All', frontendPort: 0, backendPort: 0, probe: 'p8080' }],
    },
    { id: 'nva1', kind: 'nva', name: 'nva1', firewall: o.firewall ?? [] },
    { id: 'nva1-nic', kind: 'nic', name: 'nva1-nic', vm: 'nva1', subnet: 'nva-sn', ipConfigs: [{ name: 'ipconfig1', privateIp: '10.7.1.5', loadBalancerBackendPools: ['gw1/nvas'] }] },
    internetHost('client', '203.0.113.9', [{ type: 'tcp-accept', port: 443 }]),
  ];
  const nic = resources.find((r) => r.id === 'srv-nic') as { ipConfigs: { gatewayLoadBalancer?: string }[] };
  nic.ipConfigs[0]!.gatewayLoadBalancer = 'gw1/fe';
  return scenarioOf({
    resources,
    settings: { seed: 1, durationSeconds: 30, healthProbes: 'packets' },
    traffic: o.traffic ?? [],
    timeline: o.timeline ?? [],
    ...o.doc,
  });
}

const sshIn = (id: string, startMs: number) => ({ id, type: 'tcp' as const, from: 'client', to: 'srv-pip:22', startMs });

describe('gateway load balancer chain', () => {
  it("stopService on the NVA's health port: 2 failed probes later it is down and new flows drop with no-healthy-nva; startService brings it back", () => {
    const sim = Simulation.create(
      world({
        traffic: [sshIn('before', 1000), sshIn('while-down', 12_000), sshIn('after', 22_000)],
        timeline: [
          { atMs: 2000, action: 'stopService', host: 'nva1', port: 8080 },
          { atMs: 13_000, action: 'startService', host: 'nva1', port: 8080 },
        ],
      }),
    );
    sim.runUntil(12.5 * S);
    const gw = () => sim.loadBalancers().find((l) => l.id === 'gw1')!;
    expect(gw().probes).toEqual([{ probe: 'p8080', member: 'nva1', dip: '10.7.1.5', state: 'down', last: 'RST' }]);
    const notes = sim.traceSince(0).filter((e) => e.kind === 'note' && e.node === 'gw1' && e.summary.startsWith("gateway load balancer 'gw1': nva1"));
    expect(notes.map((e) => [e.t, e.summary.replace(/ \(last.*$/, '')])).toEqual([
      [expect.any(Number), "gateway load balancer 'gw1': nva1 (10.7.1.5) is up for probe 'p8080': 1 consecutive success"],
      [10 * S + 200, "gateway load balancer 'gw1': nva1 (10.7.1.5) is down for probe 'p8080': 2 consecutive failures"],
    ]);
    const drops = sim.drops();
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ node: 'gw1', code: 'no-healthy-nva', reason: 'gw1: no NVA answers its health probe: no new flows (AllProbedDown).' });
    sim.runUntil(30 * S);
    expect(gw().probes[0]).toMatchObject({ state: 'up', last: 'SYN+ACK' });
    // The SYN at 12 s and its retries at 13, 15 and 19 s are dropped; nva1 is up again at 20 s
    // (2 successes after startService), so the retry at 27 s gets through.
    expect(sim.drops().map((d) => [d.code, Math.round(d.t / 1000) / 1000])).toEqual([
      ['no-healthy-nva', 12.001],
      ['no-healthy-nva', 13.001],
      ['no-healthy-nva', 15.001],
      ['no-healthy-nva', 19.001],
    ]);
    const flow = (t: string) => sim.flows().find((f) => f.traffic === t)!;
    expect(flow('before').outcome).toBe('established');
    expect(flow('while-down').outcome).toBe('established');
    const synAtSrv = sim.traceSince(0).filter((e) => e.kind === 'deliver' && e.node === 'srv' && e.packet?.tcp?.flags === 'SYN');
    expect(synAtSrv.map((e) => Math.floor(e.t / S))).toEqual([1, 22, 27]);
    expect(flow('after').outcome).toBe('established');
    expect(sim.sockets()['srv']!.filter((s) => s.state === 'ESTABLISHED')).toHaveLength(3);
  });

  it('a connection the consumer opens goes out on the Internal tunnel first and its answer comes back through the same NVA', () => {
    const sim = Simulation.create(world({ traffic: [{ id: 'out', type: 'tcp', from: 'srv', to: 'client:443', startMs: 1000 }] }));
    sim.runUntil(2 * S);
    const f = sim.flows()[0]!;
    expect(f).toMatchObject({ outcome: 'established', seenAs: expect.stringMatching(/^20\.0\.0\.4:\d+$/) });
    const encaps = sim.traceSince(0).filter((e) => e.kind === 'encap' && e.node === 'gw1');
    expect(encaps[0]!.summary).toBe('GWLB gw1: VXLAN encap VNI 800 to nva1 10.7.1.5:10800 (Internal tunnel, egress)');
    // Source already rewritten to the ILPIP before the GWLB sees it.
    expect(encaps[0]!.after!.vxlan!.inner.ip.src).toBe('20.0.0.4');
    expect(encaps[1]!.summary).toBe('GWLB gw1: VXLAN encap VNI 801 to nva1 10.7.1.5:10801 (External tunnel, ingress)');
    expect(sim.loadBalancers().find((l) => l.id === 'gw1')!.flows).toBe(1);
  });

  it('ICMP echo and UDP cross the chain (the HA-ports rule carries every protocol)', () => {
    const sim = Simulation.create(
      world({
        traffic: [
          { id: 'ping', type: 'ping', from: 'client', to: 'srv-pip', count: 2 },
          { id: 'dns', type: 'udp', from: 'client', to: 'srv-pip:53', count: 2 },
        ],
      }),
    );
    sim.runUntil(2 * S);
    expect(sim.flows().map((f) => [f.traffic, f.outcome]).sort()).toEqual([
      ['dns', 'answered'],
      ['dns', 'answered'],
      ['ping', 'answered'],
      ['ping', 'answered'],
    ]);
    expect(sim.drops()).toEqual([]);
    // The bridge rewrites nothing.
    expect(sim.traceSince(0).filter((e) => e.kind === 'rewrite' && e.node === 'nva1')).toEqual([]);
    const conntrack = sim.netfilter().find((n) => n.node === 'nva1')!.conntrack;
    expect(conntrack.some((l) => l.startsWith('icmp') && l.includes('src=203.0.113.9 dst=20.0.0.4 type=8'))).toBe(true);
    expect(conntrack.some((l) => l.startsWith('udp') && l.includes('dport=53'))).toBe(true);
    // Conntrack timers run on the scheduler: ICMP after 30 s, the answered UDP exchange after 120 s.
    sim.runUntil(200 * S);
    expect(sim.netfilter().find((n) => n.node === 'nva1')!.conntrack.filter((l) => !l.startsWith('tcp'))).toEqual([]);
  });

  it('with healthProbes assumeUp no probe is sent and the NVA counts as up', () => {
    const sim = Simulation.create(world({ doc: { settings: { seed: 1, durationSeconds: 30, healthProbes: 'assumeUp' } }, traffic: [sshIn('ssh', 1000)] }));
    sim.runUntil(3 * S);
    expect(sim.traceSince(0).some((e) => e.packet?.ip.src === '168.63.129.16')).toBe(false);
    expect(sim.loadBalancers().find((l) => l.id === 'gw1')!.probes).toEqual([]);
    expect(sim.flows()[0]!.outcome).toBe('established');
  });

  it("an '-i ext' rule never matches a bridged packet: the GWLB row says so and the packet passes", () => {
    const sim = Simulation.create(world({ firewall: ['-A FORWARD -i ext -s 203.0.113.9 -j DROP'], traffic: [sshIn('ssh', 1000)] }));
    sim.runUntil(3 * S);
    expect(sim.flows()[0]!.outcome).toBe('established');
    const w = sim.loadBalancers().find((l) => l.id === 'gw1')!.warnings;
    expect(w.some((x) => x.startsWith('nva1: Line 1: for bridged packets -i and -o are the bridge (br0), so "ext" never matches'))).toBe(true);
  });

  it('the FORWARD policy DROP with an ESTABLISHED rule lets only what the rules allow through, and names the policy', () => {
    const sim = Simulation.create(
      world({
        firewall: ['-P FORWARD DROP', '-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT', '-A FORWARD -m physdev --physdev-in vxlan-ex -p tcp --dport 22 -j ACCEPT'],
        traffic: [sshIn('ssh', 1000), { id: 'out', type: 'tcp', from: 'srv', to: 'client:443', startMs: 1000 }],
      }),
    );
    sim.runUntil(2 * S);
    const outcome = (t: string) => sim.flows().find((f) => f.traffic === t)!.outcome;
    expect(outcome('ssh')).toBe('established');
    expect(outcome('out')).toBe('pending');
    const d = sim.drops()[0]!;
    expect(d).toMatchObject({ node: 'nva1', code: 'filter-policy' });
    expect(d.reason).toBe('nva1 FORWARD policy DROP dropped it while bridging it from vxlan-in (VXLAN from the GWLB): no rule accepted it');
  });

  it('settings.latency: the chain costs 2 × gwlbProcessing + 2 × vnetHop + 2 × hostStack + nvaProcessing per direction, and both can be changed', () => {
    const avg = (latency: Record<string, number>) => {
      const sim = Simulation.create(
        world({ doc: { settings: { seed: 1, durationSeconds: 30, healthProbes: 'packets', latency } }, traffic: [{ id: 'ethr', type: 'tcpping', from: 'client', to: 'srv-pip:22', startMs: 1000, count: 5 }] }),
      );
      sim.run();
      return sim.tcpPings()[0]!.stats!.avg / 1000;
    };
    // Without the chain one way is internet 1,000 + edge round((625 + 10) / 2) = 318 + host stack 50.
    expect(avg({ internetUs: 1000 })).toBe(2 * (1000 + 318 + 50) + 2 * (2 * 430 + 2 * 625 + 2 * 50 + 100));
    expect(avg({ internetUs: 1000, gwlbProcessingUs: 0, nvaProcessingUs: 0 })).toBe(2 * (1000 + 318 + 50) + 2 * (2 * 625 + 2 * 50));
  });

  it('a Basic load balancer frontend cannot chain: the GWLB row says why and its traffic goes around the GWLB', () => {
    const doc = world({ traffic: [{ id: 'web', type: 'tcp', from: 'client', to: '20.0.0.50:80', startMs: 1000 }] });
    const resources = [
      ...doc.resources,
      { id: 'basic-pip', kind: 'publicIp' as const, name: 'basic-pip', address: '20.0.0.50', sku: 'Basic' as const },
      {
        id: 'basic-lb',
        kind: 'loadBalancer' as const,
        name: 'basic-lb',
        sku: 'Basic' as const,
        frontends: [{ name: 'fe', publicIp: 'basic-pip', gatewayLoadBalancer: 'gw1/fe' }],
        backendPools: [{ name: 'pool', tunnelInterfaces: [] }],
        probes: [],
        rules: [{ name: 'r', frontend: 'fe', backendPool: 'pool', protocol: 'Tcp' as const, frontendPort: 80, backendPort: 22, enableFloatingIP: false, loadDistribution: 'Default' as const, idleTimeoutInMinutes: 4, enableTcpReset: false, disableOutboundSnat: false }],
        outboundRules: [],
        noHealthyBackendsBehavior: 'AllProbedDown' as const,
      },
    ];
    const nic = resources.find((r) => r.id === 'srv-nic') as { ipConfigs: { loadBalancerBackendPools: string[] }[] };
    nic.ipConfigs[0]!.loadBalancerBackendPools = ['basic-lb/pool'];
    const sim = Simulation.create(scenarioOf({ ...doc, resources }));
    sim.runUntil(2 * S);
    expect(sim.loadBalancers().find((l) => l.id === 'gw1')!.warnings).toContain(
      "frontend 'fe' of basic-lb: only a Standard load balancer's frontend can chain to a gateway load balancer (this one is Basic).",
    );
    expect(sim.flows()[0]!.outcome).toBe('established');
    expect(sim.traceSince(0).some((e) => e.kind === 'encap' && e.flowId === sim.flows()[0]!.flowId)).toBe(false);
  });

  it("captures on nva1's vxlan-in and br0 hold the inner frames; on its NIC the outer ones", () => {
    const sim = Simulation.create(
      world({
        traffic: [sshIn('ssh', 1000)],
        doc: {
          captures: [
            { id: 'in', node: 'nva1', iface: 'vxlan-in' },
            { id: 'br', node: 'nva1', iface: 'br0' },
            { id: 'nic', node: 'nva1-nic' },
          ],
        },
      }),
    );
    sim.runUntil(2 * S);
    const caps = Object.fromEntries(sim.captures().map((c) => [c.id, c.frames]));
    // SYN, SYN+ACK, ACK: each crosses vxlan-in once (out toward the VM, in from it) and br0 once.
    expect(caps['in']!.map((f) => f.direction)).toEqual(['out', 'in', 'out']);
    expect(caps['br']!).toHaveLength(3);
    for (const f of [...caps['in']!, ...caps['br']!]) expectFrame(f.data).ipv4({}).tcp({});
    const tunnel = caps['nic']!.filter((f) => ((f.data[36]! << 8) | f.data[37]!) === 10800 || ((f.data[36]! << 8) | f.data[37]!) === 10801);
    expect(tunnel).toHaveLength(6);
    for (const f of tunnel) expectFrame(f.data).ipv4({}).udp({});
  });

  it('an encapsulated packet is written as outer Ethernet/IPv4/UDP (checksum 0)/VXLAN/inner frame', () => {
    const inner = new Packet(7, 1, PROTO_TCP, parseIpv4('8.8.8.8')!, parseIpv4('20.0.0.4')!);
    inner.srcPort = 40000;
    inner.dstPort = 22;
    inner.flags = SYN;
    inner.mss = 1460;
    const outer = new Packet(7, 1, PROTO_UDP, parseIpv4('10.7.0.4')!, parseIpv4('10.7.1.5')!);
    outer.srcPort = 50000;
    outer.dstPort = 10801;
    outer.vni = 801;
    outer.inner = inner;
    const bytes = emitFrame(frameOf(outer, '02:00:00:00:00:01', '12:34:56:78:9a:bc'));
    expect(bytes.length).toBe(14 + outer.ipLength);
    expect(outer.ipLength).toBe(20 + 8 + 8 + 14 + inner.ipLength);
    const p = parseFrameWithChecks(bytes, { vxlanPorts: new Set([10801]) });
    if (!p.ok) throw new Error(p.error.message);
    expect(p.value.checksums.every((c) => c.ok)).toBe(true);
    const l4 = p.value.frame.l4;
    if (l4?.kind !== 'udp') throw new Error('not UDP');
    expect(l4.zeroChecksum).toBe(true);
    expect(l4.vxlan!.header).toEqual({ flags: 0x08, vni: 801 });
    const i = l4.vxlan!.inner;
    if (i.net.kind !== 'ipv4' || i.l4?.kind !== 'tcp') throw new Error('inner not TCP/IPv4');
    expect([i.net.ip.src, i.net.ip.dst, i.l4.tcp.dstPort]).toEqual([inner.src, inner.dst, 22]);
  });
});

/**
 * The Linux router node and the fabric's route tables (router-node.ts, fabric-routes.ts): what
 * Azure does with each next hop type, what the router does with packets for itself, and the
 * kernel-like reasons of its drops.
 */
import { describe, expect, it } from 'vitest';
import { Simulation } from './simulation.ts';
import { expectFrame, internetHost, scenarioOf, type Resources } from './test-util.ts';

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

/**
 * Inbound load balancing in the simulator (lb-plane.ts): distribution modes over real
 * connections, internal frontends with HA ports, UDP, health probes as packets, and the seed.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../model/scenario.ts';
import { Simulation } from './simulation.ts';
import { internetHost, scenarioOf, vnetWithVms, type Resources } from './test-util.ts';

type Rule = Partial<{ loadDistribution: 'Default' | 'SourceIP' | 'SourceIPProtocol'; protocol: 'Tcp' | 'Udp' | 'All'; frontendPort: number; backendPort: number }>;

function lbScenario(rule: Rule, opts: { internal?: boolean; traffic: NonNullable<ScenarioInput['traffic']>; probes?: 'packets' | 'assumeUp'; seed?: number }) {
  const vms = [1, 2, 3].map((i) => ({ id: `vm${i}`, subnet: 'sn', ip: `10.0.0.${3 + i}`, pools: ['lb/pool'], services: [{ type: 'http-echo' as const, port: 80 }, { type: 'udp-echo' as const, port: 53 }, { type: 'tcp-accept' as const, port: 443 }] }));
  const resources: Resources = [
    ...vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [{ id: 'sn', prefix: '10.0.0.0/24' }] }, [...vms, { id: 'inside', subnet: 'sn', ip: '10.0.0.50' }]),
    { id: 'lb-pip', kind: 'publicIp', name: 'lb-pip', address: '20.9.9.9' },
    {
      id: 'lb',
      kind: 'loadBalancer',
      name: 'lb',
      frontends: [opts.internal ? { name: 'fe', subnet: 'sn', privateIp: '10.0.0.100' } : { name: 'fe', publicIp: 'lb-pip' }],
      backendPools: [{ name: 'pool' }],
      probes: [{ name: 'hp', protocol: 'Http', port: 80, requestPath: '/' }],
      rules: [{ name: 'r', frontend: 'fe', backendPool: 'pool', protocol: rule.protocol ?? 'Tcp', frontendPort: rule.frontendPort ?? 80, backendPort: rule.backendPort ?? 80, probe: 'hp', loadDistribution: rule.loadDistribution ?? 'Default', disableOutboundSnat: true }],
    },
    internetHost('client', '203.0.113.5'),
  ];
  return scenarioOf({ settings: { seed: opts.seed ?? 1, durationSeconds: 10, healthProbes: opts.probes ?? 'packets' }, resources, traffic: opts.traffic });
}

function served(sim: Simulation, traffic: string): string[] {
  const trace = sim.traceSince(0);
  return sim
    .flows()
    .filter((f) => f.traffic === traffic)
    .map((f) => trace.find((e) => e.kind === 'deliver' && e.flowId === f.flowId && e.node.startsWith('vm'))?.node ?? '-');
}

const many = (id: string, from = 'client', to = 'lb:80') => ({ id, type: 'tcp' as const, from, to, request: 'http' as const, startMs: 1000, count: 24, intervalMs: 20, holdMs: 100 });

describe('inbound load balancing (lb-plane)', () => {
  it('Default (5-tuple) spreads one client over the members; SourceIP (2-tuple) keeps it on one', () => {
    const five = Simulation.create(lbScenario({}, { traffic: [many('t')] }));
    five.run();
    expect(new Set(served(five, 't')).size).toBe(3);
    for (const mode of ['SourceIP', 'SourceIPProtocol'] as const) {
      const two = Simulation.create(lbScenario({ loadDistribution: mode }, { traffic: [many('t')] }));
      two.run();
      const s = served(two, 't');
      expect(s).toHaveLength(24);
      expect(new Set(s).size).toBe(1);
    }
  });

  it('the same seed gives the same choices; the LB report counts the new flows per member', () => {
    const a = Simulation.create(lbScenario({}, { traffic: [many('t')] }));
    a.run();
    const b = Simulation.create(lbScenario({}, { traffic: [many('t')] }));
    b.run();
    expect(served(b, 't')).toEqual(served(a, 't'));
    const lb = a.report().loadBalancers![0]!;
    expect(lb.backends.map((m) => m.newFlows).reduce((x, y) => x + y, 0)).toBe(24);
    // HTTP probes: GET / answered 200 by http-echo.
    expect(lb.probes.map((p) => [p.member, p.state, p.last])).toEqual([
      ['vm1', 'up', 'HTTP 200'],
      ['vm2', 'up', 'HTTP 200'],
      ['vm3', 'up', 'HTTP 200'],
    ]);
  });

  it('an internal frontend with HA ports takes every port from inside the VNet and keeps it (TCP and UDP)', () => {
    const sim = Simulation.create(
      lbScenario(
        { protocol: 'All', frontendPort: 0, backendPort: 0 },
        {
          internal: true,
          traffic: [
            { id: 'https', type: 'tcp', from: 'inside', to: '10.0.0.100:443', startMs: 1000, count: 3, intervalMs: 50 },
            { id: 'dns', type: 'udp', from: 'inside', to: '10.0.0.100:53', startMs: 1000, count: 3, intervalMs: 50 },
          ],
        },
      ),
    );
    sim.run();
    const flows = sim.flows();
    expect(flows.filter((f) => f.traffic === 'https').map((f) => f.outcome)).toEqual(['established', 'established', 'established']);
    expect(flows.filter((f) => f.traffic === 'dns').map((f) => f.outcome)).toEqual(['answered', 'answered', 'answered']);
    // The reply comes back from the frontend, not from the member.
    expect(flows.filter((f) => f.traffic === 'dns').every((f) => f.response !== undefined)).toBe(true);
    expect(sim.drops()).toEqual([]);
    const rw = sim.traceSince(0).find((e) => e.kind === 'rewrite' && e.summary.includes('reply: source 10.0.0.') && e.summary.includes(':53'));
    expect(rw!.after!.ip.src).toBe('10.0.0.100');
  });

  it('a port without a rule is dropped with no-rule; assumeUp sends no probe at all', () => {
    const sim = Simulation.create(lbScenario({}, { probes: 'assumeUp', traffic: [{ id: 'ssh', type: 'tcp', from: 'client', to: 'lb:22', startMs: 1000 }, many('t')] }));
    sim.run();
    expect(sim.drops()[0]).toMatchObject({ node: 'lb', code: 'no-rule' });
    expect(sim.drops()[0]!.reason).toBe('No load-balancing rule of lb listens on TCP 20.9.9.9:22.');
    expect(sim.traceSince(0).some((e) => e.packet?.ip.src === '168.63.129.16')).toBe(false);
    expect(new Set(served(sim, 't')).size).toBe(3);
  });
});

describe('idle timeout with enableTcpReset', () => {
  it('an idle established flow gets a RST at both ends after idleTimeoutInMinutes (4); without TCP reset it is just forgotten', () => {
    for (const reset of [true, false]) {
      const s = lbScenario({}, { probes: 'assumeUp', traffic: [{ id: 'idle', type: 'tcp', from: 'client', to: 'lb:443', startMs: 1000 }] });
      const lb = s.resources.find((r) => r.kind === 'loadBalancer');
      if (lb?.kind !== 'loadBalancer') throw new Error('no lb');
      lb.rules = [{ ...lb.rules[0]!, frontendPort: 443, backendPort: 443, enableTcpReset: reset }];
      const sim = Simulation.create({ ...s, settings: { ...s.settings, durationSeconds: 300 } });
      sim.run();
      const f = sim.flows()[0]!;
      if (reset) {
        expect(f.outcome).toBe('reset');
        // The client's last ACK reaches the LB at 1.0031 s; 240 s later the RST leaves the
        // frontend and takes 1 ms across the Internet to the client.
        expect(f.endedAt).toBe(241_004_100);
        expect(sim.traceSince(0).filter((e) => e.kind === 'send' && e.node === 'lb' && e.summary.includes('RST'))).toHaveLength(2);
        const vm = Object.entries(sim.sockets()).filter(([h]) => h.startsWith('vm'));
        expect(vm.flatMap(([, rows]) => rows.filter((r) => r.state === 'ESTABLISHED'))).toEqual([]);
      } else {
        expect(f.outcome).toBe('established');
        expect(sim.traceSince(0).some((e) => e.kind === 'note' && e.summary.includes('idled out'))).toBe(true);
      }
    }
  });
});

describe('per-flow state', () => {
  it('flows closed by a RST leave nothing behind (50 ethr pings through a rule with TCP reset)', () => {
    const resources: Resources = [
      ...vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [{ id: 'sn', prefix: '10.0.0.0/24' }] }, [
        { id: 'vm1', subnet: 'sn', ip: '10.0.0.4', pools: ['lb/pool'], services: [{ type: 'tcp-accept', port: 80 }] },
      ]),
      { id: 'lb-pip', kind: 'publicIp', name: 'lb-pip', address: '20.9.9.9' },
      {
        id: 'lb',
        kind: 'loadBalancer',
        name: 'lb',
        frontends: [{ name: 'fe', publicIp: 'lb-pip' }],
        backendPools: [{ name: 'pool' }],
        probes: [{ name: 'hp', protocol: 'Tcp', port: 80 }],
        rules: [{ name: 'r', frontend: 'fe', backendPool: 'pool', protocol: 'Tcp', frontendPort: 80, backendPort: 80, probe: 'hp', disableOutboundSnat: true, enableTcpReset: true }],
      },
      internetHost('client', '203.0.113.5'),
    ];
    const s = Simulation.create(scenarioOf({ settings: { durationSeconds: 60 }, resources, traffic: [{ id: 'p', type: 'tcpping', from: 'client', to: 'lb:80', count: 50 }] }));
    s.run();
    expect(s.report().tcpping![0]).toMatchObject({ sent: 50, received: 50 });
    expect(s.loadBalancers().length).toBe(1);
    expect((s as unknown as { graph: { lb: { flowState(): unknown } } }).graph.lb.flowState()).toEqual([{ lb: 'lb', flows: 0, ackRecords: 0 }]);
  });
});

describe('replies and route tables', () => {
  it("a UDR 0.0.0.0/0 → None on the backend subnet swallows the load balancer's replies (the SYN gets in, the SYN+ACK does not get out)", () => {
    const resources: Resources = [
      { id: 'vnet', kind: 'vnet', name: 'vnet', addressSpace: ['10.0.0.0/16'] },
      { id: 'sn', kind: 'subnet', name: 'sn', vnet: 'vnet', addressPrefix: '10.0.0.0/24', routeTable: 'rt' },
      { id: 'rt', kind: 'routeTable', name: 'rt', routes: [{ name: 'blackhole', addressPrefix: '0.0.0.0/0', nextHopType: 'None' }] },
      { id: 'vm1', kind: 'vm', name: 'vm1', services: [{ type: 'tcp-accept', port: 80 }] },
      { id: 'vm1-nic', kind: 'nic', name: 'vm1-nic', vm: 'vm1', subnet: 'sn', ipConfigs: [{ name: 'ipconfig1', privateIp: '10.0.0.4', loadBalancerBackendPools: ['lb/pool'] }] },
      { id: 'lb-pip', kind: 'publicIp', name: 'lb-pip', address: '20.9.9.9' },
      {
        id: 'lb',
        kind: 'loadBalancer',
        name: 'lb',
        frontends: [{ name: 'fe', publicIp: 'lb-pip' }],
        backendPools: [{ name: 'pool' }],
        rules: [{ name: 'r', frontend: 'fe', backendPool: 'pool', protocol: 'Tcp', frontendPort: 80, backendPort: 80, disableOutboundSnat: true }],
      },
      internetHost('client', '203.0.113.5'),
    ];
    const s = Simulation.create(scenarioOf({ settings: { durationSeconds: 5 }, resources, traffic: [{ id: 't', type: 'tcp', from: 'client', to: 'lb:80', count: 1 }] }));
    s.run();
    expect(s.flows()[0]!.outcome).toBe('pending');
    const d = s.drops()[0]!;
    expect(d.summary).toContain('20.9.9.9:80');
    expect(d.reason).toContain("route 'blackhole'");
    expect(s.sockets()['vm1']!.some((r) => r.state === 'SYN_RECV')).toBe(true);
  });
});

describe('what a frontend drops, and why', () => {
  it('a ping to a frontend matches no rule (TCP and UDP only); a SYN to an outbound-only frontend is no reply', () => {
    const sc = lbScenario({}, { traffic: [{ id: 'ping', type: 'ping', from: 'client', to: '20.9.9.9', count: 1 }] });
    const s = Simulation.create(sc);
    s.run();
    expect(s.drops()[0]).toMatchObject({ node: 'lb', code: 'protocol-unsupported' });
    expect(s.drops()[0]!.reason).toContain("frontend of load balancer 'lb', whose rules carry TCP and UDP");

    const outboundOnly: Resources = [
      ...vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [{ id: 'sn', prefix: '10.0.0.0/24' }] }, [{ id: 'vm1', subnet: 'sn', ip: '10.0.0.4', pools: ['lb/pool'] }]),
      { id: 'out-pip', kind: 'publicIp', name: 'out-pip', address: '20.9.9.10' },
      { id: 'lb', kind: 'loadBalancer', name: 'lb', frontends: [{ name: 'fe', publicIp: 'out-pip' }], backendPools: [{ name: 'pool' }], outboundRules: [{ name: 'out', frontends: ['fe'], backendPool: 'pool' }] },
      internetHost('client', '203.0.113.5'),
    ];
    const o = Simulation.create(scenarioOf({ settings: { durationSeconds: 2 }, resources: outboundOnly, traffic: [{ id: 'syn', type: 'tcp', from: 'client', to: '20.9.9.10:22', count: 1 }] }));
    o.run();
    expect(o.drops()[0]).toMatchObject({ node: 'lb', code: 'no-snat-mapping' });
    expect(o.drops()[0]!.reason).toContain('no load-balancing rule uses it');
  });
});

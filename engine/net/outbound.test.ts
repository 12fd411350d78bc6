/** The outbound precedence chain (reference §A.1, §A.2): which mechanism wins, and that it carries the packets. */
import { describe, expect, it } from 'vitest';
import { Simulation } from './simulation.ts';
import { internetHost, scenarioOf, vnetWithVms, type Resources } from './test-util.ts';

const S = 1_000_000;

function world(extra: Resources, opts: { natGateway?: boolean; private?: boolean } = {}) {
  const subnet = { id: 'sn', prefix: '10.0.0.0/24', ...(opts.natGateway ? { natGateway: 'ng' } : {}), ...(opts.private ? { defaultOutboundAccess: false } : {}) };
  return { subnet, extra };
}

function sim(vms: Parameters<typeof vnetWithVms>[1], extra: Resources = [], opts: { natGateway?: boolean; private?: boolean } = {}) {
  const w = world(extra, opts);
  const resources = [...vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [w.subnet] }, vms), ...extra, internetHost('web', '13.71.134.177', [{ type: 'http-echo', port: 80 }])];
  if (opts.natGateway) resources.push({ id: 'ng-pip', kind: 'publicIp', name: 'ng-pip', address: '20.0.0.9' }, { id: 'ng', kind: 'natGateway', name: 'ng', publicIps: ['ng-pip'] });
  return Simulation.create(
    scenarioOf({
      resources,
      traffic: vms.map((v) => ({ id: `t-${v.id}`, type: 'tcp' as const, from: v.id, to: 'web:80' })),
    }),
  );
}

const lb = (id: string, sku: 'Standard' | 'Basic', opts: { public?: boolean; rule?: { disableOutboundSnat?: boolean; protocol?: 'Tcp' | 'Udp' | 'All' }; outbound?: boolean } = {}) => [
  ...(opts.public !== false ? [{ id: `${id}-pip`, kind: 'publicIp' as const, name: `${id}-pip`, address: '20.0.0.50', sku }] : []),
  {
    id,
    kind: 'loadBalancer' as const,
    name: id,
    sku,
    frontends: [opts.public !== false ? { name: 'fe', publicIp: `${id}-pip` } : { name: 'fe', subnet: 'sn', privateIp: '10.0.0.100' }],
    backendPools: [{ name: 'pool' }],
    rules: opts.rule
      ? [{ name: 'r1', frontend: 'fe', backendPool: 'pool', protocol: opts.rule.protocol ?? 'Tcp', frontendPort: 80, backendPort: 80, disableOutboundSnat: opts.rule.disableOutboundSnat ?? false }]
      : [],
    outboundRules: opts.outbound ? [{ name: 'out1', frontends: ['fe'], backendPool: 'pool', allocatedOutboundPorts: 1024 }] : [],
  },
];

describe('outbound precedence chain', () => {
  it('NAT gateway wins over an ILPIP: the far end sees the NAT gateway address, and the ILPIP is named as overridden', () => {
    const s = sim([{ id: 'vm', subnet: 'sn', ip: '10.0.0.4', publicIp: '20.0.0.4' }], [], { natGateway: true });
    const p = s.outboundPaths()[0]!;
    expect(p.mechanism).toBe('nat-gateway');
    expect(p.simulated).toBe(true);
    expect(p.publicIps).toEqual(['20.0.0.9']);
    expect(p.snatPorts).toBe(64_512);
    expect(p.overrides.map((o) => o.mechanism)).toEqual(['ilpip', 'default-outbound']);
    expect(p.overrides[0]!.why).toContain('NAT gateway SNAT takes precedence over instance-level public IP');
    s.runUntil(2 * S);
    expect(s.drops()).toEqual([]);
    expect(s.flows()[0]!.outcome).toBe('established');
    expect(s.flows()[0]!.seenAs).toMatch(/^20\.0\.0\.9:\d+$/);
  });

  it('an ILPIP wins over a load balancer pool', () => {
    const s = sim([{ id: 'vm', subnet: 'sn', ip: '10.0.0.4', publicIp: '20.0.0.4', pools: ['lb/pool'] }], lb('lb', 'Standard', { outbound: true }));
    expect(s.outboundPaths()[0]!.mechanism).toBe('ilpip');
    s.runUntil(1 * S);
    expect(s.flows()[0]!.seenAs).toMatch(/^20\.0\.0\.4:\d+$/);
  });

  it('an outbound rule, then load-balancing-rule SNAT (per protocol on Standard, TCP+UDP on Basic)', () => {
    const rule = sim([{ id: 'vm', subnet: 'sn', ip: '10.0.0.4', pools: ['lb/pool'] }], lb('lb', 'Standard', { outbound: true, rule: {} }));
    expect(rule.outboundPaths()[0]!.mechanism).toBe('lb-outbound-rule');
    expect(rule.outboundPaths()[0]!.publicIps).toEqual(['20.0.0.50']);
    const std = sim([{ id: 'vm', subnet: 'sn', ip: '10.0.0.4', pools: ['lb/pool'] }], lb('lb', 'Standard', { rule: { protocol: 'Tcp' } }));
    expect([std.outboundPaths()[0]!.mechanism, std.outboundPaths()[0]!.protocols]).toEqual(['lb-rule-snat', ['tcp']]);
    const basic = sim([{ id: 'vm', subnet: 'sn', ip: '10.0.0.4', pools: ['lb/pool'] }], lb('lb', 'Basic', { rule: { disableOutboundSnat: true } }));
    expect([basic.outboundPaths()[0]!.mechanism, basic.outboundPaths()[0]!.protocols]).toEqual(['lb-rule-snat', ['tcp', 'udp']]);
    basic.runUntil(1 * S);
    expect(basic.drops()).toEqual([]);
    // Basic SNATs to the rule's frontend with ports from the default table (a pool of 1: 1,024 ports from 1024).
    expect(basic.flows()[0]!.seenAs).toBe('20.0.0.50:1024');
    expect(basic.outboundPaths()[0]!.snatPorts).toBe(1024);
  });

  it('an internal Standard load balancer gives no outbound at all', () => {
    const s = sim([{ id: 'vm', subnet: 'sn', ip: '10.0.0.4', pools: ['ilb/pool'] }], lb('ilb', 'Standard', { public: false, rule: {} }));
    const p = s.outboundPaths()[0]!;
    expect(p.mechanism).toBe('none');
    expect(p.explanation).toContain('internal');
    s.runUntil(10 * S);
    expect(s.drops().map((d) => d.code)).toEqual(['no-outbound', 'no-outbound', 'no-outbound', 'no-outbound']);
    expect(s.sockets().vm![0]!.state).toBe('SYN_SENT');
  });

  it('a plain VM gets default outbound access from the regional pool; a private subnet gets none', () => {
    const doa = sim([{ id: 'vm', subnet: 'sn', ip: '10.0.0.4' }]);
    expect(doa.outboundPaths()[0]!.mechanism).toBe('default-outbound');
    doa.runUntil(1 * S);
    expect(doa.drops()).toEqual([]);
    const ip = doa.outboundPaths()[0]!.publicIps[0]!;
    expect(ip).toMatch(/^20\.232\.\d+\.\d+$/);
    expect(doa.flows()[0]!.seenAs).toBe(`${ip}:1024`);
    const priv = sim([{ id: 'vm', subnet: 'sn', ip: '10.0.0.4' }], [], { private: true });
    const p = priv.outboundPaths()[0]!;
    expect(p.mechanism).toBe('none');
    expect(p.explanation).toContain('private');
    expect(p.considered.every((c, i) => c.applies === (i === p.considered.length - 1))).toBe(true);
  });

  it('inbound to an ILPIP is DNATed to the VM; to a load balancer frontend it is load-balanced to the pool (lb-plane.ts)', () => {
    const resources = [
      ...vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [{ id: 'sn', prefix: '10.0.0.0/24' }] }, [
        { id: 'vm', subnet: 'sn', ip: '10.0.0.4', publicIp: '20.0.0.4', services: [{ type: 'tcp-accept', port: 22 }] },
        { id: 'vm2', subnet: 'sn', ip: '10.0.0.5', pools: ['lb/pool'] },
      ]),
      ...lb('lb', 'Standard', { rule: {} }),
      internetHost('client', '8.8.8.8'),
    ];
    const s = Simulation.create(
      scenarioOf({
        resources,
        traffic: [
          { id: 'ssh', type: 'tcp', from: 'client', to: 'vm:22' },
          { id: 'web', type: 'tcp', from: 'client', to: '20.0.0.50:80' },
        ],
      }),
    );
    s.runUntil(1 * S);
    const [ssh, web] = s.flows();
    expect(ssh!.outcome).toBe('established');
    expect(ssh!.remote).toBe('20.0.0.4:22');
    expect(ssh!.seenAs).toBe(ssh!.local);
    // vm2, the pool's only member, has nothing on port 80: its stack answers RST, through the LB.
    expect(web!.outcome).toBe('reset');
    expect(s.drops()).toEqual([]);
    expect(s.traceSince(0).some((e) => e.kind === 'rewrite' && e.node === 'lb' && e.summary.includes('chose vm2'))).toBe(true);
  });
});

describe('inbound through an ILPIP that a NAT gateway overrides', () => {
  it('replies keep the ILPIP while the connection lives, and the flow is forgotten once it closed (FIN both ways)', async () => {
    const { readFileSync } = await import('node:fs');
    const { restoreScenario } = await import('../model/restore.ts');
    const r = restoreScenario(readFileSync(new URL('../../scenarios/nat-gateway-over-ilpip.json', import.meta.url), 'utf8'));
    if (!r.ok) throw new Error('gallery scenario invalid');
    const doc = { ...r.scenario, traffic: r.scenario.traffic.map((t) => (t.id === 'ssh-in' ? { ...t, count: 3, intervalMs: 100, holdMs: 500 } : t)) };
    const s = Simulation.create(doc);
    const open = () => (s as unknown as { graph: { snat: { ilpipFlows: Map<string, number> } } }).graph.snat.ilpipFlows.size;
    s.runUntil(1_300_000);
    expect(open()).toBe(3);
    s.runUntil(10_000_000);
    const ssh = s.flows().filter((f) => f.traffic === 'ssh-in');
    expect(ssh.map((f) => f.outcome)).toEqual(['closed', 'closed', 'closed']);
    expect(open()).toBe(0);
  });
});

/** The SNAT devices in the data plane: timers, TCP reset, NAT gateway RSTs, protocols, actions. */
import { describe, expect, it } from 'vitest';
import { Engine } from '../api.ts';
import { checkScenario } from '../model/checks.ts';
import { outboundCapacityProblem } from '../model/snat-capacity.ts';
import type { ScenarioInput } from '../model/scenario.ts';
import { parseIpv4 } from '../wire/addr.ts';
import { checkOutboundAllocation } from './snat/index.ts';
import { Simulation } from './simulation.ts';
import { internetHost, scenarioOf, vnetWithVms, type Resources } from './test-util.ts';

const S = 1_000_000;
const MIN = 60 * S;

type Outbound = { protocol?: 'Tcp' | 'Udp' | 'All'; ports?: number; idle?: number; reset?: boolean };

function lbWorld(out: Outbound, vms = 1): Resources {
  const list = Array.from({ length: vms }, (_, i) => ({ id: `vm${i + 1}`, subnet: 'sn', ip: `10.0.0.${4 + i}`, pools: ['lb/pool'] }));
  return [
    ...vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [{ id: 'sn', prefix: '10.0.0.0/24' }] }, list),
    { id: 'lb-pip', kind: 'publicIp', name: 'lb-pip', address: '20.0.0.50' },
    {
      id: 'lb',
      kind: 'loadBalancer',
      name: 'lb',
      sku: 'Standard',
      frontends: [{ name: 'fe', publicIp: 'lb-pip' }],
      backendPools: [{ name: 'pool' }],
      outboundRules: [
        { name: 'out', frontends: ['fe'], backendPool: 'pool', protocol: out.protocol ?? 'All', allocatedOutboundPorts: out.ports ?? 8, idleTimeoutInMinutes: out.idle ?? 4, enableTcpReset: out.reset ?? true },
      ],
    },
    internetHost('web', '13.71.134.177', [{ type: 'tcp-accept', port: 80 }, { type: 'udp-echo', port: 53 }]),
  ];
}

function simOf(resources: Resources, traffic: NonNullable<ScenarioInput['traffic']>, extra: Partial<ScenarioInput> = {}) {
  return Simulation.create(scenarioOf({ resources, traffic, settings: { durationSeconds: 600 }, ...extra }));
}

describe('Azure LB SNAT timers', () => {
  it('with TCP reset, an idle connection gets a RST at both ends when the idle timeout ends it', () => {
    const s = simOf(lbWorld({ reset: true }), [{ id: 't', type: 'tcp', from: 'vm1', to: 'web:80' }]);
    s.runUntil(4 * MIN - S);
    expect(s.sockets()['web']!.filter((r) => r.state === 'ESTABLISHED')).toHaveLength(1);
    s.runUntil(4 * MIN + S);
    expect(s.flows()[0]!.outcome).toBe('reset');
    expect(s.sockets()['vm1']).toEqual([]);
    expect(s.sockets()['web']!.filter((r) => r.proto === 'tcp' && r.state !== 'LISTEN')).toEqual([]);
    expect(s.snat()!.mappings).toEqual([]);
  });

  it('without TCP reset, the mapping goes silently and both ends still think they are connected', () => {
    const s = simOf(lbWorld({ reset: false }), [{ id: 't', type: 'tcp', from: 'vm1', to: 'web:80' }]);
    s.runUntil(5 * MIN);
    expect(s.flows()[0]!.outcome).toBe('established');
    expect(s.sockets()['vm1']![0]!.state).toBe('ESTABLISHED');
    expect(s.snat()!.mappingCount).toBe(0);
  });

  it('a closed connection keeps its port 240 s after FIN both ways, then the port is free (Used drops)', () => {
    const s = simOf(lbWorld({}), [{ id: 't', type: 'tcp', from: 'vm1', to: 'web:80', holdMs: 1000 }]);
    s.runUntil(10 * S);
    expect(s.snat()!.mappings[0]).toMatchObject({ state: 'fin-seen-both', then: 'fin-release' });
    expect(s.snat()!.mappings[0]!.remainingUs).toBeGreaterThan(230 * S);
    s.runUntil(260 * S);
    expect(s.snat()!.mappingCount).toBe(0);
    expect(s.snat()!.instances[0]!.used).toBe(0);
  });

  it('the same SNAT port serves different destinations once the free ones are gone; the same destination needs its own', () => {
    const res = [...lbWorld({ ports: 8 }), internetHost('web2', '13.71.134.178', [{ type: 'tcp-accept', port: 80 }])];
    const s = simOf(res, [
      { id: 'a', type: 'tcp', from: 'vm1', to: 'web:80', count: 8, intervalMs: 10 },
      { id: 'b', type: 'tcp', from: 'vm1', to: 'web2:80', startMs: 200 },
      { id: 'c', type: 'tcp', from: 'vm1', to: 'web:80', startMs: 300 },
    ]);
    s.runUntil(S);
    const f = s.flows();
    expect(f.filter((x) => x.traffic === 'a').map((x) => x.seenAs)).toEqual([1024, 1025, 1026, 1027, 1028, 1029, 1030, 1031].map((p) => `20.0.0.50:${p}`));
    expect(f.find((x) => x.traffic === 'b')).toMatchObject({ outcome: 'established', seenAs: expect.stringMatching(/^20\.0\.0\.50:10(2[4-9]|3[01])$/) });
    expect(f.find((x) => x.traffic === 'c')!.outcome).toBe('pending');
    expect(s.snat()!.instances[0]).toMatchObject({ allocated: 8, used: 8, successful: 9, failed: 1 });
  });
});

describe('Azure LB SNAT protocols', () => {
  it('an outbound rule with protocol Tcp drops UDP (protocol-not-covered) and every rule drops ICMP', () => {
    const s = simOf(lbWorld({ protocol: 'Tcp' }), [
      { id: 'u', type: 'udp', from: 'vm1', to: 'web:53' },
      { id: 'p', type: 'ping', from: 'vm1', to: 'web', startMs: 10 },
    ]);
    s.runUntil(S);
    const [udp, icmp] = s.drops();
    expect(udp!.code).toBe('protocol-not-covered');
    expect(udp!.reason).toBe("outbound rule 'out' has protocol Tcp, so UDP from vm1 to 13.71.134.177:53 gets no SNAT");
    expect(icmp!.code).toBe('protocol-unsupported');
  });

  it('updateOutboundRule changes connections from then on; a refused change says why and changes nothing', () => {
    const s = simOf(lbWorld({ protocol: 'Tcp' }), [
      { id: 'u1', type: 'udp', from: 'vm1', to: 'web:53' },
      { id: 'u2', type: 'udp', from: 'vm1', to: 'web:53', startMs: 2000 },
    ]);
    s.runUntil(S);
    expect(s.act({ action: 'updateOutboundRule', lb: 'lb', rule: 'out', allocatedOutboundPorts: 12 })).toContain('must be a multiple of 8, and 12 is not: use 8 or 16');
    expect(s.act({ action: 'updateOutboundRule', lb: 'lb', rule: 'out', protocol: 'All', idleTimeoutInMinutes: 10 })).toContain('idleTimeoutInMinutes 10, protocol All');
    s.runUntil(3 * S);
    expect(s.flows().map((f) => f.outcome)).toEqual(['pending', 'answered']);
    expect(s.snat()!.devices[0]).toMatchObject({ protocol: 'All', idleTimeoutInMinutes: 10, portsPerInstance: 8 });
  });
});

describe('NAT gateway', () => {
  const world = (): Resources => [
    ...vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [{ id: 'sn', prefix: '10.0.0.0/24', natGateway: 'ng' }] }, [{ id: 'vm1', subnet: 'sn', ip: '10.0.0.4', publicIp: '20.0.0.4' }]),
    { id: 'ng-pip', kind: 'publicIp', name: 'ng-pip', address: '20.0.0.9' },
    { id: 'ng', kind: 'natGateway', name: 'ng', publicIps: ['ng-pip'], idleTimeoutInMinutes: 4 },
    internetHost('web', '13.71.134.177', [{ type: 'tcp-accept', port: 80 }]),
  ];

  it('after its idle timeout it forgets the flow silently; the VM’s next packet gets a one-directional RST', () => {
    const s = simOf(world(), [{ id: 't', type: 'tcp', from: 'vm1', to: 'web:80', holdMs: 5 * 60_000 }]);
    s.runUntil(4 * MIN + S);
    expect(s.sockets()['vm1']![0]!.state).toBe('ESTABLISHED');
    expect(s.snat()!.mappingCount).toBe(0);
    s.runUntil(6 * MIN);
    const d = s.drops().find((x) => x.code === 'no-snat-mapping')!;
    expect(d.reason).toContain("NAT gateway 'ng' no longer knows the flow");
    expect(s.flows()[0]!.outcome).toBe('reset');
    // The server was not told: its socket is still there (the RST went to the sender only).
    expect(s.sockets()['web']!.some((r) => r.state !== 'LISTEN')).toBe(true);
  });

  it('a random port from its 64,512 per IP; a port is not reused toward the same destination while cooling down', () => {
    const s = simOf(world(), [{ id: 't', type: 'tcp', from: 'vm1', to: 'web:80', count: 3, intervalMs: 10, holdMs: 100 }]);
    s.runUntil(2 * S);
    const ports = s.flows().map((f) => Number(f.seenAs!.split(':')[1]));
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p >= 1024 && p <= 65535).toBe(true);
    expect(s.snat()!.mappings.every((m) => m.state === 'fin-seen-both' && m.then === 'fin-release')).toBe(true);
  });
});

describe('default outbound access', () => {
  it('redeploy gives another pool address; a private subnet has none (the chain says why)', () => {
    const res = vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [{ id: 'sn', prefix: '10.0.0.0/24' }, { id: 'priv', prefix: '10.0.1.0/24', defaultOutboundAccess: false }] }, [
      { id: 'vm1', subnet: 'sn', ip: '10.0.0.4' },
      { id: 'vm2', subnet: 'priv', ip: '10.0.1.4' },
    ]);
    const s = simOf([...res, internetHost('web', '13.71.134.177', [{ type: 'http-echo', port: 80 }])], []);
    const before = s.outboundPaths()[0]!.publicIps[0]!;
    expect(s.act({ action: 'redeploy', vm: 'vm1' })).toContain(`default outbound address ${before} → `);
    const after = s.outboundPaths()[0]!.publicIps[0]!;
    expect(after).not.toBe(before);
    expect(parseIpv4(after)).not.toBeNull();
    expect(s.outboundPaths()[1]!.mechanism).toBe('none');
    expect(s.act({ action: 'redeploy', vm: 'vm2' })).toContain('no default outbound address');
    // The same seed draws the same addresses.
    const again = simOf([...res, internetHost('web', '13.71.134.177', [{ type: 'http-echo', port: 80 }])], []);
    expect(again.outboundPaths()[0]!.publicIps[0]).toBe(before);
  });
});

describe('the model: capacity and timeline checks', () => {
  it('says how many instances fit, as the allocator does', () => {
    const ok = scenarioOf({ resources: lbWorld({ ports: 8 }, 7) });
    expect(checkScenario(ok).filter((i) => i.code === 'snat-capacity')).toEqual([]);
    const bad = checkScenario({ ...ok, resources: ok.resources.map((x) => (x.kind === 'loadBalancer' ? { ...x, outboundRules: x.outboundRules.map((o) => ({ ...o, allocatedOutboundPorts: 10_000 })) } : x)) });
    const issue = bad.find((i) => i.code === 'snat-capacity')!;
    expect(issue.message).toBe("outbound rule 'out': 10,000 ports per instance × 7 instances needs 70,000 ports but 1 frontend IP gives 64,000: at most 6 instances fit (or 9,136 ports per instance for 7)");
    expect(issue.field).toBe('outboundRules[0].allocatedOutboundPorts');
  });

  it('agrees with engine/net/snat for many sizes', () => {
    for (const ports of [0, 8, 1024, 4096, 10_000, 32_000, 64_000])
      for (const n of [1, 7, 50, 51, 200, 1000, 1001])
        for (const ips of [1, 2, 3]) {
          const lib = checkOutboundAllocation({ name: 'r', frontendIps: Array.from({ length: ips }, (_, i) => i + 1), protocol: 'All', allocatedOutboundPorts: ports, idleTimeoutInMinutes: 4, enableTcpReset: true }, n);
          const model = outboundCapacityProblem({ ruleName: 'r', allocatedOutboundPorts: ports, frontendIps: Array.from({ length: ips }, () => []), instances: n });
          expect(model, `${ports} × ${n} on ${ips}`).toBe(lib.ok ? null : lib.message);
        }
  });

  it('timeline entries name what they act on', () => {
    const doc = scenarioOf({ resources: lbWorld({}) });
    const issues = checkScenario({
      ...doc,
      timeline: [
        { atMs: 1, action: 'redeploy', vm: 'lb' },
        { atMs: 2, action: 'updateOutboundRule', lb: 'lb', rule: 'nope' },
        { atMs: 3, action: 'updateOutboundRule', lb: 'lb', rule: 'out', allocatedOutboundPorts: 12 },
      ],
    });
    expect(issues.map((i) => [i.code, i.path.join('.')])).toEqual([
      ['wrong-kind', 'timeline.0.vm'],
      ['dangling-reference', 'timeline.1.rule'],
      ['ports-multiple-of-8', 'timeline.2.allocatedOutboundPorts'],
    ]);
  });
});

describe('Engine: live actions', () => {
  it('an outbound rule update done while running is replayed when the run is rebuilt (seek back and forth)', () => {
    const e = new Engine();
    const doc = { netplay: 1, name: 'live', settings: { durationSeconds: 120 }, resources: lbWorld({ ports: 8 }), traffic: [{ id: 't', type: 'tcp', from: 'vm1', to: 'web:80', count: 12, startMs: 30_000, intervalMs: 10 }] };
    expect(e.load(doc).ok).toBe(true);
    e.advance(10 * S, { maxEvents: 1e9 });
    expect(e.act({ action: 'updateOutboundRule', lb: 'lb', rule: 'out', allocatedOutboundPorts: 16 })).toContain('allocatedOutboundPorts 16');
    e.seek(5 * S);
    e.seek(60 * S);
    const snat = e.snat()!;
    expect(snat.devices[0]!.portsPerInstance).toBe(16);
    expect(e.snapshot().flows.filter((f) => f.outcome === 'established')).toHaveLength(12);
    expect(e.liveActions()).toMatchObject([{ atUs: 10 * S, action: { action: 'updateOutboundRule', lb: 'lb', rule: 'out', allocatedOutboundPorts: 16 } }]);
  });

  it('a redeploy done between two events of one microsecond is replayed between them, not before (Reset, run again)', () => {
    const doc = {
      netplay: 1,
      name: 'x',
      settings: { seed: 1, durationSeconds: 5 },
      resources: [
        ...vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [{ id: 'sn', prefix: '10.0.0.0/24' }] }, [{ id: 'vm1', subnet: 'sn', ip: '10.0.0.4' }]),
        internetHost('far', '8.8.4.4', [{ type: 'tcp-accept', port: 80 }]),
      ],
      traffic: [{ id: 't', type: 'tcp', from: 'vm1', to: 'far:80', count: 1, startMs: 1000 }],
    };
    const e = new Engine();
    expect(e.load(doc).ok).toBe(true);
    let live: { t: number; summary: string } | null = null;
    for (let i = 0; i < 200 && live === null; i++) {
      const ev = e.step().event;
      if (ev?.kind === 'rewrite') live = { t: ev.t, summary: ev.summary };
    }
    expect(live?.summary).toContain('default outbound access of vm1');
    expect(e.act({ action: 'redeploy', vm: 'vm1' })).toContain('redeployed vm1');
    e.reset();
    e.advance(5 * S, { maxEvents: 1e9 });
    const rewrites = e.trace({ kinds: ['rewrite'] }, 0, 5).rows;
    // The SYN went out before the redeploy, so it keeps the old address, as it did live.
    expect({ t: rewrites[0]!.t, summary: rewrites[0]!.summary }).toEqual(live);
    expect(e.trace({ kinds: ['note'] }, 0, 50).rows.some((r) => r.summary.startsWith('redeployed vm1') && r.t === live!.t)).toBe(true);
  });

  it('explains outbound paths of a document without running it', () => {
    const paths = new Engine().explainOutbound({ netplay: 1, name: 'x', resources: lbWorld({ ports: 8 }) })!;
    expect(paths[0]).toMatchObject({ vm: 'vm1', mechanism: 'lb-outbound-rule', publicIps: ['20.0.0.50'], snatPorts: 8 });
    expect(paths[0]!.overrides.map((o) => o.mechanism)).toEqual(['default-outbound']);
  });
});

describe('SNAT instances are VMs, not names', () => {
  it('two VMs that share a name get 8 ports each from an outbound rule with 8 per instance (§A.5)', () => {
    const resources = lbWorld({ ports: 8 }, 2).map((r) => (r.kind === 'vm' ? { ...r, name: 'app' } : r));
    const s = simOf(resources, [
      { id: 'a', type: 'tcp', from: 'vm1', to: 'web:80', count: 8 },
      { id: 'b', type: 'tcp', from: 'vm2', to: 'web:80', count: 8 },
    ], { settings: { durationSeconds: 5 } });
    s.run();
    const snat = s.snat()!;
    expect(snat.devices[0]!.instances).toEqual(['app (vm1)', 'app (vm2)']);
    expect(snat.instances.filter((i) => i.protocol === 'TCP').map((i) => [i.instance, i.allocated, i.used, i.failed])).toEqual([
      ['app (vm1)', 8, 8, 0],
      ['app (vm2)', 8, 8, 0],
    ]);
    expect(s.flows().map((f) => f.outcome)).toEqual(Array(16).fill('established'));
  });
});

/** Several VMs in two subnets of one VNet, built in code, talking to each other. */
import { describe, expect, it } from 'vitest';
import { Simulation } from './simulation.ts';
import { scenarioOf, vnetWithVms } from './test-util.ts';

const S = 1_000_000;

function twoSubnets() {
  return scenarioOf({
    settings: { seed: 11, durationSeconds: 30, linkLatencyUs: 50 },
    resources: vnetWithVms(
      {
        id: 'vnet1',
        space: '10.1.0.0/16',
        subnets: [
          { id: 'web', prefix: '10.1.1.0/24' },
          { id: 'db', prefix: '10.1.2.0/24' },
        ],
      },
      [
        { id: 'web1', subnet: 'web', ip: '10.1.1.4' },
        { id: 'web2', subnet: 'web', ip: '10.1.1.5', services: [{ type: 'http-echo', port: 8080 }] },
        { id: 'db1', subnet: 'db', ip: '10.1.2.4', services: [{ type: 'tcp-accept', port: 5432 }, { type: 'udp-echo', port: 53 }] },
        { id: 'db2', subnet: 'db', ip: '10.1.2.5' },
      ],
    ),
    traffic: [
      { id: 'sql', type: 'tcp', from: 'web1', to: 'db1:5432', count: 3, intervalMs: 10, holdMs: 1000 },
      { id: 'http', type: 'tcp', from: 'db2', to: 'web2:8080', request: 'http' },
      { id: 'dns', type: 'udp', from: 'web2', to: 'db1:53' },
      { id: 'ping', type: 'ping', from: 'db2', to: 'web1', count: 2 },
      { id: 'lost', type: 'tcp', from: 'web1', to: '10.1.3.9:22' },
      { id: 'closed', type: 'tcp', from: 'db2', to: 'db1:22' },
    ],
  });
}

describe('inside one VNet', () => {
  it('delivers by private IP across subnets, without NAT, with 4 link hops per round trip', () => {
    const sim = Simulation.create(twoSubnets());
    sim.runUntil(S / 2);
    const flows = sim.flows();
    const by = (id: string) => flows.filter((f) => f.traffic === id);
    for (const f of by('sql')) {
      expect(f.outcome).toBe('established');
      expect(f.rttUs).toBe(200);
      expect(f.seenAs).toBe(f.local);
    }
    expect(by('http')[0]!.response).toBe(by('http')[0]!.local);
    expect(by('http')[0]!.local.startsWith('10.1.2.5:')).toBe(true);
    expect(by('dns')[0]!.outcome).toBe('answered');
    expect(by('ping').map((f) => [f.outcome, f.rttUs])).toEqual([
      ['answered', 200],
      ['answered', 200],
    ]);
    expect(by('closed')[0]!.outcome).toBe('reset');
    expect(sim.traceSince(0).filter((e) => e.kind === 'rewrite')).toEqual([]);
    const sqlHops = sim.traceSince(0).filter((e) => e.kind === 'hop' && e.flowId === by('sql')[0]!.flowId);
    expect(sqlHops.slice(0, 2).map((e) => `${e.node}→${e.to}`)).toEqual(['web1→vnet1', 'vnet1→db1']);
    sim.runUntil(10 * S);
    expect(by('sql').map((f) => sim.flows()[f.flowId - 1]!.outcome)).toEqual(['closed', 'closed', 'closed']);
  });

  it('drops a packet to an address no NIC holds', () => {
    const sim = Simulation.create(twoSubnets());
    sim.runUntil(2 * S);
    const d = sim.drops().find((x) => x.code === 'no-host')!;
    expect(d.node).toBe('vnet1');
    expect(d.reason).toContain('10.1.3.9');
    expect(sim.sockets().web1!.some((r) => r.remote === '10.1.3.9:22' && r.state === 'SYN_SENT')).toBe(true);
  });

  it('lists sockets per host like netstat, listeners included', () => {
    const sim = Simulation.create(twoSubnets());
    sim.runUntil(500_000);
    const db1 = sim.sockets().db1!;
    expect(db1.filter((r) => r.state === 'LISTEN').map((r) => r.local)).toEqual(['0.0.0.0:5432']);
    expect(db1.filter((r) => r.state === 'ESTABLISHED')).toHaveLength(3);
    expect(db1.find((r) => r.proto === 'udp')!.local).toBe('0.0.0.0:53');
  });
});

/**
 * The tcpping traffic type over real connections, with the calibrated latency model
 * (settings.latency): ethr's counters, statistics and output in the run report.
 */
import { describe, expect, it } from 'vitest';
import { Simulation } from './simulation.ts';
import { internetHost, scenarioOf, vnetWithVms } from './test-util.ts';

const S = 1_000_000;

function pingScenario(latency: Record<string, number> | undefined, to = 'server:8888', count = 60) {
  return scenarioOf({
    settings: { seed: 3, durationSeconds: count + 5, ...(latency ? { latency } : {}) },
    resources: [
      ...vnetWithVms({ id: 'vnet', space: '10.0.0.0/16', subnets: [{ id: 'sn', prefix: '10.0.0.0/24' }] }, [
        { id: 'client', subnet: 'sn', ip: '10.0.0.4', publicIp: '20.0.0.4' },
        { id: 'server', subnet: 'sn', ip: '10.0.0.5', publicIp: '20.0.0.5', services: [{ type: 'tcp-accept', port: 8888 }] },
      ]),
      internetHost('far', '8.8.4.4', [{ type: 'tcp-accept', port: 8888 }]),
    ],
    traffic: [{ id: 'ethr', type: 'tcpping', from: 'client', to, count }],
  });
}

describe('tcpping (ethr -p tcp -t pi)', () => {
  it('client VM to the server ILPIP with the default latency model: 60 sent, 60 received, handshake ≈ 1.47 ms', () => {
    const sim = Simulation.create(pingScenario({}, '20.0.0.5:8888'));
    sim.run();
    const [r] = sim.report().tcpping!;
    expect(r).toMatchObject({ traffic: 'ethr', from: 'client', dialAddr: '[20.0.0.5]:8888', finished: true, sent: 60, received: 60, lost: 0 });
    // 2 × (hostStack 50 + round((vnetHop 625 + lbProcessing 10) / 2) × 2 + hostStack 50) = 1,472 µs
    expect(r!.stats).toMatchObject({ avg: 1_472_000, min: 1_472_000, max: 1_472_000 });
    expect(r!.text).toContain('Sent = 60, Received = 60, Lost = 0');
    expect(r!.text).toMatch(/1\.472ms\s+1\.472ms/);
    // Each ping is a real connection, reset by the client (SO_LINGER 0): 61 flows with the warm-up.
    const flows = sim.flows().filter((f) => f.traffic === 'ethr');
    expect(flows).toHaveLength(61);
    expect(flows.every((f) => f.outcome === 'established' && f.rttUs === 1472)).toBe(true);
    expect(sim.sockets()['server']!.filter((s) => s.state !== 'LISTEN')).toEqual([]);
  });

  it('jitter spreads the latencies deterministically; lost pings when nothing answers', () => {
    const a = Simulation.create(pingScenario({ jitter: 0.3 }, '20.0.0.5:8888', 20));
    a.run();
    const b = Simulation.create(pingScenario({ jitter: 0.3 }, '20.0.0.5:8888', 20));
    b.run();
    const ra = a.report().tcpping![0]!;
    expect(ra.stats!.min).toBeLessThan(ra.stats!.max);
    expect(b.report().tcpping![0]).toEqual(ra);
    const lost = Simulation.create(pingScenario({}, '20.0.0.5:9999', 5));
    lost.run();
    expect(lost.report().tcpping![0]).toMatchObject({ sent: 5, received: 0, lost: 5, stats: null });
    // Port 9999 has no listener: the server answers with a RST, so these pings were reset.
    expect(lost.flows().filter((f) => f.traffic === 'ethr').every((f) => f.outcome === 'reset')).toBe(true);
  });

  it('a ping that nothing answers is lost to a timeout, not reset', () => {
    const sim = Simulation.create(pingScenario({}, '203.0.113.99:8888', 3));
    sim.run();
    const r = sim.report().tcpping![0]!;
    expect(r.received).toBe(0);
    expect(r.lost).toBe(r.sent);
    expect(r.sent).toBeGreaterThan(0);
    const flows = sim.flows().filter((f) => f.traffic === 'ethr');
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.map((f) => f.outcome)).toEqual(flows.map(() => 'timed-out'));
  });

  it('without settings.latency the old link latencies apply; the report has no tcpping before it is asked for', () => {
    const sim = Simulation.create(pingScenario(undefined, 'far:8888', 3));
    sim.runUntil(1 * S);
    expect(sim.report().tcpping![0]).toMatchObject({ finished: false, sent: 0 });
    sim.run();
    const r = sim.report().tcpping![0]!;
    expect(r).toMatchObject({ sent: 3, received: 3, lost: 0 });
    // 50 (NIC) + 500 + 500 (Internet halves) one way, twice.
    expect(r.stats!.avg).toBe(2_100_000);
  });
});

/**
 * The inbound load-balancing gallery scenarios through the CLI (`netplay run SCENARIO --json`) and
 * the Simulation API, each asserting what its description promises (issue 6, item 6). The UI
 * side is e2e/lb-*.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from './cli.ts';
import { runGallery } from './test-util-gallery.ts';
import { restoreScenario } from './model/restore.ts';
import type { Scenario } from './model/scenario.ts';
import { Simulation } from './net/simulation.ts';
import { expectFrame } from './net/test-util.ts';
import type { FlowRow, LbInspectorRow, RunReport } from './sim/types.ts';

type Report = RunReport & { loadBalancers: LbInspectorRow[] };

const run = (name: string, ...extra: string[]) => runGallery<Report>(name, ...extra);

function scenario(name: string): Scenario {
  const r = restoreScenario(JSON.parse(readFileSync(new URL(`../scenarios/${name}.json`, import.meta.url), 'utf8')));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.scenario;
}

/** Which VM's stack accepted each flow's first packet (from the trace). */
function servedBy(sim: Simulation, flows: readonly FlowRow[]): string[] {
  const trace = sim.traceSince(0);
  return flows.map((f) => trace.find((e) => e.kind === 'deliver' && e.flowId === f.flowId && e.node.startsWith('vm'))?.node ?? '-');
}

const S = 1_000_000;
const byPrefix = (flows: readonly FlowRow[], prefix: string) => flows.filter((f) => f.traffic?.startsWith(prefix));

describe('gallery (CLI): lb-health-probe-stopped-service', () => {
  it('the VMs see the clients\' own addresses; replies come from the frontend; probes are real connections from 168.63.129.16', async () => {
    const r = await run('lb-health-probe-stopped-service');
    expect(r.drops).toEqual([]);
    expect(r.flows).toHaveLength(27);
    for (const f of r.flows) {
      expect(f.outcome).toBe('closed');
      expect(f.remote).toBe('20.50.0.10:80');
      // http-echo answers with what it saw: the client itself, no SNAT inbound.
      expect(f.response).toBe(f.local);
      expect(f.seenAs).toBe(f.local);
    }
    const [lb] = r.loadBalancers;
    expect(lb!.probes).toEqual([
      { probe: 'hp', member: 'vm1', dip: '10.0.0.4', state: 'up', last: 'SYN+ACK' },
      { probe: 'hp', member: 'vm2', dip: '10.0.0.5', state: 'up', last: 'SYN+ACK' },
    ]);
    expect(lb!.mapping).toEqual([
      { rule: 'http', frontendIp: '20.50.0.10', protocol: 'TCP', port: 80, floatingIp: false, destination: 'DIP (vm1 10.0.0.4, vm2 10.0.0.5)', destinationPort: 'Same as frontend (80)' },
    ]);
    expect(lb!.backends.reduce((n, b) => n + b.newFlows, 0)).toBe(27);
  });

  it('vm2 leaves the rotation 2 probes after its service stops, new flows avoid it, and it comes back after 2 successes', () => {
    const sim = Simulation.create(scenario('lb-health-probe-stopped-service'));
    sim.run();
    const flows = sim.flows();
    const early = servedBy(sim, byPrefix(flows, 'early'));
    const stopped = servedBy(sim, byPrefix(flows, 'stopped'));
    const back = servedBy(sim, byPrefix(flows, 'back'));
    expect(new Set(early)).toEqual(new Set(['vm1', 'vm2']));
    expect(stopped).toEqual(Array(9).fill('vm1'));
    expect(new Set(back)).toEqual(new Set(['vm1', 'vm2']));
    const notes = sim.traceSince(0).filter((e) => e.kind === 'note' && e.node === 'lb' && e.summary.includes(' is '));
    const changes = notes.filter((e) => e.summary.includes('vm2')).map((e) => [e.t, e.summary.replace(/^load balancer 'lb': /, '').replace(/ \(last.*$/, '')]);
    expect(changes).toEqual([
      [200, "vm2 (10.0.0.5) is up for probe 'hp': 1 consecutive success"],
      [15 * S + 200, "vm2 (10.0.0.5) is down for probe 'hp': 2 consecutive failures"],
      [35 * S + 200, "vm2 (10.0.0.5) is up for probe 'hp': 2 consecutive successes"],
    ]);
  });

  it('a probe is a handshake and a close from 168.63.129.16 to the DIP; the stopped service answers RST; replies are rewritten to the frontend on the host', () => {
    const sim = Simulation.create(scenario('lb-health-probe-stopped-service'));
    sim.runUntil(12 * S);
    const trace = sim.traceSince(0);
    const toVm2 = trace.filter((e) => e.kind === 'deliver' && e.node === 'vm2' && e.packet?.ip.src === '168.63.129.16');
    expect(toVm2[0]!.packet!.ip.dst).toBe('10.0.0.5');
    expect(toVm2[0]!.packet!.tcp!.flags).toBe('SYN');
    const fromVm2 = trace.filter((e) => e.kind === 'send' && e.node === 'vm2' && e.packet?.ip.dst === '168.63.129.16').map((e) => e.packet!.tcp!.flags);
    expect(fromVm2[0]).toBe('SYN, ACK');
    expect(fromVm2).toContain('FIN, ACK'); // the probe closes; the VM closes its side
    expect(fromVm2).toContain('RST, ACK'); // after stopService at 10 s
    const rewrite = trace.find((e) => e.kind === 'rewrite' && e.summary.includes('reply: source 10.0.0.'));
    expect(rewrite!.after!.ip.src).toBe('20.50.0.10');
    expect(rewrite!.summary).toContain('rewritten on the host (DSR)');
    // The capture on vm2 has the probe's SYN from 168.63.129.16 and the client's SYN with its own source.
    const frames = sim.captures().find((c) => c.id === 'cap-vm2')!.frames.filter((f) => f.direction === 'in');
    expectFrame(frames[0]!.data).ipv4({ src: '168.63.129.16', dst: '10.0.0.5' }).tcp({ dstPort: 80, flags: 'SYN' });
    const client = frames.filter((f) => f.t > 6 * S)[0]!;
    expectFrame(client.data).ipv4({ dst: '10.0.0.5' }).tcp({ dstPort: 80, flags: 'SYN' });
    // The VM's socket table shows the probe connection while it is open.
    const sim2 = Simulation.create(scenario('lb-health-probe-stopped-service'));
    sim2.runUntil(5 * S + 150);
    expect(sim2.sockets()['vm1']!.some((s) => s.remote.startsWith('168.63.129.16:'))).toBe(true);
  });
});

describe('gallery (CLI): lb-floating-ip-two-frontends', () => {
  it('the mapping table reads "Same as frontend" for 65.52.0.1 and 65.52.0.2 on port 80', async () => {
    const r = await run('lb-floating-ip-two-frontends');
    const [lb] = r.loadBalancers;
    expect(lb!.mapping.map((m) => [m.rule, m.frontendIp, m.protocol, m.port, m.destination, m.destinationPort])).toEqual([
      ['rule1', '65.52.0.1', 'TCP', 80, 'Same as frontend (65.52.0.1)', 'Same as frontend (80)'],
      ['rule2', '65.52.0.2', 'TCP', 80, 'Same as frontend (65.52.0.2)', 'Same as frontend (80)'],
    ]);
    expect(lb!.warnings).toEqual([]);
    expect(lb!.mappingText).toContain('| rule1 | 65.52.0.1           | TCP      | 80   | Same as frontend (65.52.0.1) | Same as frontend (80) |');
  });

  it('vm1 (loopback configured) answers on both frontends with the destination kept; vm2 (none) drops with floating-ip-not-on-loopback', () => {
    const sim = Simulation.create(scenario('lb-floating-ip-two-frontends'));
    sim.run();
    const flows = sim.flows().filter((f) => f.traffic !== 'bound-out');
    const served = servedBy(sim, flows);
    const ok = flows.filter((_, i) => served[i] === 'vm1');
    const lost = flows.filter((_, i) => served[i] !== 'vm1');
    expect(new Set(ok.map((f) => f.remote))).toEqual(new Set(['65.52.0.1:80', '65.52.0.2:80']));
    for (const f of ok) {
      expect(f.outcome).toBe('closed');
      expect(f.response).toBe(f.local);
    }
    expect(lost.length).toBeGreaterThan(0);
    for (const f of lost) expect(f.outcome).toBe('pending');
    // The packet reached vm1 still addressed to the frontend (no DNAT), only the port may change.
    const trace = sim.traceSince(0);
    const atVm1 = trace.filter((e) => e.kind === 'deliver' && e.node === 'vm1' && e.packet?.tcp?.flags === 'SYN' && e.packet.ip.src !== '168.63.129.16');
    expect(new Set(atVm1.map((e) => e.packet!.ip.dst))).toEqual(new Set(['65.52.0.1', '65.52.0.2']));
    expect(sim.sockets()['vm1']!.some((s) => s.local.startsWith('65.52.0.'))).toBe(true);
    const drops = sim.drops().filter((d) => d.code === 'floating-ip-not-on-loopback');
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.every((d) => d.node === 'vm2')).toBe(true);
    expect(drops[0]!.reason).toMatch(/^Rule 'rule[12]' uses floating IP, so the packet keeps destination 65\.52\.0\.[12], but vm2 has no loopback interface with that address/);
  });

  it('a socket on vm1 bound to the floating IP gets no SNAT: floating-ip-bound-no-snat', () => {
    const sim = Simulation.create(scenario('lb-floating-ip-two-frontends'));
    sim.run();
    const out = sim.flows().find((f) => f.traffic === 'bound-out')!;
    expect(out.local).toMatch(/^65\.52\.0\.1:/);
    expect(out.outcome).toBe('pending');
    const d = sim.drops().find((x) => x.code === 'floating-ip-bound-no-snat')!;
    expect(d.node).toBe('vm1');
    expect(d.reason).toContain("Azure's outbound won't rewrite the outbound flow, and the flow fails.");
  });
});

describe('gallery (CLI): tcp-ping-latency', () => {
  it('ethr -p tcp -t pi to the server ILPIP: 60 sent, 60 received, 1.472 ms (the article: 1.469 ms)', async () => {
    const r = await run('tcp-ping-latency');
    const [t] = r.tcpping!;
    expect(t).toMatchObject({ traffic: 'ethr', from: 'client', dialAddr: '[20.60.0.5]:8888', finished: true, sent: 60, received: 60, lost: 0 });
    expect(t!.stats!.avg).toBe(1_472_000);
    expect(t!.text).toContain('TCP connect statistics for [20.60.0.5]:8888:');
    expect(t!.text).toContain('  Sent = 60, Received = 60, Lost = 0');
    const out: string[] = [];
    expect(await main(['run', 'scenarios/tcp-ping-latency.json'], { out: (s) => out.push(s), err: () => {} })).toBe(0);
    expect(out.join('\n')).toContain('tcpping ethr from client (ethr -c [20.60.0.5]:8888 -p tcp -t pi):');
    expect(out.join('\n')).toMatch(/1\.472ms\s+1\.472ms\s+1\.472ms/);
  });
});

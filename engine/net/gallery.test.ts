/** The first gallery scenario: ILPIP vs. a Standard LB with no outbound rule (seed 000). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { restoreScenario } from '../model/restore.ts';
import type { Scenario } from '../model/scenario.ts';
import { Simulation } from './simulation.ts';
import { expectFrame } from './test-util.ts';

const S = 1_000_000;

function gallery(): Scenario {
  const text = readFileSync(new URL('../../scenarios/outbound-ilpip-vs-standard-lb.json', import.meta.url), 'utf8');
  const r = restoreScenario(text);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.scenario;
}

describe('gallery: outbound-ilpip-vs-standard-lb', () => {
  it('vm-ilpip leaves from its public IP with its own source port, and the echo says so', () => {
    const sim = Simulation.create(gallery());
    sim.runUntil(1 * S);
    const ilpip = sim.flows().filter((f) => f.from === 'vm-ilpip');
    expect(ilpip).toHaveLength(3);
    for (const f of ilpip) {
      expect(f.outcome).toBe('established');
      const port = f.local.split(':')[1];
      expect(f.local.startsWith('10.8.0.4:')).toBe(true);
      expect(f.seenAs).toBe(`20.48.1.10:${port}`);
      expect(f.response).toBe(f.seenAs);
      expect(Number(port) % 2).toBe(0);
      expect(Number(port) >= 32768 && Number(port) <= 60999).toBe(true);
    }
    sim.run();
    expect(sim.flows().filter((f) => f.from === 'vm-ilpip').map((f) => f.outcome)).toEqual(['closed', 'closed', 'closed']);
  });

  it('vm-slb sits in SYN_SENT, its SYNs dropped at the VNet edge, and times out after ~127 s', () => {
    const sim = Simulation.create(gallery());
    sim.runUntil(60 * S);
    const rows = sim.sockets()['vm-slb']!;
    expect(rows.map((r) => [r.remote, r.state])).toEqual([['13.71.134.177:80', 'SYN_SENT']]);
    sim.run();
    const f = sim.flows().find((x) => x.from === 'vm-slb')!;
    expect(f.outcome).toBe('timed-out');
    expect(f.endedAt! - f.startedAt).toBe(127 * S);
    expect(f.seenAs).toBeUndefined();
    const drops = sim.drops();
    expect(drops).toHaveLength(7);
    for (const d of drops) {
      expect(d.code).toBe('no-outbound');
      expect(d.node).toBe('vnet');
      expect(d.flowId).toBe(f.flowId);
      expect(d.reason).toContain("Standard load balancer 'lb'");
      expect(d.reason).toContain("rule 'http' disables outbound SNAT");
      expect(d.reason).toContain('vm-slb (10.8.0.5) has no outbound path');
    }
    expect(sim.sockets()['vm-slb']).toEqual([]);
  });

  it('rewrites keep the packet id and the flow id is shared by both directions', () => {
    const sim = Simulation.create(gallery());
    sim.runUntil(1 * S);
    const trace = sim.traceSince(0);
    const rewrites = trace.filter((e) => e.kind === 'rewrite');
    expect(rewrites.length).toBeGreaterThan(0);
    const first = rewrites[0]!;
    expect(first.node).toBe('vm-ilpip-pip');
    expect(first.before!.ip.src).toBe('10.8.0.4');
    expect(first.after!.ip.src).toBe('20.48.1.10');
    expect(first.after!.tcp!.srcPort).toBe(first.before!.tcp!.srcPort);
    const sameId = trace.filter((e) => e.packetId === first.packetId).map((e) => e.kind);
    expect(sameId).toEqual(['send', 'hop', 'rewrite', 'hop', 'hop', 'deliver']);
    const dnat = rewrites.find((e) => e.before!.ip.dst === '20.48.1.10')!;
    expect(dnat.after!.ip.dst).toBe('10.8.0.4');
    expect(dnat.flowId).toBe(first.flowId);
  });

  it('captures real frames on both sides of the NAT', () => {
    const sim = Simulation.create(gallery());
    sim.runUntil(5 * S);
    const [vm, web] = sim.captures();
    expect(vm!.frames.length).toBeGreaterThan(0);
    expectFrame(vm!.frames[0]!.data).ipv4({ src: '10.8.0.4', dst: '13.71.134.177' }).tcp({ dstPort: 80, flags: 'SYN' });
    expectFrame(web!.frames[0]!.data).ipv4({ src: '20.48.1.10', dst: '13.71.134.177' }).tcp({ dstPort: 80, flags: 'SYN' });
    // Ethernet: the VM's NIC MAC to the Azure gateway MAC.
    expect([...vm!.frames[0]!.data.subarray(0, 6)]).toEqual([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc]);
    for (const c of [vm!, web!]) for (const f of c.frames) expectFrame(f.data);
    expect(vm!.frames.map((f) => f.packetId)).toEqual(expect.arrayContaining([web!.frames[0]!.packetId]));
  });

  it('explains the outbound path of each ipconfig', () => {
    const paths = Simulation.create(gallery()).outboundPaths();
    expect(paths.map((p) => [p.vm, p.mechanism, p.simulated])).toEqual([
      ['vm-ilpip', 'ilpip', true],
      ['vm-slb', 'none', true],
    ]);
    expect(paths[0]!.publicIps).toEqual(['20.48.1.10']);
    expect(paths[1]!.considered.map((c) => c.mechanism)).toEqual(['nat-gateway', 'ilpip', 'lb-outbound-rule', 'lb-rule-snat', 'none']);
  });

  it('is deterministic: two runs give the same trace and the same capture bytes; another seed does not', () => {
    const run = (seed?: number) => {
      const sim = Simulation.create(gallery(), seed === undefined ? {} : { seed });
      sim.run();
      return { trace: JSON.stringify(sim.traceSince(0)), report: JSON.stringify(sim.report()), caps: sim.captures().map((c) => c.frames.map((f) => [...f.data].join(',')).join('|')) };
    };
    const a = run();
    const b = run();
    expect(a.trace).toBe(b.trace);
    expect(a.report).toBe(b.report);
    expect(a.caps).toEqual(b.caps);
    expect(run(2).trace).not.toBe(a.trace);
  });

  it('steps one trace event at a time, in the order of the trace', () => {
    const stepped = Simulation.create(gallery());
    const seen = [];
    for (let i = 0; i < 40; i++) seen.push(stepped.step()!);
    const ran = Simulation.create(gallery());
    ran.runUntil(1 * S);
    expect(seen).toEqual(ran.traceSince(0).slice(0, 40));
    expect(stepped.now).toBe(seen[39]!.t);
  });

  it('summary and off trace levels give the same results', () => {
    const full = Simulation.create(gallery());
    const summary = Simulation.create(gallery(), { trace: 'summary' });
    const off = Simulation.create(gallery(), { trace: 'off', captures: false });
    for (const s of [full, summary, off]) s.run();
    expect(summary.traceSince(0).length).toBe(full.traceSince(0).length);
    expect(summary.traceSince(0).every((e) => e.packet === undefined)).toBe(true);
    expect(off.traceSince(0)).toEqual([]);
    expect(off.flows()).toEqual(full.flows());
    expect(off.drops()).toEqual(full.drops());
    expect(off.captures()[0]!.frames).toEqual([]);
    expect(off.hops).toBe(full.hops);
  });
});

/**
 * The Linux router and OpenStack gallery scenarios through the CLI (`netplay run SCENARIO
 * --json`), each asserting what its description promises (issue 7, items 5 and 7); the paths
 * packets take and where they are rewritten come from the same run's trace (hop and rewrite
 * events). The UI side is e2e/.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runGallery } from './test-util-gallery.ts';
import { restoreScenario } from './model/restore.ts';
import { Simulation } from './net/simulation.ts';
import type { FlowRow, NetfilterRow, RunReport, TraceEvent } from './sim/types.ts';

const run = (name: string, ...extra: string[]) => runGallery<RunReport & { netfilter: NetfilterRow[] }>(name, ...extra);

/** The same scenario's trace, for paths and rewrites. */
function trace(name: string, untilUs: number): TraceEvent[] {
  const r = restoreScenario(readFileSync(`scenarios/${name}.json`, 'utf8'));
  if (!r.ok) throw new Error(r.issues[0]!.message);
  const sim = Simulation.create(r.scenario, { trace: 'full' });
  sim.runUntil(untilUs);
  return sim.traceSince(0);
}

const flowOf = (r: RunReport, traffic: string): FlowRow => r.flows.find((f) => f.traffic === traffic)!;

/** The nodes the n-th packet of a flow went through (0: the SYN, 1: the SYN/ACK), from its hop events. */
function path(events: TraceEvent[], flowId: number, n: number): string[] {
  const hops = events.filter((e) => e.kind === 'hop' && e.flowId === flowId);
  const ids = [...new Set(hops.map((e) => e.packetId))];
  const mine = hops.filter((e) => e.packetId === ids[n]);
  return [mine[0]!.node, ...mine.map((e) => e.to!)];
}

/** Where the packets of a flow were rewritten, node by node (each once). */
function rewrittenAt(events: TraceEvent[], flowId: number): string[] {
  return [...new Set(events.filter((e) => e.kind === 'rewrite' && e.flowId === flowId).map((e) => e.node))];
}

describe('gallery (CLI): linux-router-snat-8-ports', () => {
  it('8 ESTABLISHED from 203.0.113.5:40000-40007, the 9th SYN_SENT with its SYNs dropped at insert_failed, conntrack and counters as the kernel shows them', async () => {
    const r = await run('linux-router-snat-8-ports', '--until', '10s');
    const flows = r.flows.filter((f) => f.traffic === 'nine-connections');
    expect(flows.slice(0, 8).every((f) => f.outcome === 'established')).toBe(true);
    const seen = flows.slice(0, 8).map((f) => f.seenAs!);
    expect(seen.every((s) => s.startsWith('203.0.113.5:'))).toBe(true);
    expect(seen.map((s) => Number(s.split(':')[1])).sort()).toEqual([40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007]);
    expect(flows[8]!.outcome).toBe('pending');
    expect(r.sockets['client']!.filter((s) => s.state === 'ESTABLISHED')).toHaveLength(8);
    expect(r.sockets['client']!.filter((s) => s.state === 'SYN_SENT')).toHaveLength(1);
    // The 9th's SYN at 0.8 s and its retransmissions (tcp_syn_linear_timeouts 4: five 1 s apart, then 2 s): each dropped at the router.
    const drops = r.drops.filter((d) => d.flowId === flows[8]!.flowId);
    expect(drops.map((d) => d.t)).toEqual([800_100, 1_800_100, 2_800_100, 3_800_100, 4_800_100, 5_800_100, 7_800_100]);
    for (const d of drops) {
      expect(d.node).toBe('edge-router');
      expect(d.code).toBe('conntrack-insert-failed');
      expect(d.reason).toContain(`nf_conntrack: insert_failed — no free port in 203.0.113.5:40000-40007 for ${flows[8]!.local} → 198.51.100.10:80`);
    }
    const nf = r.netfilter.find((n) => n.node === 'edge-router')!;
    expect(nf.conntrack).toHaveLength(8);
    expect(nf.conntrack.every((l) => /^tcp {6}6 4319\d\d ESTABLISHED src=10\.0\.1\.4 dst=198\.51\.100\.10 sport=\d+ dport=80 src=198\.51\.100\.10 dst=203\.0\.113\.5 sport=80 dport=4000[0-7] \[ASSURED\] mark=0 use=1$/.test(l))).toBe(true);
    expect(nf.conntrackStats).toEqual({ entries: 8, max: 262144, insertFailed: 7, drop: 7, earlyDrop: 0 });
    // nat table counters count connections: 8, plus every SYN of the 9th (each a new attempt).
    expect(nf.natTable).toContain('   15   900 SNAT       6    --  *      eth1    0.0.0.0/0            0.0.0.0/0            to:203.0.113.5:40000-40007');
    expect(nf.rules).toContain('-A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 203.0.113.5:40000-40007');
    expect(nf.routes).toEqual(['default via 203.0.113.1 dev eth1', '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10', '203.0.113.0/24 dev eth1 proto kernel scope link src 203.0.113.5']);
    expect(nf.interfaces.map((i) => [i.name, i.addresses, i.nic])).toEqual([
      ['eth0', ['10.0.1.10/24'], 'edge-router-eth0'],
      ['eth1', ['203.0.113.5/24'], undefined],
    ]);
    expect(nf.behaviour.mapping).toMatch(/^EIM/);
    expect(nf.errors).toEqual([]);
    expect(r.captures.find((c) => c.id === 'cap-router-eth1')!.frames).toBe(8 * 3);
  });

  it('routes the client through the route table to the router and rewrites at the router, naming the rule', () => {
    const ev = trace('linux-router-snat-8-ports', 1_000_000);
    const first = ev.find((e) => e.kind === 'hop' && e.node === 'client')!.flowId!;
    expect(path(ev, first, 0)).toEqual(['client', 'vnet', 'edge-router', 'internet', 'server']);
    expect(path(ev, first, 1)).toEqual(['server', 'internet', 'edge-router', 'vnet', 'client']);
    const rw = ev.find((e) => e.kind === 'rewrite' && e.flowId === first)!;
    expect(rw.node).toBe('edge-router');
    expect(rw.summary).toContain('SNAT by iptables -t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 203.0.113.5:40000-40007');
    expect(rw.before!.ip.src).toBe('10.0.1.4');
    expect(rw.after!.ip.src).toBe('203.0.113.5');
    expect(rw.after!.ip.ttl).toBe(63);
  });

  it('times the 9th out after 131 s: 10 retransmissions, every one dropped', async () => {
    const r = await run('linux-router-snat-8-ports', '--until', '135s');
    const ninth = r.flows.filter((f) => f.traffic === 'nine-connections')[8]!;
    expect(ninth.outcome).toBe('timed-out');
    expect(ninth.endedAt).toBe(131_800_000);
    expect(r.drops.filter((d) => d.flowId === ninth.flowId)).toHaveLength(11);
  });
});

describe('gallery (CLI): OpenStack central router vs DVR', () => {
  const names = ['openstack-central-router', 'openstack-dvr'] as const;

  it('both: every flow connects; A is seen as its floating IP, B as the router gateway address, the laptop reaches A', async () => {
    for (const name of names) {
      const r = await run(name);
      for (const f of r.flows) expect(f.outcome, `${name} ${f.traffic}`).toBe('established');
      expect(flowOf(r, 'a-to-b').response).toBe(`${flowOf(r, 'a-to-b').local}`);
      expect(flowOf(r, 'a-to-internet').response).toMatch(/^203\.0\.113\.10:\d+$/);
      expect(flowOf(r, 'b-to-internet').response).toMatch(/^203\.0\.113\.5:\d+$/);
      expect(flowOf(r, 'internet-to-fip').response).toMatch(/^198\.51\.100\.20:\d+$/);
      expect(r.drops).toEqual([]);
      for (const n of r.netfilter) expect(n.errors, `${name} ${n.name}`).toEqual([]);
    }
  });

  it('central: east-west and north-south all go through the network node, which does every rewrite', async () => {
    const r = await run('openstack-central-router');
    const ev = trace('openstack-central-router', 5_000_000);
    const f = (t: string) => flowOf(r, t).flowId;
    expect(path(ev, f('a-to-b'), 0)).toEqual(['vm-a', 'net1', 'nn-qrouter', 'net2', 'vm-b']);
    expect(path(ev, f('a-to-b'), 1)).toEqual(['vm-b', 'net2', 'nn-qrouter', 'net1', 'vm-a']);
    expect(rewrittenAt(ev, f('a-to-b'))).toEqual([]);
    expect(path(ev, f('a-to-internet'), 0)).toEqual(['vm-a', 'net1', 'nn-qrouter', 'internet', 'server']);
    expect(rewrittenAt(ev, f('a-to-internet'))).toEqual(['nn-qrouter']);
    expect(path(ev, f('b-to-internet'), 0)).toEqual(['vm-b', 'net2', 'nn-qrouter', 'internet', 'server']);
    expect(path(ev, f('b-to-internet'), 1)).toEqual(['server', 'internet', 'nn-qrouter', 'net2', 'vm-b']);
    expect(rewrittenAt(ev, f('b-to-internet'))).toEqual(['nn-qrouter']);
    expect(path(ev, f('internet-to-fip'), 0)).toEqual(['laptop', 'internet', 'nn-qrouter', 'net1', 'vm-a']);
    expect(rewrittenAt(ev, f('internet-to-fip'))).toEqual(['nn-qrouter']);
    const rw = ev.filter((e) => e.kind === 'rewrite' && e.flowId === f('internet-to-fip'));
    expect(rw[0]!.summary).toContain('DNAT by iptables -t nat -A neutron-l3-agent-PREROUTING -d 203.0.113.10/32 -j DNAT --to-destination 10.1.0.10');
    const nn = r.netfilter.find((n) => n.node === 'nn-qrouter')!;
    expect(nn.conntrack).toHaveLength(4);
    expect(nn.interfaces.find((i) => i.name === 'eth2')!.addresses).toEqual(['203.0.113.5/24', '203.0.113.10/32']);
  });

  it('DVR: east-west routed on the sender\'s compute node (asymmetric), the floating IP on compute-1, B\'s SNAT on the network node', async () => {
    const r = await run('openstack-dvr');
    const ev = trace('openstack-dvr', 5_000_000);
    const f = (t: string) => flowOf(r, t).flowId;
    expect(path(ev, f('a-to-b'), 0)).toEqual(['vm-a', 'net1', 'c1-qrouter', 'net2', 'vm-b']);
    expect(path(ev, f('a-to-b'), 1)).toEqual(['vm-b', 'net2', 'c2-qrouter', 'net1', 'vm-a']);
    expect(rewrittenAt(ev, f('a-to-b'))).toEqual([]);
    expect(path(ev, f('a-to-internet'), 0)).toEqual(['vm-a', 'net1', 'c1-qrouter', 'c1-rfp-link', 'c1-fip', 'internet', 'server']);
    expect(path(ev, f('a-to-internet'), 1)).toEqual(['server', 'internet', 'c1-fip', 'c1-rfp-link', 'c1-qrouter', 'net1', 'vm-a']);
    expect(rewrittenAt(ev, f('a-to-internet'))).toEqual(['c1-qrouter']);
    expect(path(ev, f('internet-to-fip'), 0)).toEqual(['laptop', 'internet', 'c1-fip', 'c1-rfp-link', 'c1-qrouter', 'net1', 'vm-a']);
    expect(rewrittenAt(ev, f('internet-to-fip'))).toEqual(['c1-qrouter']);
    expect(path(ev, f('b-to-internet'), 0)).toEqual(['vm-b', 'net2', 'c2-qrouter', 'net2', 'nn-snat', 'internet', 'server']);
    expect(path(ev, f('b-to-internet'), 1)).toEqual(['server', 'internet', 'nn-snat', 'net2', 'vm-b']);
    expect(rewrittenAt(ev, f('b-to-internet'))).toEqual(['nn-snat']);
    // conntrack on each copy of the router sees one direction of the east-west connection only.
    const ct = (node: string) => r.netfilter.find((n) => n.node === node)!.conntrack;
    expect(ct('c1-qrouter').filter((l) => l.includes('dst=10.2.0.20'))).toEqual([expect.stringMatching(/SYN_SENT src=10\.1\.0\.10 dst=10\.2\.0\.20 .*\[UNREPLIED\]/)]);
    expect(ct('c2-qrouter').filter((l) => l.includes('src=10.2.0.20 dst=10.1.0.10'))).toHaveLength(1);
    expect(ct('nn-snat')).toEqual([expect.stringMatching(/ESTABLISHED src=10\.2\.0\.20 dst=198\.51\.100\.10 .* dst=203\.0\.113\.5 .*\[ASSURED\]/)]);
  });
});

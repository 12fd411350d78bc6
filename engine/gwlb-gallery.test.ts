/**
 * The gateway load balancer gallery scenario (issue 6, items 4 and 6) through the CLI
 * (`netplay run scenarios/gwlb-nva-chain.json --json`) and the Simulation API: what its description
 * promises, with the capture bytes read by our dissector and, when installed, by tshark.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGallery } from './test-util-gallery.ts';
import { defaultDecodeAs, dissect, fieldsByName, parseDecodeAsRule, withDecodeAs } from './dissect/index.ts';
import type { DecodeAsRule } from './dissect/types.ts';
import { restoreScenario } from './model/restore.ts';
import type { Scenario } from './model/scenario.ts';
import { Simulation } from './net/simulation.ts';
import { toPcap } from './pcap-export.ts';
import type { LbInspectorRow, NetfilterRow, RunReport } from './sim/types.ts';
import { parseFrameWithChecks } from './wire/frame.ts';

type Report = RunReport & { loadBalancers: LbInspectorRow[]; netfilter: NetfilterRow[] };

const NAME = 'gwlb-nva-chain';
const S = 1_000_000;
const hasTshark = spawnSync('tshark', ['--version']).status === 0;
const RULE = '-s 8.8.8.8/32 -p tcp -m physdev --physdev-in vxlan-ex -m tcp --dport 22 -j DROP';

const run = (...extra: string[]) => runGallery<Report>(NAME, ...extra);

function scenario(): Scenario {
  const r = restoreScenario(JSON.parse(readFileSync(new URL(`../scenarios/${NAME}.json`, import.meta.url), 'utf8')));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.scenario;
}

function decodeAs(s: Scenario) {
  const rules = s.decodeAs.map((t) => parseDecodeAsRule(t)).map((r) => (r.ok ? r.rule : null)).filter((r): r is DecodeAsRule => r !== null);
  return withDecodeAs(defaultDecodeAs(), ...rules);
}

describe(`gallery (CLI): ${NAME}`, () => {
  it('8.8.8.8 gets HTTP through the chained LB; its SSH to the chained ILPIP is dropped by nva1 FORWARD rule 1; admin-laptop\'s SSH works', async () => {
    const r = await run();
    // The SYN and its 4 retransmissions (1, 2, 4, 8 s apart), each dropped by the NVA's rule.
    expect(r.drops.map((d) => [d.node, d.code, Math.round((d.t - 3 * S) / 1000) / 1000])).toEqual([
      ['nva1', 'filter-drop', 0.011],
      ['nva1', 'filter-drop', 1.011],
      ['nva1', 'filter-drop', 3.011],
      ['nva1', 'filter-drop', 7.011],
      ['nva1', 'filter-drop', 15.011],
    ]);
    for (const d of r.drops) {
      expect(d.reason).toBe(`nva1 FORWARD rule 1 (${RULE}) dropped it while bridging it from vxlan-ex (VXLAN from the GWLB)`);
      expect(d.summary).toMatch(/^8\.8\.8\.8:\d+ → 20\.62\.0\.20:22 \[SYN\]/);
    }
    const state = (host: string, remote: string) => r.sockets[host]!.filter((s) => s.remote.startsWith(remote)).map((s) => s.state);
    expect(state('8.8.8.8', '20.62.0.20:22')).toEqual(['SYN_SENT']);
    expect(state('admin-laptop', '20.62.0.20:22')).toEqual(['ESTABLISHED']);
    expect(state('ssh-vm', '203.0.113.7:')).toEqual(['ESTABLISHED']);
    const http = r.flows.filter((f) => f.traffic === 'http-from-8888');
    expect(http).toHaveLength(2);
    for (const f of http) {
      expect(f.outcome).toBe('closed');
      // http-echo saw the client's own address: the chain rewrites nothing.
      expect(f.response).toBe(f.local);
    }

    const gw = r.loadBalancers.find((l) => l.id === 'gw1')!;
    expect(gw.probes).toEqual([{ probe: 'nva-8080', member: 'nva1', dip: '10.7.1.5', state: 'up', last: 'SYN+ACK' }]);
    expect(gw.mapping[0]).toMatchObject({ rule: 'ha-ports', frontendIp: '10.7.0.4', protocol: 'All', port: 0, destination: 'NVA (nva1 10.7.1.5) over VXLAN: Internal 10800/VNI 800, External 10801/VNI 801' });
    expect(gw.mappingText).toContain("chained consumers: 20.62.0.10 (frontend 'web-fe' of load balancer 'web-lb'); 20.62.0.20 (instance-level public IP of ssh-vm (ipconfig1))");
    expect(gw.backends).toEqual([{ pool: 'nva-pool', member: 'nva1', dip: '10.7.1.5', newFlows: 25 }]);
    expect(gw.warnings).toEqual([]);

    const nva = r.netfilter.find((n) => n.node === 'nva1')!;
    expect(nva.kind).toBe('nva');
    expect(nva.rules).toContain(`-A FORWARD ${RULE}\n`);
    expect(nva.filterTable).toMatch(/^\s+5\s+300 DROP\s+6\s+--\s+\*\s+\*\s+8\.8\.8\.8\s+0\.0\.0\.0\/0\s+PHYSDEV match --physdev-in vxlan-ex tcp dpt:22$/m);
    expect(nva.conntrack.some((l) => /^tcp\s+6 \d+ ESTABLISHED src=203\.0\.113\.7 dst=20\.62\.0\.20 sport=\d+ dport=22 src=20\.62\.0\.20 dst=203\.0\.113\.7 sport=22 dport=\d+ \[ASSURED\]/.test(l))).toBe(true);
    expect(nva.interfaces.map((i) => i.name)).toEqual(['eth0', 'vxlan-in', 'vxlan-ex', 'br0']);
    expect(nva.behaviour.mapping).toBe('none (bridge)');
    expect(r.sockets['nva1']).toEqual([{ proto: 'tcp', local: '0.0.0.0:8080', remote: '0.0.0.0:*', state: 'LISTEN' }]);
  });

  it('ethr TCP ping from a VM in another VNet: ≈ 6.1 ms to the chained LB frontend, ≈ 1.5 ms to an unchained public IP', async () => {
    const r = await run();
    const [chained, plain] = ['ethr-chained', 'ethr-unchained'].map((id) => r.tcpping!.find((t) => t.traffic === id)!);
    expect(chained).toMatchObject({ dialAddr: '[20.62.0.10]:80', finished: true, sent: 20, received: 20, lost: 0 });
    expect(plain).toMatchObject({ dialAddr: '[20.62.0.40]:80', finished: true, sent: 20, received: 20, lost: 0 });
    // The article: 6.078 ms with the GWLB, 1.469 ms without.
    expect(chained!.stats!.avg).toBeGreaterThan(5_500_000);
    expect(chained!.stats!.avg).toBeLessThan(6_600_000);
    expect(plain!.stats!.avg).toBeGreaterThan(1_300_000);
    expect(plain!.stats!.avg).toBeLessThan(1_600_000);
    // The detour twice (there and back): 2 × (2 × 430 + 2 × 625 + 2 × 50 + 100) µs.
    expect(chained!.stats!.avg - plain!.stats!.avg).toBe(4_620_000);
  });

  it("nva1's eth0 capture is the underlay: UDP 10.7.0.4 ↔ 10.7.1.5 on 10800/10801, checksum 0, VXLAN 800/801 around the consumer's packets", () => {
    const s = scenario();
    const sim = Simulation.create(s);
    sim.run();
    const frames = sim.captures().find((c) => c.id === 'cap-nva-eth0')!.frames;
    expect(frames.length).toBeGreaterThan(100);
    const vxlanPorts = new Set([10800, 10801]);
    for (const f of frames) {
      const p = parseFrameWithChecks(f.data, { vxlanPorts });
      if (!p.ok) throw new Error(p.error.message);
      expect(p.value.checksums.every((c) => c.ok)).toBe(true);
      const { frame } = p.value;
      if (frame.net.kind !== 'ipv4' || frame.l4?.kind !== 'udp') throw new Error('not UDP over IPv4');
      const ends = [frame.net.ip.src, frame.net.ip.dst].map((a) => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.')).sort();
      expect(ends).toEqual(['10.7.0.4', '10.7.1.5']);
      expect(frame.l4.zeroChecksum).toBe(true);
      // Both ways the outer destination port names the tunnel (the source port is a flow hash).
      expect(frame.l4.vxlan!.header.vni).toBe(frame.l4.udp.dstPort === 10800 ? 800 : 801);
      expect(frame.l4.vxlan!.inner.net.kind).toBe('ipv4');
    }
    // The article's tcpdump: "IP (... proto UDP (17), length 110) 10.7.0.4.26968 > 10.7.1.5.10801: UDP, length 82" for a SYN.
    const syn = frames.find((f) => f.t > 2 * S && f.direction === 'in')!;
    expect((syn.data[16]! << 8) | syn.data[17]!).toBe(110);
    expect(((syn.data[38]! << 8) | syn.data[39]!) - 8).toBe(82);

    // Our dissector with the scenario's decode-as: outer and inner addresses, the VNI.
    const da = decodeAs(s);
    const ours = frames.map((f) => {
      const m = fieldsByName(dissect(f.data, 1, da), ['vxlan.vni', 'ip.src']);
      return `${m.get('vxlan.vni')!.map((x) => x.value).join(',')}\t${m.get('ip.src')!.map((x) => x.value).join(',')}`;
    });
    expect(ours[frames.indexOf(syn)]).toBe('801\t10.7.0.4,8.8.8.8');
    expect(new Set(ours.map((l) => l.split('\t')[0]))).toEqual(new Set(['800', '801']));
    if (!hasTshark) {
      if (process.env.CI) throw new Error('tshark is missing on CI: .ci/run installs it');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'netplay-gwlb-'));
    const file = join(dir, 'nva-eth0.pcap');
    writeFileSync(file, toPcap(frames));
    const out = execFileSync('tshark', ['-r', file, '-d', 'udp.port==10800,vxlan', '-d', 'udp.port==10801,vxlan', '-T', 'fields', '-e', 'vxlan.vni', '-e', 'ip.src'], { encoding: 'utf8' });
    expect(out.trimEnd().split('\n')).toEqual(ours);
    const one = execFileSync('tshark', ['-r', file, '-d', 'udp.port==10801,vxlan', '-T', 'fields', '-e', 'vxlan.vni', '-e', 'ip.src', '-Y', 'udp.dstport == 10801'], { encoding: 'utf8' });
    expect(one.trimEnd().split('\n')[0]).toBe('801\t10.7.0.4,8.8.8.8');
    const expert = execFileSync('tshark', ['-r', file, '-d', 'udp.port==10800,vxlan', '-d', 'udp.port==10801,vxlan', '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-e', '_ws.expert.message'], { encoding: 'utf8' });
    expect(expert).not.toMatch(/Malformed|Bad checksum|incorrect/i);
  });

  it('the capture on vxlan-ex holds only the inner frames: the consumer\'s packets, no tunnel', () => {
    const sim = Simulation.create(scenario());
    sim.run();
    const frames = sim.captures().find((c) => c.id === 'cap-nva-vxlan-ex')!.frames;
    expect(frames.length).toBeGreaterThan(20);
    const da = decodeAs(scenario());
    const addrs = new Set<string>();
    for (const f of frames) {
      const d = dissect(f.data, 1, da);
      const m = fieldsByName(d, ['vxlan.vni', 'ip.src', 'ip.dst', 'udp.dstport']);
      expect(m.has('vxlan.vni')).toBe(false);
      expect(m.get('ip.src')).toHaveLength(1);
      for (const k of ['ip.src', 'ip.dst'] as const) addrs.add(String(m.get(k)![0]!.value));
      expect(f.iface).toBe('vxlan-ex');
    }
    expect([...addrs].sort()).toEqual(['20.62.0.10', '20.62.0.20', '20.62.0.30', '203.0.113.7', '8.8.8.8']);
    // 8.8.8.8's dropped SYNs were seen on vxlan-ex (tcpdump sees them before netfilter drops them).
    const ssh = frames.filter((f) => fieldsByName(dissect(f.data, 1, da), ['tcp.dstport']).get('tcp.dstport')?.[0]?.value === 22);
    expect(ssh.length).toBeGreaterThanOrEqual(5);
  });

  it('the trace shows each encapsulation and decapsulation in words', () => {
    const sim = Simulation.create(scenario());
    sim.runUntil(2.02 * S);
    const ev = sim.traceSince(0).filter((e) => (e.kind === 'encap' || e.kind === 'decap') && e.t > 2 * S);
    expect(ev.slice(0, 4).map((e) => [e.kind, e.node, e.summary.replace(/: \d.*$/, '')])).toEqual([
      ['encap', 'gw1', 'GWLB gw1: VXLAN encap VNI 801 to nva1 10.7.1.5:10801 (External tunnel, ingress)'],
      ['decap', 'nva1', 'nva1: VXLAN decap VNI 801 onto vxlan-ex'],
      ['encap', 'nva1', 'nva1: VXLAN encap VNI 800 on vxlan-in to gw1 10.7.0.4:10800 (Internal tunnel)'],
      ['decap', 'gw1', 'GWLB gw1: VXLAN decap VNI 800 from nva1 (Internal tunnel, ingress)'],
    ]);
    // The encapsulated packet keeps the inner packet's id; the outer header is in `after`.
    expect(ev[0]!.after!.vxlan!.inner.ip.dst).toBe('20.62.0.10');
    expect(ev[0]!.after!.udp!.dstPort).toBe(10801);
    // The LB rule applies after the chain (DNAT to a web VM), and the reply re-enters it after the DSR rewrite.
    const trace = sim.traceSince(0);
    const firstDecap = trace.indexOf(ev[3]!);
    const dnat = trace.findIndex((e) => e.kind === 'rewrite' && e.node === 'web-lb' && e.t > 2 * S);
    expect(dnat).toBeGreaterThan(firstDecap);
    const egress = trace.find((e) => e.kind === 'encap' && e.node === 'gw1' && e.summary.includes('egress'))!;
    expect(egress.summary).toBe('GWLB gw1: VXLAN encap VNI 800 to nva1 10.7.1.5:10800 (Internal tunnel, egress)');
    expect(egress.after!.vxlan!.inner.ip.src).toBe('20.62.0.10');
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIpv4 } from '../../wire/addr.ts';
import { Rng } from '../../sim/rng.ts';
import { classifyTcpProbe } from '../lb/health.ts';
import type { Probe } from '../lb/types.ts';
import {
  DEFAULT_TUNNELS,
  GatewayLoadBalancer,
  LinuxNva,
  RFC7348_SRC_PORTS,
  LINUX_VXLAN_SRC_PORTS,
  VXLAN_OVERHEAD_IPV4,
  chainHops,
  checkChain,
  checkNvaFirewall,
  innerMtu,
  prepareFirewallLine,
  reverseFlow,
  symmetricFlowHash,
  type InnerFlow,
  type GatewaySetup,
} from './index.ts';

const ip = (s: string): number => parseIpv4(s)!;
const GWLB = ip('10.7.0.4');
const NVA1 = ip('10.7.1.5');
const NVA2 = ip('10.7.1.6');
const CLIENT = ip('203.0.113.9');
const CONSUMER = ip('20.62.1.10'); // the consumer's public frontend / ILPIP
const TUNNELS = [
  { type: 'Internal' as const, protocol: 'VXLAN' as const, port: 10800, identifier: 800 },
  { type: 'External' as const, protocol: 'VXLAN' as const, port: 10801, identifier: 801 },
];
const PROBE: Probe = { name: 'nva-8080', protocol: 'Tcp', port: 8080, intervalInSeconds: 5, numberOfProbes: 2, probeThreshold: 1 };

function gateway(o: Partial<GatewaySetup> = {}): GatewayLoadBalancer {
  return new GatewayLoadBalancer(
    { name: 'gwlb1', frontendIp: GWLB, tunnelInterfaces: TUNNELS, nvas: [{ name: 'nva1', ip: NVA1 }, { name: 'nva2', ip: NVA2 }], noHealthyBackendsBehavior: 'AllProbedDown', ...o },
    { seed: 42, start: 0 },
  );
}

/** Answers every probe of a round: `up(nva)` says whether it is listening on 8080. */
function probeRound(g: GatewayLoadBalancer, now: number, up: (nva: string) => boolean): void {
  for (const e of g.expire(now)) if (e.kind === 'send-probe') g.reportProbe(e.request, classifyTcpProbe(up(e.request.member) ? 0x12 : 0x14), now + 100);
}

const flowArb = fc.record({
  proto: fc.constantFrom(6, 17),
  src: fc.integer({ min: 0, max: 0xffffffff }),
  sport: fc.integer({ min: 0, max: 65535 }),
  dst: fc.integer({ min: 0, max: 0xffffffff }),
  dport: fc.integer({ min: 0, max: 65535 }),
});

describe('symmetric NVA choice', () => {
  it('hash(flow) == hash(reverse(flow)) (property)', () => {
    fc.assert(fc.property(flowArb, fc.integer(), (f, seed) => symmetricFlowHash(f, seed) === symmetricFlowHash(reverseFlow(f), seed)));
  });

  it('a flow and its reply reach the same NVA; new flows spread over both', () => {
    fc.assert(
      fc.property(flowArb, (f) => {
        const g = gateway();
        const a = g.steer(f, 'ingress', 10);
        const b = gateway().steer(reverseFlow(f), 'egress', 10); // a fresh GWLB: the hash alone is symmetric
        const c = g.steer(reverseFlow(f), 'egress', 20); // and the flow table too
        return a.ok && b.ok && c.ok && a.nva.name === b.nva.name && a.nva.name === c.nva.name && !c.newFlow;
      }),
      { numRuns: 100 },
    );
    const g = gateway();
    const names = new Set(Array.from({ length: 64 }, (_, i) => {
      const r = g.steer({ proto: 6, src: CLIENT + i, sport: 40000 + i, dst: CONSUMER, dport: 443 }, 'ingress', 0);
      return r.ok ? r.nva.name : '';
    }));
    expect(names).toEqual(new Set(['nva1', 'nva2']));
  });
});

describe('VXLAN legs', () => {
  const inbound: InnerFlow = { proto: 6, src: CLIENT, sport: 51000, dst: CONSUMER, dport: 22 };

  it('ingress: GWLB -> NVA on External (10801/801), NVA -> GWLB on Internal (10800/800)', () => {
    const r = gateway({ nvas: [{ name: 'nva1', ip: NVA1 }] }).steer(inbound, 'ingress', 0);
    if (!r.ok) throw new Error(r.message);
    const [out, back] = r.legs;
    expect(out).toMatchObject({ tunnel: 'External', from: 'gwlb', outerSrc: GWLB, outerDst: NVA1, udpDst: 10801, vni: 801, udpChecksum: 0, flags: 0x08 });
    expect(back).toMatchObject({ tunnel: 'Internal', from: 'nva', outerSrc: NVA1, outerDst: GWLB, udpDst: 10800, vni: 800, udpChecksum: 0 });
    expect(out.udpSrc).toBeGreaterThanOrEqual(RFC7348_SRC_PORTS.min);
    expect(out.udpSrc).toBeLessThanOrEqual(RFC7348_SRC_PORTS.max);
    expect(back.udpSrc).toBeGreaterThanOrEqual(LINUX_VXLAN_SRC_PORTS.min);
    expect(back.udpSrc).toBeLessThanOrEqual(LINUX_VXLAN_SRC_PORTS.max);
    expect(r.note).toContain('External tunnel (UDP 10801, VNI 801)');
  });

  it('egress (the reply) goes the other way round: Internal out, External back', () => {
    const g = gateway({ nvas: [{ name: 'nva1', ip: NVA1 }] });
    g.steer(inbound, 'ingress', 0);
    const r = g.steer(reverseFlow(inbound), 'egress', 1);
    if (!r.ok) throw new Error(r.message);
    expect(r.legs.map((l) => [l.tunnel, l.from, l.udpDst, l.vni])).toEqual([
      ['Internal', 'gwlb', 10800, 800],
      ['External', 'nva', 10801, 801],
    ]);
  });

  it('the outer source port is a hash of the inner headers: same flow, same port; flows differ', () => {
    const g = gateway();
    const a = g.steer(inbound, 'ingress', 0);
    const b = g.steer(inbound, 'ingress', 1);
    expect(a.ok && b.ok && a.legs[0].udpSrc === b.legs[0].udpSrc).toBe(true);
    const ports = new Set(Array.from({ length: 50 }, (_, i) => {
      const r = g.steer({ ...inbound, sport: 1000 + i }, 'ingress', 0);
      return r.ok ? r.legs[0].udpSrc : -1;
    }));
    expect(ports.size).toBeGreaterThan(40);
  });

  it('defaults, overhead and MTU', () => {
    expect(DEFAULT_TUNNELS).toEqual({ Internal: { port: 10800, vni: 800 }, External: { port: 10801, vni: 801 } });
    expect(VXLAN_OVERHEAD_IPV4).toBe(50);
    expect(innerMtu(1500)).toBe(1450);
    // The article's capture: an outer IPv4 length of 110 carries a 60-byte inner packet.
    expect(60 + VXLAN_OVERHEAD_IPV4).toBe(110);
    const g = new GatewayLoadBalancer({ name: 'g', frontendIp: GWLB, tunnelInterfaces: [], nvas: [{ name: 'n', ip: NVA1 }], noHealthyBackendsBehavior: 'AllProbedDown' }, { seed: 1, start: 0 });
    const r = g.steer(inbound, 'ingress', 0);
    expect(r.ok && r.legs[0].udpDst).toBe(10801);
  });
});

describe('the Linux NVA', () => {
  const articleRule = 'iptables -A FORWARD -m physdev --physdev-in vxlan-ex --physdev-is-bridged -s 8.8.8.8 -p tcp --dport 22 -j DROP';
  const nva = (): LinuxNva =>
    new LinuxNva({ name: 'vm-nva', ip: NVA1, gwlbIp: GWLB, tunnelInterfaces: TUNNELS, healthPort: 8080, firewall: [articleRule], rng: new Rng(1, 'nva') });
  const syn = (src: string, dport: number, dst = CONSUMER) => ({ proto: 6, src: ip(src), dst, sport: 40000, dport, length: 60, tcpFlags: 0x02 });
  const external = { src: GWLB, dst: NVA1, udpDst: 10801, vni: 801 };
  const internal = { src: GWLB, dst: NVA1, udpDst: 10800, vni: 800 };

  it("accepts the article's rule (with --physdev-is-bridged) and lists it", () => {
    const n = nva();
    expect(n.firewallErrors).toEqual([]);
    expect(n.netfilter.iptables('-S FORWARD')).toEqual({ ok: true, output: '-P FORWARD ACCEPT\n-A FORWARD -s 8.8.8.8/32 -p tcp -m physdev --physdev-in vxlan-ex -m tcp --dport 22 -j DROP\n' });
    expect(prepareFirewallLine('-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT')).toEqual({ ok: true, line: '-A FORWARD -j ACCEPT' });
    expect(prepareFirewallLine('-A FORWARD -m physdev ! --physdev-is-bridged -j DROP').ok).toBe(false);
  });

  it('drops SSH from 8.8.8.8 arriving on the external tunnel', () => {
    const r = nva().receive(external, syn('8.8.8.8', 22), 0);
    expect(r.verdict).toBe('drop');
    if (r.verdict === 'drop') {
      expect(r.reason).toBe('filter-drop');
      expect(r.path).toEqual(['eth0', 'vxlan-ex', 'br0']);
      expect(r.notes.join('\n')).toContain('rule 1 DROP');
    }
  });

  it('forwards the rest, inner packet unchanged, back to the GWLB on the internal tunnel', () => {
    const n = nva();
    for (const [src, port] of [['8.8.4.4', 22], ['8.8.8.8', 443], ['1.2.3.4', 80]] as const) {
      const r = n.receive(external, syn(src, port), 0);
      expect(r.verdict).toBe('forward');
      if (r.verdict !== 'forward') continue;
      expect(r.packet.src).toBe(ip(src));
      expect(r.packet.dst).toBe(CONSUMER);
      expect(r.packet.dport).toBe(port);
      expect(r.path).toEqual(['eth0', 'vxlan-ex', 'br0', 'vxlan-in', 'eth0']);
      expect(r.leg).toMatchObject({ tunnel: 'Internal', outerSrc: NVA1, outerDst: GWLB, udpDst: 10800, vni: 800, udpChecksum: 0 });
    }
    // The rule matches physdev-in vxlan-ex only: the same addresses from the internal side pass.
    const fromInside = n.receive(internal, syn('8.8.8.8', 22, ip('198.51.100.1')), 0);
    expect(fromInside.verdict === 'forward' && fromInside.leg.tunnel).toBe('External');
  });

  it('drops what matches no tunnel, and answers the health probe on 8080 while its service runs', () => {
    const n = nva();
    expect(n.receive({ ...external, vni: 999 }, syn('1.1.1.1', 80), 0).verdict).toBe('drop');
    expect(n.answersProbe(8080)).toBe(true);
    expect(n.answersProbe(80)).toBe(false);
    n.healthServiceRunning = false;
    expect(n.answersProbe(8080)).toBe(false);
  });

  it('firewall checks: -i with a tunnel name never matches on a bridge', () => {
    const s = checkNvaFirewall(['-A FORWARD -i ext -s 8.8.8.8 -p tcp --dport 22 -j DROP', '-A FORWARD -m physdev --physdev-in vxlan801 -j DROP', articleRule]);
    expect(s.length).toBe(2);
    expect(s[0]).toContain('--physdev-in vxlan-ex');
    expect(s[1]).toContain('"vxlan801" is not one of them');
  });
});

describe('health of the NVAs', () => {
  it('new flows avoid an NVA that stops answering; with none up, new flows are dropped', () => {
    const g = gateway({ probe: PROBE });
    probeRound(g, 0, () => true);
    probeRound(g, 5_000_000, (n) => n !== 'nva1');
    for (let i = 0; i < 30; i++) {
      const r = g.steer({ proto: 6, src: CLIENT, sport: 1000 + i, dst: CONSUMER, dport: 80 }, 'ingress', 5_100_000);
      expect(r.ok && r.nva.name).toBe('nva2');
    }
    probeRound(g, 10_000_000, () => false);
    const r = g.steer({ proto: 6, src: CLIENT, sport: 9, dst: CONSUMER, dport: 80 }, 'ingress', 10_100_000);
    expect(!r.ok && r.code).toBe('no-healthy-nva');
    // An established TCP flow stays on its NVA (pool of two).
    const est = g.steer({ proto: 6, src: CLIENT, sport: 1000, dst: CONSUMER, dport: 80 }, 'ingress', 10_100_000);
    expect(est.ok).toBe(true);
  });

  it('AllProbedUp fails open to the NVAs', () => {
    const g = gateway({ probe: PROBE, noHealthyBackendsBehavior: 'AllProbedUp' });
    probeRound(g, 0, () => false);
    expect(g.steer({ proto: 17, src: CLIENT, sport: 5, dst: CONSUMER, dport: 53 }, 'ingress', 10).ok).toBe(true);
  });
});

describe('the consumer chain', () => {
  const gw = [{ id: 'gwlb1', name: 'gwlb1', sku: 'Gateway' as const, frontends: [{ name: 'fe', internal: true }], pools: [{ name: 'nvas', tunnelInterfaces: TUNNELS }] }];

  it('accepts a Standard public frontend and an ILPIP ipconfig; refuses the rest with reasons', () => {
    expect(checkChain({ kind: 'lb-frontend', lb: 'app-lb', sku: 'Standard', frontend: 'pub', isPublic: true, gatewayLoadBalancer: 'gwlb1/fe' }, gw)).toEqual([]);
    expect(checkChain({ kind: 'ilpip', vm: 'vm1', ipconfig: 'ipconfig1', hasPublicIp: true, gatewayLoadBalancer: 'gwlb1/fe' }, gw)).toEqual([]);
    expect(checkChain({ kind: 'lb-frontend', lb: 'b', sku: 'Basic', frontend: 'pub', isPublic: true, gatewayLoadBalancer: 'gwlb1/fe' }, gw)[0]).toContain('only a Standard');
    expect(checkChain({ kind: 'ilpip', vm: 'vm1', ipconfig: 'ipconfig1', hasPublicIp: false, gatewayLoadBalancer: 'gwlb1/fe' }, gw)[0]).toContain('must already have a public IP');
    expect(checkChain({ kind: 'ilpip', vm: 'vm1', ipconfig: 'c', hasPublicIp: true, gatewayLoadBalancer: 'gwlb1/nope' }, gw)[0]).toContain("no frontend 'nope'");
  });

  it('the return path passes the hops in reverse order', () => {
    const c = { kind: 'ilpip' as const, vm: 'vm1', ipconfig: 'ipconfig1', hasPublicIp: true, gatewayLoadBalancer: 'gwlb1/fe' };
    const inAt = chainHops(c, 'gwlb1', 'nva1', 'ingress').map((h) => h.at + (h.tunnel ? `:${h.tunnel}` : ''));
    const outAt = chainHops(c, 'gwlb1', 'nva1', 'egress').map((h) => h.at + (h.tunnel ? `:${h.tunnel}` : ''));
    expect(inAt).toEqual(['internet', 'consumer', 'gwlb:External', 'nva', 'gwlb:Internal', 'consumer', 'vm']);
    expect(outAt).toEqual([...inAt].reverse());
  });
});

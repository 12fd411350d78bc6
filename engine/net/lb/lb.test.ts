import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIpv4 } from '../../wire/addr.ts';
import {
  LoadBalancerEngine,
  PROBE_SOURCE_IP,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_SYN,
  checkFloatingIpArrival,
  checkLbRules,
  classifyHttpProbe,
  classifyTcpProbe,
  floatingIpOutbound,
  formatMappingTable,
  mappingTable,
  type LbEvent,
  type LbRule,
  type LbSetup,
  type Probe,
  type ProbeRequest,
} from './index.ts';

const ip = (s: string): number => parseIpv4(s)!;
const FE = ip('20.0.0.10');

function rule(o: Partial<LbRule> = {}): LbRule {
  return {
    name: 'web',
    frontend: 'fe',
    backendPool: 'pool',
    protocol: 'Tcp',
    frontendPort: 80,
    backendPort: 80,
    probe: 'hp',
    enableFloatingIP: false,
    loadDistribution: 'Default',
    idleTimeoutInMinutes: 4,
    enableTcpReset: false,
    disableOutboundSnat: false,
    ...o,
  };
}

function probe(o: Partial<Probe> = {}): Probe {
  return { name: 'hp', protocol: 'Tcp', port: 80, intervalInSeconds: 5, numberOfProbes: 2, probeThreshold: 1, ...o };
}

function setup(o: Partial<LbSetup> = {}, members = 3): LbSetup {
  return {
    name: 'lb1',
    sku: 'Standard',
    frontends: [{ name: 'fe', ip: FE, internal: false }],
    pools: [{ name: 'pool', members: Array.from({ length: members }, (_, i) => ({ name: `vm${i + 1}`, dip: ip(`10.0.0.${4 + i}`) })) }],
    probes: [probe()],
    rules: [rule()],
    noHealthyBackendsBehavior: 'AllProbedDown',
    ...o,
  };
}

/** Runs the first probe round and answers every probe with `ok(member)`. */
function probeRound(lb: LoadBalancerEngine, now: number, ok: (member: string) => boolean): LbEvent[] {
  const events = lb.expire(now);
  const out: LbEvent[] = events.filter((e) => e.kind !== 'send-probe');
  for (const e of events) {
    if (e.kind !== 'send-probe') continue;
    const r = lb.reportProbe(e.request, ok(e.request.member) ? classifyTcpProbe(0x12) : classifyTcpProbe(0x14), now + 1000);
    if (r) out.push(r);
  }
  return out;
}

function healthyLb(s: LbSetup = setup(), seed = 7): LoadBalancerEngine {
  const lb = new LoadBalancerEngine(s, { seed, start: 0 });
  probeRound(lb, 0, () => true);
  return lb;
}

const tcp = (src: string, sport: number, flags = TCP_SYN, dst = FE, dport = 80) => ({ proto: PROTO_TCP, src: ip(src), sport, dst, dport, tcpFlags: flags });
const udp = (src: string, sport: number, dport = 80) => ({ proto: PROTO_UDP, src: ip(src), sport, dst: FE, dport, tcpFlags: 0 });

function memberOf(lb: LoadBalancerEngine, p: ReturnType<typeof tcp>, now = 10): string {
  const r = lb.inbound(p, now);
  if (!r.ok) throw new Error(r.drop.message);
  return r.member.name;
}

describe('rule matching', () => {
  it('matches frontend IP, protocol and port; other ports and protocols have no rule', () => {
    const lb = healthyLb();
    expect(lb.inbound(tcp('1.1.1.1', 1000), 10).ok).toBe(true);
    const other = lb.inbound(tcp('1.1.1.1', 1000, TCP_SYN, FE, 443), 10);
    expect(other.ok).toBe(false);
    if (!other.ok) expect(other.drop.code).toBe('no-rule');
    expect(lb.inbound(udp('1.1.1.1', 1000), 10).ok).toBe(false);
  });

  it('an HA-ports rule takes every TCP and UDP port and keeps the port', () => {
    const s = setup({ rules: [rule({ protocol: 'All', frontendPort: 0, backendPort: 0 })], frontends: [{ name: 'fe', ip: FE, internal: true }] });
    const lb = healthyLb(s);
    for (const port of [22, 443, 5000]) {
      const r = lb.inbound(tcp('10.1.0.5', 40000 + port, TCP_SYN, FE, port), 10);
      expect(r.ok && r.dstPort).toBe(port);
    }
    expect(lb.inbound(udp('10.1.0.5', 5353, 53), 10).ok).toBe(true);
    expect(checkLbRules(s)).toEqual([]);
  });
});

describe('distribution', () => {
  it('DNATs to the member DIP and backend port, and the reply is rewritten to the frontend', () => {
    const lb = healthyLb(setup({ rules: [rule({ backendPort: 8080 })] }));
    const r = lb.inbound(tcp('1.1.1.1', 1000), 10);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.floatingIp).toBe(false);
    expect(r.dstIp).toBe(r.member.dip);
    expect(r.dstPort).toBe(8080);
    const back = lb.reply({ proto: PROTO_TCP, src: r.member.dip, sport: 8080, dst: ip('1.1.1.1'), dport: 1000, tcpFlags: TCP_SYN | TCP_ACK }, 20);
    expect(back).not.toBeNull();
    expect(back!.srcIp).toBe(FE);
    expect(back!.srcPort).toBe(80);
    expect(back!.flow.state).toBe('established');
    // A packet from the VM that answers no LB flow is not the LB's business.
    expect(lb.reply({ proto: PROTO_TCP, src: r.member.dip, sport: 8080, dst: ip('9.9.9.9'), dport: 1, tcpFlags: 0 }, 20)).toBeNull();
  });

  it('established flows stick to their backend (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xfffffffe }), fc.integer({ min: 1024, max: 65535 }), (src, sport) => {
        const lb = healthyLb();
        const p = { proto: PROTO_TCP, src, sport, dst: FE, dport: 80, tcpFlags: TCP_SYN };
        const first = lb.inbound(p, 10);
        const again = lb.inbound({ ...p, tcpFlags: TCP_ACK }, 20);
        return first.ok && again.ok && first.member.name === again.member.name && !again.newFlow;
      }),
      { numRuns: 50 },
    );
  });

  it('spreads 5-tuple flows evenly over the members (chi-square, 3 members, 3,000 flows)', () => {
    const lb = healthyLb();
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const m = memberOf(lb, tcp(`198.51.${(i >> 8) & 255}.${i & 255}`, 1024 + ((i * 7919) % 60000)));
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    const expected = 1000;
    const chi2 = [...counts.values()].reduce((s, c) => s + ((c - expected) * (c - expected)) / expected, 0);
    expect(counts.size).toBe(3);
    expect(chi2).toBeLessThan(13.8); // df = 2, p = 0.001
  });

  it('the same seed repeats every choice; another seed makes other choices', () => {
    const choices = (seed: number): string[] => {
      const lb = healthyLb(setup(), seed);
      return Array.from({ length: 40 }, (_, i) => memberOf(lb, tcp('1.2.3.4', 2000 + i)));
    };
    expect(choices(1)).toEqual(choices(1));
    expect(choices(1)).not.toEqual(choices(2));
  });

  it('SourceIP (2-tuple): every port and protocol of one client goes to one member', () => {
    const lb = healthyLb(setup({ rules: [rule({ loadDistribution: 'SourceIP', protocol: 'Tcp' }), rule({ name: 'dns', protocol: 'Udp', frontendPort: 53, backendPort: 53, loadDistribution: 'SourceIP' })] }));
    for (const client of ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4']) {
      const members = new Set<string>();
      for (let port = 1000; port < 1020; port++) members.add(memberOf(lb, tcp(client, port)));
      const u = lb.inbound(udp(client, 5000, 53), 10);
      if (u.ok) members.add(u.member.name);
      expect(members.size).toBe(1);
    }
    const spread = new Set(Array.from({ length: 30 }, (_, i) => memberOf(lb, tcp(`7.7.7.${i + 1}`, 1000))));
    expect(spread.size).toBe(3);
  });

  it('SourceIPProtocol (3-tuple): one member per client and protocol, ports ignored', () => {
    const lb = healthyLb(setup({ rules: [rule({ loadDistribution: 'SourceIPProtocol' }), rule({ name: 'u', protocol: 'Udp', loadDistribution: 'SourceIPProtocol' })] }));
    let differs = 0;
    for (let c = 1; c <= 30; c++) {
      const client = `5.5.5.${c}`;
      const t = new Set(Array.from({ length: 10 }, (_, i) => memberOf(lb, tcp(client, 3000 + i))));
      const u = new Set(Array.from({ length: 10 }, (_, i) => {
        const r = lb.inbound(udp(client, 3000 + i), 10);
        return r.ok ? r.member.name : '';
      }));
      expect(t.size).toBe(1);
      expect(u.size).toBe(1);
      if ([...t][0] !== [...u][0]) differs++;
    }
    expect(differs).toBeGreaterThan(0); // the protocol is part of the key
  });
});

describe('health probes', () => {
  it('probes come from 168.63.129.16 to the DIP on the probe port, every interval', () => {
    const lb = new LoadBalancerEngine(setup(), { seed: 1, start: 0 });
    const sends = lb.expire(0).filter((e): e is Extract<LbEvent, { kind: 'send-probe' }> => e.kind === 'send-probe');
    expect(sends.map((s) => s.request.member)).toEqual(['vm1', 'vm2', 'vm3']);
    expect(sends[0]!.request.src).toBe(PROBE_SOURCE_IP);
    expect(sends[0]!.request.dst).toBe(ip('10.0.0.4'));
    expect(sends[0]!.request.port).toBe(80);
    expect(sends[0]!.request.deadline).toBe(5_000_000); // min(30 s, interval)
    for (const s of sends) lb.reportProbe(s.request, classifyTcpProbe(0x12), 100);
    expect(lb.nextDeadline()).toBe(5_000_000);
  });

  it('members are out of rotation until their first success', () => {
    const lb = new LoadBalancerEngine(setup(), { seed: 1, start: 0 });
    const r = lb.inbound(tcp('1.1.1.1', 1), 0);
    expect(!r.ok && r.drop.code).toBe('no-healthy-backend');
    probeRound(lb, 0, () => true);
    expect(lb.inbound(tcp('1.1.1.1', 1), 10).ok).toBe(true);
  });

  function runProbes(counting: 'probeThreshold' | 'numberOfProbes', p: Partial<Probe>, answers: boolean[]): string[] {
    const lb = new LoadBalancerEngine(setup({ probes: [probe(p)], probeCounting: counting }, 1), { seed: 1, start: 0 });
    const states: string[] = [];
    answers.forEach((ok, i) => {
      probeRound(lb, i * 5_000_000, () => ok);
      states.push(lb.probes.health('hp', ip('10.0.0.4')));
    });
    return states;
  }

  it('probeThreshold: that many consecutive failures take it out, as many successes bring it back', () => {
    expect(runProbes('probeThreshold', { probeThreshold: 3 }, [true, false, false, true, false, false, false, true, true, true])).toEqual([
      'up', 'up', 'up', 'up', 'up', 'up', 'down', 'down', 'down', 'up',
    ]);
  });

  it('numberOfProbes: that many failures take it out, one success brings it back', () => {
    expect(runProbes('numberOfProbes', { numberOfProbes: 2, probeThreshold: 5 }, [true, false, false, true])).toEqual(['up', 'up', 'down', 'up']);
  });

  it('an unanswered probe fails at its deadline; late answers are ignored', () => {
    const lb = new LoadBalancerEngine(setup({ probes: [probe({ probeThreshold: 1 })] }, 1), { seed: 1, start: 0 });
    probeRound(lb, 0, () => true);
    const sends = lb.expire(5_000_000);
    const req = (sends[0] as { request: ProbeRequest }).request;
    const ev = lb.expire(10_000_000); // timeout of the first, and the next probe
    const health = ev.find((e) => e.kind === 'health');
    expect(health && health.kind === 'health' && health.change.to).toBe('down');
    expect(health && health.kind === 'health' && health.message).toContain('timeout');
    expect(lb.reportProbe(req, classifyTcpProbe(0x12), 10_000_001)).toBeNull();
  });

  it('HTTP: only 200 is up', () => {
    expect(classifyHttpProbe(200).ok).toBe(true);
    for (const s of [201, 301, 404, 500, 503]) expect(classifyHttpProbe(s).ok).toBe(false);
    expect(classifyTcpProbe(0x14).ok).toBe(false);
  });
});

describe('existing flows when backends go down (§C.2)', () => {
  function scenario(o: Partial<LbSetup>, members: number, protoUdp: boolean) {
    const s = setup({ rules: [rule({ protocol: protoUdp ? 'Udp' : 'Tcp' })], ...o }, members);
    const lb = healthyLb(s);
    const flows = Array.from({ length: 30 }, (_, i) => {
      const p = protoUdp ? udp('9.9.9.9', 1000 + i) : tcp('9.9.9.9', 1000 + i);
      const r = lb.inbound(p, 10);
      if (!r.ok) throw new Error('no flow');
      return { p, member: r.member.name };
    });
    return { lb, flows };
  }

  it('one member down: TCP flows to it continue, new flows avoid it', () => {
    const { lb, flows } = scenario({}, 3, false);
    const ev = probeRound(lb, 5_000_000, (m) => m !== 'vm1');
    const h = ev.find((e) => e.kind === 'health');
    expect(h && h.kind === 'health' && h.flows.every((f) => f.action === 'continue')).toBe(true);
    for (const f of flows) {
      const r = lb.inbound({ ...f.p, tcpFlags: TCP_ACK }, 5_100_000);
      expect(r.ok && r.member.name).toBe(f.member);
    }
    for (let i = 0; i < 50; i++) expect(memberOf(lb, tcp('8.8.4.4', 20000 + i), 5_100_000)).not.toBe('vm1');
  });

  it('one member down: UDP flows to it move to a healthy member', () => {
    const { lb, flows } = scenario({}, 3, true);
    const onVm1 = flows.filter((f) => f.member === 'vm1');
    expect(onVm1.length).toBeGreaterThan(0);
    const ev = probeRound(lb, 5_000_000, (m) => m !== 'vm1');
    const h = ev.find((e) => e.kind === 'health');
    expect(h && h.kind === 'health' && h.flows.filter((f) => f.action === 'moved').length).toBe(onVm1.length);
    for (const f of flows) {
      const r = lb.inbound(f.p, 5_100_000);
      expect(r.ok && r.member.name).not.toBe('vm1');
      if (f.member !== 'vm1') expect(r.ok && r.member.name).toBe(f.member);
    }
  });

  it('all down, Standard: no new flows, established TCP flows continue', () => {
    const { lb, flows } = scenario({}, 2, false);
    probeRound(lb, 5_000_000, () => false);
    for (const f of flows) expect(lb.inbound({ ...f.p, tcpFlags: TCP_ACK }, 5_100_000).ok).toBe(true);
    const r = lb.inbound(tcp('4.4.4.4', 1), 5_100_000);
    expect(!r.ok && r.drop.code).toBe('no-healthy-backend');
  });

  it('all down, Basic: every TCP flow ends', () => {
    const { lb, flows } = scenario({ sku: 'Basic' }, 2, false);
    const ev = probeRound(lb, 5_000_000, () => false);
    const ended = ev.flatMap((e) => (e.kind === 'health' ? e.flows : [])).filter((f) => f.action === 'ended');
    expect(ended.length).toBe(flows.length);
    expect(lb.flows.size).toBe(0);
  });

  it('all down: UDP flows end (Standard too)', () => {
    const { lb } = scenario({}, 2, true);
    probeRound(lb, 5_000_000, () => false);
    expect(lb.flows.size).toBe(0);
  });

  it('all down with AllProbedUp: fail open, new flows go to all members and nothing ends', () => {
    const { lb, flows } = scenario({ noHealthyBackendsBehavior: 'AllProbedUp' }, 3, true);
    probeRound(lb, 5_000_000, () => false);
    expect(lb.flows.size).toBe(flows.length);
    const got = new Set(Array.from({ length: 40 }, (_, i) => {
      const r = lb.inbound(udp('6.6.6.6', 100 + i), 5_100_000);
      return r.ok ? r.member.name : 'dropped';
    }));
    expect(got).toEqual(new Set(['vm1', 'vm2', 'vm3']));
  });

  it('a member that answers again returns to the rotation', () => {
    const lb = healthyLb(setup({}, 2));
    probeRound(lb, 5_000_000, (m) => m !== 'vm1');
    const ev = probeRound(lb, 10_000_000, () => true);
    expect(ev.some((e) => e.kind === 'health' && e.change.member === 'vm1' && e.change.to === 'up')).toBe(true);
    const got = new Set(Array.from({ length: 40 }, (_, i) => memberOf(lb, tcp('6.6.6.6', 100 + i), 10_100_000)));
    expect(got.has('vm1')).toBe(true);
  });
});

describe('flow timers', () => {
  it('idle TCP flows expire after the rule idle timeout, with RST when enableTcpReset', () => {
    const lb = healthyLb(setup({ rules: [rule({ idleTimeoutInMinutes: 4, enableTcpReset: true })] }));
    const r = lb.inbound(tcp('1.1.1.1', 1), 10);
    if (!r.ok) throw new Error();
    lb.reply({ proto: PROTO_TCP, src: r.dstIp, sport: 80, dst: ip('1.1.1.1'), dport: 1, tcpFlags: TCP_SYN | TCP_ACK }, 20);
    const at = 20 + 4 * 60_000_000;
    const early = lb.expire(at - 1).filter((e) => e.kind === 'flow-expired');
    expect(early).toEqual([]);
    const ev = lb.expire(at).filter((e) => e.kind === 'flow-expired');
    expect(ev.length).toBe(1);
    expect(ev[0]!.kind === 'flow-expired' && ev[0]!.expiry.sendRst).toBe(true);
    expect(lb.flows.size).toBe(0);
  });

  it('FIN both ways ends the flow after the linger; RST at once', () => {
    const lb = healthyLb();
    const r = lb.inbound(tcp('1.1.1.1', 1), 10);
    if (!r.ok) throw new Error();
    lb.inbound(tcp('1.1.1.1', 1, TCP_FIN | TCP_ACK), 20);
    lb.reply({ proto: PROTO_TCP, src: r.dstIp, sport: 80, dst: ip('1.1.1.1'), dport: 1, tcpFlags: TCP_FIN | TCP_ACK }, 30);
    expect(lb.expire(30 + 10_000_000).filter((e) => e.kind === 'flow-expired').length).toBe(1);
    lb.inbound(tcp('1.1.1.1', 2), 40);
    lb.inbound(tcp('1.1.1.1', 2, 0x04), 50);
    expect(lb.flows.size).toBe(0);
  });
});

describe('floating IP', () => {
  // The documentation's example: two frontends, two floating-IP rules to port 80 on VM1 and VM2.
  const doc = setup({
    frontends: [
      { name: 'fip1', ip: ip('65.52.0.1'), internal: false },
      { name: 'fip2', ip: ip('65.52.0.2'), internal: false },
    ],
    pools: [{ name: 'pool', members: [{ name: 'VM1', dip: ip('10.0.0.4') }, { name: 'VM2', dip: ip('10.0.0.5') }] }],
    rules: [rule({ name: '1', frontend: 'fip1', enableFloatingIP: true }), rule({ name: '2', frontend: 'fip2', enableFloatingIP: true })],
  });

  it('the mapping table is the documentation example', () => {
    const rows = mappingTable(doc).map((r) => [r.rule, r.frontendIp, r.protocol, r.port, r.destinationText, r.destinationPortText]);
    expect(rows).toEqual([
      ['1', ip('65.52.0.1'), 'TCP', 80, 'Same as frontend (65.52.0.1)', 'Same as frontend (80)'],
      ['2', ip('65.52.0.2'), 'TCP', 80, 'Same as frontend (65.52.0.2)', 'Same as frontend (80)'],
    ]);
    expect(formatMappingTable(mappingTable(doc))).toBe(
      [
        '| Rule | Frontend IP address | protocol | port | Destination                  | port                  |',
        '|------|---------------------|----------|------|------------------------------|-----------------------|',
        '| 1    | 65.52.0.1           | TCP      | 80   | Same as frontend (65.52.0.1) | Same as frontend (80) |',
        '| 2    | 65.52.0.2           | TCP      | 80   | Same as frontend (65.52.0.2) | Same as frontend (80) |',
        '',
      ].join('\n'),
    );
    expect(checkLbRules(doc)).toEqual([]);
  });

  it('without floating IP the two rules collide on the VM: a sentence says so', () => {
    const noFip = { ...doc, rules: doc.rules.map((r) => ({ ...r, enableFloatingIP: false })) };
    const s = checkLbRules(noFip);
    expect(s.length).toBe(1);
    expect(s[0]).toContain("Rules '1' and '2' both deliver TCP 10.0.0.4:80 on VM1");
    expect(s[0]).toContain('unique destination IP and port');
    expect(mappingTable(noFip)[0]!.destinationText).toBe('DIP (VM1 10.0.0.4, VM2 10.0.0.5)');
  });

  it('the destination IP stays the frontend IP; the VM must own it on a loopback', () => {
    const lb = healthyLb(doc);
    const r = lb.inbound(tcp('1.1.1.1', 1000, TCP_SYN, ip('65.52.0.2'), 80), 10);
    expect(r.ok && r.floatingIp).toBe(true);
    if (!r.ok) return;
    expect(r.dstIp).toBe(ip('65.52.0.2'));
    expect(r.note).toContain('floating IP');
    const without = checkFloatingIpArrival({ name: r.member.name, loopbackIps: [] }, r.dstIp, r.rule.name);
    expect(without?.code).toBe('floating-ip-not-on-loopback');
    expect(without?.message).toContain('no loopback interface with that address');
    expect(checkFloatingIpArrival({ name: r.member.name, loopbackIps: [ip('65.52.0.1'), ip('65.52.0.2')] }, r.dstIp, r.rule.name)).toBeNull();
    // The reply comes from the frontend IP on the loopback.
    const back = lb.reply({ proto: PROTO_TCP, src: ip('65.52.0.2'), sport: 80, dst: ip('1.1.1.1'), dport: 1000, tcpFlags: TCP_SYN | TCP_ACK }, 20);
    expect(back?.srcIp).toBe(ip('65.52.0.2'));
  });

  it('a socket bound to the floating IP gets no SNAT, with the documented reason', () => {
    const vm = { name: 'VM1', loopbackIps: [ip('65.52.0.1')] };
    const r = floatingIpOutbound(ip('65.52.0.1'), vm, ip('10.0.0.4'));
    expect(r.snat).toBe(false);
    if (!r.snat) {
      expect(r.code).toBe('floating-ip-bound-no-snat');
      expect(r.message).toContain("Azure's outbound won't rewrite the outbound flow, and the flow fails");
    }
    expect(floatingIpOutbound(ip('10.0.0.4'), vm, ip('10.0.0.4')).snat).toBe(true);
  });
});

describe('rule-set checks', () => {
  it('HA ports: internal Standard only, protocol All with ports 0, alone when not floating, no mix in a pool', () => {
    const ha = rule({ name: 'ha', protocol: 'All', frontendPort: 0, backendPort: 0 });
    expect(checkLbRules(setup({ rules: [ha] })).join(' ')).toContain('internal load balancers only');
    expect(checkLbRules(setup({ sku: 'Basic', rules: [ha] })).join(' ')).toContain('Basic');
    const internal = { frontends: [{ name: 'fe', ip: FE, internal: true }] };
    expect(checkLbRules(setup({ ...internal, rules: [rule({ protocol: 'All', frontendPort: 80 })] })).join(' ')).toContain('protocol All is only for HA-ports');
    expect(checkLbRules(setup({ ...internal, rules: [rule({ protocol: 'Tcp', frontendPort: 0, backendPort: 0 })] })).join(' ')).toContain('needs protocol All');
    const s = checkLbRules(setup({ ...internal, rules: [ha, rule({ name: 'web', backendPort: 8080 })] }));
    expect(s.join(' ')).toContain("HA-ports rule 'ha' without floating IP must be the only rule");
    expect(s.join(' ')).toContain('one pool cannot mix them');
    expect(checkLbRules(setup({ sku: 'Gateway', ...internal, rules: [rule()] })).join(' ')).toContain('HA-ports rules only');
  });

  it('probes: numberOfProbes × interval ≥ 10 s, HTTP refused ports, no HTTPS on Basic', () => {
    expect(checkLbRules(setup({ probes: [probe({ numberOfProbes: 1, intervalInSeconds: 5 })] }))[0]).toContain('at least 10 s');
    expect(checkLbRules(setup({ probes: [probe({ protocol: 'Http', port: 25, requestPath: '/' })] }))[0]).toContain('refused on port 25');
    expect(checkLbRules(setup({ sku: 'Basic', probes: [probe({ protocol: 'Https', port: 443 })] }))[0]).toContain('not HTTPS');
    expect(checkLbRules(setup({ rules: [rule({ probe: 'nope' })] }))[0]).toContain("health probe 'nope'");
  });
});

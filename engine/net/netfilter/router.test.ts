import { describe, expect, it } from 'vitest';
import { Rng } from '../../sim/rng.ts';
import { Netfilter } from './netfilter.ts';
import { classifyLinuxNat } from './rfc4787.ts';
import { parseRoute } from './router.ts';
import { S, addr, ip, router, tcp, udp } from './test-util.ts';

describe('LinuxRouter: hooks in the kernel order', () => {
  it('forwards by longest prefix, decrements TTL, delivers its own addresses locally', () => {
    const r = router([]);
    r.routes.push(parseRoute('198.51.100.0/24 via 10.210.1.254 dev eth0'));
    const a = r.receive(udp('10.210.2.2:1', '198.51.100.9:2', { ttl: 64 }), 'eth1', 0);
    expect(a.verdict === 'forward' && [a.outIface, a.nextHop, a.packet.ttl]).toEqual(['eth0', ip('10.210.1.254'), 63]);
    const b = r.receive(udp('10.210.1.2:1', '8.8.8.8:53'), 'eth0', 0);
    expect(b.verdict === 'forward' && [b.outIface, b.nextHop]).toEqual(['eth1', ip('10.210.2.254')]);
    expect(r.receive(udp('10.210.1.2:1', '10.210.2.1:53'), 'eth0', 0).verdict).toBe('local');
  });

  it('answers TTL expiry and missing routes with ICMP from the router', () => {
    const r = router([]);
    const t = r.receive(udp('10.210.1.2:1', '8.8.8.8:53', { ttl: 1 }), 'eth0', 0);
    expect(t.verdict === 'drop' && t.reason).toBe('ttl-exceeded');
    expect(t.verdict === 'drop' && t.reply?.verdict === 'forward' && [t.reply.packet.icmpType, addr(t.reply.packet)]).toEqual([11, '10.210.1.1:0 > 10.210.1.2:0']);
    r.routes.length = 0;
    const n = r.receive(udp('10.210.1.2:1', '8.8.8.8:53'), 'eth0', 0);
    expect(n.verdict === 'drop' && [n.reason, n.reply?.verdict === 'forward' && n.reply.packet.icmpType]).toEqual(['no-route', 3]);
  });

  it('quotes the datagram with its header fields, and rate limits ICMP errors per destination (icmp_ratelimit, burst 6)', () => {
    const r = router(['-A FORWARD -p udp -j REJECT']);
    const first = r.receive(udp('10.210.1.2:1', '8.8.8.8:53', { ttl: 64 }), 'eth0', 0);
    const inner = first.verdict === 'drop' && first.reply?.verdict === 'forward' ? first.reply.packet.inner : undefined;
    // REJECT in FORWARD: after ip_forward decremented the TTL.
    expect(inner).toMatchObject({ ttl: 63, sport: 1, dport: 53 });
    const answered = (t: number, from = '10.210.1.2:1') => {
      const res = r.receive(udp(from, '8.8.8.8:53', { ttl: 64 }), 'eth0', t);
      return res.verdict === 'drop' && res.reply !== undefined;
    };
    // 5 more at once (6 in all), none after that until a second has passed since the tokens ran out.
    expect([1, 2, 3, 4, 5, 6, 7].map((i) => answered(i))).toEqual([true, true, true, true, true, false, false]);
    expect(answered(999_999)).toBe(false);
    expect(answered(1_000_005)).toBe(true);
    expect(answered(1_000_006, '10.210.1.3:1')).toBe(true); // another destination has its own bucket
    // Echo replies and "fragmentation needed" are outside icmp_ratemask / never limited.
    expect(r.icmpLimit.allow(ip('10.210.1.2'), 0, 0, 1_000_007)).toBe(true);
    expect(r.icmpLimit.allow(ip('10.210.1.2'), 3, 4, 1_000_007)).toBe(true);
  });

  it('does not forward with ip_forward=0', () => {
    const r = router([]);
    r.ipForward = false;
    const res = r.receive(udp('10.210.1.2:1', '8.8.8.8:53'), 'eth0', 0);
    expect(res.verdict === 'drop' && res.reason).toBe('ip-forward-off');
  });

  it('runs the nat table only for the first packet: counters count new connections', () => {
    const r = router(['-t nat -A POSTROUTING -o eth1 -j MASQUERADE']);
    for (let i = 0; i < 5; i++) r.receive(udp('10.210.1.2:5000', '8.8.8.8:53', { length: 100 }), 'eth0', i);
    r.receive(udp('10.210.1.2:5001', '8.8.8.8:53', { length: 100 }), 'eth0', 9);
    const out = r.iptables('-t nat -L -v -n');
    expect(out.ok && out.output).toContain('Chain PREROUTING (policy ACCEPT 2 packets, 200 bytes)');
    expect(out.ok && out.output).toContain('    2   200 MASQUERADE  0    --  *      eth1    0.0.0.0/0            0.0.0.0/0           \n');
    const f = r.iptables('-L FORWARD -v -n');
    expect(f.ok && f.output).toContain('Chain FORWARD (policy ACCEPT 6 packets, 600 bytes)');
  });
});

describe('filter table', () => {
  const stateful = [
    '-P FORWARD DROP',
    '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A FORWARD -i eth0 -o eth1 -j ACCEPT',
    '-t nat -A POSTROUTING -o eth1 -j MASQUERADE',
  ];

  it('lets replies of inside connections in and keeps outside connections out', () => {
    const r = router(stateful);
    expect(r.receive(tcp('10.210.1.2:40000', '8.8.8.8:443', 'S', { seq: 1 }), 'eth0', 0).verdict).toBe('forward');
    expect(r.receive(tcp('8.8.8.8:443', '10.210.2.1:40000', 'SA', { seq: 1, ack: 2 }), 'eth1', 1).verdict).toBe('forward');
    const probe = r.receive(tcp('8.8.8.8:443', '10.210.1.2:22', 'S', { seq: 1 }), 'eth1', 2);
    expect(probe.verdict === 'drop' && probe.reason).toBe('filter-policy');
  });

  it('REJECT answers with a TCP reset or an ICMP error', () => {
    const r = router(['-A FORWARD -p tcp --dport 25 -j REJECT --reject-with tcp-reset', '-A FORWARD -p udp -j REJECT']);
    const t = r.receive(tcp('10.210.1.2:40000', '8.8.8.8:25', 'S', { seq: 10 }), 'eth0', 0);
    expect(t.verdict === 'drop' && t.reply?.verdict === 'forward' && [addr(t.reply.packet), t.reply.packet.tcpFlags, t.reply.packet.ack]).toEqual([
      '8.8.8.8:25 > 10.210.1.2:40000',
      0x14,
      11,
    ]);
    const u = r.receive(udp('10.210.1.2:40000', '8.8.8.8:53'), 'eth0', 0);
    expect(u.verdict === 'drop' && u.reply?.verdict === 'forward' && [u.reply.packet.icmpType, u.reply.packet.icmpCode]).toEqual([3, 3]);
  });

  it('matches --ctstate NEW, then ESTABLISHED and SNAT once the binding exists', () => {
    const r = router([
      '-A FORWARD -m conntrack --ctstate SNAT -j ACCEPT',
      '-A FORWARD -m conntrack --ctstate NEW -j ACCEPT',
      '-A FORWARD -j DROP',
      '-t nat -A POSTROUTING -o eth1 -p udp -j SNAT --to-source 10.210.2.1:7000',
    ]);
    // The binding is made in POSTROUTING, after FORWARD: the first packet is only NEW.
    expect(r.receive(udp('10.210.1.2:5000', '8.8.8.8:53'), 'eth0', 0).verdict).toBe('forward');
    expect(r.receive(udp('8.8.8.8:53', '10.210.2.1:7000'), 'eth1', 1).verdict).toBe('forward');
    expect(r.receive(udp('10.210.1.2:5000', '8.8.8.8:53'), 'eth0', 2).verdict).toBe('forward');
    const l = r.iptables('-L FORWARD -v -n -x');
    const counts = l.ok ? l.output.split('\n').slice(2, 5).map((x) => Number(x.trim().split(/\s+/)[0])) : [];
    expect(counts).toEqual([2, 1, 0]);
    // A packet no connection knows, from outside: NEW, and here accepted by rule 2.
    expect(r.receive(udp('8.8.8.8:53', '10.210.1.2:9'), 'eth1', 3).verdict).toBe('forward');
  });

  it('INVALID packets are not NATed (they would leave with the inside address)', () => {
    const r = router(['-t nat -A POSTROUTING -o eth1 -j MASQUERADE']);
    const res = r.receive(tcp('10.210.1.2:40000', '8.8.8.8:443', 'F', { seq: 1 }), 'eth0', 0);
    expect(res.verdict === 'forward' && addr(res.packet)).toBe('10.210.1.2:40000 > 8.8.8.8:443');
    expect(res.notes.join('\n')).toMatch(/INVALID/);
    const r2 = router(['-t nat -A POSTROUTING -o eth1 -j MASQUERADE', '-A FORWARD -m conntrack --ctstate INVALID -j DROP']);
    expect(r2.receive(tcp('10.210.1.2:40000', '8.8.8.8:443', 'F', { seq: 1 }), 'eth0', 0).verdict).toBe('drop');
  });
});

describe('Netfilter.hook for a bridge (the NVA)', () => {
  it('matches the physical bridge ports and carries conntrack between hooks', () => {
    const nf = new Netfilter({ rng: new Rng(1, 'nva') });
    for (const line of ['-P FORWARD DROP', '-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT', '-A FORWARD -m physdev --physdev-in vx0 --physdev-out vx1 -p tcp --dport 80 -j ACCEPT']) {
      const r = nf.iptables(line);
      if (!r.ok) throw new Error(r.error.sentence);
    }
    const ifs = { in: 'br0', out: 'br0', physIn: 'vx0', physOut: 'vx1' };
    const syn = tcp('10.0.0.4:5000', '10.1.0.5:80', 'S', { seq: 1 });
    const pre = nf.hook('PREROUTING', syn, ifs, 0);
    const fwd = nf.hook('FORWARD', syn, ifs, 0, pre.skb);
    const post = nf.hook('POSTROUTING', syn, ifs, 0, fwd.skb);
    expect([pre.skb.info, fwd.verdict, post.verdict]).toEqual(['NEW', 'ACCEPT', 'ACCEPT']);
    const back = { in: 'br0', out: 'br0', physIn: 'vx1', physOut: 'vx0' };
    const sa = tcp('10.1.0.5:80', '10.0.0.4:5000', 'SA', { seq: 9, ack: 2 });
    const pre2 = nf.hook('PREROUTING', sa, back, 10);
    expect([pre2.skb.info, nf.hook('FORWARD', sa, back, 10, pre2.skb).verdict]).toEqual(['ESTABLISHED', 'ACCEPT']);
    const wrong = tcp('10.0.0.4:5001', '10.1.0.5:80', 'S', { seq: 1 });
    const p3 = nf.hook('PREROUTING', wrong, back, 20);
    expect(nf.hook('FORWARD', wrong, back, 20, p3.skb).verdict).toBe('DROP');
    expect(nf.conntrackList(20)).toContain('SYN_RECV src=10.0.0.4 dst=10.1.0.5 sport=5000 dport=80 src=10.1.0.5 dst=10.0.0.4 sport=80 dport=5000 mark=0 use=1');
  });

  it('exposes one deadline for the simulator timer', () => {
    const nf = new Netfilter({ rng: new Rng(1, 'x') });
    const p = udp('10.0.0.4:5000', '10.1.0.5:53');
    const pre = nf.hook('PREROUTING', p, {}, 0);
    nf.hook('POSTROUTING', p, {}, 0, pre.skb);
    expect(nf.nextDeadline()).toBe(30 * S);
    expect(nf.expire(30 * S)).toHaveLength(1);
  });
});

describe('RFC 4787 classification', () => {
  it('is endpoint-independent while unique, APDM with --random, APDF always', () => {
    const plain = classifyLinuxNat(router(['-t nat -A POSTROUTING -o eth1 -j MASQUERADE']).netfilter.rules);
    expect([plain.mapping, plain.filtering, plain.portPreservation]).toEqual(['endpoint-independent', 'address-and-port-dependent', true]);
    expect(plain.mappingCondition).toMatch(/clash/);
    expect(plain.explanation).toMatch(/address-and-port-dependent/);
    const random = classifyLinuxNat(router(['-t nat -A POSTROUTING -o eth1 -j MASQUERADE --random-fully']).netfilter.rules);
    expect(random.mapping).toBe('address-and-port-dependent');
    const both = classifyLinuxNat(router(['-t nat -A POSTROUTING -o eth1 -j MASQUERADE', '-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.210.1.2']).netfilter.rules);
    expect(both.hairpinning).toBe('with DNAT and SNAT rules');
  });
});

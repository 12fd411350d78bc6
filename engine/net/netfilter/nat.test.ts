import { describe, expect, it } from 'vitest';
import { NF_NAT_RANGE_MAP_IPS, NF_NAT_RANGE_PERSISTENT, bestAddress, jhash2, type NatRange } from './nat.ts';
import { S, addr, ip, ping, router, tcp, udp } from './test-util.ts';
import type { NfPacket } from './types.ts';

const SNAT8 = '-t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.210.2.1:40000-40007';
const SERVER = '10.210.2.2:80';

/** Client SYN through the router; the server answers; the client ACKs. Returns the public port or the drop reason. */
function connect(r: ReturnType<typeof router>, clientPort: number, now: number, seq = 1000): number | string {
  const c = `10.210.1.2:${clientPort}`;
  const out = r.receive(tcp(c, SERVER, 'S', { seq }), 'eth0', now);
  if (out.verdict !== 'forward') return out.verdict === 'drop' ? out.reason : 'local';
  const pub = out.packet.sport;
  const back = r.receive(tcp(SERVER, `10.210.2.1:${pub}`, 'SA', { seq: 5000, ack: seq + 1 }), 'eth1', now + 100);
  if (back.verdict !== 'forward' || back.packet.dport !== clientPort) throw new Error('SYN/ACK not translated back');
  r.receive(tcp(c, SERVER, 'A', { seq: seq + 1, ack: 5001 }), 'eth0', now + 200);
  return pub;
}

function close(r: ReturnType<typeof router>, clientPort: number, pub: number, now: number, seq = 1001): void {
  const c = `10.210.1.2:${clientPort}`;
  r.receive(tcp(c, SERVER, 'FA', { seq, ack: 5001 }), 'eth0', now);
  r.receive(tcp(SERVER, `10.210.2.1:${pub}`, 'FA', { seq: 5001, ack: seq + 1 }), 'eth1', now + 10);
  r.receive(tcp(c, SERVER, 'A', { seq: seq + 1, ack: 5002 }), 'eth0', now + 20);
}

describe('SNAT to an 8-port range (the kernel test, in the model only)', () => {
  it('gives the 8 ports from a seeded random offset, the same for the same seed', () => {
    const ports = (seed: number): number[] => {
      const r = router([SNAT8], seed);
      return [50001, 50002, 50003, 50004, 50005, 50006, 50007, 50008].map((p, i) => connect(r, p, i * 1000) as number);
    };
    const a = ports(1);
    expect([...a].sort()).toEqual([40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007]);
    expect(ports(1)).toEqual(a);
    expect(ports(2)).not.toEqual(a);
  });

  it('drops the 9th SYN at confirm, every retransmission again, each counted on the rule', () => {
    const r = router([SNAT8]);
    for (let i = 0; i < 8; i++) connect(r, 50001 + i, i * 1000);
    expect(connect(r, 50009, 10_000)).toBe('conntrack-insert-failed');
    const again = r.receive(tcp('10.210.1.2:50009', SERVER, 'S', { seq: 1000 }), 'eth0', 1 * S);
    expect(again.verdict).toBe('drop');
    expect(again.notes.join('\n')).toMatch(/no free port in 40000-40007 after 8 attempts/);
    expect(again.notes.join('\n')).toMatch(/insert_failed/);
    const list = r.iptables('-t nat -L POSTROUTING -v -n -x');
    expect(list.ok && list.output).toContain('      10      600 SNAT       6    --  *      eth1');
    expect(r.netfilter.conntrack.count).toBe(8);
  });

  it('keeps the client port when it is inside the range and free (port preservation)', () => {
    const r = router([SNAT8]);
    expect(connect(r, 40003, 0)).toBe(40003);
    // Another inside host with the same port toward the same server: searched, not preserved.
    const other = r.receive(tcp('10.210.1.9:40003', SERVER, 'S', { seq: 7 }), 'eth0', 10);
    expect(other.verdict === 'forward' && other.packet.sport).not.toBe(40003);
    // Toward another server that host keeps the port it got (find_appropriate_src), not 40003.
    const third = r.receive(tcp('10.210.1.9:40003', '10.210.2.3:80', 'S', { seq: 7 }), 'eth0', 20);
    expect(third.verdict === 'forward' && other.verdict === 'forward' && third.packet.sport).toBe(other.verdict === 'forward' ? other.packet.sport : -1);
    // A third host's 40003 toward that other server is preserved: the 5-tuple is unused there.
    const fourth = r.receive(tcp('10.210.1.7:40003', '10.210.2.3:80', 'S', { seq: 7 }), 'eth0', 30);
    expect(fourth.verdict === 'forward' && fourth.packet.sport).toBe(40003);
  });

  it('--random skips port preservation', () => {
    const r = router(['-t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.210.2.1:40000-40999 --random'], 3);
    const got = [40001, 40002, 40003, 40004].map((p, i) => connect(r, p, i * 10));
    expect(got.filter((p, i) => p === 40001 + i).length).toBeLessThan(4);
  });

  it('evicts a TIME_WAIT entry whose sequence numbers are behind, instead of dropping the 9th', () => {
    const r = router([SNAT8]);
    const pubs = [50001, 50002, 50003, 50004, 50005, 50006, 50007, 50008].map((p, i) => connect(r, p, i * 10) as number);
    pubs.forEach((pub, i) => close(r, 50001 + i, pub, 1000 + i * 100));
    const states = r.netfilter.conntrackList(2000);
    expect(states.match(/TIME_WAIT/g)).toHaveLength(8);
    const res = r.receive(tcp('10.210.1.2:50009', SERVER, 'S', { seq: 900_000 }), 'eth0', 3000);
    expect(res.verdict).toBe('forward');
    expect(res.notes.join('\n')).toMatch(/evicted a TIME_WAIT entry/);
    // A SYN whose sequence number is not past the old connection's cannot evict.
    const r2 = router([SNAT8]);
    const p2 = [50001, 50002, 50003, 50004, 50005, 50006, 50007, 50008].map((p, i) => connect(r2, p, i * 10) as number);
    p2.forEach((pub, i) => close(r2, 50001 + i, pub, 1000 + i * 100));
    expect(r2.receive(tcp('10.210.1.2:50009', SERVER, 'S', { seq: 5 }), 'eth0', 3000).verdict).toBe('drop');
  });

  it('frees a port when its entry expires', () => {
    const r = router([SNAT8]);
    for (let i = 0; i < 8; i++) connect(r, 50001 + i, i);
    // Server resets one connection: CLOSE, 10 s.
    const first = r.netfilter.conntrack.entries(0)[0]!;
    r.receive(tcp(SERVER, `10.210.2.1:${first.tuple[1].dport}`, 'R', { seq: 5001 }), 'eth1', 100);
    expect(r.netfilter.nextDeadline()).toBe(100 + 10 * S);
    expect(r.netfilter.expire(100 + 10 * S)).toHaveLength(1);
    expect(typeof connect(r, 50009, 11 * S)).toBe('number');
  });
});

describe('get_unique_tuple', () => {
  it('reuses the external ip:port of the same inside ip:port toward a new destination (find_appropriate_src)', () => {
    const r = router(['-t nat -A POSTROUTING -o eth1 -p udp -j SNAT --to-source 10.210.2.1:20000-29999'], 5);
    const a = r.receive(udp('10.210.1.2:5353', '198.51.100.1:53'), 'eth0', 0);
    const b = r.receive(udp('10.210.1.2:5353', '198.51.100.2:53'), 'eth0', 10);
    if (a.verdict !== 'forward' || b.verdict !== 'forward') throw new Error('dropped');
    expect(b.packet.sport).toBe(a.packet.sport);
    expect(b.notes.join('\n')).toMatch(/reused the mapping/);
  });

  it('null binding: no rule, but a clash still moves the source port (within its class)', () => {
    // The router's own connection from 10.210.2.1:40000 clashes with a NATed one.
    const r = router(['-t nat -A POSTROUTING -s 10.210.1.0/24 -o eth1 -p tcp -j SNAT --to-source 10.210.2.1:40000']);
    expect(connect(r, 50001, 0)).toBe(40000);
    const own = r.output(tcp('10.210.2.1:40000', SERVER, 'S', { seq: 1 }), 10);
    expect(own.verdict === 'forward' && own.packet.sport).not.toBe(40000);
    expect(own.verdict === 'forward' && own.packet.sport).toBeGreaterThanOrEqual(1024);
    expect(own.notes.join('\n')).toMatch(/null binding had to move the source/);
  });

  it('chooses the address by a Jenkins hash of source and destination; --persistent by source only', () => {
    const range: NatRange = { flags: NF_NAT_RANGE_MAP_IPS, minAddr: ip('203.0.113.1'), maxAddr: ip('203.0.113.4'), minPort: 0, maxPort: 0 };
    const seen = new Set<number>();
    for (let d = 1; d < 50; d++) seen.add(bestAddress(ip('10.0.0.5'), ip(`198.51.100.${d}`), range));
    expect(seen.size).toBeGreaterThan(1);
    for (const a of seen) expect(a >= range.minAddr && a <= range.maxAddr).toBe(true);
    const persistent = { ...range, flags: range.flags | NF_NAT_RANGE_PERSISTENT };
    const p = new Set<number>();
    for (let d = 1; d < 50; d++) p.add(bestAddress(ip('10.0.0.5'), ip(`198.51.100.${d}`), persistent));
    expect(p.size).toBe(1);
    // lookup3 hashword(k = {}, 0) returns the initial c, 0xdeadbeef.
    expect(jhash2([], 0)).toBe(0xdeadbeef);
  });

  it('searches ICMP ids like ports', () => {
    const r = router(['-t nat -A POSTROUTING -o eth1 -j MASQUERADE']);
    const a = r.receive(ping('10.210.1.2', '198.51.100.1', 77), 'eth0', 0);
    const b = r.receive(ping('10.210.1.3', '198.51.100.1', 77), 'eth0', 1);
    if (a.verdict !== 'forward' || b.verdict !== 'forward') throw new Error('dropped');
    expect(a.packet.icmpId).toBe(77);
    expect(b.packet.icmpId).not.toBe(77);
    const reply = r.receive({ ...ping('198.51.100.1', '10.210.2.1', b.packet.icmpId!, 0) }, 'eth1', 2);
    expect(reply.verdict === 'forward' && [addr(reply.packet), reply.packet.icmpId]).toEqual(['198.51.100.1:0 > 10.210.1.3:0', 77]);
  });
});

describe('MASQUERADE', () => {
  const MASQ = '-t nat -A POSTROUTING -o eth1 -j MASQUERADE';

  it("uses the out interface's address and flushes its entries when the link goes down", () => {
    const r = router([MASQ]);
    const out = r.receive(tcp('10.210.1.2:50001', SERVER, 'S', { seq: 1 }), 'eth0', 0);
    expect(out.verdict === 'forward' && addr(out.packet)).toBe('10.210.2.1:50001 > 10.210.2.2:80');
    expect(r.netfilter.conntrack.count).toBe(1);
    expect(r.setLink('eth1', false)).toEqual(['eth1 down: 1 MASQUERADE conntrack entry deleted']);
    expect(r.netfilter.conntrack.count).toBe(0);
  });

  it('drops a masqueraded flow whose route moved to another interface', () => {
    const r = router([MASQ, '-t nat -A POSTROUTING -o eth0 -j MASQUERADE']);
    r.receive(udp('10.210.1.2:5000', '198.51.100.1:53'), 'eth0', 0);
    r.routes.unshift({ dst: { base: ip('198.51.100.0'), prefix: 24 }, via: ip('10.210.1.254'), dev: 'eth0' });
    const moved = r.receive(udp('10.210.1.2:5000', '198.51.100.1:53'), 'eth0', 10);
    expect(moved.verdict === 'drop' && moved.reason).toBe('masquerade-oif-changed');
  });
});

describe('DNAT and SNAT together', () => {
  const rules = [
    '-t nat -A PREROUTING -d 10.210.2.1 -p tcp --dport 8080 -j DNAT --to-destination 10.210.1.2:80',
    '-t nat -A POSTROUTING -o eth1 -j MASQUERADE',
    '-t nat -A POSTROUTING -s 10.210.1.0/24 -d 10.210.1.2 -p tcp --dport 80 -j MASQUERADE',
  ];

  it('forwards a port from outside and translates the reply back', () => {
    const r = router(rules);
    const inb = r.receive(tcp('198.51.100.7:3333', '10.210.2.1:8080', 'S', { seq: 1 }), 'eth1', 0);
    expect(inb.verdict === 'forward' && [inb.outIface, addr(inb.packet)]).toEqual(['eth0', '198.51.100.7:3333 > 10.210.1.2:80']);
    const rep = r.receive(tcp('10.210.1.2:80', '198.51.100.7:3333', 'SA', { seq: 9, ack: 2 }), 'eth0', 10);
    expect(rep.verdict === 'forward' && [rep.outIface, addr(rep.packet)]).toEqual(['eth1', '10.210.2.1:8080 > 198.51.100.7:3333']);
    expect(r.netfilter.conntrackList(10)).toContain(
      'tcp      6 60 SYN_RECV src=198.51.100.7 dst=10.210.2.1 sport=3333 dport=8080 src=10.210.1.2 dst=198.51.100.7 sport=80 dport=3333 mark=0 use=1',
    );
  });

  it('hairpins: an inside client reaching the public address gets DNAT and SNAT', () => {
    const r = router(rules);
    const hp = r.receive(tcp('10.210.1.3:4444', '10.210.2.1:8080', 'S', { seq: 1 }), 'eth0', 0);
    expect(hp.verdict === 'forward' && [hp.outIface, addr(hp.packet)]).toEqual(['eth0', '10.210.1.1:4444 > 10.210.1.2:80']);
    const back = r.receive(tcp('10.210.1.2:80', '10.210.1.1:4444', 'SA', { seq: 1, ack: 2 }), 'eth0', 5);
    expect(back.verdict === 'forward' && addr(back.packet)).toBe('10.210.2.1:8080 > 10.210.1.3:4444');
  });

  it('REDIRECT sends to the incoming interface address', () => {
    const r = router(['-t nat -A PREROUTING -i eth0 -p tcp --dport 80 -j REDIRECT --to-ports 3128']);
    const res = r.receive(tcp('10.210.1.2:5000', '198.51.100.1:80', 'S', { seq: 1 }), 'eth0', 0);
    expect(res.verdict === 'local' && addr(res.packet)).toBe('10.210.1.2:5000 > 10.210.1.1:3128');
  });
});

describe('ICMP errors RELATED to a NATed connection', () => {
  it('rewrites the error and the packet it quotes back to the inside host', () => {
    const r = router([SNAT8]);
    const out = r.receive(tcp('10.210.1.2:50001', '198.51.100.1:80', 'S', { seq: 1 }), 'eth0', 0);
    if (out.verdict !== 'forward') throw new Error('dropped');
    const p = out.packet;
    const err: NfPacket = {
      proto: 1,
      src: ip('10.210.2.254'),
      dst: p.src,
      sport: 0,
      dport: 0,
      length: 56,
      icmpType: 3,
      icmpCode: 1,
      inner: { proto: 6, src: p.src, dst: p.dst, sport: p.sport, dport: p.dport },
    };
    const res = r.receive(err, 'eth1', 10);
    expect(res.verdict).toBe('forward');
    if (res.verdict !== 'forward') return;
    expect(addr(res.packet)).toBe('10.210.2.254:0 > 10.210.1.2:0');
    expect(addr(res.packet.inner!)).toBe('10.210.1.2:50001 > 198.51.100.1:80');
    expect(res.notes.join('\n')).toMatch(/RELATED/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../wire/addr.ts';
import { AzureLbSnat, checkOutboundAllocation, defaultSnatPorts, frontendBlockStarts, type AzureOutboundRule } from './azure-lb.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, SnatConfigError, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, US_PER_MINUTE, US_PER_SECOND } from './types.ts';

const ip = (s: string): number => parseIpv4(s)!;
const FE = ip('20.1.2.3');
const FE2 = ip('20.1.2.4');
const VM1 = ip('10.0.0.4');
const VM2 = ip('10.0.0.5');
const WEB = ip('13.71.134.177');
const DNS = ip('13.71.134.53');

function rule(over: Partial<AzureOutboundRule> = {}): AzureOutboundRule {
  return { name: 'outboundrule', frontendIps: [FE], protocol: 'All', allocatedOutboundPorts: 8, idleTimeoutInMinutes: 4, enableTcpReset: false, ...over };
}

function okId(r: ReturnType<AzureLbSnat['acquire']>): number {
  if (!r.ok) throw new Error(r.message);
  return r.id;
}

describe('default allocation table (§A.3)', () => {
  it.each([
    [1, 1024],
    [50, 1024],
    [51, 512],
    [100, 512],
    [101, 256],
    [200, 256],
    [201, 128],
    [400, 128],
    [401, 64],
    [800, 64],
    [801, 32],
    [1000, 32],
  ])('pool of %i gets %i ports per instance', (n, ports) => {
    expect(defaultSnatPorts(n)).toBe(ports);
    const c = checkOutboundAllocation(rule({ allocatedOutboundPorts: 0 }), n);
    expect(c).toEqual({ ok: true, portsPerInstance: ports, capacity: 64_000 });
  });

  it('has no default beyond 1,000 instances', () => {
    expect(defaultSnatPorts(1001)).toBeNull();
    const c = checkOutboundAllocation(rule({ allocatedOutboundPorts: 0 }), 1001);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.message).toBe("the default SNAT allocation covers backend pools of up to 1,000 instances and this one has 1,001: set allocatedOutboundPorts on outbound rule 'outboundrule'");
  });

  it('gives every instance of a 50-pool 1,024 ports in blocks of 8 inside 1024-65023', () => {
    const names = Array.from({ length: 50 }, (_, i) => `vm${i}`);
    const lb = new AzureLbSnat(rule({ allocatedOutboundPorts: 0 }), names);
    expect(lb.portsPerInstance).toBe(1024);
    const seen = new Set<number>();
    const bad: number[] = [];
    for (const n of names) {
      const blocks = lb.blocksOf(n);
      expect(blocks).toHaveLength(128);
      for (const [, start] of blocks) {
        if (start % 8 !== 0 || start < 1024 || start + 7 > 65023 || seen.has(start)) bad.push(start);
        seen.add(start);
      }
    }
    expect(bad).toEqual([]);
    expect(seen.size).toBe(50 * 128);
  });
});

describe('manual allocation (§A.4)', () => {
  it('rejects a port count that is not a multiple of 8', () => {
    const c = checkOutboundAllocation(rule({ allocatedOutboundPorts: 1001 }), 2);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.message).toBe("allocatedOutboundPorts of outbound rule 'outboundrule' must be a multiple of 8, and 1,001 is not: use 1,000 or 1,008");
  });

  it('says how many instances fit', () => {
    const c = checkOutboundAllocation(rule({ allocatedOutboundPorts: 10_000 }), 7);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.message).toBe('10,000 ports per instance × 7 instances needs 70,000 ports but 1 frontend IP gives 64,000: at most 6 instances fit (or 9,136 ports per instance for 7)');
    expect(checkOutboundAllocation(rule({ allocatedOutboundPorts: 10_000 }), 6).ok).toBe(true);
  });

  it('counts every frontend IP', () => {
    expect(checkOutboundAllocation(rule({ allocatedOutboundPorts: 10_000, frontendIps: [FE, FE2] }), 12)).toEqual({ ok: true, portsPerInstance: 10_000, capacity: 128_000 });
    const c = checkOutboundAllocation(rule({ allocatedOutboundPorts: 10_000, frontendIps: [FE, FE2] }), 13);
    if (!c.ok) expect(c.message).toBe('10,000 ports per instance × 13 instances needs 130,000 ports but 2 frontend IPs give 128,000: at most 12 instances fit (or 9,840 ports per instance for 13)');
    else expect.unreachable();
  });

  it('takes 8 ports per load-balancing rule frontend port', () => {
    expect(frontendBlockStarts([])).toHaveLength(8000);
    const starts = frontendBlockStarts([80, 443, 5000, 5001]);
    expect(starts).toHaveLength(8000 - 3);
    expect(starts).not.toContain(5000);
    expect(starts[starts.length - 1]).toBe(65023 - 7 - 16);
    const c = checkOutboundAllocation(rule({ allocatedOutboundPorts: 64_000, reservedPorts: [[80]] }), 1);
    if (!c.ok) expect(c.message).toBe('64,000 ports per instance × 1 instances needs 64,000 ports but 1 frontend IP gives 63,992: at most 0 instances fit (or 63,992 ports per instance for 1)');
    else expect.unreachable();
  });

  it('refuses a bad rule in the constructor and keeps the old one on a bad update', () => {
    expect(() => new AzureLbSnat(rule({ allocatedOutboundPorts: 12 }), ['vm1'])).toThrow(SnatConfigError);
    const lb = new AzureLbSnat(rule(), ['vm1']);
    const e = lb.update({ allocatedOutboundPorts: 70_000 });
    expect(e?.code).toBe('ports-out-of-range');
    expect(lb.portsPerInstance).toBe(8);
    expect(lb.update({ idleTimeoutInMinutes: 3 })?.message).toBe("idleTimeoutInMinutes of outbound rule 'outboundrule' must be a whole number from 4 to 120, not 3");
  });
});

describe('the 8-port experiment', () => {
  it('fails the 9th connection to one destination, reuses a port for another, fits 16 after raising the rule', () => {
    const lb = new AzureLbSnat(rule(), ['vm1']);
    const t = lb.table;
    const ports: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = lb.acquire('vm1', PROTO_TCP, VM1, 41000 + i, WEB, 80, 0);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.pubIp).toBe(FE);
        ports.push(r.pubPort);
        t.inbound(r.id, TCP_SYN | TCP_ACK, 1000);
      }
    }
    expect(new Set(ports).size).toBe(8);
    const ninth = lb.acquire('vm1', PROTO_TCP, VM1, 41008, WEB, 80, 2000);
    expect(ninth).toEqual({ ok: false, code: 'ports-exhausted', message: "vm1 has used all 8 SNAT ports that outbound rule 'outboundrule' gives it toward 13.71.134.177:80" });
    const other = lb.acquire('vm1', PROTO_TCP, VM1, 41009, WEB, 443, 2000);
    expect(other.ok && ports.includes(other.pubPort)).toBe(true);
    const m = lb.metrics();
    expect(m).toEqual([
      { frontendIp: FE, backendInstance: 'vm1', protocol: 'TCP', allocatedSnatPorts: 8, awaitingRemovalPorts: 0, usedSnatPorts: 8, snatConnectionsSuccessful: 9, snatConnectionsFailed: 1 },
      { frontendIp: FE, backendInstance: 'vm1', protocol: 'UDP', allocatedSnatPorts: 8, awaitingRemovalPorts: 0, usedSnatPorts: 0, snatConnectionsSuccessful: 0, snatConnectionsFailed: 0 },
    ]);

    expect(lb.update({ allocatedOutboundPorts: 16 })).toBeNull();
    for (let i = 8; i < 16; i++) expect(lb.acquire('vm1', PROTO_TCP, VM1, 41100 + i, WEB, 80, 3000).ok).toBe(true);
    const seventeenth = lb.acquire('vm1', PROTO_TCP, VM1, 41200, WEB, 80, 3000);
    expect(seventeenth.ok).toBe(false);
    if (!seventeenth.ok) expect(seventeenth.message).toBe("vm1 has used all 16 SNAT ports that outbound rule 'outboundrule' gives it toward 13.71.134.177:80");
    // The first eight kept their ports (stable reallocation).
    expect(lb.blocksOf('vm1').map(([, p]) => p)).toEqual([1024, 1032]);
  });
});

describe('UDP (§A.5)', () => {
  it('takes one port per destination IP whatever the destination port', () => {
    const lb = new AzureLbSnat(rule(), ['vm1']);
    const a = lb.acquire('vm1', PROTO_UDP, VM1, 5000, DNS, 53, 0);
    const b = lb.acquire('vm1', PROTO_UDP, VM1, 5000, DNS, 5353, 0);
    expect(a.ok && b.ok && a.pubPort === b.pubPort).toBe(true);
    // Another source port toward the same IP needs another port.
    const ports = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const r = lb.acquire('vm1', PROTO_UDP, VM1, 6000 + i, DNS, 53 + i, 0);
      if (i < 7) expect(r.ok).toBe(true);
      if (r.ok) ports.add(r.pubPort);
      else expect(r.message).toBe("vm1 has used all 8 UDP SNAT ports that outbound rule 'outboundrule' gives it toward 13.71.134.53 (UDP takes one port per destination IP, whatever the port)");
    }
    expect(ports.size).toBe(7);
    expect(lb.inventoryOf('vm1', PROTO_UDP)!.used).toBe(8);
    // The same ports serve another destination IP.
    expect(lb.acquire('vm1', PROTO_UDP, VM1, 6100, WEB, 53, 0).ok).toBe(true);
  });

  it('keeps TCP and UDP apart on the same port numbers', () => {
    const lb = new AzureLbSnat(rule(), ['vm1']);
    for (let i = 0; i < 8; i++) expect(lb.acquire('vm1', PROTO_TCP, VM1, 7000 + i, WEB, 80, 0).ok).toBe(true);
    expect(lb.acquire('vm1', PROTO_TCP, VM1, 7100, WEB, 80, 0).ok).toBe(false);
    const u = lb.acquire('vm1', PROTO_UDP, VM1, 7000, WEB, 80, 0);
    expect(u.ok && u.pubPort === 1024).toBe(true);
    expect(lb.inventoryOf('vm1', PROTO_TCP)!.used).toBe(8);
    expect(lb.inventoryOf('vm1', PROTO_UDP)!.used).toBe(1);
  });

  it('gives a UDP flow no SNAT under a Tcp rule, and no protocol but TCP and UDP at all', () => {
    const lb = new AzureLbSnat(rule({ protocol: 'Tcp' }), ['vm1']);
    const r = lb.acquire('vm1', PROTO_UDP, VM1, 5000, DNS, 53, 0);
    expect(r).toEqual({ ok: false, code: 'protocol-not-covered', message: "outbound rule 'outboundrule' has protocol Tcp, so UDP from vm1 to 13.71.134.53:53 gets no SNAT" });
    expect(lb.acquire('vm1', PROTO_ICMP, VM1, 1, DNS, 0, 0)).toMatchObject({ ok: false, code: 'protocol-unsupported' });
    expect(lb.update({ protocol: 'All' })).toBeNull();
    expect(lb.acquire('vm1', PROTO_UDP, VM1, 5000, DNS, 53, 0).ok).toBe(true);
  });
});

describe('idle timeout and TCP reset (§A.6)', () => {
  const IDLE = 4 * US_PER_MINUTE;

  it('drops an idle mapping silently without TCP reset', () => {
    const lb = new AzureLbSnat(rule(), ['vm1']);
    const id = okId(lb.acquire('vm1', PROTO_TCP, VM1, 40000, WEB, 80, 0));
    lb.table.inbound(id, TCP_SYN | TCP_ACK, 10);
    lb.table.outbound(id, TCP_ACK, 20);
    expect(lb.table.nextDeadline()).toBe(20 + IDLE);
    expect(lb.table.expire(20 + IDLE - 1)).toEqual([]);
    const ev = lb.table.expire(20 + IDLE);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ reason: 'idle', sendRst: false, coolingUntil: -1, at: 20 + IDLE });
    expect(ev[0]!.mapping).toMatchObject({ state: 'established', privPort: 40000, pubIp: FE, pubPort: 1024, dstPort: 80 });
    expect(lb.table.size).toBe(0);
    expect(lb.inventoryOf('vm1', PROTO_TCP)!.used).toBe(0);
    expect(lb.table.nextDeadline()).toBe(Infinity);
  });

  it('reports RST to both ends with TCP reset, only for established flows', () => {
    const lb = new AzureLbSnat(rule({ enableTcpReset: true }), ['vm1']);
    const est = okId(lb.acquire('vm1', PROTO_TCP, VM1, 40000, WEB, 80, 0));
    lb.table.inbound(est, TCP_SYN | TCP_ACK, 10);
    const half = okId(lb.acquire('vm1', PROTO_TCP, VM1, 40001, WEB, 80, 0));
    const ev = lb.table.expire(IDLE + 10);
    expect(ev.map((e) => [e.mapping.id, e.reason, e.sendRst])).toEqual([
      [half, 'half-open', false],
      [est, 'idle', true],
    ]);
  });

  it('activity pushes the deadline out; the one timer follows the earliest mapping', () => {
    const lb = new AzureLbSnat(rule(), ['vm1']);
    const a = okId(lb.acquire('vm1', PROTO_UDP, VM1, 1, WEB, 53, 0));
    const b = okId(lb.acquire('vm1', PROTO_UDP, VM1, 2, DNS, 53, 5));
    lb.table.outbound(a, 0, 100);
    expect(lb.table.nextDeadline()).toBe(5 + IDLE);
    expect(lb.table.expire(5 + IDLE).map((e) => e.mapping.id)).toEqual([b]);
    expect(lb.table.nextDeadline()).toBe(100 + IDLE);
  });

  it('applies a new idle timeout and TCP reset to new flows only', () => {
    const lb = new AzureLbSnat(rule(), ['vm1']);
    const old = okId(lb.acquire('vm1', PROTO_UDP, VM1, 1, WEB, 53, 0));
    lb.update({ idleTimeoutInMinutes: 30 });
    const neu = okId(lb.acquire('vm1', PROTO_UDP, VM1, 2, WEB, 54, 0));
    expect(lb.table.deadlineOf(old)).toBe(IDLE);
    expect(lb.table.deadlineOf(neu)).toBe(30 * US_PER_MINUTE);
  });
});

describe('port release after FIN/RST (§A.6)', () => {
  it('holds the port 240 s after FIN both ways, then returns it', () => {
    const lb = new AzureLbSnat(rule(), ['vm1']);
    const t = lb.table;
    const id = okId(lb.acquire('vm1', PROTO_TCP, VM1, 40000, WEB, 80, 0));
    t.inbound(id, TCP_SYN | TCP_ACK, 10);
    t.outbound(id, TCP_FIN | TCP_ACK, 1000);
    expect(t.info(id).state).toBe('fin-seen-one');
    t.inbound(id, TCP_FIN | TCP_ACK, 2000);
    expect(t.info(id).state).toBe('fin-seen-both');
    // The last ACK is still translated.
    expect(t.lookupOriginal(PROTO_TCP, VM1, 40000, WEB, 80)).toBe(id);
    expect(t.nextDeadline()).toBe(2000 + 240 * US_PER_SECOND);
    expect(t.expire(2000 + 240 * US_PER_SECOND)[0]!.reason).toBe('fin-release');
    expect(lb.inventoryOf('vm1', PROTO_TCP)!.used).toBe(0);
  });

  it('holds the port 15 s after a RST', () => {
    const lb = new AzureLbSnat(rule(), ['vm1']);
    const id = okId(lb.acquire('vm1', PROTO_TCP, VM1, 40000, WEB, 80, 0));
    lb.table.inbound(id, TCP_RST, 50);
    expect(lb.table.info(id).state).toBe('closed-by-rst');
    expect(lb.table.nextDeadline()).toBe(50 + 15 * US_PER_SECOND);
    expect(lb.table.expire(50 + 15 * US_PER_SECOND)[0]!.reason).toBe('rst-release');
  });

  it('a new SYN on a closing tuple reopens it on the same port', () => {
    const lb = new AzureLbSnat(rule(), ['vm1']);
    const id = okId(lb.acquire('vm1', PROTO_TCP, VM1, 40000, WEB, 80, 0));
    lb.table.inbound(id, TCP_RST, 50);
    expect(lb.table.lookupOriginal(PROTO_TCP, VM1, 40000, WEB, 80)).toBe(id);
    lb.table.outbound(id, TCP_SYN, 100);
    expect(lb.table.info(id).state).toBe('syn-sent');
    expect(lb.table.nextDeadline()).toBe(100 + 4 * US_PER_MINUTE);
  });
});

describe('instances and frontend IPs', () => {
  it('consumes frontend IPs one at a time', () => {
    const lb = new AzureLbSnat(rule({ allocatedOutboundPorts: 32_000, frontendIps: [FE, FE2] }), ['a', 'b', 'c']);
    expect(new Set(lb.blocksOf('a').map(([i]) => i))).toEqual(new Set([FE]));
    expect(new Set(lb.blocksOf('b').map(([i]) => i))).toEqual(new Set([FE]));
    expect(new Set(lb.blocksOf('c').map(([i]) => i))).toEqual(new Set([FE2]));
  });

  it('halves ports when the pool crosses 50 and keeps flows on reclaimed ports until they end', () => {
    const names = Array.from({ length: 50 }, (_, i) => `vm${i}`);
    const lb = new AzureLbSnat(rule({ allocatedOutboundPorts: 0 }), names);
    const inv = lb.inventoryOf('vm0', PROTO_TCP)!;
    const ids: number[] = [];
    for (let i = 0; i < 1024; i++) ids.push(okId(lb.acquire('vm0', PROTO_TCP, VM1, 10000 + i, WEB, 80, 0)));
    expect(lb.setInstances([...names, 'vm50'])).toBeNull();
    expect(lb.portsPerInstance).toBe(512);
    expect(inv.allocated).toBe(512);
    expect(inv.used).toBe(512);
    expect(inv.retiring).toBe(512);
    expect(lb.metrics().find((m) => m.backendInstance === 'vm0' && m.protocol === 'TCP')).toMatchObject({ allocatedSnatPorts: 512, usedSnatPorts: 512, awaitingRemovalPorts: 512 });
    // Every flow still translates.
    expect(ids.filter((id) => lb.table.lookupReply(PROTO_TCP, WEB, 80, FE, lb.table.pubPortOf(id)) !== id)).toEqual([]);
    for (const id of ids) lb.table.remove(id);
    expect(inv.used).toBe(0);
    expect(inv.retiring).toBe(0);
    expect(lb.acquire('vm2', PROTO_TCP, VM2, 1, WEB, 80, 0).ok).toBe(true);
    expect(lb.acquire('nobody', PROTO_TCP, VM2, 2, WEB, 80, 0)).toMatchObject({ ok: false, code: 'no-allocation' });
  });
});

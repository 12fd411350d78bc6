import { describe, expect, it } from 'vitest';
import { Rng } from '../../sim/rng.ts';
import { parseCidr, parseIpv4 } from '../../wire/addr.ts';
import { AwsNatGateway } from './aws-nat-gateway.ts';
import { AzureNatGateway } from './azure-nat-gateway.ts';
import { GcpCloudNat } from './gcp-cloud-nat.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, SnatConfigError, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, US_PER_MINUTE, US_PER_SECOND } from './types.ts';

const ip = (s: string): number => parseIpv4(s)!;
const PIP = ip('52.1.1.1');
const PIP2 = ip('52.1.1.2');
const VM1 = ip('10.0.1.4');
const VM2 = ip('10.0.1.5');
const WEB = ip('13.71.134.177');
const S = US_PER_SECOND;

function natgw(over: { idle?: number; ips?: number[] } = {}): AzureNatGateway {
  const rng = new Rng(42, 'natgw');
  return new AzureNatGateway({ name: 'natgw', publicIps: over.ips ?? [PIP], idleTimeoutInMinutes: over.idle ?? 4, random: () => rng.nextFloat() });
}

describe('Azure NAT gateway (§B)', () => {
  it('has 64,512 ports per public IP and per prefix address, and at most 16', () => {
    const g = natgw();
    expect(g.tcp.allocated).toBe(64_512);
    const rng = new Rng(1);
    const p = new AzureNatGateway({ name: 'g', publicIps: [], publicIpPrefixes: [parseCidr('52.2.0.0/30')!], idleTimeoutInMinutes: 4, random: () => rng.nextFloat() });
    expect(p.publicIps).toHaveLength(4);
    expect(p.udp.allocated).toBe(4 * 64_512);
    expect(() => new AzureNatGateway({ name: 'g', publicIps: [PIP], publicIpPrefixes: [parseCidr('52.2.0.0/28')!], idleTimeoutInMinutes: 4, random: () => 0 })).toThrow(
      'at most 16 public IP addresses',
    );
    expect(() => natgw({ idle: 121 })).toThrow(SnatConfigError);
  });

  it('picks ports at random from the free inventory, shared by every VM, deterministically per seed', () => {
    const a = natgw();
    const b = natgw();
    const pa: number[] = [];
    const pb: number[] = [];
    for (let i = 0; i < 20; i++) {
      const ra = a.acquire('vm1', PROTO_TCP, i % 2 ? VM1 : VM2, 30000 + i, WEB, 443, 0);
      const rb = b.acquire('vm1', PROTO_TCP, i % 2 ? VM1 : VM2, 30000 + i, WEB, 443, 0);
      if (ra.ok && rb.ok) {
        pa.push(ra.pubPort);
        pb.push(rb.pubPort);
      }
    }
    expect(pa).toEqual(pb);
    expect(new Set(pa).size).toBe(20);
    expect(pa.every((p) => p >= 1024 && p <= 65535)).toBe(true);
    expect(pa.slice().sort((x, y) => x - y)).not.toEqual(pa);
  });

  it('reuses a port toward the same destination only after the cool-down', () => {
    const g = natgw();
    const t = g.table;
    const fin = g.acquire('vm1', PROTO_TCP, VM1, 40000, WEB, 80, 0);
    if (!fin.ok) throw new Error(fin.message);
    t.inbound(fin.id, TCP_SYN | TCP_ACK, 1);
    t.outbound(fin.id, TCP_FIN | TCP_ACK, 2);
    t.inbound(fin.id, TCP_FIN | TCP_ACK, 3);
    expect(t.nextDeadline()).toBe(3 + 65 * S);
    // During the cool-down the port is still held toward WEB:80.
    expect(t.replyHolder(PROTO_TCP, WEB, 80, PIP, fin.pubPort)).toBe(fin.id);
    expect(t.expire(3 + 65 * S).map((e) => e.reason)).toEqual(['fin-release']);
    expect(t.replyHolder(PROTO_TCP, WEB, 80, PIP, fin.pubPort)).toBe(-1);

    const rst = g.acquire('vm1', PROTO_TCP, VM1, 40001, WEB, 80, 0);
    if (!rst.ok) throw new Error(rst.message);
    t.inbound(rst.id, TCP_RST, 10);
    expect(t.nextDeadline()).toBe(10 + 16 * S);

    const half = g.acquire('vm1', PROTO_TCP, VM1, 40002, WEB, 80, 100 * S);
    if (!half.ok) throw new Error(half.message);
    t.expire(100 * S);
    expect(t.nextDeadline()).toBe(130 * S);
    expect(t.expire(130 * S).map((e) => e.reason)).toEqual(['half-open']);
  });

  it('keeps a UDP port cooling 65 s after its 4-minute idle timeout, whatever the TCP idle', () => {
    const g = natgw({ idle: 30 });
    const t = g.table;
    const u = g.acquire('vm1', PROTO_UDP, VM1, 5000, WEB, 53, 0);
    if (!u.ok) throw new Error(u.message);
    const ev = t.expire(4 * US_PER_MINUTE);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ reason: 'idle', coolingUntil: 4 * US_PER_MINUTE + 65 * S });
    expect(t.lookupOriginal(PROTO_UDP, VM1, 5000, WEB, 53)).toBe(-1);
    expect(t.lookupReply(PROTO_UDP, WEB, 53, PIP, u.pubPort)).toBe(-1);
    // A new flow from the same socket gets another port: the old one cools toward WEB:53.
    const again = g.acquire('vm1', PROTO_UDP, VM1, 5000, WEB, 53, 4 * US_PER_MINUTE + S);
    expect(again.ok && again.pubPort !== u.pubPort).toBe(true);
    expect(t.expire(4 * US_PER_MINUTE + 65 * S).map((e) => e.reason)).toEqual(['cooldown-end']);
    const tcp = g.acquire('vm1', PROTO_TCP, VM1, 5000, WEB, 80, 0);
    if (!tcp.ok) throw new Error(tcp.message);
    t.inbound(tcp.id, TCP_SYN | TCP_ACK, 0);
    expect(t.deadlineOf(tcp.id)).toBe(30 * US_PER_MINUTE);
  });

  it('answers packets of unknown flows with a one-directional RST and counts drops', () => {
    const g = natgw();
    expect(g.unknownFlow('outbound', PROTO_TCP, TCP_SYN)).toBe('allocate');
    expect(g.unknownFlow('outbound', PROTO_TCP, TCP_ACK)).toBe('rst-to-sender');
    expect(g.unknownFlow('inbound', PROTO_TCP, TCP_ACK)).toBe('rst-to-sender');
    expect(g.unknownFlow('inbound', PROTO_TCP, TCP_SYN)).toBe('drop');
    expect(g.unknownFlow('inbound', PROTO_TCP, TCP_RST | TCP_ACK)).toBe('drop');
    expect(g.unknownFlow('outbound', PROTO_UDP, 0)).toBe('allocate');
    expect(g.unknownFlow('inbound', PROTO_UDP, 0)).toBe('drop');
    expect(g.unknownFlow('outbound', PROTO_ICMP, 0)).toBe('drop');
    expect(g.metrics().droppedPackets).toBe(6);
  });

  it('stops at 50,000 connections per public IP to one destination endpoint', () => {
    const g = natgw({ ips: [PIP, PIP2] });
    let fails = 0;
    let last = '';
    for (let i = 0; i < 100_001; i++) {
      const r = g.acquire('vm1', PROTO_TCP, (VM1 + (i >>> 16)) >>> 0, i & 0xffff, WEB, 443, 0);
      if (!r.ok) {
        fails++;
        last = r.message;
      }
    }
    expect(fails).toBe(1);
    expect(last).toBe("NAT gateway 'natgw' already has 50,000 TCP connections from each of its 2 public IPs to 13.71.134.177:443 (the limit per public IP and destination endpoint): vm1's new connection fails");
    expect(g.table.destinationCount(PROTO_TCP, PIP, WEB, 443)).toBe(50_000);
    const m = g.metrics();
    expect(m).toMatchObject({ snatConnectionsSuccessful: 100_000, snatConnectionsFailed: 1, totalConnections: 100_000 });
    expect(m.usedPorts.filter((u) => u.protocol === 'TCP').map((u) => u.used)).toEqual([50_000, 50_000]);
    // Another destination port still works, on a reused port.
    expect(g.acquire('vm1', PROTO_TCP, VM1, 1, WEB, 80, 0).ok).toBe(true);
  });
});

describe('AWS NAT gateway (§E)', () => {
  it('allows 55,000 connections per address to one destination and counts ErrorPortAllocation', () => {
    const rng = new Rng(7);
    const g = new AwsNatGateway({ name: 'nat-0abc', publicIps: [PIP], random: () => rng.nextFloat() });
    let ok = 0;
    for (let i = 0; i < 55_000; i++) if (g.acquire('i-1', PROTO_UDP, (VM1 + (i >>> 16)) >>> 0, i & 0xffff, WEB, 53, 0).ok) ok++;
    expect(ok).toBe(55_000);
    const r = g.acquire('i-1', PROTO_UDP, VM2, 1, WEB, 53, 0);
    expect(r).toEqual({
      ok: false,
      code: 'destination-limit',
      message: "NAT gateway 'nat-0abc' could not allocate a source port for i-1 toward 13.71.134.177:53 (UDP): its 1 address has 55,000 connections to that destination each (ErrorPortAllocation)",
    });
    expect(g.acquire('i-1', PROTO_UDP, VM2, 1, WEB, 54, 0).ok).toBe(true);
    expect(g.acquire('i-1', PROTO_TCP, VM2, 1, WEB, 53, 0).ok).toBe(true);
    expect(g.metrics()).toMatchObject({ ErrorPortAllocation: 1, ConnectionAttemptCount: 55_003, ActiveConnectionCount: 55_002 });
  });

  it('runs out at about 900 new connections per second to one destination, however short they are (§E)', () => {
    // Connections that open and close at once, at a steady rate, for 90 s: closed ports are held
    // 60 s, so the destination holds rate × 60 s ports; 55,000 / 60 s ≈ 917 per second.
    const run = (perSecond: number) => {
      const g = new AwsNatGateway({ name: 'nat', publicIps: [PIP], random: () => 0.5 });
      let firstError = -1;
      let n = 0;
      for (let t = 0; t < 90 * S; t += Math.round(S / perSecond)) {
        g.table.expire(t);
        const r = g.acquire('i-1', PROTO_TCP, (VM1 + (n >>> 16)) >>> 0, n & 0xffff, WEB, 443, t);
        n++;
        if (!r.ok) {
          if (firstError < 0) firstError = t;
          continue;
        }
        g.table.inbound(r.id, TCP_SYN | TCP_ACK, t);
        g.table.outbound(r.id, TCP_RST, t);
      }
      return { firstError, errors: g.metrics().ErrorPortAllocation };
    };
    expect(run(850)).toEqual({ firstError: -1, errors: 0 });
    const fast = run(1000);
    expect(fast.errors).toBeGreaterThan(0);
    // 55,000 connections at 1,000/s: the 55,001st comes at 55 s, while none has been freed yet.
    expect(fast.firstError).toBeGreaterThanOrEqual(54 * S);
    expect(fast.firstError).toBeLessThanOrEqual(56 * S);
  });

  it('idles out after 350 s and resets later packets from the inside', () => {
    const g = new AwsNatGateway({ name: 'nat', publicIps: [PIP], random: () => 0.5 });
    const r = g.acquire('i-1', PROTO_TCP, VM1, 40000, WEB, 80, 0);
    if (!r.ok) throw new Error(r.message);
    g.table.inbound(r.id, TCP_SYN | TCP_ACK, 0);
    expect(g.table.expire(350 * S)).toMatchObject([{ reason: 'idle', sendRst: false }]);
    expect(g.table.lookupOriginal(PROTO_TCP, VM1, 40000, WEB, 80)).toBe(-1);
    expect(g.unknownFlow('outbound', PROTO_TCP, TCP_ACK)).toBe('rst-to-sender');
    expect(g.unknownFlow('inbound', PROTO_TCP, TCP_ACK)).toBe('drop');
    expect(g.metrics()).toMatchObject({ IdleTimeoutCount: 1, ConnectionEstablishedCount: 1, PacketsDropCount: 2 });
    const ping = g.acquire('i-1', PROTO_ICMP, VM1, 77, WEB, 0, 0);
    expect(ping.ok && g.table.lookupReply(PROTO_ICMP, WEB, 0, PIP, ping.pubPort) === ping.id).toBe(true);
  });
});

describe('GCP Cloud NAT (§F)', () => {
  const NATIP = ip('34.1.2.3');

  it('gives every VM 64 ports by default and drops with OUT_OF_RESOURCES beyond', () => {
    const nat = new GcpCloudNat({ name: 'nat', natIps: [NATIP] }, ['vm1', 'vm2']);
    expect(nat.portsOf('vm1')).toBe(64);
    for (let i = 0; i < 64; i++) expect(nat.acquire('vm1', PROTO_TCP, VM1, 30000 + i, WEB, 80, 0).ok).toBe(true);
    const r = nat.acquire('vm1', PROTO_TCP, VM1, 31000, WEB, 80, 0);
    expect(r).toEqual({ ok: false, code: 'ports-exhausted', message: "Cloud NAT 'nat' dropped vm1's packet to 13.71.134.177:80 (OUT_OF_RESOURCES): it uses all 64 NAT ports it has toward that destination" });
    expect(nat.acquire('vm2', PROTO_TCP, VM2, 30000, WEB, 80, 0).ok).toBe(true);
    expect(nat.metrics()[0]).toMatchObject({ vm: 'vm1', allocatedPorts: 64, usedPorts: { tcp: 64 }, droppedSentPackets: { OUT_OF_RESOURCES: 1 } });
  });

  it('with EIM keeps one NAT IP:port for every destination; without it the port depends on the destination', () => {
    const eim = new GcpCloudNat({ name: 'nat', natIps: [NATIP], enableEndpointIndependentMapping: true }, ['vm1']);
    const a = eim.acquire('vm1', PROTO_UDP, VM1, 5000, WEB, 53, 0);
    const b = eim.acquire('vm1', PROTO_UDP, VM1, 5000, ip('8.8.8.8'), 53, 0);
    const c = eim.acquire('vm1', PROTO_UDP, VM1, 5001, ip('8.8.8.8'), 53, 0);
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (a.ok && b.ok && c.ok) {
      expect(b.pubPort).toBe(a.pubPort);
      expect(c.pubPort).not.toBe(a.pubPort);
    }
    // 64 private ports exhaust the 64 NAT ports under EIM, even toward different destinations.
    for (let i = 2; i < 64; i++) expect(eim.acquire('vm1', PROTO_UDP, VM1, 5000 + i, ip(`9.9.9.${i}`), 53, 0).ok).toBe(true);
    expect(eim.acquire('vm1', PROTO_UDP, VM1, 6000, ip('9.9.9.200'), 53, 0)).toMatchObject({ ok: false, code: 'ports-exhausted' });

    // Without EIM, 200 sockets to 200 destinations share the 64 ports.
    const edm = new GcpCloudNat({ name: 'nat', natIps: [NATIP] }, ['vm1']);
    let ok = 0;
    for (let i = 0; i < 200; i++) if (edm.acquire('vm1', PROTO_UDP, VM1, 5000 + i, ip(`9.9.${i}.1`), 53, 0).ok) ok++;
    expect(ok).toBe(200);
    expect(edm.metrics()[0]!.usedPorts.udp).toBe(64);
  });

  it('grows a VM by doubling between the minimum and the maximum with dynamic allocation', () => {
    const nat = new GcpCloudNat({ name: 'nat', natIps: [NATIP], enableDynamicPortAllocation: true, minPortsPerVm: 32, maxPortsPerVm: 128 }, ['vm1']);
    expect(nat.portsOf('vm1')).toBe(32);
    for (let i = 0; i < 128; i++) expect(nat.acquire('vm1', PROTO_TCP, VM1, 20000 + i, WEB, 80, 0).ok).toBe(true);
    expect(nat.portsOf('vm1')).toBe(128);
    expect(nat.acquire('vm1', PROTO_TCP, VM1, 21000, WEB, 80, 0)).toMatchObject({ ok: false, code: 'ports-exhausted' });
    expect(() => new GcpCloudNat({ name: 'n', natIps: [NATIP], enableDynamicPortAllocation: true, enableEndpointIndependentMapping: true }, [])).toThrow('cannot be on together');
  });

  it('uses the documented timeouts', () => {
    const nat = new GcpCloudNat({ name: 'nat', natIps: [NATIP] }, ['vm1']);
    const t = nat.table;
    const est = nat.acquire('vm1', PROTO_TCP, VM1, 1, WEB, 80, 0);
    const udp = nat.acquire('vm1', PROTO_UDP, VM1, 2, WEB, 53, 0);
    const icmp = nat.acquire('vm1', PROTO_ICMP, VM1, 3, WEB, 0, 0);
    if (!est.ok || !udp.ok || !icmp.ok) throw new Error('acquire');
    t.inbound(est.id, TCP_SYN | TCP_ACK, 0);
    expect([t.deadlineOf(est.id), t.deadlineOf(udp.id), t.deadlineOf(icmp.id)]).toEqual([1200 * S, 30 * S, 30 * S]);
    t.outbound(est.id, TCP_FIN | TCP_ACK, 10);
    expect(t.deadlineOf(est.id)).toBe(10 + 30 * S);
    t.inbound(est.id, TCP_FIN | TCP_ACK, 20);
    expect(t.deadlineOf(est.id)).toBe(20 + 120 * S);
  });
});

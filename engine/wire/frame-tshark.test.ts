/**
 * Interop: tshark must read emitted frames without a malformed packet or a bad checksum.
 * Needs /usr/bin/tshark (or tshark on PATH): required in CI, skipped elsewhere when missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIpv4 } from './addr.ts';
import { emitFrame, emitIpPacket, type FrameRepr, type L4Repr, type NetRepr } from './frame.ts';
import { ipv4Repr } from './ipv4.ts';
import { ipv6Repr, parseIpv6 } from './ipv6.ts';
import { tcpFlags, tcpRepr } from './tcp.ts';
import { hex } from './test-util.ts';
import { vxlanRepr } from './vxlan.ts';

function findTshark(): string | null {
  if (existsSync('/usr/bin/tshark')) return '/usr/bin/tshark';
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return 'tshark';
  } catch {
    return null;
  }
}

/** A classic pcap (libpcap 2.4, microseconds, little-endian), linktype 1. */
function pcap(frames: Uint8Array[]): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 65535, true);
  dv.setUint32(20, 1, true);
  let at = 24;
  frames.forEach((f, i) => {
    dv.setUint32(at, 1_700_000_000 + i, true);
    dv.setUint32(at + 4, i * 1000, true);
    dv.setUint32(at + 8, f.length, true);
    dv.setUint32(at + 12, f.length, true);
    out.set(f, at + 16);
    at += 16 + f.length;
  });
  return out;
}

const ip4 = (t: string): number => parseIpv4(t)!;
const ip6 = (t: string): Uint8Array => parseIpv6(t)!;
const text = (t: string): Uint8Array => new TextEncoder().encode(t);
const MAC_A = '02:00:00:00:00:0a';
const MAC_B = '02:00:00:00:00:0b';

function frame(net: NetRepr, l4: L4Repr, vid?: number): FrameRepr {
  const eth = { dst: MAC_B, src: MAC_A, ethertype: 0, ...(vid === undefined ? {} : { vlan: { pcp: 3, dei: false, vid } }) };
  return { eth, net, l4 };
}

const v4 = (src: string, dst: string, extra: Partial<Parameters<typeof ipv4Repr>[0]> = {}): NetRepr => ({
  kind: 'ipv4',
  ip: ipv4Repr({ src: ip4(src), dst: ip4(dst), identification: 0x1c46, ...extra }),
});
const v6 = (src: string, dst: string, extensions?: Uint8Array): NetRepr =>
  extensions
    ? { kind: 'ipv6', ip: ipv6Repr({ src: ip6(src), dst: ip6(dst), nextHeader: 60, flowLabel: 0x12345 }), extensions }
    : { kind: 'ipv6', ip: ipv6Repr({ src: ip6(src), dst: ip6(dst), flowLabel: 0x12345 }) };

function sampleFrames(): FrameRepr[] {
  const syn = frame(v4('10.0.0.4', '93.184.216.34'), {
    kind: 'tcp',
    tcp: tcpRepr({
      srcPort: 50123, dstPort: 443, seq: 0x11223344, flags: tcpFlags({ syn: true }), window: 64240,
      options: { mss: 1460, sackPermitted: true, timestamps: { value: 123456, echo: 0 }, windowScale: 7, unknown: [] },
    }),
  });
  const data = frame(v4('10.0.0.4', '93.184.216.34', { options: Uint8Array.of(0x94, 0x04, 0, 0) }), {
    kind: 'tcp',
    tcp: tcpRepr({
      srcPort: 50123, dstPort: 8080, seq: 1000, ack: 2000, flags: tcpFlags({ ack: true, psh: true }),
      options: { timestamps: { value: 5, echo: 6 }, sack: [[3000, 4000], [5000, 6000]], unknown: [] },
      payload: text('GET / HTTP/1.1\r\nHost: example\r\n\r\n'),
    }),
  });
  const quoted = emitIpPacket({ net: v4('10.0.0.4', '10.0.0.5') as Extract<NetRepr, { kind: 'ipv4' }>, l4: { kind: 'udp', udp: { srcPort: 40000, dstPort: 33434, payload: text('probe') } } });
  const quoted6 = emitIpPacket({ net: v6('2001:db8::1', '2001:db8::2') as Extract<NetRepr, { kind: 'ipv6' }>, l4: { kind: 'udp', udp: { srcPort: 40000, dstPort: 33434, payload: new Uint8Array(1300) } } });
  const inner = frame(v4('192.168.1.10', '10.1.0.4'), { kind: 'icmp', icmp: { kind: 'echoRequest', id: 7, seq: 1, data: text('abcdefgh') } });
  return [
    syn,
    data,
    frame(v4('10.0.0.4', '168.63.129.16'), { kind: 'udp', udp: { srcPort: 40001, dstPort: 40002, payload: text('hello') } }),
    frame(v4('10.0.0.4', '10.0.0.5'), { kind: 'udp', udp: { srcPort: 40001, dstPort: 40002, payload: text('no checksum') }, zeroChecksum: true }),
    frame(v4('10.0.0.4', '8.8.8.8'), { kind: 'icmp', icmp: { kind: 'echoRequest', id: 0x1234, seq: 1, data: text('netplay ping') } }),
    frame(v4('10.0.0.5', '10.0.0.4'), { kind: 'icmp', icmp: { kind: 'destUnreachable', code: 3, data: quoted } }),
    frame(v4('10.0.0.1', '10.0.0.4'), { kind: 'icmp', icmp: { kind: 'destUnreachable', code: 4, nextHopMtu: 1450, data: quoted } }),
    frame(v4('10.0.0.1', '10.0.0.4'), { kind: 'icmp', icmp: { kind: 'timeExceeded', code: 0, data: quoted } }),
    frame(v6('2001:db8::1', '2001:db8::2'), { kind: 'tcp', tcp: tcpRepr({ srcPort: 50000, dstPort: 443, flags: tcpFlags({ syn: true }), options: { mss: 1440, unknown: [] } }) }, 42),
    frame(v6('2001:db8::1', '2001:db8::2', hex('0600010400000000')), { kind: 'tcp', tcp: tcpRepr({ srcPort: 50000, dstPort: 80, flags: tcpFlags({ ack: true }), payload: text('x') }) }),
    frame(v6('2001:db8::1', '2001:db8::2'), { kind: 'udp', udp: { srcPort: 40003, dstPort: 40004, payload: text('v6 udp') } }),
    frame(v6('2001:db8::1', '2001:db8::2'), { kind: 'icmpv6', icmp: { kind: 'echoRequest', id: 9, seq: 2, data: text('ping6') } }),
    frame(v6('2001:db8::ff', '2001:db8::1'), { kind: 'icmpv6', icmp: { kind: 'packetTooBig', mtu: 1280, data: quoted6.subarray(0, 1232) } }),
    frame(v6('2001:db8::ff', '2001:db8::1'), { kind: 'icmpv6', icmp: { kind: 'destUnreachable', code: 4, data: quoted6.subarray(0, 100) } }),
    // Gateway load balancer tunnels: VXLAN on 10800 (checksum 0, as RFC 7348 asks) and 4789.
    frame(v4('10.0.1.4', '10.0.2.4'), { kind: 'udp', udp: { srcPort: 53124, dstPort: 10800, payload: new Uint8Array(0) }, zeroChecksum: true, vxlan: { header: vxlanRepr(800), inner: syn } }),
    frame(v4('10.0.1.4', '10.0.2.4'), { kind: 'udp', udp: { srcPort: 53125, dstPort: 4789, payload: new Uint8Array(0) }, vxlan: { header: vxlanRepr(801), inner } }),
  ];
}

const tshark = findTshark();
const ci = Boolean(process.env.CI);

describe('frame interop with tshark', () => {
  if (!tshark && ci) {
    it('tshark is installed (required in CI)', () => {
      throw new Error('tshark not found: CI must install it (apt-get install tshark)');
    });
    return;
  }
  const name = tshark
    ? 'tshark reads emitted frames: no malformed packet, no bad checksum'
    : 'tshark reads emitted frames (SKIPPED: tshark is not installed; required only in CI)';
  it.skipIf(!tshark)(name, () => {
    const frames = sampleFrames().map(emitFrame);
    const dir = mkdtempSync(join(tmpdir(), 'netplay-wire-'));
    const file = join(dir, 'frames.pcap');
    try {
      writeFileSync(file, pcap(frames));
      const out = execFileSync(
        tshark!,
        ['-r', file, '-V', '-d', 'udp.port==10800,vxlan',
          '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
      );
      expect(out.match(/^Frame \d+:/gm)?.length).toBe(frames.length);
      expect(out).not.toMatch(/Malformed/);
      expect(out).not.toMatch(/\[incorrect|incorrect, should be/);
      expect(out).not.toMatch(/Bad checksum|[Ss]tatus: Bad/);
      // Each layer checked: 2 + 1 per IPv4 frame, 1 per IPv6 frame, plus inner frames.
      expect((out.match(/[Ss]tatus: Good/g) ?? []).length).toBeGreaterThanOrEqual(frames.length + 8);
      expect(out).toMatch(/VXLAN Network Identifier \(VNI\): 800/);
      expect(out).toMatch(/VXLAN Network Identifier \(VNI\): 801/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

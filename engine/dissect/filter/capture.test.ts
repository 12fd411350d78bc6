/** Capture filters: every word, qualifier inheritance, pcap precedence, link types, errors. */
import { describe, expect, it } from 'vitest';
import { compileCaptureFilter } from './index.ts';

const mac = (s: string): number[] => s.split(':').map((h) => parseInt(h, 16));
const ip4 = (s: string): number[] => s.split('.').map(Number);
const u16 = (v: number): number[] => [v >> 8, v & 255];

function eth(dst: string, src: string, type: number, payload: number[], vlan?: number): Uint8Array {
  const tag = vlan === undefined ? [] : [0x81, 0x00, ...u16(vlan)];
  return Uint8Array.from([...mac(dst), ...mac(src), ...tag, ...u16(type), ...payload]);
}
function ipv4(src: string, dst: string, proto: number, payload: number[], fragOffset = 0): number[] {
  return [0x45, 0, ...u16(20 + payload.length), 0, 1, ...u16(fragOffset), 64, proto, 0, 0, ...ip4(src), ...ip4(dst), ...payload];
}
function ipv6(src: number[], dst: number[], nxt: number, payload: number[]): number[] {
  return [0x60, 0, 0, 0, ...u16(payload.length), nxt, 64, ...src, ...dst, ...payload];
}
const ports = (s: number, d: number, len = 20): number[] => [...u16(s), ...u16(d), ...new Array<number>(len - 4).fill(0)];
const arp = (op: number, sha: string, spa: string, tha: string, tpa: string): number[] =>
  [0, 1, 8, 0, 6, 4, ...u16(op), ...mac(sha), ...ip4(spa), ...mac(tha), ...ip4(tpa)];
const V6A = [0xfd, 0, 2, 1, 0, 1, ...new Array<number>(9).fill(0), 1];
const V6B = [0xfd, 0, 2, 1, 0, 1, ...new Array<number>(9).fill(0), 2];

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const BC = 'ff:ff:ff:ff:ff:ff';
/** Named frames (Ethernet unless noted). */
const F = {
  tcpAB: eth(B, A, 0x0800, ipv4('10.0.0.1', '10.0.1.2', 6, ports(40000, 80))),
  tcpBA: eth(A, B, 0x0800, ipv4('10.0.1.2', '10.0.0.1', 6, ports(80, 40000))),
  udpDns: eth(B, A, 0x0800, ipv4('10.0.0.1', '8.8.8.8', 17, ports(5353, 53, 8))),
  vxlan: eth(B, A, 0x0800, ipv4('10.0.0.1', '10.0.1.2', 17, [...ports(51000, 10800, 8), 8, 0, 0, 0, 0, 3, 0x20, 0,
    ...eth(B, A, 0x0800, ipv4('192.168.0.1', '192.168.0.2', 6, ports(1234, 443)))])),
  icmp: eth(B, A, 0x0800, ipv4('10.0.0.1', '10.0.1.2', 1, [8, 0, 0, 0, 0, 1, 0, 1])),
  frag: eth(B, A, 0x0800, ipv4('10.0.0.1', '10.0.1.2', 6, ports(40000, 80), 185)),
  arpReq: eth(BC, A, 0x0806, arp(1, A, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.9')),
  tcp6: eth(B, A, 0x86dd, ipv6(V6A, V6B, 6, ports(40000, 443))),
  icmp6: eth(B, A, 0x86dd, ipv6(V6A, V6B, 58, [128, 0, 0, 0, 0, 1, 0, 1])),
  vlanTcp: eth(B, A, 0x0800, ipv4('10.0.0.1', '10.0.1.2', 6, ports(40000, 80)), 100),
  short: Uint8Array.from([...mac(B), ...mac(A), 0x08, 0x00, 0x45, 0]),
};
type Name = keyof typeof F;
const NAMES = Object.keys(F) as Name[];

function kept(text: string, link = 1): Name[] {
  const c = compileCaptureFilter(text);
  if (!c.ok) throw new Error(`${text}: ${c.error.message}`);
  return NAMES.filter((n) => c.filter.test(F[n], link));
}

describe('protocol words', () => {
  it.each<[string, Name[]]>([
    ['ip', ['tcpAB', 'tcpBA', 'udpDns', 'vxlan', 'icmp', 'frag', 'short']],
    ['ip6', ['tcp6', 'icmp6']],
    ['arp', ['arpReq']],
    ['tcp', ['tcpAB', 'tcpBA', 'frag', 'tcp6']],
    ['udp', ['udpDns', 'vxlan']],
    ['icmp', ['icmp']],
    ['icmp6', ['icmp6']],
    ['vlan', ['vlanTcp']],
    ['vlan 100', ['vlanTcp']],
    ['vlan 101', []],
    ['vlan and tcp port 80', ['vlanTcp']],
  ])('%s', (text, want) => expect(kept(text)).toEqual(want));
});

describe('host, net, port', () => {
  it.each<[string, Name[]]>([
    ['host 10.0.0.1', ['tcpAB', 'tcpBA', 'udpDns', 'vxlan', 'icmp', 'frag', 'arpReq']],
    ['src host 10.0.1.2', ['tcpBA']],
    ['dst host 10.0.1.2', ['tcpAB', 'vxlan', 'icmp', 'frag']],
    ['src and dst host 10.0.0.1', []],
    ['src or dst host 8.8.8.8', ['udpDns']],
    ['host 192.168.0.1', []],
    ['ip host 10.0.0.9', []],
    ['arp host 10.0.0.9', ['arpReq']],
    ['host fd00:201:1::2', ['tcp6', 'icmp6']],
    ['src host fd00:201:1::2', []],
    ['net 10.0.1.0/24', ['tcpAB', 'tcpBA', 'vxlan', 'icmp', 'frag']],
    ['net 10.0.1.0 mask 255.255.255.0', ['tcpAB', 'tcpBA', 'vxlan', 'icmp', 'frag']],
    ['dst net 8', ['udpDns']],
    ['net 10.0.1', ['tcpAB', 'tcpBA', 'vxlan', 'icmp', 'frag']],
    ['net fd00:201::/32', ['tcp6', 'icmp6']],
    ['port 80', ['tcpAB', 'tcpBA']],
    ['dst port 80', ['tcpAB']],
    ['src port 80', ['tcpBA']],
    ['udp port 53', ['udpDns']],
    ['tcp port 53', []],
    ['port 443', ['tcp6']],
    ['portrange 50000-60000', ['vxlan']],
    ['udp portrange 10000-11000', ['vxlan']],
    ['ether host 02:00:00:00:00:0b', ['tcpAB', 'tcpBA', 'udpDns', 'vxlan', 'icmp', 'frag', 'tcp6', 'icmp6', 'vlanTcp', 'short']],
    ['ether dst ff:ff:ff:ff:ff:ff', ['arpReq']],
    ['ether src 02:00:00:00:00:0b', ['tcpBA']],
  ])('%s', (text, want) => expect(kept(text)).toEqual(want));
  it('matches only the outer headers (the VXLAN inner TCP is payload)', () => {
    expect(kept('port 443')).not.toContain('vxlan');
    expect(kept('host 192.168.0.2')).toEqual([]);
  });
  it('port ignores IPv4 fragments after the first, as BPF does', () => expect(kept('port 40000')).not.toContain('frag'));
});

describe('precedence and qualifier inheritance (pcap-filter(7))', () => {
  it.each<[string, Name[]]>([
    // and/or are equal and left-associative: (udp or tcp) and port 80.
    ['udp or tcp and port 80', ['tcpAB', 'tcpBA']],
    ['udp or (tcp and port 80)', ['tcpAB', 'tcpBA', 'udpDns', 'vxlan']],
    // 'short' is cut inside the IPv4 header: reading its protocol byte rejects it, even under not.
    ['not tcp and ip', ['udpDns', 'vxlan', 'icmp']],
    ['! (tcp || udp) && ip', ['icmp']],
    // a bare id inherits the last qualifiers: (dst port 80) or (dst port 53)
    ['dst port 80 or 53', ['tcpAB', 'udpDns']],
    ['host 10.0.0.1 and port 80 or 53', ['tcpAB', 'tcpBA', 'udpDns']],
    ['not host 10.0.0.1 and 10.0.1.2', []],
    ['tcp dst port 80 or 443', ['tcpAB', 'tcp6']],
    ['src host 10.0.1.2 or 8.8.8.8', ['tcpBA']],
  ])('%s', (text, want) => expect(kept(text)).toEqual(want));
});

describe('link types', () => {
  const raw = Uint8Array.from(ipv4('10.0.0.1', '10.0.1.2', 6, ports(40000, 80)));
  const raw6 = Uint8Array.from(ipv6(V6A, V6B, 17, ports(1, 2, 8)));
  it('raw IP (101) reads the version nibble and has no link header', () => {
    const t = (text: string, b: Uint8Array): boolean => { const c = compileCaptureFilter(text); return c.ok && c.filter.test(b, 101); };
    expect([t('ip', raw), t('tcp port 80', raw), t('host 10.0.1.2', raw), t('ip6', raw), t('ether host 02:00:00:00:00:0a', raw)]).toEqual([true, true, true, false, false]);
    expect([t('ip6 and udp port 2', raw6), t('arp', raw6), t('vlan', raw6)]).toEqual([true, false, false]);
  });
  it('an unknown link type matches nothing but the empty filter', () => {
    expect(kept('ip', 147)).toEqual([]);
    expect(kept('not ip', 147)).toEqual(NAMES);
  });
  it('a read past the captured bytes rejects the frame, even under not', () => {
    expect(kept('not port 80')).not.toContain('short');
    expect(kept('ip')).toContain('short');
  });
});

describe('errors with positions', () => {
  it.each([
    ['host 10.0.0.1 and', 'syntax error: unexpected end of filter', 17, 0],
    ['host', 'syntax error: unexpected end of filter', 4, 0],
    ['port 70000', 'illegal port number 70000 > 65535', 5, 5],
    ['net 10.0.0.1/24', 'non-network bits set in "10.0.0.1/24"', 4, 11],
    ['net 10.0.0.1 mask 255.255.255.0', 'non-network bits set in "10.0.0.1 mask 255.255.255.0"', 4, 27],
    ['host foo.invalid', "unknown host 'foo.invalid'", 5, 11],
    ['80', 'syntax error at "80"', 0, 2],
    ['tcp or 80', 'syntax error at "80"', 7, 2],
    ['(host 10.0.0.1', 'syntax error: unexpected end of filter', 14, 0],
    ['host 10.0.0.1)', 'syntax error at ")"', 13, 1],
    ['vlan 5000', 'VLAN tag 5000 greater than maximum 4095', 5, 4],
    ['net 10.0.0.0/33', 'mask length must be <= 32', 4, 11],
    ['icmp port 80', "illegal qualifier of 'port'", 10, 2],
    ['ip6 host 10.0.0.1', "'ip6' modifier applied to ip host", 9, 8],
    ['ip host fd00::1', "'ip' modifier applied to ip6 host", 8, 7],
    ['host 256.1.1.1', "invalid IPv4 address '256.1.1.1'", 5, 9],
    ['udp port abc', "unknown port 'abc'", 9, 3],
    ['ether src 1.2.3.4', 'illegal link layer address', 10, 7],
    ['tcp host 10.0.0.1', "'tcp' modifier applied to host", 9, 8],
    ['host 02:00:0a:c9:01:01', 'ethernet address used in non-ether expression', 5, 17],
    ['port 80 $ 1', 'syntax error', 8, 1],
  ])('%s', (text, message, offset, length) => {
    const c = compileCaptureFilter(text);
    expect(c.ok ? 'compiled' : c.error).toEqual({ message, offset, length });
  });
});

describe('speed', () => {
  it('tests 1,000,000 frames in well under a second per million on raw bytes', () => {
    const c = compileCaptureFilter('host 10.0.0.1 and (tcp port 80 or udp portrange 50000-60000) and not icmp');
    if (!c.ok) throw new Error(c.error.message);
    const frames = NAMES.map((n) => F[n]);
    const start = performance.now();
    let n = 0;
    for (let i = 0; i < 1_000_000; i++) if (c.filter.test(frames[i % frames.length]!, 1)) n++;
    const ms = performance.now() - start;
    console.info(`[capture filter speed] 1,000,000 frames in ${ms.toFixed(0)} ms`);
    expect(n).toBeGreaterThan(0);
    expect(ms).toBeLessThan(5_000);
  });
});

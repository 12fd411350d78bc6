/** Helpers for the netfilter tests: packets from text, a router like the kernel test's. */
import { parseIpv4 } from '../../wire/addr.ts';
import { Rng } from '../../sim/rng.ts';
import { LinuxRouter } from './router.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type NfPacket } from './types.ts';

export const S = 1_000_000;

export function ip(s: string): number {
  const a = parseIpv4(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a;
}

const FLAGS: Record<string, number> = { S: TCP_SYN, A: TCP_ACK, F: TCP_FIN, R: TCP_RST, P: TCP_PSH };

/** tcp('10.0.0.2:5000', '1.2.3.4:80', 'S', {seq: 1}) — flags as letters S A F R P. */
export function tcp(from: string, to: string, flags: string, extra: Partial<NfPacket> = {}): NfPacket {
  const [s, sp] = from.split(':');
  const [d, dp] = to.split(':');
  let f = 0;
  for (const ch of flags) f |= FLAGS[ch] ?? 0;
  return { proto: PROTO_TCP, src: ip(s!), dst: ip(d!), sport: Number(sp), dport: Number(dp), length: 60, tcpFlags: f, ...extra };
}

export function udp(from: string, to: string, extra: Partial<NfPacket> = {}): NfPacket {
  const [s, sp] = from.split(':');
  const [d, dp] = to.split(':');
  return { proto: PROTO_UDP, src: ip(s!), dst: ip(d!), sport: Number(sp), dport: Number(dp), length: 38, ...extra };
}

export function ping(from: string, to: string, id: number, type = 8): NfPacket {
  return { proto: PROTO_ICMP, src: ip(from), dst: ip(to), sport: 0, dport: 0, length: 84, icmpType: type, icmpCode: 0, icmpId: id };
}

/** The kernel test's router: eth0 10.210.1.1/24 (inside), eth1 10.210.2.1/24 (outside). */
export function router(rules: string[], seed = 1, o: { conntrackMax?: number } = {}): LinuxRouter {
  const r = new LinuxRouter({
    interfaces: [
      { name: 'eth0', address: '10.210.1.1/24' },
      { name: 'eth1', address: '10.210.2.1/24' },
    ],
    routes: ['default via 10.210.2.254 dev eth1'],
    rng: new Rng(seed, 'netfilter-test'),
    ...(o.conntrackMax !== undefined ? { conntrackMax: o.conntrackMax } : {}),
  });
  for (const line of rules) {
    const res = r.iptables(line);
    if (!res.ok) throw new Error(res.error.sentence);
  }
  return r;
}

export function addr(p: { src: number; sport: number; dst: number; dport: number }): string {
  const f = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  return `${f(p.src)}:${p.sport} > ${f(p.dst)}:${p.dport}`;
}

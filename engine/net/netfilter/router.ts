/**
 * A Linux router as a simulator node: interfaces with addresses, a routing table, ip_forward,
 * and netfilter hooks in the kernel's order:
 *
 *   arriving:  PREROUTING → routing decision → FORWARD → POSTROUTING → out
 *                                           ↘ INPUT → local
 *   local out: OUTPUT → routing decision (again if DNAT changed the destination) → POSTROUTING
 *
 * The simulator hands a packet and the interface it came in on to `receive`, and sends what comes
 * back out of `outIface` toward `nextHop`. REJECT and TTL expiry produce a reply packet from the
 * router itself, already through OUTPUT/POSTROUTING.
 */
import { cidrContains, parseCidr, parseIpv4, prefixMask, type Cidr } from '../../wire/addr.ts';
import { IcmpRateLimit } from './icmp-ratelimit.ts';
import { Netfilter, type HookResult, type SkbState } from './netfilter.ts';
import type { RandomSource } from './nat.ts';
import type { ApplyResult } from './ruleset.ts';
import { PROTO_ICMP, PROTO_TCP, TCP_ACK, TCP_RST, type InnerPacket, type NfPacket, type RejectWith } from './types.ts';

export interface RouterInterface {
  name: string;
  /** Primary address first (MASQUERADE and REDIRECT use it). */
  addresses: { address: number; prefix: number }[];
  up: boolean;
}

export interface Route {
  dst: Cidr;
  via?: number;
  dev: string;
  metric?: number;
}

export type RouterResult =
  | { verdict: 'forward'; outIface: string; nextHop: number; packet: NfPacket; notes: string[]; reply?: RouterResult }
  | { verdict: 'local'; packet: NfPacket; notes: string[] }
  | { verdict: 'drop'; reason: string; notes: string[]; reply?: RouterResult };

export interface RouterOptions {
  interfaces: { name: string; address: string; up?: boolean }[];
  /** `ip route` style: "default via 10.0.0.1 dev eth1", "10.9.0.0/16 via 10.0.0.254 dev eth0". */
  routes?: string[];
  ipForward?: boolean;
  rng: RandomSource;
  conntrackMax?: number;
}

export class LinuxRouter {
  readonly netfilter: Netfilter;
  readonly interfaces = new Map<string, RouterInterface>();
  readonly routes: Route[] = [];
  ipForward: boolean;
  /** net.ipv4.icmp_ratelimit / icmp_ratemask: ICMP errors per destination. */
  readonly icmpLimit = new IcmpRateLimit();

  constructor(o: RouterOptions) {
    this.netfilter = new Netfilter({ rng: o.rng, ...(o.conntrackMax !== undefined ? { max: o.conntrackMax } : {}) });
    for (const i of o.interfaces) {
      const [a, p] = i.address.split('/');
      const address = parseIpv4(a ?? '');
      if (address === null || p === undefined) throw new Error(`bad interface address "${i.address}" (want a.b.c.d/len)`);
      this.interfaces.set(i.name, { name: i.name, addresses: [{ address, prefix: Number(p) }], up: i.up ?? true });
    }
    for (const r of o.routes ?? []) this.routes.push(parseRoute(r));
    this.ipForward = o.ipForward ?? true;
  }

  iptables(line: string): ApplyResult {
    return this.netfilter.iptables(line);
  }

  /** Sets a link up or down; down flushes MASQUERADE's conntrack entries through it. */
  setLink(name: string, up: boolean): string[] {
    const i = this.interfaces.get(name);
    if (!i) return [];
    i.up = up;
    if (up) return [];
    const gone = this.netfilter.ifaceDown(name);
    return gone.length ? [`${name} down: ${gone.length} MASQUERADE conntrack entr${gone.length === 1 ? 'y' : 'ies'} deleted`] : [];
  }

  private isLocal(a: number): boolean {
    if (a >>> 24 === 127) return true;
    for (const i of this.interfaces.values()) if (i.addresses.some((x) => x.address === a)) return true;
    return false;
  }

  /** Longest-prefix match over connected and static routes whose device is up. */
  route(dst: number): { dev: string; nextHop: number; src: number } | null {
    let best: { dev: string; nextHop: number; prefix: number; metric: number } | null = null;
    const consider = (c: Cidr, dev: string, via: number | undefined, metric: number): void => {
      const iface = this.interfaces.get(dev);
      if (!iface?.up || !cidrContains(c, dst)) return;
      if (!best || c.prefix > best.prefix || (c.prefix === best.prefix && metric < best.metric)) {
        best = { dev, nextHop: via ?? dst, prefix: c.prefix, metric };
      }
    };
    for (const i of this.interfaces.values()) {
      for (const a of i.addresses) consider({ base: (a.address & prefixMask(a.prefix)) >>> 0, prefix: a.prefix }, i.name, undefined, 0);
    }
    for (const r of this.routes) consider(r.dst, r.dev, r.via, r.metric ?? 0);
    const b = best as { dev: string; nextHop: number } | null;
    if (!b) return null;
    return { dev: b.dev, nextHop: b.nextHop, src: this.sourceFor(b.dev, b.nextHop) };
  }

  /** inet_select_addr: an address of the interface on the next hop's subnet, else the primary. */
  sourceFor(dev: string, nextHop: number): number {
    const i = this.interfaces.get(dev);
    if (!i || i.addresses.length === 0) return 0;
    const same = i.addresses.find((a) => cidrContains({ base: (a.address & prefixMask(a.prefix)) >>> 0, prefix: a.prefix }, nextHop));
    return (same ?? i.addresses[0]!).address;
  }

  private primary(dev: string | undefined): number | undefined {
    return dev === undefined ? undefined : this.interfaces.get(dev)?.addresses[0]?.address;
  }

  /** A packet arrives on `inIface`. */
  receive(packet: NfPacket, inIface: string, now: number): RouterResult {
    const notes: string[] = [];
    const inAddress = this.primary(inIface);
    const pre = this.netfilter.hook('PREROUTING', packet, { in: inIface, ...(inAddress !== undefined ? { inAddress } : {}) }, now);
    notes.push(...pre.notes);
    if (pre.verdict !== 'ACCEPT') return { verdict: 'drop', reason: pre.reason ?? 'dropped', notes };
    const p = pre.packet;
    if (this.isLocal(p.dst)) {
      const inp = this.netfilter.hook('INPUT', p, { in: inIface }, now, pre.skb);
      notes.push(...inp.notes);
      if (inp.verdict === 'ACCEPT') return { verdict: 'local', packet: inp.packet, notes };
      return this.refused(inp, p, notes, now);
    }
    if (!this.ipForward) return { verdict: 'drop', reason: 'ip-forward-off', notes: [...notes, 'net.ipv4.ip_forward=0: not forwarded'] };
    const rt = this.route(p.dst);
    if (!rt) {
      notes.push(`no route to ${ip(p.dst)}`);
      return { verdict: 'drop', reason: 'no-route', notes, ...this.icmpReply(p, 3, 0, now, notes) };
    }
    if (p.ttl !== undefined) {
      if (p.ttl <= 1) {
        notes.push('TTL exceeded in transit');
        return { verdict: 'drop', reason: 'ttl-exceeded', notes, ...this.icmpReply(p, 11, 0, now, notes) };
      }
      p.ttl--;
    }
    const fwd = this.netfilter.hook('FORWARD', p, { in: inIface, out: rt.dev }, now, pre.skb);
    notes.push(...fwd.notes);
    if (fwd.verdict !== 'ACCEPT') return this.refused(fwd, p, notes, now);
    return this.post(fwd.packet, fwd.skb, rt, inIface, notes, now);
  }

  /** A packet the router itself sends (src 0 = choose by route). */
  output(packet: NfPacket, now: number): RouterResult {
    const notes: string[] = [];
    let rt = this.route(packet.dst);
    if (!rt) return { verdict: 'drop', reason: 'no-route', notes: [`no route to ${ip(packet.dst)}`] };
    const first: NfPacket = { ...packet, src: packet.src || rt.src };
    const out = this.netfilter.hook('OUTPUT', first, { out: rt.dev }, now);
    notes.push(...out.notes);
    if (out.verdict !== 'ACCEPT') return { verdict: 'drop', reason: out.reason ?? 'dropped', notes };
    const p = out.packet;
    if (p.dst !== first.dst) {
      const again = this.route(p.dst);
      if (!again) return { verdict: 'drop', reason: 'no-route', notes: [...notes, `no route to ${ip(p.dst)}`] };
      rt = again;
    }
    if (this.isLocal(p.dst)) {
      const inp = this.netfilter.hook('INPUT', p, { in: 'lo' }, now, out.skb);
      notes.push(...inp.notes);
      return inp.verdict === 'ACCEPT' ? { verdict: 'local', packet: inp.packet, notes } : { verdict: 'drop', reason: inp.reason ?? 'dropped', notes };
    }
    return this.post(p, out.skb, rt, undefined, notes, now);
  }

  private post(p: NfPacket, skb: SkbState, rt: { dev: string; nextHop: number }, inIface: string | undefined, notes: string[], now: number): RouterResult {
    const post = this.netfilter.hook(
      'POSTROUTING',
      p,
      { ...(inIface !== undefined ? { in: inIface } : {}), out: rt.dev, outAddress: this.sourceFor(rt.dev, rt.nextHop) },
      now,
      skb,
    );
    notes.push(...post.notes);
    if (post.verdict !== 'ACCEPT') return { verdict: 'drop', reason: post.reason ?? 'dropped', notes };
    return { verdict: 'forward', outIface: rt.dev, nextHop: rt.nextHop, packet: post.packet, notes };
  }

  private refused(r: HookResult, p: NfPacket, notes: string[], now: number): RouterResult {
    if (r.verdict !== 'REJECT') return { verdict: 'drop', reason: r.reason ?? 'dropped', notes };
    return { verdict: 'drop', reason: r.reason ?? 'rejected', notes, ...this.rejectReply(p, r.rejectWith ?? 'icmp-port-unreachable', now, notes) };
  }

  private rejectReply(p: NfPacket, how: RejectWith, now: number, notes: string[]): { reply?: RouterResult } {
    if (how === 'tcp-reset') {
      if (p.proto !== PROTO_TCP || (p.tcpFlags ?? 0) & TCP_RST) return {};
      const rst: NfPacket = { proto: PROTO_TCP, src: p.dst, dst: p.src, sport: p.dport, dport: p.sport, length: 40, tcpFlags: TCP_RST | TCP_ACK, seq: p.ack ?? 0, ack: ((p.seq ?? 0) + (p.payload ?? 0) + 1) >>> 0 };
      return { reply: this.output(rst, now) };
    }
    const codes: Record<Exclude<RejectWith, 'tcp-reset'>, number> = {
      'icmp-net-unreachable': 0,
      'icmp-host-unreachable': 1,
      'icmp-proto-unreachable': 2,
      'icmp-port-unreachable': 3,
      'icmp-net-prohibited': 9,
      'icmp-host-prohibited': 10,
      'icmp-admin-prohibited': 13,
    };
    return this.icmpReply(p, 3, codes[how], now, notes);
  }

  private icmpReply(p: NfPacket, type: number, code: number, now: number, notes: string[]): { reply?: RouterResult } {
    const reply = this.icmpError(p, type, code, now, notes);
    return reply === null ? {} : { reply };
  }

  /**
   * icmp_send: an ICMP error from the router about packet `p` (as the router holds it now), sent
   * through OUTPUT/POSTROUTING. None about an ICMP error, and none past the per-destination rate
   * limit (icmp-ratelimit.ts; a note says so). The quote carries the datagram's IP header fields
   * and its first transport bytes; the error is 28 bytes plus up to 548 quoted (576 in all).
   */
  icmpError(p: NfPacket, type: number, code: number, now: number, notes?: string[]): RouterResult | null {
    if (p.proto === PROTO_ICMP && p.icmpType !== undefined && ![0, 8, 13, 14, 15, 16, 17, 18].includes(p.icmpType)) return null;
    if (!this.icmpLimit.allow(p.src, type, code, now)) {
      notes?.push(`icmp: rate limited: no ICMP type ${type} code ${code} to ${ip(p.src)} (net.ipv4.icmp_ratelimit=${this.icmpLimit.ratelimitUs / 1000} ms, burst 6)`);
      return null;
    }
    const inner: InnerPacket = { proto: p.proto, src: p.src, dst: p.dst, sport: p.sport, dport: p.dport, length: p.length };
    if (p.ttl !== undefined) inner.ttl = p.ttl;
    if (p.ipId !== undefined) inner.ipId = p.ipId;
    if (p.proto === PROTO_TCP && p.seq !== undefined) inner.seq = p.seq;
    if (p.icmpType !== undefined) Object.assign(inner, { icmpType: p.icmpType, icmpCode: p.icmpCode ?? 0, icmpId: p.icmpId ?? 0 });
    const err: NfPacket = { proto: PROTO_ICMP, src: 0, dst: p.src, sport: 0, dport: 0, length: 28 + Math.min(p.length, 548), icmpType: type, icmpCode: code, inner };
    return this.output(err, now);
  }
}

/** Parses `ip route` style text: "default via 10.0.0.1 dev eth1 [metric N]", "10.0.0.0/8 dev eth0". */
export function parseRoute(text: string): Route {
  const w = text.trim().split(/\s+/);
  const dstText = w[0] === 'default' ? '0.0.0.0/0' : (w[0] ?? '');
  const dst = parseCidr(dstText.includes('/') ? dstText : `${dstText}/32`);
  if (!dst) throw new Error(`bad route destination "${w[0]}" in "${text}"`);
  const r: Route = { dst, dev: '' };
  for (let i = 1; i < w.length; i += 2) {
    const k = w[i];
    const v = w[i + 1] ?? '';
    if (k === 'via') {
      const a = parseIpv4(v);
      if (a === null) throw new Error(`bad gateway "${v}" in "${text}"`);
      r.via = a;
    } else if (k === 'dev') r.dev = v;
    else if (k === 'metric') r.metric = Number(v);
    else throw new Error(`unknown route keyword "${k}" in "${text}"`);
  }
  if (!r.dev) throw new Error(`route "${text}" has no dev`);
  return r;
}

function ip(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

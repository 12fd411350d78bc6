/**
 * An NVA in the simulator: a Host (its own TCP stack answers the GWLB's health probe on its
 * health port, `stopService` stops it) that also is the article's Linux appliance (seed 001):
 * VXLAN from the gateway load balancer arrives on eth0, is decapsulated onto vxlan-ex or vxlan-in,
 * bridged by br0 through netfilter (PREROUTING, FORWARD, POSTROUTING: the `firewall` lines) and
 * encapsulated back on the other tunnel, nvaProcessingUs later (≈ 0.1 ms measured). The logic is
 * engine/net/gwlb's LinuxNva; this file moves packets, writes captures on the virtual interfaces
 * (the inner frame only) and the trace, ticks conntrack on the scheduler, and makes the
 * NetfilterRow (netfilter-report.ts: `iptables -S`, `-L -v -n` with counters, `conntrack -L`).
 */
import type { NetfilterIfaceRow, NetfilterRow } from '../sim/types.ts';
import { ipv4ToString, macFromIndex, prefixMask, type Cidr } from '../wire/addr.ts';
import { VXLAN_INNER_MAC, type CaptureTap } from './capture.ts';
import type { LinkEnd } from './context.ts';
import { Host } from './host.ts';
import { LinuxNva, NVA_IFACES, type TunnelType } from './gwlb/index.ts';
import { Netfilter, ruleSpec, type NfPacket } from './netfilter/index.ts';
import { netfilterRow as netfilterRowOf } from './netfilter-report.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Packet } from './packet.ts';
import { packetSummary, packetView } from './view.ts';

const EV_NVA_SEND = 11;
const EV_NVA_EXPIRE = 12;

/** A virtual interface's capture ends: the NVA's side and the far side (the remote VTEP). */
interface VirtualIface {
  readonly here: LinkEnd;
  readonly peer: LinkEnd;
}

/** What the builder tells the NVA about its place in the network. */
export interface NvaPlace {
  readonly gwlbName: string;
  readonly processingUs: number;
  readonly jitter: ((baseUs: number) => number) | null;
  /** eth0: the NIC id, its address and subnet, for the netfilter row. */
  readonly nicId: string;
  readonly subnet: { name: string; cidr: Cidr } | null;
}

export class NvaHost extends Host {
  nva: LinuxNva | null = null;
  place: NvaPlace | null = null;
  private readonly virtual = new Map<string, VirtualIface>();
  private expiryTimer: number | null = null;
  private expiryAt = Infinity;

  /** Makes it the appliance behind a GWLB (build time). */
  attach(nva: LinuxNva, place: NvaPlace): void {
    this.nva = nva;
    this.place = place;
  }

  /** A capture on vxlan-ex, vxlan-in or br0 (records the inner frame). */
  addVirtualTap(iface: string, tap: CaptureTap): void {
    let v = this.virtual.get(iface);
    if (v === undefined) {
      const mac = macFromIndex(0x40000 + ([NVA_IFACES.External, NVA_IFACES.Internal, NVA_IFACES.bridge] as string[]).indexOf(iface));
      v = { here: { node: this, iface, mac, taps: [], ifIndex: -1 }, peer: { node: this, iface: `${iface} peer`, mac: VXLAN_INNER_MAC, taps: null, ifIndex: -1 } };
      this.virtual.set(iface, v);
    }
    v.here.taps!.push(tap);
  }

  override receive(p: Packet, at: LinkEnd): void {
    if (p.inner !== null && this.nva !== null && p.proto === PROTO_UDP && this.owns(p.dst)) return this.fromTunnel(p, p.inner, this.nva, at);
    super.receive(p, at);
  }

  /** stopService/startService: on the health port it is also the library's health service. */
  override setServiceStopped(port: number, stopped: boolean): boolean {
    if (this.nva !== null && port === this.nva.config.healthPort) this.nva.healthServiceRunning = !stopped;
    return super.setServiceStopped(port, stopped);
  }

  override onEvent(kind: number, payload: unknown): void {
    if (kind === EV_NVA_SEND) return this.sendOuter(payload as Packet);
    if (kind === EV_NVA_EXPIRE) return this.expire();
    super.onEvent(kind, payload);
  }

  /** VXLAN from the GWLB on eth0: decap, bridge through netfilter, encap back (or drop). */
  private fromTunnel(o: Packet, p: Packet, nva: LinuxNva, at: LinkEnd): void {
    const ctx = this.ctx;
    const r = nva.receive({ src: o.src, dst: o.dst, udpDst: o.dstPort, vni: o.vni }, nfPacketOf(p), ctx.now);
    this.scheduleExpiry();
    const devIn = r.path[1];
    if (devIn === undefined) {
      ctx.drop(this.id, o, r.verdict === 'drop' ? r.reason : 'no-vxlan-device', `${this.name}: ${r.notes.join('; ')}`, at.iface);
      return;
    }
    if (ctx.trace.on) {
      const ev = { kind: 'decap' as const, node: this.id, iface: devIn, packetId: p.id, flowId: p.flowId, summary: `${this.name}: VXLAN decap VNI ${o.vni} onto ${devIn}: ${packetSummary(p)}` };
      ctx.trace.record(ctx.trace.full ? { ...ev, before: packetView(o), after: packetView(p) } : ev);
    }
    this.tap(devIn, p, 'in');
    this.tap(NVA_IFACES.bridge, p, 'in');
    if (r.verdict === 'drop') {
      o.inner = null;
      ctx.recycle(o);
      ctx.drop(this.id, p, r.reason, this.dropReason(nva, r.reason, r.notes, devIn), NVA_IFACES.bridge);
      return;
    }
    if (ctx.trace.on) ctx.note(this.id, `${this.name}: ${r.notes.join('; ')}`);
    const q = r.packet;
    // The bridge rewrites nothing; a nat rule in PREROUTING/POSTROUTING may have.
    const ports = p.proto === PROTO_TCP || p.proto === PROTO_UDP;
    if (q.src !== p.src || q.dst !== p.dst || (ports && (q.sport !== p.srcPort || q.dport !== p.dstPort))) {
      const before = ctx.beforeRewrite(p);
      p.src = q.src;
      p.dst = q.dst;
      if (ports) {
        p.srcPort = q.sport;
        p.dstPort = q.dport;
      }
      if (ctx.trace.on) ctx.rewritten(this.id, p, before, `${this.name} netfilter nat`);
    }
    const devOut = r.path[3]!;
    this.tap(devOut, p, 'out');
    const leg = r.leg;
    o.src = leg.outerSrc;
    o.dst = leg.outerDst;
    o.srcPort = leg.udpSrc;
    o.dstPort = leg.udpDst;
    o.vni = leg.vni;
    o.ttl = 64;
    o.ipId = 0;
    if (ctx.trace.on) {
      const summary = `${this.name}: VXLAN encap VNI ${leg.vni} on ${devOut} to ${this.place?.gwlbName ?? 'the GWLB'} ${ipv4ToString(leg.outerDst)}:${leg.udpDst} (${leg.tunnel} tunnel)`;
      const ev = { kind: 'encap' as const, node: this.id, iface: devOut, packetId: o.id, flowId: o.flowId, summary };
      ctx.trace.record(ctx.trace.full ? { ...ev, before: packetView(p), after: packetView(o) } : ev);
    }
    const base = this.place?.processingUs ?? 0;
    const jitter = this.place?.jitter ?? null;
    ctx.sched.after(jitter === null ? base : jitter(base), this, EV_NVA_SEND, o);
  }

  /** "nva1 FORWARD rule 1 (-s 8.8.8.8/32 -p tcp ... -j DROP) dropped it: ..." */
  private dropReason(nva: LinuxNva, code: string, notes: readonly string[], devIn: string): string {
    const crossing = `while bridging it from ${devIn} (VXLAN from the GWLB)`;
    for (const n of notes) {
      const m = /^filter (\S+): rule (\d+) (DROP|REJECT)/.exec(n);
      if (m) {
        const entry = nva.netfilter.rules.chain('filter', m[1]!)?.rules[Number(m[2]) - 1];
        const spec = entry ? ruleSpec(entry.rule).trim() : m[3]!;
        const reject = m[3] === 'REJECT' ? ' (the reject answer itself is not simulated)' : '';
        return `${this.name} ${m[1]} rule ${m[2]} (${spec}) dropped it ${crossing}${reject}`;
      }
      const pol = /^filter (\S+): policy DROP/.exec(n);
      if (pol) return `${this.name} ${pol[1]} policy DROP dropped it ${crossing}: no rule accepted it`;
    }
    return `${this.name} dropped it (${code}) ${crossing}: ${notes.join('; ')}`;
  }

  private sendOuter(o: Packet): void {
    const ctx = this.ctx;
    let out = this.ifaces[0];
    for (const f of this.ifaces) if (f.ips.includes(o.src)) out = f;
    if (out === undefined || out.link === null) return ctx.drop(this.id, o, 'no-route', `${this.name} has no interface to send ${ipv4ToString(o.dst)} out of`);
    out.link.send(this, o);
  }

  private tap(iface: string, p: Packet, direction: 'in' | 'out'): void {
    const v = this.virtual.get(iface);
    if (v === undefined) return;
    const now = this.ctx.now;
    for (const t of v.here.taps!) {
      if (direction === 'in') t.record(p, v.peer, v.here, 'in', now);
      else t.record(p, v.here, v.peer, 'out', now);
    }
  }

  /** Conntrack timeouts on the scheduler. */
  private scheduleExpiry(): void {
    const nva = this.nva;
    if (nva === null) return;
    const t = nva.nextDeadline();
    if (!Number.isFinite(t) || (this.expiryTimer !== null && this.expiryAt <= t)) return;
    if (this.expiryTimer !== null) this.ctx.sched.cancel(this.expiryTimer);
    this.expiryAt = t;
    this.expiryTimer = this.ctx.sched.at(Math.max(t, this.ctx.now), this, EV_NVA_EXPIRE, null);
  }

  private expire(): void {
    this.expiryTimer = null;
    this.expiryAt = Infinity;
    this.nva?.expire(this.ctx.now);
    this.scheduleExpiry();
  }

  /** What `ip -br addr`, `ip route`, `iptables -S`, `iptables -L -v -n` and `conntrack -L` show. */
  netfilterRow(now: number): NetfilterRow {
    const nva = this.nva;
    const place = this.place;
    const ip = this.primaryIp;
    const sn = place?.subnet ?? null;
    const prefix = sn ? sn.cidr.prefix : 32;
    const interfaces: NetfilterIfaceRow[] = [
      { name: NVA_IFACES.underlay, addresses: [`${ipv4ToString(ip)}/${prefix}`], ...(place ? { nic: place.nicId } : {}), attached: sn ? `subnet '${sn.name}' (${ipv4ToString(sn.cidr.base)}/${sn.cidr.prefix})` : 'no subnet' },
    ];
    const routes: string[] = [];
    if (sn) {
      const net = (sn.cidr.base & prefixMask(sn.cidr.prefix)) >>> 0;
      routes.push(`default via ${ipv4ToString((net + 1) >>> 0)} dev eth0 proto dhcp src ${ipv4ToString(ip)} metric 100`);
      routes.push(`${ipv4ToString(net)}/${sn.cidr.prefix} dev eth0 proto kernel scope link src ${ipv4ToString(ip)} metric 100`);
    }
    if (nva !== null) {
      const t = nva.config;
      const tunnels = (type: TunnelType) => t.tunnelInterfaces.find((x) => x.type === type);
      for (const type of ['Internal', 'External'] as const) {
        const x = tunnels(type);
        const port = x?.port ?? (type === 'Internal' ? 10800 : 10801);
        const vni = x?.identifier ?? (type === 'Internal' ? 800 : 801);
        interfaces.push({ name: NVA_IFACES[type], addresses: [], attached: `bridge br0; vxlan id ${vni} remote ${ipv4ToString(t.gwlbIp)} dstport ${port} dev eth0 (${type} tunnel of ${place?.gwlbName ?? 'the GWLB'})` });
      }
      interfaces.push({ name: NVA_IFACES.bridge, addresses: [], attached: `bridge of ${NVA_IFACES.Internal} and ${NVA_IFACES.External}` });
    }
    const meta = { node: this.id, name: this.name, kind: 'nva' as const, interfaces, routes, errors: (nva?.firewallErrors ?? []).map((e) => e.replace(/^Line (\d+): /, 'iptables[$1]: ')) };
    const row = netfilterRowOf(meta, nva?.netfilter ?? new Netfilter({ rng: { nextU32: () => 0 } }), now);
    return hasNatRules(nva) ? row : { ...row, behaviour: BRIDGE_BEHAVIOUR };
  }
}

const BRIDGE_BEHAVIOUR = {
  mapping: 'none (bridge)',
  filtering: 'FORWARD rules',
  explanation:
    'The NVA bridges vxlan-ex and vxlan-in: packets keep the addresses and ports the consumer and the Internet host used, so there is no NAT mapping; only its FORWARD rules decide what passes.',
};

function hasNatRules(nva: LinuxNva | null): boolean {
  const nat = nva?.netfilter.rules.tables.nat;
  return nat !== undefined && [...nat.chains.values()].some((c) => c.rules.some((e) => e.rule.target !== null));
}

/** The inner packet as netfilter sees it. */
export function nfPacketOf(p: Packet): NfPacket {
  const nf: NfPacket = { proto: p.proto, src: p.src, dst: p.dst, sport: p.srcPort, dport: p.dstPort, length: p.ipLength, ttl: p.ttl };
  // No seq/ack/window: conntrack then skips window tracking (netfilter/README), which would need
  // the window scale option our NfPacket does not carry.
  if (p.proto === PROTO_TCP) nf.tcpFlags = p.flags;
  else if (p.proto === PROTO_ICMP) {
    nf.sport = p.icmpId;
    nf.dport = 0;
    nf.icmpType = p.icmpType;
    nf.icmpCode = p.icmpCode;
    nf.icmpId = p.icmpId;
  }
  return nf;
}

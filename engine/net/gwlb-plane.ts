/**
 * Gateway load balancer chaining in the simulator (reference §D, seed 001), over engine/net/gwlb.
 *
 * A consumer — a Standard public LB frontend or an ipconfig's instance-level public IP whose
 * `gatewayLoadBalancer` names a GWLB frontend — has every packet to and from the Internet steered
 * through the GWLB:
 *   ingress: Internet → consumer VNet → (here) GWLB → VXLAN External → NVA → VXLAN Internal →
 *            GWLB → consumer VNet, which then applies the LB rule / ILPIP DNAT (fabric.pastChain);
 *   egress:  the consumer rewrote the source back to its public IP → (here) GWLB → VXLAN Internal
 *            → NVA → VXLAN External → GWLB → consumer VNet → Internet.
 * The GWLB is a node with a link to the provider VNet (a port holding its frontend IP, so the NVA's
 * encapsulated answer finds it) and two links per consumer VNet (one per direction, so the packet
 * that comes back knows where it goes on). The encapsulated packet is a new Packet whose `inner`
 * is the consumer's packet (packet.ts): the fabrics route it by its outer addresses like any
 * UDP datagram, and captures write the outer and the inner frame (capture.ts).
 *
 * Health probes (settings.healthProbes 'packets'): real TCP/HTTP from 168.63.129.16 to each NVA's
 * health port, made by lb-plane's ProbeAgent; the NVA answers with its own listener (nva-node.ts).
 *
 * Latency (settings.latency): consumer ↔ GWLB links cost gwlbProcessingUs, GWLB ↔ provider VNet
 * vnetHopUs, the NVA's NIC hostStackUs and the NVA itself nvaProcessingUs: latency/'s GWLB_DETOUR
 * (2,310 µs one way with the defaults).
 */
import type { EventSink, TimerHandle } from '../sim/scheduler.ts';
import type { LbInspectorRow, NetfilterRow } from '../sim/types.ts';
import { ipv4ToString } from '../wire/addr.ts';
import { IpMap, type Link, type LinkEnd, type NetContext, type NetNode } from './context.ts';
import type { VnetFabric } from './fabric.ts';
import { GatewayLoadBalancer, type TunnelType } from './gwlb/index.ts';
import { formatMappingTable, PROBE_SOURCE_IP, type ProbeRequest, type ProbeResult } from './lb/index.ts';
import type { ProbeAgent, ProbeListener } from './lb-plane.ts';
import type { NvaHost } from './nva-node.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Packet } from './packet.ts';
import { packetSummary, packetView } from './view.ts';

export type ChainDirection = 'ingress' | 'egress';

/** One chained public address: the consumer, the VNet that owns it, and its GWLB. */
export interface ConsumerChain {
  readonly publicIp: number;
  /** "frontend 'fe' of load balancer 'web-lb'", "ipconfig1 of vm-ssh". */
  readonly what: string;
  readonly fabric: VnetFabric;
  readonly gw: GwlbNode;
  readonly side: ConsumerSide;
}

/** The links between one consumer VNet and one GWLB: one per direction. */
export interface ConsumerSide {
  readonly fabric: VnetFabric;
  readonly links: Record<ChainDirection, Link>;
  readonly ports: Record<ChainDirection, ChainPort>;
}

/**
 * The consumer VNet's end of a link to a GWLB. Its id is the VNet's (the trace shows the hop from
 * the VNet); what comes back on it goes on where the chain took it from.
 */
export class ChainPort implements NetNode {
  readonly id: string;
  constructor(
    readonly fabric: VnetFabric,
    readonly direction: ChainDirection,
  ) {
    this.id = fabric.id;
  }

  receive(p: Packet): void {
    const f = this.fabric;
    if (this.direction === 'ingress') return f.pastChain(p);
    if (f.internet === null) return f.ctx.drop(f.id, p, 'no-route', `virtual network '${f.name}' is not connected to the Internet`);
    f.internet.send(f, p);
  }
}

const EV_GWLB = 1;

/** One gateway load balancer: its engine, its links, its NVAs. */
export class GwlbNode implements NetNode, EventSink<unknown> {
  /** The link to the provider VNet (set by the builder), and this node's end of it. */
  provider: Link | null = null;
  /** Consumer links by this node's end's ifIndex. */
  readonly sides: { side: ConsumerSide; direction: ChainDirection }[] = [];
  /** NVA hosts by their NIC address. */
  readonly nvas = new IpMap<NvaHost>();
  readonly warnings: string[] = [];
  /** New flows each NVA got, by name. */
  readonly newFlows = new Map<string, number>();
  /** Consumers chained to it, for the inspector. */
  readonly consumers: ConsumerChain[] = [];
  prober: ProbeAgent<GwlbNode> | null = null;
  private readonly tunnelOfPort = new Map<number, TunnelType>();
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;

  constructor(
    readonly ctx: NetContext,
    readonly id: string,
    readonly name: string,
    readonly engine: GatewayLoadBalancer,
    readonly tunnels: Record<TunnelType, { port: number; vni: number }>,
    /** The backend pool of its HA-ports rule. */
    readonly pool: string,
  ) {
    this.tunnelOfPort.set(tunnels.Internal.port, 'Internal');
    this.tunnelOfPort.set(tunnels.External.port, 'External');
  }

  get frontendIp(): number {
    return this.engine.setup.frontendIp;
  }

  receive(p: Packet, at: LinkEnd): void {
    if (this.provider !== null && at === this.provider.endOf(this)) return this.fromNva(p);
    const s = this.sides[at.ifIndex];
    if (s === undefined) return this.ctx.drop(this.id, p, 'no-route', `${this.name} does not know the link ${at.iface}`);
    this.fromConsumer(p, s.direction);
  }

  /** A consumer's packet: pick the NVA (sticky, symmetric) and send it encapsulated. */
  private fromConsumer(p: Packet, direction: ChainDirection): void {
    const ctx = this.ctx;
    const icmp = p.proto === PROTO_ICMP;
    const inner = { proto: p.proto, src: p.src, sport: icmp ? p.icmpId : p.srcPort, dst: p.dst, dport: icmp ? p.icmpId : p.dstPort };
    const s = this.engine.steer(inner, direction, ctx.now);
    this.schedule();
    if (!s.ok) return ctx.drop(this.id, p, s.code, s.message);
    if (s.newFlow) this.newFlows.set(s.nva.name, (this.newFlows.get(s.nva.name) ?? 0) + 1);
    const leg = s.legs[0];
    const o = ctx.packet(p.flowId, PROTO_UDP, leg.outerSrc, leg.outerDst);
    // One packet keeps its id through encapsulation (sim/types.ts), so it can be followed.
    o.id = p.id;
    o.srcPort = leg.udpSrc;
    o.dstPort = leg.udpDst;
    o.vni = leg.vni;
    o.ipId = 0;
    o.inner = p;
    if (ctx.trace.on) {
      const nva = this.nvas.get(s.nva.ip);
      ctx.note(this.id, `GWLB ${this.name}: ${direction} ${packetSummary(p)}: ${s.note}`);
      const summary = `GWLB ${this.name}: VXLAN encap VNI ${leg.vni} to ${nva?.name ?? s.nva.name} ${ipv4ToString(leg.outerDst)}:${leg.udpDst} (${leg.tunnel} tunnel, ${direction})`;
      const ev = { kind: 'encap' as const, node: this.id, packetId: o.id, flowId: o.flowId, summary };
      ctx.trace.record(ctx.trace.full ? { ...ev, before: packetView(p), after: packetView(o) } : ev);
    }
    if (this.provider === null) return ctx.drop(this.id, o, 'no-route', `${this.name} has no link to its backend pool's virtual network`);
    this.provider.send(this, o);
  }

  /** The NVA's answer: decapsulate and hand the packet back to the consumer's VNet. */
  private fromNva(o: Packet): void {
    const ctx = this.ctx;
    const p = o.inner;
    const tunnel = this.tunnelOfPort.get(o.dstPort);
    if (p === null || o.proto !== PROTO_UDP || o.dst !== this.frontendIp || tunnel === undefined) {
      return ctx.drop(this.id, o, 'not-a-tunnel', `${this.name} takes only VXLAN on UDP ${this.tunnels.Internal.port} and ${this.tunnels.External.port} to ${ipv4ToString(this.frontendIp)}`);
    }
    if (o.vni !== this.tunnels[tunnel].vni) return ctx.drop(this.id, o, 'wrong-vni', `${this.name}: UDP ${o.dstPort} is the ${tunnel} tunnel, VNI ${this.tunnels[tunnel].vni}, not ${o.vni}`);
    // Ingress goes out on External and comes back on Internal; egress the reverse.
    const direction: ChainDirection = tunnel === 'Internal' ? 'ingress' : 'egress';
    const from = this.nvas.get(o.src)?.name ?? ipv4ToString(o.src);
    if (ctx.trace.on) {
      const summary = `GWLB ${this.name}: VXLAN decap VNI ${o.vni} from ${from} (${tunnel} tunnel, ${direction}): ${packetSummary(p)}`;
      const ev = { kind: 'decap' as const, node: this.id, packetId: p.id, flowId: p.flowId, summary };
      ctx.trace.record(ctx.trace.full ? { ...ev, before: packetView(o), after: packetView(p) } : ev);
    }
    o.inner = null;
    ctx.recycle(o);
    const chain = this.consumers.find((c) => c.publicIp === (direction === 'ingress' ? p.dst : p.src));
    if (chain === undefined) return ctx.drop(this.id, p, 'no-consumer', `${this.name}: no consumer chained to it has ${ipv4ToString(direction === 'ingress' ? p.dst : p.src)}`);
    chain.side.links[direction].send(this, p);
  }

  schedule(): void {
    const t = this.engine.nextDeadline();
    if (!Number.isFinite(t) || (this.timer !== null && this.timerAt <= t)) return;
    if (this.timer !== null) this.ctx.sched.cancel(this.timer);
    this.timerAt = t;
    this.timer = this.ctx.sched.at(Math.max(t, this.ctx.now), this, EV_GWLB, null);
  }

  onEvent(): void {
    this.timer = null;
    this.timerAt = Infinity;
    for (const e of this.engine.expire(this.ctx.now)) {
      if (e.kind === 'send-probe') this.prober?.send(this, e.request);
      else this.ctx.note(this.id, `gateway load balancer '${this.name}': ${e.change.message}`);
    }
    this.schedule();
  }

  reportProbe(req: ProbeRequest, result: ProbeResult): void {
    const ctx = this.ctx;
    if (ctx.trace.on) ctx.note(this.id, `probe '${req.probe}' of ${req.member} (${ipv4ToString(req.dst)}:${req.port}): ${result.ok ? 'up' : 'down'}, ${result.detail}`);
    const change = this.engine.reportProbe(req, result, ctx.now);
    if (change) ctx.note(this.id, `gateway load balancer '${this.name}': ${change.message}`);
    this.schedule();
  }

  /** The inspector's row: the HA-ports mapping, the NVAs' probe states, chained consumers. */
  inspect(): LbInspectorRow {
    const s = this.engine.setup;
    const fe = ipv4ToString(s.frontendIp);
    const t = this.tunnels;
    const nvas = s.nvas.map((n) => `${n.name} ${ipv4ToString(n.ip)}`).join(', ');
    const destination = `NVA (${nvas}) over VXLAN: Internal ${t.Internal.port}/VNI ${t.Internal.vni}, External ${t.External.port}/VNI ${t.External.vni}`;
    const chained = this.consumers.map((c) => `${ipv4ToString(c.publicIp)} (${c.what})`);
    const table = formatMappingTable([
      { rule: 'ha-ports', frontendIp: s.frontendIp, protocol: 'All', port: 0, floatingIp: false, destinations: s.nvas.map((n) => n.ip), destinationPort: 0, destinationText: destination, destinationPortText: 'Same as frontend (HA ports)' },
    ]);
    const mappingText = `${table}chained consumers: ${chained.join('; ') || 'none'}\n`;
    return {
      id: this.id,
      name: this.name,
      mapping: [{ rule: 'ha-ports', frontendIp: fe, protocol: 'All', port: 0, floatingIp: false, destination, destinationPort: 'Same as frontend (HA ports)' }],
      mappingText,
      probes: this.engine.probes.status().map((x) => ({ probe: x.probe, member: x.member, dip: ipv4ToString(x.dip), state: x.state, last: x.last })),
      flows: this.engine.flowCount,
      backends: s.nvas.map((n) => ({ pool: this.pool, member: n.name, dip: ipv4ToString(n.ip), newFlows: this.newFlows.get(n.name) ?? 0 })),
      warnings: this.warnings.slice(),
    };
  }
}

/** Every GWLB of the run and the public addresses chained to them. */
export class GwlbPlane implements ProbeListener<GwlbNode> {
  readonly nodes: GwlbNode[] = [];
  /** Chained consumers by public IP. */
  readonly chains = new IpMap<ConsumerChain>();
  /** NVA hosts (every `nva` resource), for the netfilter rows. */
  readonly nvaHosts: NvaHost[] = [];
  /** The fabrics where a probe host of ours sits. */
  readonly probed = new Set<VnetFabric>();

  /** Internet → a chained public IP: to its GWLB first. False: not chained here. */
  ingress(p: Packet, fabric: VnetFabric): boolean {
    const c = this.chains.get(p.dst);
    if (c === undefined || c.fabric !== fabric || !chainable(p)) return false;
    c.side.links.ingress.send(c.side.ports.ingress, p);
    return true;
  }

  /** A chained public IP → the Internet (its source already rewritten back): to its GWLB first. */
  egress(p: Packet, fabric: VnetFabric): boolean {
    const c = this.chains.get(p.src);
    if (c === undefined || c.fabric !== fabric || !chainable(p)) return false;
    c.side.links.egress.send(c.side.ports.egress, p);
    return true;
  }

  /** An NVA's answer to a probe from 168.63.129.16: the probe host is inside this VNet. */
  fromNic(p: Packet, fabric: VnetFabric): boolean {
    if (p.dst !== PROBE_SOURCE_IP || !this.probed.has(fabric)) return false;
    fabric.deliverInside(p);
    return true;
  }

  reportProbe(run: GwlbNode, req: ProbeRequest, result: ProbeResult): void {
    run.reportProbe(req, result);
  }

  /** Something to show: a GWLB that carried a flow or probes its NVAs. */
  get active(): boolean {
    return this.nodes.length > 0;
  }

  inspect(): LbInspectorRow[] {
    return this.nodes.map((n) => n.inspect());
  }

  netfilter(now: number): NetfilterRow[] {
    return this.nvaHosts.map((h) => h.netfilterRow(now));
  }
}

/** The GWLB carries IP: TCP, UDP and ICMP here (the HA-ports rule's protocol All). */
function chainable(p: Packet): boolean {
  return p.proto === PROTO_TCP || p.proto === PROTO_UDP || p.proto === PROTO_ICMP;
}

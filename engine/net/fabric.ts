/**
 * One VNet's fabric: the Azure software-defined network between the NICs of one virtual network
 * and the Internet. It is one node with one link per NIC and one to the Internet.
 * - From a NIC: a destination inside the VNet address space goes to the NIC that holds it
 *   (system route "VnetLocal"); anything else follows 0.0.0.0/0 to the Internet through the
 *   outbound chain decided for the source ipconfig (outbound.ts). Azure drops packets whose source
 *   is not one of the NIC's addresses unless IP forwarding is enabled on the NIC.
 * - From the Internet: a packet to an instance-level public IP is DNATed to its private address;
 *   a reply to a SNAT device's public IP (outbound rule, load-balancing-rule SNAT, NAT gateway,
 *   default outbound access) is DNATed back through its mapping (snat-plane.ts); a packet to a
 *   load balancer frontend goes to its rules (lb-plane.ts); a frontend no rule uses drops it.
 * The fabric answers ARP for everything with 12:34:56:78:9a:bc, so no ARP is simulated.
 */
import { ipv4ToString, prefixMask, type Cidr } from '../wire/addr.ts';
import { IpMap, type Link, type LinkEnd, type NetContext, type NetNode } from './context.ts';
import type { Packet } from './packet.ts';
import { ilpipInbound, type IlpipBinding } from './outbound-ilpip.ts';
import type { FabricIo, OutboundDecision } from './outbound-types.ts';
import type { SnatPlane } from './snat-plane.ts';
import type { LbPlane } from './lb-plane.ts';
import type { GwlbPlane } from './gwlb-plane.ts';
import { ROUTE_DEFAULT, ROUTE_HANDLED, type FabricRouting } from './fabric-routes.ts';

/** A NIC as the fabric sees it: its link and the addresses it may send from. */
export interface FabricPort {
  readonly nicId: string;
  readonly hostName: string;
  readonly link: Link;
  readonly ips: readonly number[];
  readonly forwarding: boolean;
}

/** A load balancer frontend address that no load-balancing rule uses (what arrives there is dropped). */
export interface PendingFrontend {
  readonly resource: string;
  readonly what: string;
}

export const INTERNET_IFACE = 'internet';

export class VnetFabric implements NetNode, FabricIo {
  /** NIC ports by private address. */
  readonly byIp = new IpMap<FabricPort>();
  /** Ports by NIC id (the interface name on the fabric side). */
  readonly byNic = new Map<string, FabricPort>();
  /** The outbound decision for each private address (set through setOutbound). */
  readonly outbound = new Map<number, OutboundDecision>();
  readonly ilpips = new IpMap<IlpipBinding>();
  readonly pendingFrontends = new Map<number, PendingFrontend>();
  internet: Link | null = null;
  /** Inbound load balancing (lb-plane.ts), when the run has load balancers with rules. */
  lb: LbPlane | null = null;
  /** Gateway load balancer chains and probes (gwlb-plane.ts), on the VNets that have a consumer or a GWLB. */
  gwlb: GwlbPlane | null = null;
  /** Route tables and routers' next hops (fabric-routes.ts), on the VNets that have either. */
  routing: FabricRouting | null = null;
  /**
   * The packet path's view of the same: ports by their link end's ifIndex, and per port the
   * outbound decision of each of its addresses (in `ips` order), so a packet from a NIC finds its
   * port and its decision by index.
   */
  private readonly ports: FabricPort[] = [];
  private readonly decisions: (OutboundDecision | undefined)[][] = [];
  /** Port number by private address. */
  private readonly portOfIp = new IpMap<number>();
  /** The address space as (base, mask) pairs. */
  private readonly spaceBase: number[] = [];
  private readonly spaceMask: number[] = [];

  constructor(
    readonly ctx: NetContext,
    readonly id: string,
    readonly name: string,
    readonly addressSpace: readonly Cidr[],
    readonly snat: SnatPlane,
  ) {
    for (const c of addressSpace) {
      this.spaceBase.push(c.base | 0);
      this.spaceMask.push(prefixMask(c.prefix) | 0);
    }
  }

  /** Adds a NIC's port; its link's end on this fabric gets the port's number. */
  addPort(port: FabricPort): void {
    this.byNic.set(port.nicId, port);
    for (const ip of port.ips) {
      this.byIp.set(ip, port);
      this.portOfIp.set(ip, this.ports.length);
    }
    port.link.endOf(this).ifIndex = this.ports.length;
    this.ports.push(port);
    this.decisions.push(port.ips.map((ip) => this.outbound.get(ip)));
  }

  /** Records the outbound chain's decision for a private address (of a port added before or after). */
  setOutbound(ip: number, d: OutboundDecision): void {
    this.outbound.set(ip, d);
    const k = this.portOfIp.get(ip);
    if (k !== undefined) this.decisions[k]![this.ports[k]!.ips.indexOf(ip)] = d;
  }

  inVnet(ip: number): boolean {
    const a = ip | 0;
    for (let i = 0; i < this.spaceBase.length; i++) if ((a & this.spaceMask[i]!) === this.spaceBase[i]) return true;
    return false;
  }

  receive(p: Packet, at: LinkEnd): void {
    if (at.iface === INTERNET_IFACE) return this.fromInternet(p);
    if (this.lb !== null && this.lb.fromNic(p, this, at.ifIndex)) return;
    if (this.gwlb !== null && this.gwlb.fromNic(p, this)) return;
    const port = this.ports[at.ifIndex];
    const src = p.src;
    // Nearly always the NIC's primary address: no search.
    const j = port === undefined ? -1 : port.ips[0] === src ? 0 : port.ips.indexOf(src);
    if (port !== undefined && j < 0 && !port.forwarding) {
      this.ctx.drop(
        this.id,
        p,
        'spoofed-source',
        `${port.hostName} sent from ${ipv4ToString(src)}, which is not an address of NIC '${port.nicId}', and IP forwarding is off on that NIC`,
        at.iface,
      );
      return;
    }
    const routed = this.routing === null ? ROUTE_DEFAULT : this.routing.fromNic(p, at.ifIndex);
    if (routed === ROUTE_HANDLED) return;
    if (routed === ROUTE_DEFAULT && this.inVnet(p.dst)) return this.deliver(p);
    if (j < 0 && port !== undefined) {
      // Forwarded by an appliance without translating it. Azure's outbound mechanisms are set
      // per ipconfig; how they treat a source that is no address of the NIC is not documented
      // [U], so we do not guess: the appliance has to SNAT it (as Azure's NVA guidance says).
      this.ctx.drop(
        this.id,
        p,
        'forwarded-untranslated',
        `${port.hostName} forwarded ${ipv4ToString(src)} → ${ipv4ToString(p.dst)} out of NIC '${port.nicId}' toward the Internet with a source that is not the NIC's: netplay translates only a NIC's own addresses on the way out (Azure does not document other sources), so SNAT or MASQUERADE it on ${port.hostName} first`,
        at.iface,
      );
      return;
    }
    const d = (j >= 0 ? this.decisions[at.ifIndex]![j] : undefined) ?? this.outbound.get(src);
    if (d === undefined) {
      this.ctx.drop(this.id, p, 'no-outbound', `${ipv4ToString(src)} is not an ipconfig of a NIC in virtual network '${this.name}', so nothing carries it to the Internet`, at.iface);
      return;
    }
    d.mechanism.translate(p, d, this);
  }

  /**
   * A packet the sending host already rewrote to its public source (a load balancer's DSR reply):
   * the route table of the NIC on `port` decides, then the destination; no outbound SNAT.
   */
  routeRewritten(p: Packet, port: number): void {
    const routed = this.routing === null ? ROUTE_DEFAULT : this.routing.fromNic(p, port);
    if (routed === ROUTE_HANDLED) return;
    if (routed === ROUTE_DEFAULT && this.inVnet(p.dst)) return this.deliver(p);
    this.toInternet(p);
  }

  toInternet(p: Packet): void {
    if (this.internet === null) {
      this.ctx.drop(this.id, p, 'no-route', `virtual network '${this.name}' is not connected to the Internet`);
      return;
    }
    if (this.gwlb !== null && this.gwlb.egress(p, this)) return;
    this.internet.send(this, p);
  }

  private fromInternet(p: Packet): void {
    if (this.gwlb !== null && this.gwlb.ingress(p, this)) return;
    this.pastChain(p);
  }

  /** A packet from the Internet past its gateway load balancer chain (or with none). */
  pastChain(p: Packet): void {
    const b = this.ilpips.get(p.dst);
    if (b !== undefined) {
      ilpipInbound(this.ctx, b, p);
      if (b.overridden) this.snat.noteIlpipInbound(p);
      return this.deliver(p);
    }
    if (this.snat.inbound(p, this)) return;
    if (this.lb !== null && this.lb.inbound(p, this)) return;
    const pending = this.pendingFrontends.get(p.dst);
    if (pending !== undefined) {
      this.ctx.drop(this.id, p, 'no-rule', `${ipv4ToString(p.dst)} is ${pending.what}, which no load-balancing rule uses: nothing answers there`, INTERNET_IFACE);
      return;
    }
    this.ctx.drop(this.id, p, 'no-route', `virtual network '${this.name}' has nothing at ${ipv4ToString(p.dst)}`, INTERNET_IFACE);
  }

  deliverInside(p: Packet): void {
    this.deliver(p);
  }

  /**
   * Sends `p` to the NIC that holds `ip` whatever its destination (a load balancer's choice: with
   * floating IP the destination stays the frontend IP). `via` is the fabric the packet came in on.
   */
  deliverTo(p: Packet, ip: number, via: VnetFabric): void {
    const port = this.byIp.get(ip);
    if (port === undefined) {
      this.ctx.drop(via.id, p, 'no-host', `no NIC in virtual network '${this.name}' has the address ${ipv4ToString(ip)}`);
      return;
    }
    port.link.send(this, p);
  }

  private deliver(p: Packet): void {
    const port = this.byIp.get(p.dst);
    if (port === undefined) {
      if (this.lb !== null && this.lb.inbound(p, this)) return;
      const pending = this.pendingFrontends.get(p.dst);
      if (pending !== undefined) {
        this.ctx.drop(this.id, p, 'no-rule', `${ipv4ToString(p.dst)} is ${pending.what}, which no load-balancing rule uses: nothing answers there`);
        return;
      }
      this.ctx.drop(this.id, p, 'no-host', `no NIC in virtual network '${this.name}' has the address ${ipv4ToString(p.dst)}`);
      return;
    }
    port.link.send(this, p);
  }
}

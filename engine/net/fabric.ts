/**
 * One VNet's fabric: the Azure software-defined network between the NICs of one virtual network
 * and the Internet. It is one node with one link per NIC and one to the Internet.
 * - From a NIC: a destination inside the VNet address space goes to the NIC that holds it
 *   (system route "VnetLocal"); anything else follows 0.0.0.0/0 to the Internet through the
 *   outbound chain decided for the source ipconfig (outbound.ts). Azure drops packets whose source
 *   is not one of the NIC's addresses unless IP forwarding is enabled on the NIC.
 * - From the Internet: a packet to an instance-level public IP is DNATed to its private address;
 *   a reply to a SNAT device's public IP (outbound rule, load-balancing-rule SNAT, NAT gateway,
 *   default outbound access) is DNATed back through its mapping (snat-plane.ts); inbound load
 *   balancing to a frontend is not simulated yet (dropped as such).
 * The fabric answers ARP for everything with 12:34:56:78:9a:bc, so no ARP is simulated.
 */
import { cidrContains, ipv4ToString, type Cidr } from '../wire/addr.ts';
import type { Link, NetContext, NetNode } from './context.ts';
import type { Packet } from './packet.ts';
import { ilpipInbound, type IlpipBinding } from './outbound-ilpip.ts';
import type { FabricIo, OutboundDecision } from './outbound-types.ts';
import type { SnatPlane } from './snat-plane.ts';

/** A NIC as the fabric sees it: its link and the addresses it may send from. */
export interface FabricPort {
  readonly nicId: string;
  readonly hostName: string;
  readonly link: Link;
  readonly ips: readonly number[];
  readonly forwarding: boolean;
}

/** A public address the fabric owns but whose data plane is not simulated yet. */
export interface PendingFrontend {
  readonly resource: string;
  readonly what: string;
}

export const INTERNET_IFACE = 'internet';

export class VnetFabric implements NetNode, FabricIo {
  /** NIC ports by private address. */
  readonly byIp = new Map<number, FabricPort>();
  /** Ports by NIC id (the interface name on the fabric side). */
  readonly byNic = new Map<string, FabricPort>();
  /** The outbound decision for each private address. */
  readonly outbound = new Map<number, OutboundDecision>();
  readonly ilpips = new Map<number, IlpipBinding>();
  readonly pendingFrontends = new Map<number, PendingFrontend>();
  internet: Link | null = null;

  constructor(
    readonly ctx: NetContext,
    readonly id: string,
    readonly name: string,
    readonly addressSpace: readonly Cidr[],
    readonly snat: SnatPlane,
  ) {}

  addPort(port: FabricPort): void {
    this.byNic.set(port.nicId, port);
    for (const ip of port.ips) this.byIp.set(ip, port);
  }

  inVnet(ip: number): boolean {
    for (const c of this.addressSpace) if (cidrContains(c, ip)) return true;
    return false;
  }

  receive(p: Packet, iface: string): void {
    if (iface === INTERNET_IFACE) return this.fromInternet(p);
    const port = this.byNic.get(iface);
    if (port !== undefined && !port.forwarding && !port.ips.includes(p.src)) {
      this.ctx.drop(
        this.id,
        p,
        'spoofed-source',
        `${port.hostName} sent from ${ipv4ToString(p.src)}, which is not an address of NIC '${port.nicId}', and IP forwarding is off on that NIC`,
        iface,
      );
      return;
    }
    if (this.inVnet(p.dst)) return this.deliver(p);
    const d = this.outbound.get(p.src);
    if (d === undefined) {
      this.ctx.drop(this.id, p, 'no-outbound', `${ipv4ToString(p.src)} is not an ipconfig of a NIC in virtual network '${this.name}', so nothing carries it to the Internet`, iface);
      return;
    }
    d.mechanism.translate(p, d, this);
  }

  toInternet(p: Packet): void {
    if (this.internet === null) {
      this.ctx.drop(this.id, p, 'no-route', `virtual network '${this.name}' is not connected to the Internet`);
      return;
    }
    this.internet.send(this, p);
  }

  private fromInternet(p: Packet): void {
    const b = this.ilpips.get(p.dst);
    if (b !== undefined) {
      ilpipInbound(this.ctx, b, p);
      if (b.overridden) this.snat.noteIlpipInbound(p);
      return this.deliver(p);
    }
    if (this.snat.inbound(p, this)) return;
    const pending = this.pendingFrontends.get(p.dst);
    if (pending !== undefined) {
      this.ctx.drop(this.id, p, 'not-simulated', `${ipv4ToString(p.dst)} is ${pending.what}; inbound traffic through it is not simulated yet`, INTERNET_IFACE);
      return;
    }
    this.ctx.drop(this.id, p, 'no-route', `virtual network '${this.name}' has nothing at ${ipv4ToString(p.dst)}`, INTERNET_IFACE);
  }

  deliverInside(p: Packet): void {
    this.deliver(p);
  }

  private deliver(p: Packet): void {
    const port = this.byIp.get(p.dst);
    if (port === undefined) {
      const pending = this.pendingFrontends.get(p.dst);
      if (pending !== undefined) {
        this.ctx.drop(this.id, p, 'not-simulated', `${ipv4ToString(p.dst)} is ${pending.what}; traffic through it is not simulated yet`);
        return;
      }
      this.ctx.drop(this.id, p, 'no-host', `no NIC in virtual network '${this.name}' has the address ${ipv4ToString(p.dst)}`);
      return;
    }
    port.link.send(this, p);
  }
}

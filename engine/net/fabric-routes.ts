/**
 * Azure route tables in a VNet's fabric, and a Linux router's explicit next hop.
 *
 * Traffic that enters the fabric from a NIC whose subnet has a route table follows the longest
 * prefix over the table's user-defined routes and the system routes (VnetLocal for each address
 * prefix of the VNet, Internet for 0.0.0.0/0); on a tie the user-defined route wins
 * (learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview, "How Azure selects a
 * route"). VirtualAppliance hands the packet, destination unchanged, to the NIC that holds the
 * next-hop address; None drops it; Internet takes the fabric's outbound chain; VnetLocal delivers
 * by destination. A NIC that receives a packet not addressed to it must have IP forwarding on,
 * or Azure drops it.
 *
 * A Linux router that routes `via X` leaves X on the board (router-node.ts); when X is a NIC of
 * this VNet, the fabric delivers to that NIC whatever the destination, as a switched network
 * delivers to the MAC the router resolved (Neutron's OVS does this; OpenStack DVR needs it).
 *
 * The fabric builds this plane only when the VNet has route tables or routers: others keep their
 * fast path (one null check).
 */
import { cidrToString, ipv4ToString, prefixMask, type Cidr } from '../wire/addr.ts';
import type { Packet } from './packet.ts';
import type { FabricPort, VnetFabric } from './fabric.ts';
import type { NextHopBoard } from './router-node.ts';

export type NextHopType = 'VirtualAppliance' | 'VnetLocal' | 'Internet' | 'None';

/** One route as the fabric matches it. */
export interface FabricRoute {
  readonly base: number;
  readonly mask: number;
  readonly prefix: number;
  readonly type: NextHopType;
  readonly nextHop: number;
  /** "route 'to-router' (0.0.0.0/0) of route table 'rt-clients'", or "system route VnetLocal (10.0.0.0/16)". */
  readonly label: string;
  readonly user: boolean;
}

/** What the fabric does next with a packet from a NIC. */
export const ROUTE_DEFAULT = 0;
export const ROUTE_HANDLED = 1;
export const ROUTE_INTERNET = 2;

export class FabricRouting implements NextHopBoard {
  /** Routes per fabric port (by the port's index), longest prefix first; null = no route table. */
  private readonly tables: (FabricRoute[] | null)[] = [];
  /** Next hops routers asked for, by packet id. */
  private readonly board = new Map<number, number>();

  constructor(private readonly fabric: VnetFabric) {}

  set(packetId: number, nextHop: number): void {
    this.board.set(packetId, nextHop);
  }

  /** The routes of the route table of the subnet of port `k` (null: none). */
  setTable(k: number, routes: FabricRoute[] | null): void {
    while (this.tables.length <= k) this.tables.push(null);
    this.tables[k] = routes;
  }

  /** A packet from the NIC on port `k`: ROUTE_HANDLED, ROUTE_INTERNET, or ROUTE_DEFAULT (route by destination as without a table). */
  fromNic(p: Packet, k: number): number {
    if (this.board.size > 0) {
      const via = this.board.get(p.id);
      if (via !== undefined) {
        this.board.delete(p.id);
        const port = this.fabric.byIp.get(via);
        if (port !== undefined) {
          this.toAppliance(p, port, via, `the next hop ${ipv4ToString(via)} of the router's route`);
          return ROUTE_HANDLED;
        }
      }
    }
    const routes = this.tables[k];
    if (routes === undefined || routes === null) return ROUTE_DEFAULT;
    const dst = p.dst | 0;
    for (const r of routes) {
      if ((dst & r.mask) !== r.base) continue;
      switch (r.type) {
        case 'VnetLocal':
          this.fabric.deliverInside(p);
          return ROUTE_HANDLED;
        case 'Internet':
          return ROUTE_INTERNET;
        case 'None':
          this.fabric.ctx.drop(this.fabric.id, p, 'udr-none', `${r.label} has next hop type None: Azure drops traffic to ${ipv4ToString(p.dst)}`);
          return ROUTE_HANDLED;
        case 'VirtualAppliance': {
          const port = this.fabric.byIp.get(r.nextHop);
          if (port === undefined) {
            this.fabric.ctx.drop(
              this.fabric.id,
              p,
              'udr-no-appliance',
              `${r.label} sends ${ipv4ToString(p.dst)} to the virtual appliance ${ipv4ToString(r.nextHop)}, but no NIC in virtual network '${this.fabric.name}' has that address: Azure drops it`,
            );
            return ROUTE_HANDLED;
          }
          this.toAppliance(p, port, r.nextHop, r.label);
          return ROUTE_HANDLED;
        }
      }
    }
    return ROUTE_DEFAULT;
  }

  /** Delivers to an appliance's NIC, destination unchanged: only if IP forwarding lets it take packets for others. */
  private toAppliance(p: Packet, port: FabricPort, via: number, why: string): void {
    if (!port.forwarding && !port.ips.includes(p.dst)) {
      this.fabric.ctx.drop(
        this.fabric.id,
        p,
        'ip-forwarding-off',
        `${why} hands ${ipv4ToString(p.dst)} to NIC '${port.nicId}' (${ipv4ToString(via)}) of ${port.hostName}, which has IP forwarding off: Azure drops traffic not addressed to a NIC unless enableIpForwarding is on`,
      );
      return;
    }
    port.link.send(this.fabric, p);
  }
}

/** A route table's routes plus the VNet's system routes, longest prefix first, a UDR before a system route of the same length. */
export function compileRoutes(
  table: { name: string; routes: readonly { name: string; addressPrefix: Cidr; nextHopType: NextHopType; nextHopIpAddress: number | null }[] },
  addressSpace: readonly Cidr[],
): FabricRoute[] {
  const out: FabricRoute[] = [];
  const add = (c: Cidr, type: NextHopType, nextHop: number, label: string, user: boolean) =>
    out.push({ base: (c.base & prefixMask(c.prefix)) | 0, mask: prefixMask(c.prefix) | 0, prefix: c.prefix, type, nextHop, label, user });
  for (const r of table.routes) add(r.addressPrefix, r.nextHopType, r.nextHopIpAddress ?? 0, `route '${r.name}' (${cidrToString(r.addressPrefix)}) of route table '${table.name}'`, true);
  for (const c of addressSpace) add(c, 'VnetLocal', 0, `system route VnetLocal (${cidrToString(c)})`, false);
  add({ base: 0, prefix: 0 }, 'Internet', 0, 'system route Internet (0.0.0.0/0)', false);
  return out.sort((a, b) => b.prefix - a.prefix || Number(b.user) - Number(a.user));
}

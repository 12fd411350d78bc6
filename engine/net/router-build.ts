/**
 * Builds the run's Linux routers (router-node.ts) and the VNets' route tables (fabric-routes.ts)
 * from the document: a router's NICs become ports of their VNet's fabric (eth0, eth1, ... in
 * document order), its uplinks links to the Internet node (the next ethN), its `routes` and
 * `iptables` lines are applied as `ip route add` and `iptables` would apply them.
 */
import type { ResourceIndex } from '../model/references.ts';
import { ipv4ToString, macFromIndex, parseCidr, parseIpv4, prefixMask } from '../wire/addr.ts';
import { AZURE_GATEWAY_MAC } from './capture.ts';
import type { Link, LinkEnd, NetContext, NetNode } from './context.ts';
import type { VnetFabric } from './fabric.ts';
import { compileRoutes, FabricRouting } from './fabric-routes.ts';
import type { Internet } from './internet.ts';
import { LinuxRouter, parseRoute } from './netfilter/router.ts';
import { resolveRoute, routerInterfaces, type RouterIfaceSpec } from '../model/router-interfaces.ts';
import { RouterNode } from './router-node.ts';

/** The MAC of the Internet's edge router on an uplink (as build.ts's INTERNET_ROUTER_MAC). */
const EDGE_MAC = '02:00:5e:ff:ff:fe';

export interface RouterBuild {
  readonly ctx: NetContext;
  readonly idx: ResourceIndex;
  readonly fabrics: Map<string, VnetFabric>;
  readonly internet: Internet;
  readonly link: (a: LinkEnd, b: LinkEnd, latencyUs: number) => Link;
  readonly nicLatencyUs: number;
  readonly uplinkLatencyUs: number;
}

function end(node: NetNode, iface: string, mac: string): LinkEnd {
  return { node, iface, mac, taps: null, ifIndex: -1 };
}

/** The default route an uplink gives when none is written: via the first address of its prefix (the last when that is the uplink's own). */
function uplinkDefault(i: RouterIfaceSpec): string {
  const a = i.addresses[0]!;
  const base = (a.address & prefixMask(a.prefix)) >>> 0;
  const gw = base + 1 === a.address ? base + (2 ** (32 - a.prefix) - 2) : base + 1;
  return `default via ${ipv4ToString(gw >>> 0)} dev ${i.name}`;
}

/** Builds every router and every VNet's route tables; call after the VMs' NICs were added to their fabrics. */
export function buildRouters(b: RouterBuild): RouterNode[] {
  const { ctx, idx, fabrics, internet } = b;
  const nodes: RouterNode[] = [];
  const routing = (f: VnetFabric): FabricRouting => (f.routing ??= new FabricRouting(f));
  for (const r of idx.ofKind('linuxRouter')) {
    const ifaces = routerInterfaces(idx, r);
    const lr = new LinuxRouter({
      interfaces: ifaces.map((i) => ({ name: i.name, address: `${ipv4ToString(i.addresses[0]?.address ?? 0)}/${i.addresses[0]?.prefix ?? 32}` })),
      ipForward: r.ipForward,
      conntrackMax: r.conntrackMax,
      rng: ctx.rng.stream(`router:${r.id}/nat`),
    });
    for (const i of ifaces) lr.interfaces.get(i.name)!.addresses.push(...i.addresses.slice(1));
    const node = new RouterNode(ctx, r.id, r.name, lr);
    r.routes.forEach((text, j) => {
      const route = resolveRoute(text, ifaces);
      if (typeof route === 'string') node.errors.push(`routes[${j}]: ${route}`);
      else lr.routes.push(route);
    });
    const uplink = ifaces.find((i) => i.nic === undefined);
    if (uplink && !lr.routes.some((x) => x.dst.prefix === 0)) lr.routes.push(parseRoute(uplinkDefault(uplink)));
    r.iptables.forEach((line, j) => {
      const res = lr.iptables(line);
      if (!res.ok) node.errors.push(`iptables[${j}]: iptables v1.8.9 (nf_tables): ${res.error.message}`);
    });
    for (const i of ifaces) {
      const mac = macFromIndex(0x30000 + nodes.length * 16 + node.ports.length);
      const fabric = i.subnet ? fabrics.get(i.subnet.vnet) : undefined;
      if (i.nic !== undefined && i.subnet && fabric) {
        const l = b.link(end(node, i.name, mac), end(fabric, i.nic, AZURE_GATEWAY_MAC), b.nicLatencyUs);
        const nic = idx.get(i.nic, 'nic')!;
        fabric.addPort({ nicId: i.nic, hostName: r.name, link: l, ips: i.addresses.map((a) => a.address), forwarding: nic.enableIpForwarding });
        const attached = `subnet '${i.subnet.name}' (${idx.get(i.subnet.id, 'subnet')!.addressPrefix}) of virtual network '${fabric.name}'`;
        node.addPort({ name: i.name, link: l, nic: i.nic, gateway: (i.subnet.cidr.base + 1) >>> 0, attached }, routing(fabric));
      } else if (i.nic === undefined) {
        const l = b.link(end(node, i.name, mac), end(internet, `${r.id}/${i.name}`, EDGE_MAC), b.uplinkLatencyUs);
        for (const a of i.addresses) internet.routes.set(a.address, l);
        for (const a of i.proxyArp) internet.routes.set(a, l);
        node.addPort({ name: i.name, link: l, gateway: 0, attached: 'the Internet' }, null);
      }
    }
    nodes.push(node);
  }
  installRouteTables(idx, fabrics, routing);
  return nodes;
}

/** Every NIC whose subnet names a route table gets the table's routes (plus the system routes) on its fabric port. */
function installRouteTables(idx: ResourceIndex, fabrics: Map<string, VnetFabric>, routing: (f: VnetFabric) => FabricRouting): void {
  for (const nic of idx.ofKind('nic')) {
    const sn = idx.get(nic.subnet, 'subnet');
    const rt = idx.get(sn?.routeTable, 'routeTable');
    const fabric = sn ? fabrics.get(sn.vnet) : undefined;
    const port = fabric?.byNic.get(nic.id);
    if (!rt || !fabric || !port) continue;
    const routes = rt.routes.flatMap((x) => {
      const c = parseCidr(x.addressPrefix);
      return c ? [{ name: x.name, addressPrefix: c, nextHopType: x.nextHopType, nextHopIpAddress: x.nextHopIpAddress ? parseIpv4(x.nextHopIpAddress) : null }] : [];
    });
    routing(fabric).setTable(port.link.endOf(fabric).ifIndex, compileRoutes({ name: rt.name, routes }, fabric.addressSpace));
  }
}

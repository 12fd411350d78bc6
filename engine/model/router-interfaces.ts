/**
 * A Linux router's interfaces and routes as the document describes them: its NICs in document
 * order are eth0, eth1, ...; its uplinks come after them. Shared by the checks (checks-routing.ts)
 * and the simulator (engine/net/router-build.ts), so both name interfaces the same way.
 */
import type { ResourceIndex } from './references.ts';
import type { LinuxRouter as LinuxRouterResource } from './kinds/routing.ts';
import { cidrContains, ipv4ToString, parseCidr, parseIpv4, prefixMask, type Cidr } from '../wire/addr.ts';
import { parseRoute, type Route } from '../net/netfilter/router.ts';

/** One interface of a router resource, as the document describes it. */
export interface RouterIfaceSpec {
  readonly name: string;
  readonly addresses: { address: number; prefix: number }[];
  readonly nic?: string;
  readonly subnet?: { id: string; name: string; vnet: string; cidr: Cidr };
  /** Addresses the Internet routes to this uplink although it does not own them (proxy ARP). */
  readonly proxyArp: number[];
}

/** A router's interfaces: its NICs in document order, then its uplinks. */
export function routerInterfaces(idx: ResourceIndex, r: LinuxRouterResource): RouterIfaceSpec[] {
  const out: RouterIfaceSpec[] = [];
  for (const nic of idx.ofKind('nic')) {
    if (nic.vm !== r.id) continue;
    const sn = idx.get(nic.subnet, 'subnet');
    const cidr = sn ? parseCidr(sn.addressPrefix) : null;
    const prefix = cidr?.prefix ?? 32;
    const cfgs = [...nic.ipConfigs].sort((a, b) => Number(b.primary) - Number(a.primary));
    out.push({
      name: `eth${out.length}`,
      addresses: cfgs.map((c) => ({ address: parseIpv4(c.privateIp) ?? 0, prefix })),
      nic: nic.id,
      ...(sn && cidr ? { subnet: { id: sn.id, name: sn.name, vnet: sn.vnet, cidr } } : {}),
      proxyArp: [],
    });
  }
  for (const u of r.uplinks) {
    const addresses = [{ address: parseIpv4(u.address) ?? 0, prefix: u.prefix }, ...u.secondaryAddresses.map((a) => ({ address: parseIpv4(a) ?? 0, prefix: 32 }))];
    out.push({ name: `eth${out.length}`, addresses, proxyArp: u.proxyArp.map((a) => parseIpv4(a) ?? 0) });
  }
  return out;
}

/**
 * `ip route add TEXT` on a router with these interfaces: Route, or the error ip prints. Without
 * `dev`, the interface whose connected prefix holds the gateway (as the kernel finds it).
 */
export function resolveRoute(text: string, ifaces: readonly RouterIfaceSpec[]): Route | string {
  let r: Route;
  const withDev = /\bdev\s/.test(text) ? text : `${text.trim()} dev ?`;
  try {
    r = parseRoute(withDev);
  } catch (e) {
    return `Error: ${(e as Error).message}`;
  }
  if (r.dev === '?') {
    if (r.via === undefined) return `Error: "${text}" needs a gateway (via) or a device (dev)`;
    const via = r.via;
    const on = ifaces.find((i) => i.addresses.some((a) => cidrContains({ base: (a.address & prefixMask(a.prefix)) >>> 0, prefix: a.prefix }, via)));
    if (!on) return `Error: Nexthop has invalid gateway (${ipv4ToString(via)} is on none of the router's networks)`;
    r.dev = on.name;
  } else if (!ifaces.some((i) => i.name === r.dev)) return `Cannot find device "${r.dev}"`;
  return r;
}

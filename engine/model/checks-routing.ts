/**
 * Checks of route tables and Linux routers (kinds/routing.ts): every iptables line as iptables
 * would take it (the netfilter model's own parser and rule set, so the message is the one
 * iptables prints), every route as `ip route add` would take it, the Azure rules for next hops,
 * IP forwarding on a router's NICs, and its uplink addresses unique in the document.
 */
import { cidrContains, ipv4ToString, parseCidr, parseIpv4, prefixMask } from '../wire/addr.ts';
import { Ruleset } from '../net/netfilter/ruleset.ts';
import type { ResourceIndex } from './references.ts';
import { resolveRoute, routerInterfaces, type RouterIfaceSpec } from './router-interfaces.ts';
import type { Resource } from './scenario.ts';

type Report = (code: string, message: string, at: { index?: number; resourceId?: string; path?: (string | number)[] }, severity?: 'error' | 'warning') => void;
type At = (r: Resource, path?: (string | number)[]) => { index: number; resourceId: string; path?: (string | number)[] };

export function checkRouting(idx: ResourceIndex, report: Report, at: At): void {
  checkRouteTables(idx, report, at);
  for (const r of idx.ofKind('linuxRouter')) {
    const rules = new Ruleset();
    r.iptables.forEach((line, j) => {
      const res = rules.run(line);
      if (!res.ok) report('iptables', `iptables v1.8.9 (nf_tables): ${res.error.message}`, at(r, ['iptables', j]));
    });
    const ifaces = routerInterfaces(idx, r);
    const deviceRoutes: { dev: string; dst: { base: number; prefix: number }; j: number }[] = [];
    r.routes.forEach((text, j) => {
      const res = resolveRoute(text, ifaces);
      if (typeof res === 'string') {
        report('route', `ip route add ${text}: ${res}`, at(r, ['routes', j]));
        return;
      }
      if (res.via === undefined) deviceRoutes.push({ dev: res.dev, dst: res.dst, j });
      else checkGateway(text, res.via, res.dev, ifaces, deviceRoutes, (m, severity) => report('route', m, at(r, ['routes', j]), severity));
    });
    for (const nic of idx.ofKind('nic'))
      if (nic.vm === r.id && !nic.enableIpForwarding)
        report(
          'ip-forwarding',
          `NIC '${nic.id}' of Linux router '${r.id}' has enableIpForwarding off: Azure drops every packet it forwards (source not its own) and every packet routed to it for another address`,
          at(nic, ['enableIpForwarding']),
        );
  }
  checkUplinkAddresses(idx, report, at);
}

/**
 * `ip route add ... via X dev D`: the kernel looks X up among D's link-scope routes
 * (fib_check_nh_v4_gw) and refuses with "Error: Nexthop has invalid gateway." when none holds it.
 * A link-scope route written earlier (`10.5.0.0/16 dev eth0`) makes X on-link for Linux although
 * it is in none of the interface's subnets: Linux takes it, but the Azure fabric delivers the
 * frame only to an address of a NIC in the VNet.
 */
function checkGateway(
  text: string,
  via: number,
  dev: string,
  ifaces: readonly RouterIfaceSpec[],
  deviceRoutes: readonly { dev: string; dst: { base: number; prefix: number }; j: number }[],
  say: (message: string, severity: 'error' | 'warning') => void,
): void {
  const iface = ifaces.find((i) => i.name === dev);
  if (!iface) return;
  const connected = iface.addresses.some((a) => a.prefix < 32 && cidrContains({ base: (a.address & prefixMask(a.prefix)) >>> 0, prefix: a.prefix }, via));
  if (connected) return;
  const gw = ipv4ToString(via);
  const nets = iface.addresses.filter((a) => a.prefix < 32).map((a) => `${ipv4ToString((a.address & prefixMask(a.prefix)) >>> 0)}/${a.prefix}`);
  const link = deviceRoutes.find((d) => d.dev === dev && cidrContains(d.dst, via));
  if (link)
    say(
      `ip route add ${text}: gateway ${gw} is in none of ${dev}'s subnets (${nets.join(', ') || 'none'}); Linux takes it as on-link through routes[${link.j}], but the Azure fabric delivers only to the addresses of NICs in the virtual network`,
      'warning',
    );
  else say(`ip route add ${text}: Error: Nexthop has invalid gateway. (${gw} is not on-link on ${dev}: it is in none of ${dev}'s subnets, ${nets.join(', ') || 'none'})`, 'error');
}

function checkRouteTables(idx: ResourceIndex, report: Report, at: At): void {
  const spaces = idx.ofKind('vnet').flatMap((v) => v.addressSpace.map((t) => ({ vnet: v.id, c: parseCidr(t) })));
  for (const rt of idx.ofKind('routeTable')) {
    const vnets = new Set(idx.ofKind('subnet').filter((s) => s.routeTable === rt.id).map((s) => s.vnet));
    const names = new Set<string>();
    rt.routes.forEach((route, j) => {
      if (names.has(route.name)) report('duplicate-name', `two routes are named '${route.name}'`, at(rt, ['routes', j, 'name']));
      names.add(route.name);
      const path = ['routes', j, 'nextHopIpAddress'];
      if (route.nextHopType === 'VirtualAppliance') {
        if (route.nextHopIpAddress === undefined) {
          report('next-hop', `route '${route.name}' has next hop type VirtualAppliance and needs nextHopIpAddress (the appliance NIC's private IP)`, at(rt, path));
          return;
        }
        const ip = parseIpv4(route.nextHopIpAddress)!;
        const inside = spaces.some((s) => s.c !== null && (vnets.size === 0 || vnets.has(s.vnet)) && cidrContains(s.c, ip));
        if (!inside)
          report(
            'next-hop',
            `route '${route.name}': next hop ${route.nextHopIpAddress} is outside the address space of ${vnets.size ? `virtual network ${[...vnets].map((v) => `'${v}'`).join(', ')}` : 'every virtual network'}; no NIC there can take the traffic`,
            at(rt, path),
            'warning',
          );
        else checkAppliance(idx, route.name, route.nextHopIpAddress, ip, (m) => report('next-hop', m, at(rt, path), 'warning'));
      } else if (route.nextHopIpAddress !== undefined)
        report('next-hop', `route '${route.name}': nextHopIpAddress is only for next hop type VirtualAppliance, not ${route.nextHopType}`, at(rt, path));
    });
  }
}

/** The NIC that holds a VirtualAppliance next hop: there must be one, with IP forwarding on. */
function checkAppliance(idx: ResourceIndex, name: string, text: string, ip: number, say: (message: string) => void): void {
  const nic = idx.ofKind('nic').find((n) => n.ipConfigs.some((c) => parseIpv4(c.privateIp) === ip));
  if (nic === undefined) {
    const lb = idx.ofKind('loadBalancer').find((l) => l.frontends.some((f) => f.privateIp !== undefined && parseIpv4(f.privateIp) === ip));
    say(
      lb
        ? `route '${name}': next hop ${text} is a frontend of load balancer '${lb.id}'; Azure forwards there (HA ports), the simulator only to a NIC, so the run drops this traffic`
        : `route '${name}': no NIC in the document has the private IP ${text}, so Azure has nowhere to send this traffic and drops it`,
    );
    return;
  }
  // A router's NIC without forwarding is reported at the NIC itself (ip-forwarding).
  if (!nic.enableIpForwarding && idx.get(nic.vm, 'linuxRouter') === undefined)
    say(
      `route '${name}': next hop ${text} is NIC '${nic.id}', which has enableIpForwarding off: Azure drops every packet routed to it for another address`,
    );
}

/** Uplink addresses (primary, secondary, proxy ARP) must not be used by anything else in the document. */
function checkUplinkAddresses(idx: ResourceIndex, report: Report, at: At): void {
  const owners = new Map<number, string>();
  const claim = (a: string | undefined, who: string) => {
    const ip = a === undefined ? null : parseIpv4(a);
    if (ip !== null && !owners.has(ip)) owners.set(ip, who);
  };
  for (const r of idx.scenario.resources) {
    if (r.kind === 'publicIp' || r.kind === 'internetHost') claim(r.address, `${r.kind} '${r.id}'`);
    if (r.kind === 'nic') r.ipConfigs.forEach((c) => claim(c.privateIp, `nic '${r.id}'`));
    if (r.kind === 'loadBalancer') r.frontends.forEach((f) => claim(f.privateIp, `load balancer '${r.id}'`));
  }
  const prefixes = idx.ofKind('publicIpPrefix').map((p) => ({ id: p.id, c: parseCidr(p.prefix) }));
  for (const r of idx.ofKind('linuxRouter'))
    r.uplinks.forEach((u, i) => {
      const list: [string, (string | number)[]][] = [
        [u.address, ['uplinks', i, 'address']],
        ...u.secondaryAddresses.map((a, k): [string, (string | number)[]] => [a, ['uplinks', i, 'secondaryAddresses', k]]),
        ...u.proxyArp.map((a, k): [string, (string | number)[]] => [a, ['uplinks', i, 'proxyArp', k]]),
      ];
      for (const [a, path] of list) {
        const ip = parseIpv4(a)!;
        const prev = owners.get(ip) ?? prefixes.find((p) => p.c !== null && cidrContains(p.c, ip))?.id;
        if (prev !== undefined) report('duplicate-ip', `${a} is already used by ${prev.includes("'") ? prev : `public IP prefix '${prev}'`}`, at(r, path));
        else owners.set(ip, `uplink ${i} of Linux router '${r.id}'`);
      }
    });
}

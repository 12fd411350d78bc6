/**
 * Builds the node graph of one run from a validated Scenario: hosts with their stacks, one fabric
 * per VNet, the Internet, the links between them (with the scenario's latencies), the outbound
 * decision of every ipconfig, capture taps and traffic generators.
 */
import type { Scenario } from '../model/scenario.ts';
import { ResourceIndex } from '../model/references.ts';
import { Rng } from '../sim/rng.ts';
import type { TraceLevel } from '../sim/trace.ts';
import { macFromIndex, parseCidr, parseIpv4, type Cidr } from '../wire/addr.ts';
import { AZURE_GATEWAY_MAC, CaptureTap } from './capture.ts';
import { Link, NetContext, type LinkEnd, type NetNode } from './context.ts';
import { INTERNET_IFACE, VnetFabric } from './fabric.ts';
import { Host } from './host.ts';
import { Internet } from './internet.ts';
import { LbPlane, lbSetupOf } from './lb-plane.ts';
import { PROBE_SOURCE_IP } from './lb/index.ts';
import { decideOutbound, type OutboundPath } from './outbound.ts';
import { resolveTarget } from './resolve.ts';
import { SnatPlane } from './snat-plane.ts';
import { installServices } from './services.ts';
import { DatagramGenerator, TcpGenerator } from './traffic.ts';
import { TcpPingGenerator } from './tcp-ping.ts';
import { LatencyModel } from './latency/index.ts';
import { buildRouters } from './router-build.ts';
import type { RouterNode } from './router-node.ts';
import { attachNvaTaps, buildGwlbPlane } from './gwlb-build.ts';
import type { GwlbPlane } from './gwlb-plane.ts';
import { NvaHost } from './nva-node.ts';

/** The MAC the Internet's edge router has on every link (a made-up, locally administered one). */
export const INTERNET_ROUTER_MAC = '02:00:5e:ff:ff:fe';

export interface BuildOptions {
  readonly seed: number;
  readonly trace: TraceLevel;
  readonly captures: boolean;
}

export interface Graph {
  readonly ctx: NetContext;
  readonly idx: ResourceIndex;
  readonly hosts: Map<string, Host>;
  readonly fabrics: Map<string, VnetFabric>;
  readonly internet: Internet;
  readonly links: Link[];
  readonly taps: CaptureTap[];
  readonly outbound: OutboundPath[];
  readonly snat: SnatPlane;
  /** Inbound load balancing; null when no load balancer has a rule. */
  readonly lb: LbPlane | null;
  /** TCP ping runs (traffic type 'tcpping'). */
  readonly tcpPings: TcpPingGenerator[];
  /** Linux routers (router-node.ts). */
  readonly routers: RouterNode[];
  /** Gateway load balancers, their chains and the NVAs (gwlb-plane.ts); null when there are none. */
  readonly gwlb: GwlbPlane | null;
}

function end(node: NetNode, iface: string, mac: string): LinkEnd {
  return { node, iface, mac, taps: null, ifIndex: -1 };
}

export function buildGraph(scenario: Scenario, opts: BuildOptions): Graph {
  const ctx = new NetContext(new Rng(opts.seed), opts.trace);
  const idx = new ResourceIndex(scenario);
  const lat = latencyOf(scenario);
  const linkLatencyUs = lat.nic;
  const internet = new Internet(ctx);
  const links: Link[] = [];
  const jitterRng = lat.model !== null && lat.model.settings.jitter > 0 ? ctx.rng.stream('latency') : null;
  const link = (a: LinkEnd, b: LinkEnd, latency: number) => {
    const l = new Link(ctx, a, b, latency);
    if (jitterRng !== null && lat.model !== null) {
      const m = lat.model;
      l.jitter = (base) => m.sample(base, jitterRng.nextFloat());
    }
    links.push(l);
    return l;
  };
  const halfIn = lat.edge;
  const halfOut = lat.internetHost;

  const snat = new SnatPlane(ctx, idx, opts.seed);
  snat.onRoute = (ip, fabric) => {
    const f = fabrics.get(fabric.id);
    if (f?.internet && !internet.routes.has(ip)) internet.routes.set(ip, f.internet);
  };
  const fabrics = new Map<string, VnetFabric>();
  for (const v of idx.ofKind('vnet')) {
    const space = v.addressSpace.map(parseCidr).filter((c): c is Cidr => c !== null);
    const f = new VnetFabric(ctx, v.id, v.name, space, snat);
    f.internet = link(end(f, INTERNET_IFACE, AZURE_GATEWAY_MAC), end(internet, v.id, INTERNET_ROUTER_MAC), halfIn);
    fabrics.set(v.id, f);
  }

  const hosts = new Map<string, Host>();
  for (const r of scenario.resources) {
    if (r.kind !== 'vm' && r.kind !== 'nva' && r.kind !== 'internetHost') continue;
    const h = new (r.kind === 'nva' ? NvaHost : Host)(ctx, r.id, r.name, r.kind, r.stack, ctx.rng.stream(`host:${r.id}`));
    hosts.set(r.id, h);
    if (r.kind === 'vm') {
      for (const a of r.loopbackIps) h.addLoopback(parseIpv4(a) ?? 0);
      installServices(h, r.services);
    } else if (r.kind === 'internetHost') {
      installServices(h, r.services);
      const ip = parseIpv4(r.address) ?? 0;
      const l = link(end(h, 'eth0', macFromIndex(0x10000 + hosts.size)), end(internet, r.id, INTERNET_ROUTER_MAC), halfOut);
      h.addIface({ name: 'eth0', ips: [ip], link: l }, false);
      internet.routes.set(ip, l);
    }
  }

  const outbound: OutboundPath[] = [];
  idx.ofKind('nic').forEach((nic, k) => {
    const h = hosts.get(nic.vm);
    const subnet = idx.get(nic.subnet, 'subnet');
    const fabric = subnet ? fabrics.get(subnet.vnet) : undefined;
    // A Linux router's NIC: its port is made by router-build.ts; its ipconfigs get Azure's
    // outbound here like a VM's (what leaves the router from its own address, e.g. after MASQUERADE).
    const router = h ? undefined : idx.get(nic.vm, 'linuxRouter');
    const owner = h ?? router;
    if (!owner || !subnet || !fabric) return;
    const ips = nic.ipConfigs.map((c) => parseIpv4(c.privateIp) ?? 0);
    if (h) {
      const l = link(end(h, nic.id, macFromIndex(k + 1)), end(fabric, nic.id, AZURE_GATEWAY_MAC), linkLatencyUs);
      const iface = { name: nic.id, ips, link: l };
      h.addIface(iface, nic.primary);
      fabric.addPort({ nicId: nic.id, hostName: h.name, link: l, ips, forwarding: nic.enableIpForwarding });
    }
    const vmId = owner.id;
    const vmName = owner.name;
    nic.ipConfigs.forEach((ipConfig, i) => {
      const d = decideOutbound({ vmId, vmName, nic, ipConfig, subnet, idx });
      fabric.setOutbound(ips[i]!, d);
      outbound.push(d.path);
      const pip = idx.get(ipConfig.publicIp, 'publicIp');
      const pub = pip ? parseIpv4(pip.address) : null;
      const overridden = pip !== undefined && pub !== null && d.path.mechanism === 'nat-gateway';
      if (pip && pub !== null && fabric.internet) {
        fabric.ilpips.set(pub, { publicIpId: pip.id, publicIp: pub, privateIp: ips[i]!, ...(overridden ? { overridden } : {}) });
        internet.routes.set(pub, fabric.internet);
      }
      snat.bind({ decision: d, vmId, vmName, ipConfig: ipConfig.name, privateIp: ips[i]!, fabric, ...(overridden ? { ilpip: { publicIp: pub, resource: pip.id } } : {}) });
    });
  });

  const routers = buildRouters({ ctx, idx, fabrics, internet, link, nicLatencyUs: linkLatencyUs, uplinkLatencyUs: halfOut });
  registerPendingFrontends(idx, fabrics, internet);
  const lb = buildLbPlane(scenario, idx, ctx, hosts, fabrics, link, opts.seed, linkLatencyUs);
  const gwlb = buildGwlbPlane({ scenario, idx, ctx, hosts, fabrics, internet, link, seed: opts.seed, latency: lat.model, nicLatencyUs: linkLatencyUs });
  if (lb !== null) snat.isBalanced = (ip) => lb.isFrontend(ip);
  snat.start();
  const taps = attachCaptures(scenario, idx, opts.captures ? links : []);
  if (gwlb !== null && opts.captures) attachNvaTaps(gwlb, taps);
  reserveSockets(scenario, idx, hosts, fabrics);
  const tcpPings = startTraffic(scenario, idx, ctx, hosts);
  return { ctx, idx, hosts, fabrics, internet, links, taps, outbound, snat, lb, tcpPings, routers, gwlb };
}

/**
 * Link latencies. Without settings.latency: linkLatencyUs per NIC link, internetLatencyUs split
 * over the two Internet links. With it, engine/net/latency's calibrated model: a NIC link is one
 * host-stack crossing, the VNet's link to the Internet node half of (fabric hop + LB/public IP
 * rewrite), so a VM to a public IP in the region costs hostStack + vnetHop + lbProcessing +
 * hostStack one way (735 µs by default; 736 with the half rounded), and an Internet host's link
 * the Internet leg (internetUs).
 */
function latencyOf(scenario: Scenario): { model: LatencyModel | null; nic: number; edge: number; internetHost: number } {
  const { linkLatencyUs, internetLatencyUs, latency } = scenario.settings;
  if (latency === undefined) {
    const halfIn = Math.floor(internetLatencyUs / 2);
    return { model: null, nic: linkLatencyUs, edge: halfIn, internetHost: internetLatencyUs - halfIn };
  }
  const overrides = Object.fromEntries(Object.entries(latency).filter(([, v]) => v !== undefined));
  const model = new LatencyModel(overrides);
  return { model, nic: model.hop('hostStack'), edge: Math.round((model.hop('vnetHop') + model.hop('lbProcessing')) / 2), internetHost: model.hop('internet') };
}

/**
 * Inbound load balancing: one engine per Basic/Standard load balancer with rules; with
 * settings.healthProbes 'packets', one probe host (168.63.129.16) per VNet that has backends.
 */
function buildLbPlane(
  scenario: Scenario,
  idx: ResourceIndex,
  ctx: NetContext,
  hosts: Map<string, Host>,
  fabrics: Map<string, VnetFabric>,
  link: (a: LinkEnd, b: LinkEnd, latency: number) => Link,
  seed: number,
  nicLatencyUs: number,
): LbPlane | null {
  const plane = new LbPlane(ctx, seed);
  const mode = scenario.settings.healthProbes;
  const fabricsWithProber = new Set<VnetFabric>();
  const fabricOfVm = new Map<string, VnetFabric>();
  for (const nic of idx.ofKind('nic')) {
    const subnet = idx.get(nic.subnet, 'subnet');
    const f = subnet ? fabrics.get(subnet.vnet) : undefined;
    if (f && !fabricOfVm.has(nic.vm)) fabricOfVm.set(nic.vm, f);
  }
  // Members are named after their VM: "name (id)" when two VMs share a name, so they stay apart.
  const named = new Map<string, number>();
  for (const h of hosts.values()) named.set(h.name, (named.get(h.name) ?? 0) + 1);
  const name = (vm: string, ipConfig: string, single: boolean) => {
    const h = hosts.get(vm);
    const n = h === undefined ? vm : named.get(h.name)! > 1 ? `${h.name} (${h.id})` : h.name;
    return single ? n : `${n}/${ipConfig}`;
  };
  for (const res of idx.ofKind('loadBalancer')) {
    const r = lbSetupOf(idx, res.id, mode, name);
    if (r === null) continue;
    const members = new Map<number, { host: Host; fabric: VnetFabric }>();
    for (const d of r.dips) {
      const host = hosts.get(d.vm);
      const fabric = fabricOfVm.get(d.vm);
      if (host && fabric) members.set(d.dip, { host, fabric });
    }
    if (mode === 'packets' && r.setup.probes.length > 0)
      for (const m of members.values()) {
        if (fabricsWithProber.has(m.fabric)) continue;
        fabricsWithProber.add(m.fabric);
        const id = fabricsWithProber.size === 1 ? 'azure-probe' : `azure-probe-${m.fabric.id}`;
        const h = new Host(ctx, id, `Azure health probe (168.63.129.16)`, 'vm', { ...defaultProbeStack, answersPing: false }, ctx.rng.stream(`host:${id}`));
        const l = link(end(h, 'eth0', macFromIndex(0x20000 + fabricsWithProber.size)), end(m.fabric, id, AZURE_GATEWAY_MAC), nicLatencyUs);
        h.addIface({ name: 'eth0', ips: [PROBE_SOURCE_IP], link: l }, true);
        m.fabric.addPort({ nicId: id, hostName: h.name, link: l, ips: [PROBE_SOURCE_IP], forwarding: false });
        plane.addProber(m.fabric, h);
      }
    plane.add({ id: res.id, setup: r.setup, members });
  }
  if (plane.size === 0) return null;
  for (const f of fabrics.values()) f.lb = plane;
  return plane;
}

/** The probe host's TCP: one SYN, no retries (an unanswered probe is a timeout, counted by the engine). */
const defaultProbeStack = { synRetries: 0, ephemeralPortRange: [1024, 65535] as const, finTimeoutSeconds: 60 };

/**
 * Load balancer frontends: routed to their VNet, and remembered so that a packet to one that no
 * rule, SNAT mapping or chain takes is dropped with that reason. (NAT gateway and SNAT addresses
 * are routed by the SnatPlane's onRoute as ipconfigs bind to them.)
 */
function registerPendingFrontends(idx: ResourceIndex, fabrics: Map<string, VnetFabric>, internet: Internet): void {
  const vnetOfSubnet = (id: string | undefined) => (id ? idx.get(id, 'subnet')?.vnet : undefined);
  const first = fabrics.values().next().value;
  for (const lb of idx.ofKind('loadBalancer')) {
    const poolVnet = idx
      .ofKind('nic')
      .find((n) => n.ipConfigs.some((c) => c.loadBalancerBackendPools.some((p) => p.startsWith(`${lb.id}/`))));
    for (const f of lb.frontends) {
      const fabric = fabrics.get(vnetOfSubnet(f.subnet) ?? vnetOfSubnet(poolVnet?.subnet) ?? '') ?? first;
      if (!fabric) continue;
      const what = `frontend '${f.name}' of ${lb.sku} load balancer '${lb.name}'`;
      const pub = f.publicIp ? parseIpv4(idx.get(f.publicIp, 'publicIp')?.address ?? '') : null;
      if (pub !== null && fabric.internet) {
        fabric.pendingFrontends.set(pub, { resource: lb.id, what });
        if (!internet.routes.has(pub)) internet.routes.set(pub, fabric.internet);
      }
      const priv = f.privateIp ? parseIpv4(f.privateIp) : null;
      if (priv !== null) fabric.pendingFrontends.set(priv, { resource: lb.id, what });
    }
  }
}

/** Capture points; with captures off (no links given) they exist but record nothing. */
function attachCaptures(scenario: Scenario, idx: ResourceIndex, links: readonly Link[]): CaptureTap[] {
  const taps: CaptureTap[] = [];
  for (const c of scenario.captures) {
    const nic = idx.get(c.node, 'nic');
    const node = nic ? nic.vm : c.node;
    const iface = nic ? nic.id : c.iface;
    const tap = new CaptureTap(c.id, c.node, c.iface, c.filter);
    taps.push(tap);
    for (const l of links)
      for (const e of [l.a, l.b])
        if (e.node.id === node && (iface === undefined || e.iface === iface)) (e.taps ??= []).push(tap);
  }
  return taps;
}

/**
 * Sizes each host's socket table for the TCP connections the traffic will open from it and to it
 * (an upper bound: connections that close free their slots), so tables do not grow and rehash
 * while the run goes.
 */
function reserveSockets(scenario: Scenario, idx: ResourceIndex, hosts: Map<string, Host>, fabrics: Map<string, VnetFabric>): void {
  const byIp = new Map<number, Host>();
  for (const h of hosts.values()) for (const f of h.ifaces) for (const ip of f.ips) if (!byIp.has(ip)) byIp.set(ip, h);
  const need = new Map<Host, number>();
  const add = (h: Host | undefined, n: number) => {
    if (h) need.set(h, (need.get(h) ?? 0) + n);
  };
  for (const t of scenario.traffic) {
    if ((t.type !== 'tcp' && t.type !== 'tcpping') || t.count <= 0) continue;
    // At most what can be open at once: a held connection stays; one closed after holdMs keeps
    // its socket through TIME_WAIT (60 s) and then frees it; a TCP ping is reset at once.
    const lifeMs = t.type === 'tcpping' ? 1_000 : t.holdMs === undefined ? Infinity : t.holdMs + 65_000;
    const open = Math.min(t.count, Math.ceil(lifeMs / Math.max(t.intervalMs, 0.001)) + 1);
    add(hosts.get(t.from), open);
    const target = resolveTarget(idx, t.from, t.to);
    if (typeof target === 'string') continue;
    let to = byIp.get(target.ip);
    if (to === undefined)
      for (const f of fabrics.values()) {
        const b = f.ilpips.get(target.ip);
        if (b !== undefined) to = byIp.get(b.privateIp);
      }
    add(to, open);
  }
  for (const [h, n] of need) h.tcp.reserve(n);
}

function startTraffic(scenario: Scenario, idx: ResourceIndex, ctx: NetContext, hosts: Map<string, Host>): TcpPingGenerator[] {
  const pings: TcpPingGenerator[] = [];
  for (const t of scenario.traffic) {
    const host = hosts.get(t.from);
    if (!host) continue;
    const target = resolveTarget(idx, t.from, t.to);
    if (typeof target === 'string') {
      ctx.note(host.id, `traffic '${t.id}' cannot start: ${target}`);
      continue;
    }
    if (t.type === 'tcpping') {
      const g = new TcpPingGenerator(ctx, host, t, target, host.primaryIp);
      pings.push(g);
      g.schedule();
      continue;
    }
    const bind = t.type === 'tcp' && t.bind !== undefined ? parseIpv4(t.bind) : null;
    const src = bind ?? host.primaryIp;
    const rng = ctx.rng.stream(`traffic:${t.id}`);
    const g = t.type === 'tcp' ? new TcpGenerator(ctx, host, t, target, src, bind !== null) : new DatagramGenerator(ctx, host, t, target, src, rng);
    g.schedule();
  }
  return pings;
}

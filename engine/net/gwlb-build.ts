/**
 * Builds the gateway load balancer plane of one run (gwlb-plane.ts) from the scenario: one
 * GwlbNode per `loadBalancer` of SKU Gateway (its first private frontend, the pool its HA-ports
 * rule names, that pool's tunnel interfaces, the rule's probe), the NVAs in that pool (nva-node.ts,
 * each with engine/net/gwlb's LinuxNva and its `firewall` lines), a probe host at 168.63.129.16 in
 * the provider VNet (settings.healthProbes 'packets'), and the chains: every Standard public LB
 * frontend and every ILPIP ipconfig whose `gatewayLoadBalancer` names one.
 *
 * Not modelled: a GWLB with several frontends (the first private one serves every chain), NVAs in
 * another VNet than the GWLB frontend (Azure allows it; here the GWLB row warns and VXLAN to them
 * is dropped by the provider VNet).
 */
import type { Scenario } from '../model/scenario.ts';
import type { ResourceIndex } from '../model/references.ts';
import type { LoadBalancer } from '../model/kinds/load-balancer.ts';
import { hashName, mix32 } from '../sim/rng.ts';
import { macFromIndex, parseCidr, parseIpv4 } from '../wire/addr.ts';
import { AZURE_GATEWAY_MAC, type CaptureTap } from './capture.ts';
import type { Link, LinkEnd, NetContext, NetNode } from './context.ts';
import type { VnetFabric } from './fabric.ts';
import { checkChain, checkNvaFirewall, checkTunnels, GatewayLoadBalancer, LinuxNva, NVA_IFACES, tunnelsOf, type Consumer, type GatewayInfo, type NvaMember } from './gwlb/index.ts';
import { ChainPort, GwlbNode, GwlbPlane, type ChainDirection, type ConsumerSide } from './gwlb-plane.ts';
import { Host } from './host.ts';
import type { Internet } from './internet.ts';
import type { LatencyModel } from './latency/index.ts';
import { PROBE_SOURCE_IP } from './lb/index.ts';
import { ProbeAgent } from './lb-plane.ts';
import { NvaHost } from './nva-node.ts';
import { installServices } from './services.ts';

export interface GwlbBuildInput {
  readonly scenario: Scenario;
  readonly idx: ResourceIndex;
  readonly ctx: NetContext;
  readonly hosts: ReadonlyMap<string, Host>;
  readonly fabrics: ReadonlyMap<string, VnetFabric>;
  readonly internet: Internet;
  readonly link: (a: LinkEnd, b: LinkEnd, latency: number) => Link;
  readonly seed: number;
  /** settings.latency's model, or null (then every new link costs nicLatencyUs and the NVA nothing). */
  readonly latency: LatencyModel | null;
  readonly nicLatencyUs: number;
}

function end(node: NetNode, iface: string, mac: string): LinkEnd {
  return { node, iface, mac, taps: null, ifIndex: -1 };
}

const vnetOfSubnet = (idx: ResourceIndex, id: string | undefined) => (id ? idx.get(id, 'subnet')?.vnet : undefined);

/** The plane, or null when the scenario has neither a gateway load balancer nor an NVA. */
export function buildGwlbPlane(i: GwlbBuildInput): GwlbPlane | null {
  const { idx, ctx, hosts } = i;
  const plane = new GwlbPlane();
  const gateways = idx.ofKind('loadBalancer').filter((l) => l.sku === 'Gateway');
  const nvaResources = idx.ofKind('nva');
  if (gateways.length === 0 && nvaResources.length === 0) return null;
  const lat = (kind: 'gwlbProcessing' | 'vnetHop') => (i.latency ? i.latency.hop(kind) : i.nicLatencyUs);

  const infos: GatewayInfo[] = gateways.map((g) => ({
    id: g.id,
    name: g.name,
    sku: g.sku,
    frontends: g.frontends.map((f) => ({ name: f.name, internal: f.publicIp === undefined && f.publicIpPrefix === undefined })),
    pools: g.backendPools.map((p) => ({ name: p.name, tunnelInterfaces: p.tunnelInterfaces })),
  }));
  const nodes = new Map<string, GwlbNode>();
  gateways.forEach((gw, k) => {
    const node = buildGateway(i, plane, gw, k, lat);
    if (node === null) return;
    node.warnings.push(...checkTunnels(infos[k]!));
    nodes.set(gw.id, node);
    plane.nodes.push(node);
  });

  // Every NVA: its health service (python3 -m http.server 8080 in the article) and its iptables.
  for (const r of nvaResources) {
    const h = hosts.get(r.id);
    if (!(h instanceof NvaHost)) continue;
    installServices(h, [{ type: 'http-echo', port: r.healthPort, name: 'health', stopped: false }]);
    plane.nvaHosts.push(h);
    const nic = idx.ofKind('nic').find((n) => n.vm === r.id && n.primary) ?? idx.ofKind('nic').find((n) => n.vm === r.id);
    const sn = idx.get(nic?.subnet, 'subnet');
    const cidr = sn ? parseCidr(sn.addressPrefix) : null;
    const node = [...nodes.values()].find((n) => n.nvas.get(h.primaryIp) === h) ?? null;
    const setup = node?.engine.setup;
    const nva = new LinuxNva({
      name: h.name,
      ip: h.primaryIp,
      gwlbIp: setup?.frontendIp ?? 0,
      tunnelInterfaces: setup?.tunnelInterfaces ?? [],
      healthPort: r.healthPort,
      firewall: r.firewall,
      rng: ctx.rng.stream(`nva:${r.id}/nat`),
      seed: mix32((i.seed ^ hashName(r.id)) >>> 0),
    });
    const m = i.latency;
    const jitterRng = m !== null && m.settings.jitter > 0 ? ctx.rng.stream(`latency/nva:${r.id}`) : null;
    h.attach(nva, {
      gwlbName: node?.name ?? '',
      processingUs: m ? m.hop('nvaProcessing') : 0,
      jitter: jitterRng !== null && m !== null ? (base) => m.sample(base, jitterRng.nextFloat()) : null,
      nicId: nic?.id ?? '',
      subnet: sn && cidr ? { name: sn.name, cidr } : null,
    });
    if (node !== null) {
      for (const e of nva.firewallErrors) node.warnings.push(`${h.name}: ${e}`);
      for (const w of checkNvaFirewall(r.firewall)) node.warnings.push(`${h.name}: ${w}`);
    }
  }

  buildChains(i, plane, nodes, infos, lat('gwlbProcessing'));
  for (const n of plane.nodes) n.schedule();
  return plane;
}

/** One GWLB: its engine, its link to the provider VNet, its NVAs, its probe host. */
function buildGateway(i: GwlbBuildInput, plane: GwlbPlane, gw: LoadBalancer, k: number, lat: (kind: 'gwlbProcessing' | 'vnetHop') => number): GwlbNode | null {
  const { idx, ctx, hosts, fabrics } = i;
  const fe = gw.frontends.find((f) => f.privateIp !== undefined);
  const frontendIp = fe?.privateIp ? parseIpv4(fe.privateIp) : null;
  if (!fe || frontendIp === null) return null;
  const rule = gw.rules[0];
  const poolName = rule?.backendPool ?? gw.backendPools[0]?.name ?? '';
  const pool = gw.backendPools.find((p) => p.name === poolName);
  const tunnels = pool?.tunnelInterfaces ?? [];
  const probe = i.scenario.settings.healthProbes === 'packets' ? (gw.probes.find((p) => p.name === rule?.probe) ?? gw.probes[0]) : undefined;

  const members: { m: NvaMember; host: Host | undefined; vnet: string | undefined }[] = [];
  for (const nic of idx.ofKind('nic'))
    for (const c of nic.ipConfigs) {
      if (!c.loadBalancerBackendPools.includes(`${gw.id}/${poolName}`)) continue;
      const ip = parseIpv4(c.privateIp);
      const host = hosts.get(nic.vm);
      if (ip === null) continue;
      members.push({ m: { name: nic.ipConfigs.length === 1 ? (host?.name ?? nic.vm) : `${host?.name ?? nic.vm}/${c.name}`, ip }, host, vnet: vnetOfSubnet(idx, nic.subnet) });
    }
  const vnet = vnetOfSubnet(idx, fe.subnet) ?? members[0]?.vnet;
  const fabric = vnet !== undefined ? fabrics.get(vnet) : undefined;
  if (fabric === undefined) return null;

  const engine = new GatewayLoadBalancer(
    {
      name: gw.name,
      frontendIp,
      tunnelInterfaces: tunnels,
      nvas: members.map((x) => x.m),
      ...(probe ? { probe } : {}),
      noHealthyBackendsBehavior: gw.noHealthyBackendsBehavior,
      idleTimeoutInMinutes: rule?.idleTimeoutInMinutes ?? 4,
    },
    { seed: mix32((i.seed ^ hashName(gw.id)) >>> 0), start: ctx.now },
  );
  const node = new GwlbNode(ctx, gw.id, gw.name, engine, tunnelsOf(tunnels), poolName);
  const l = i.link(end(node, fabric.id, macFromIndex(0x30000 + k)), end(fabric, gw.id, AZURE_GATEWAY_MAC), lat('vnetHop'));
  node.provider = l;
  fabric.addPort({ nicId: gw.id, hostName: `gateway load balancer '${gw.name}'`, link: l, ips: [frontendIp], forwarding: false });
  fabric.gwlb = plane;
  for (const x of members) {
    if (x.host instanceof NvaHost) node.nvas.set(x.m.ip, x.host);
    else node.warnings.push(`${x.m.name} is in backend pool '${poolName}' but is not an NVA: nothing on it decapsulates the VXLAN the gateway load balancer sends.`);
    if (x.vnet !== vnet) node.warnings.push(`${x.m.name} is in another virtual network than the frontend ${fe.privateIp}: not simulated (its VXLAN is not routed).`);
  }
  if (probe) node.prober = new ProbeAgent<GwlbNode>(plane, probeHost(i, plane, fabric));
  return node;
}

/** The provider VNet's 168.63.129.16: the load balancers' probe host if it has one, else a new one. */
function probeHost(i: GwlbBuildInput, plane: GwlbPlane, fabric: VnetFabric): Host {
  const existing = fabric.byIp.get(PROBE_SOURCE_IP);
  const node = existing?.link.a.node;
  if (node instanceof Host) return node;
  const id = `azure-probe-${fabric.id}`;
  const h = new Host(i.ctx, id, 'Azure health probe (168.63.129.16)', 'vm', { synRetries: 0, ephemeralPortRange: [1024, 65535], finTimeoutSeconds: 60, answersPing: false }, i.ctx.rng.stream(`host:${id}`));
  const l = i.link(end(h, 'eth0', macFromIndex(0x20100 + plane.probed.size)), end(fabric, id, AZURE_GATEWAY_MAC), i.nicLatencyUs);
  h.addIface({ name: 'eth0', ips: [PROBE_SOURCE_IP], link: l }, true);
  fabric.addPort({ nicId: id, hostName: h.name, link: l, ips: [PROBE_SOURCE_IP], forwarding: false });
  plane.probed.add(fabric);
  return h;
}

/** Chains: Standard public LB frontends and ILPIP ipconfigs that name a GWLB frontend. */
function buildChains(i: GwlbBuildInput, plane: GwlbPlane, nodes: ReadonlyMap<string, GwlbNode>, infos: readonly GatewayInfo[], latencyUs: number): void {
  const { idx } = i;
  const sides = new Map<string, ConsumerSide>();
  const chain = (c: Consumer, publicIpId: string | undefined, what: string) => {
    const ref = c.gatewayLoadBalancer ?? '';
    const node = nodes.get(ref.slice(0, Math.max(0, ref.lastIndexOf('/'))) || ref);
    const problems = checkChain(c, infos);
    if (node === undefined) {
      i.ctx.note(c.kind === 'lb-frontend' ? c.lb : c.vm, `not chained: ${problems.join(' ') || `gatewayLoadBalancer "${ref}" is not simulated`}`);
      return;
    }
    for (const p of problems) if (!node.warnings.includes(p)) node.warnings.push(p);
    // Azure refuses these; the chain is not made.
    if (c.kind === 'lb-frontend' ? c.sku !== 'Standard' || !c.isPublic : !c.hasPublicIp) return;
    const pub = parseIpv4(idx.get(publicIpId, 'publicIp')?.address ?? '');
    const route = pub !== null ? i.internet.routes.get(pub) : undefined;
    const fabric = [...i.fabrics.values()].find((f) => f.internet !== null && f.internet === route);
    if (pub === null || fabric === undefined) return;
    const key = `${fabric.id}|${node.id}`;
    let side = sides.get(key);
    if (side === undefined) {
      side = sideOf(i, fabric, node, latencyUs);
      sides.set(key, side);
    }
    fabric.gwlb = plane;
    const cc = { publicIp: pub, what, fabric, gw: node, side };
    plane.chains.set(pub, cc);
    node.consumers.push(cc);
  };
  for (const lb of idx.ofKind('loadBalancer')) {
    if (lb.sku === 'Gateway') continue;
    for (const f of lb.frontends) {
      if (f.gatewayLoadBalancer === undefined) continue;
      const c: Consumer = { kind: 'lb-frontend', lb: lb.name, sku: lb.sku, frontend: f.name, isPublic: f.publicIp !== undefined, gatewayLoadBalancer: f.gatewayLoadBalancer };
      chain(c, f.publicIp, `frontend '${f.name}' of load balancer '${lb.name}'`);
    }
  }
  for (const nic of idx.ofKind('nic'))
    for (const cfg of nic.ipConfigs) {
      if (cfg.gatewayLoadBalancer === undefined) continue;
      const vm = i.hosts.get(nic.vm)?.name ?? nic.vm;
      const c: Consumer = { kind: 'ilpip', vm, ipconfig: cfg.name, hasPublicIp: cfg.publicIp !== undefined, gatewayLoadBalancer: cfg.gatewayLoadBalancer };
      chain(c, cfg.publicIp, `instance-level public IP of ${vm} (${cfg.name})`);
    }
}

/** The two links (ingress, egress) between a consumer VNet and a GWLB. */
function sideOf(i: GwlbBuildInput, fabric: VnetFabric, node: GwlbNode, latencyUs: number): ConsumerSide {
  const make = (direction: ChainDirection) => {
    const port = new ChainPort(fabric, direction);
    const l = i.link(end(port, node.id, AZURE_GATEWAY_MAC), end(node, fabric.id, macFromIndex(0x31000 + node.sides.length)), latencyUs);
    return { port, l };
  };
  const ing = make('ingress');
  const eg = make('egress');
  const side: ConsumerSide = { fabric, links: { ingress: ing.l, egress: eg.l }, ports: { ingress: ing.port, egress: eg.port } };
  for (const [direction, l] of [['ingress', ing.l], ['egress', eg.l]] as const) {
    l.endOf(node).ifIndex = node.sides.length;
    node.sides.push({ side, direction });
  }
  return side;
}

/**
 * Captures on an NVA's virtual interfaces (vxlan-ex, vxlan-in, br0: the inner frame) and on
 * "eth0" (its primary NIC, as the article's `tcpdump -ni eth0`). Call after attachCaptures, only
 * when captures are recorded.
 */
export function attachNvaTaps(plane: GwlbPlane, taps: readonly CaptureTap[]): void {
  const virtual: string[] = [NVA_IFACES.External, NVA_IFACES.Internal, NVA_IFACES.bridge];
  for (const tap of taps)
    for (const h of plane.nvaHosts) {
      if (tap.node !== h.id || tap.iface === undefined) continue;
      if (virtual.includes(tap.iface)) h.addVirtualTap(tap.iface, tap);
      else if (tap.iface === NVA_IFACES.underlay) {
        const e = h.ifaces[0]?.link?.endOf(h);
        if (e) (e.taps ??= []).push(tap);
      }
    }
}

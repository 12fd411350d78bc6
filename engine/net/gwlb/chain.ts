/**
 * The chain from a consumer to a gateway load balancer (§D.1): a Standard public LB frontend, or a
 * NIC IP configuration with an instance-level public IP, references a GWLB frontend by
 * `gatewayLoadBalancer: "gwlbId/frontendName"`. This file checks such a reference and lists the
 * hops a packet takes, in order, for the trace and for the latency model. The return path is the
 * same hops in reverse order (the article: "5 -> 4 -> 3 -> 2 -> 1").
 */
import type { TunnelInterface } from '../../model/kinds/load-balancer.ts';

export type Consumer =
  | { kind: 'lb-frontend'; lb: string; sku: 'Basic' | 'Standard' | 'Gateway'; frontend: string; isPublic: boolean; gatewayLoadBalancer?: string }
  | { kind: 'ilpip'; vm: string; ipconfig: string; hasPublicIp: boolean; gatewayLoadBalancer?: string };

/** What the checks need to know about a gateway load balancer resource. */
export interface GatewayInfo {
  id: string;
  name: string;
  sku: 'Basic' | 'Standard' | 'Gateway';
  frontends: { name: string; internal: boolean }[];
  pools: { name: string; tunnelInterfaces: TunnelInterface[] }[];
}

function consumerName(c: Consumer): string {
  return c.kind === 'lb-frontend' ? `frontend '${c.frontend}' of ${c.lb}` : `IP configuration '${c.ipconfig}' of ${c.vm}`;
}

/** Sentences about a consumer's chain; empty when it is valid or not chained. */
export function checkChain(c: Consumer, gateways: readonly GatewayInfo[]): string[] {
  const ref = c.gatewayLoadBalancer;
  if (ref === undefined) return [];
  const who = consumerName(c);
  const out: string[] = [];
  if (c.kind === 'lb-frontend') {
    if (c.sku !== 'Standard') out.push(`${who}: only a Standard load balancer's frontend can chain to a gateway load balancer (this one is ${c.sku}).`);
    if (!c.isPublic) out.push(`${who}: only a public frontend can chain to a gateway load balancer.`);
  } else if (!c.hasPublicIp) {
    out.push(`${who}: a VM's IP configuration must already have a public IP before it can chain to a gateway load balancer.`);
  }
  const slash = ref.lastIndexOf('/');
  const gwId = slash < 0 ? ref : ref.slice(0, slash);
  const feName = slash < 0 ? '' : ref.slice(slash + 1);
  const gw = gateways.find((g) => g.id === gwId);
  if (!gw) return [...out, `${who}: gatewayLoadBalancer "${ref}" names no load balancer.`];
  if (gw.sku !== 'Gateway') out.push(`${who}: ${gw.name} is a ${gw.sku} load balancer; a chain needs one of SKU Gateway.`);
  const fe = gw.frontends.find((f) => f.name === feName);
  if (!fe) out.push(`${who}: ${gw.name} has no frontend '${feName}'.`);
  else if (!fe.internal) out.push(`${who}: the gateway load balancer's frontend '${feName}' must be private.`);
  return [...out, ...checkTunnels(gw)];
}

/** Each pool: at most 2 tunnel interfaces, one Internal and one External, distinct ports and VNIs. */
export function checkTunnels(gw: GatewayInfo): string[] {
  const out: string[] = [];
  for (const p of gw.pools) {
    const t = p.tunnelInterfaces;
    if (t.length === 0) {
      out.push(`${gw.name}: pool '${p.name}' has no tunnel interfaces (portal defaults: Internal 10800/VNI 800, External 10801/VNI 801).`);
      continue;
    }
    for (const type of ['Internal', 'External'] as const) {
      if (t.filter((x) => x.type === type).length > 1) out.push(`${gw.name}: pool '${p.name}' has more than one ${type} tunnel interface.`);
    }
    if (t.length === 2 && t[0]!.port === t[1]!.port) out.push(`${gw.name}: pool '${p.name}': the Internal and External tunnels both use UDP port ${t[0]!.port}.`);
    if (t.length === 2 && t[0]!.identifier === t[1]!.identifier) out.push(`${gw.name}: pool '${p.name}': the Internal and External tunnels both use VNI ${t[0]!.identifier}.`);
  }
  return out;
}

export interface ChainHop {
  at: 'internet' | 'consumer' | 'gwlb' | 'nva' | 'vm';
  /** For hops that enter or leave a tunnel. */
  tunnel?: 'Internal' | 'External';
  text: string;
}

/** The hops of one direction through a chained consumer. Egress is ingress reversed. */
export function chainHops(c: Consumer, gwlbName: string, nvaName: string, direction: 'ingress' | 'egress'): ChainHop[] {
  const who = consumerName(c);
  const target = c.kind === 'lb-frontend' ? 'the backend VM chosen by the load-balancing rule' : c.vm;
  const ingress: ChainHop[] = [
    { at: 'internet', text: 'client on the Internet' },
    { at: 'consumer', text: `${who} (public IP), chained to ${gwlbName}` },
    { at: 'gwlb', tunnel: 'External', text: `${gwlbName} encapsulates toward ${nvaName} on the External tunnel` },
    { at: 'nva', text: `${nvaName} bridges vxlan-ex to vxlan-in through its FORWARD rules` },
    { at: 'gwlb', tunnel: 'Internal', text: `${gwlbName} receives it back on the Internal tunnel` },
    { at: 'consumer', text: `${who} delivers it` },
    { at: 'vm', text: target },
  ];
  if (direction === 'ingress') return ingress;
  return ingress
    .slice()
    .reverse()
    .map((h) => {
      if (h.at === 'gwlb' && h.tunnel === 'Internal') return { at: 'gwlb', tunnel: 'Internal', text: `${gwlbName} encapsulates toward ${nvaName} on the Internal tunnel` };
      if (h.at === 'gwlb' && h.tunnel === 'External') return { at: 'gwlb', tunnel: 'External', text: `${gwlbName} receives it back on the External tunnel` };
      if (h.at === 'nva') return { at: 'nva', text: `${nvaName} bridges vxlan-in to vxlan-ex through its FORWARD rules` };
      if (h.at === 'consumer' && h.text.endsWith('delivers it')) return { at: 'consumer', text: `${who} rewrites the source back to its public IP, chained to ${gwlbName}` };
      if (h.at === 'consumer') return { at: 'consumer', text: `${who} sends it to the Internet` };
      return h;
    });
}

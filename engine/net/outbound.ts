/**
 * Outbound connectivity: which mechanism carries a VM ipconfig's traffic to the Internet, and
 * why. Reference: shared/reference/cloud-nat-lb.md §A.1 (precedence) and §A.2 (decision rules):
 *
 *   NAT gateway on the subnet > instance-level public IP > LB outbound rule > LB load-balancing
 *   rule SNAT > (a Standard LB pool without either: no outbound) > default outbound access > none
 *
 * Each mechanism is a module implementing OutboundMechanism: `applies` says, as data with a
 * sentence, whether it carries this ipconfig (or why not), and `translate` handles a packet that
 * leaves the VNet. The chain asks them in order; the first that applies wins. The decision is made
 * once per ipconfig when the graph is built (and shown by Simulation.outboundPaths()).
 *
 * Simulated now: ILPIP (outbound-ilpip.ts) and "no outbound". NAT gateway SNAT, LB SNAT port
 * allocation and default outbound access are the next issue's: their packets are dropped with
 * code 'not-simulated' and a reason naming the mechanism.
 */
import { parseIpv4 } from '../wire/addr.ts';
import {
  notSimulated,
  publicAddresses,
  type OutboundDecision,
  type OutboundKind,
  type OutboundMechanism,
  type OutboundPath,
  type OutboundSubject,
} from './outbound-types.ts';
import { ilpipMechanism } from './outbound-ilpip.ts';
import { lbOutboundRuleMechanism, lbRuleSnatMechanism, standardLbNoOutbound } from './outbound-lb.ts';

export const natGatewayMechanism = notSimulated('nat-gateway', (s) => {
  const ng = s.idx.get(s.subnet.natGateway, 'natGateway');
  if (!ng) return { skip: `its subnet '${s.subnet.name}' has no NAT gateway` };
  const ips = publicAddresses(s.idx, ng.publicIps);
  const prefixes = ng.publicIpPrefixes.map((id) => s.idx.get(id, 'publicIpPrefix')?.prefix ?? id);
  const all = [...ips, ...prefixes];
  return {
    explanation: {
      mechanism: 'nat-gateway',
      publicIps: all,
      protocols: ['tcp', 'udp', 'icmp'],
      resource: ng.id,
      sentence: `its subnet '${s.subnet.name}' has NAT gateway '${ng.name}'${all.length ? ` (${all.join(', ')})` : ''}, which takes precedence over every other outbound method.`,
    },
  };
});

export const defaultOutboundMechanism = notSimulated('default-outbound', (s) => {
  if (!s.subnet.defaultOutboundAccess) return { skip: `its subnet '${s.subnet.name}' is private (defaultOutboundAccess false)` };
  return {
    explanation: {
      mechanism: 'default-outbound',
      publicIps: [],
      protocols: ['tcp', 'udp', 'icmp'],
      sentence: `it has no NAT gateway, public IP or load balancer outbound path, so Azure's default outbound access gives it a Microsoft-owned public IP that it does not own and that may change.`,
    },
  };
});

/** The end of the chain: nothing carries this ipconfig out. */
export const noOutbound: OutboundMechanism = {
  kind: 'none',
  simulated: true,
  applies: (s) => ({
    explanation: {
      mechanism: 'none',
      publicIps: [],
      protocols: [],
      sentence: `${s.vmName} (${s.ipConfig.privateIp}) has no outbound path: its subnet '${s.subnet.name}' is private (defaultOutboundAccess false); it has no public IP, its subnet has no NAT gateway and no load balancer gives it outbound SNAT.`,
    },
  }),
  translate(p, { path }, io) {
    // The platform drops egress silently: no RST, no ICMP (reference §A.2 item 2).
    io.ctx.drop(io.id, p, 'no-outbound', path.explanation);
  },
};

/** The chain, highest precedence first. */
export const OUTBOUND_CHAIN: readonly OutboundMechanism[] = [
  natGatewayMechanism,
  ilpipMechanism,
  lbOutboundRuleMechanism,
  lbRuleSnatMechanism,
  standardLbNoOutbound,
  defaultOutboundMechanism,
  noOutbound,
];

export type { OutboundDecision, OutboundKind, OutboundPath, OutboundSubject, OutboundMechanism } from './outbound-types.ts';


/** Asks the chain, in order, which mechanism carries this ipconfig's traffic out. */
export function decideOutbound(s: OutboundSubject, chain: readonly OutboundMechanism[] = OUTBOUND_CHAIN): OutboundDecision {
  const considered: { mechanism: OutboundKind; applies: boolean; why: string }[] = [];
  for (const m of chain) {
    const a = m.applies(s);
    if ('skip' in a) {
      considered.push({ mechanism: m.kind, applies: false, why: a.skip });
      continue;
    }
    const e = a.explanation;
    considered.push({ mechanism: m.kind, applies: true, why: e.sentence });
    const path: OutboundPath = {
      vm: s.vmId,
      nic: s.nic.id,
      ipConfig: s.ipConfig.name,
      privateIp: s.ipConfig.privateIp,
      mechanism: e.mechanism,
      simulated: m.simulated,
      publicIps: e.publicIps,
      protocols: e.protocols,
      explanation: e.sentence,
      ...(e.resource !== undefined ? { resource: e.resource } : {}),
      considered,
    };
    const first = e.publicIps[0];
    return { path, mechanism: m, publicIp: first !== undefined ? (parseIpv4(first) ?? 0) : 0 };
  }
  throw new Error('the outbound chain must end with a mechanism that always applies');
}

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
 * Every mechanism is simulated: ILPIP (outbound-ilpip.ts) rewrites statelessly; NAT gateway,
 * outbound rules, load-balancing-rule SNAT and default outbound access translate through the
 * run's SNAT devices (snat-plane.ts over engine/net/snat); "no outbound" drops silently.
 */
import { cidrSize, parseCidr, parseIpv4 } from '../wire/addr.ts';
import { groupDigits } from './snat/index.ts';
import {
  MECHANISM_LABEL,
  publicAddresses,
  viaSnat,
  type OutboundDecision,
  type OutboundKind,
  type OutboundMechanism,
  type OutboundPath,
  type OutboundSubject,
} from './outbound-types.ts';
import { ilpipMechanism } from './outbound-ilpip.ts';
import { cloudNatApplies } from './outbound-cloud.ts';
import { lbOutboundRuleMechanism, lbRuleSnatMechanism, standardLbNoOutbound } from './outbound-lb.ts';

/** Ports a NAT gateway has: 64,512 per address, shared on demand (§B). */
const NATGW_PORTS_PER_IP = 64_512;
/** Default outbound access: a standalone VM counts as a pool of 1 (2018 doc, §A.3) [our choice: DOA's port count today is unconfirmed]. */
export const DEFAULT_OUTBOUND_PORTS = 1024;

export const natGatewayMechanism = viaSnat('nat-gateway', (s) => {
  const other = cloudNatApplies(s);
  if (other) return other;
  const ng = s.idx.get(s.subnet.natGateway, 'natGateway');
  if (!ng) return { skip: `its subnet '${s.subnet.name}' has no NAT gateway` };
  const ips = publicAddresses(s.idx, ng.publicIps);
  const prefixes = ng.publicIpPrefixes.map((id) => s.idx.get(id, 'publicIpPrefix')?.prefix ?? id);
  const all = [...ips, ...prefixes];
  let addresses = ips.length;
  for (const id of ng.publicIpPrefixes) {
    const c = parseCidr(s.idx.get(id, 'publicIpPrefix')?.prefix ?? '');
    if (c) addresses += cidrSize(c);
  }
  const total = addresses * NATGW_PORTS_PER_IP;
  return {
    explanation: {
      mechanism: 'nat-gateway',
      publicIps: all,
      protocols: ['tcp', 'udp'],
      resource: ng.id,
      snatPorts: total,
      ports: `on demand from ${groupDigits(total)} ports (64,512 per public IP × ${addresses}), shared by every VM of the subnets it serves; idle timeout ${ng.idleTimeoutInMinutes} min`,
      snat: { kind: 'nat-gateway', natGateway: ng.id },
      sentence: `its subnet '${s.subnet.name}' has NAT gateway '${ng.name}'${all.length ? ` (${all.join(', ')})` : ''}, which takes precedence over every other outbound method.`,
    },
  };
});

export const defaultOutboundMechanism = viaSnat('default-outbound', (s) => {
  if (!s.subnet.defaultOutboundAccess) return { skip: `its subnet '${s.subnet.name}' is private (defaultOutboundAccess false)` };
  return {
    explanation: {
      mechanism: 'default-outbound',
      publicIps: [],
      protocols: ['tcp', 'udp'],
      snatPorts: DEFAULT_OUTBOUND_PORTS,
      ports: `${groupDigits(DEFAULT_OUTBOUND_PORTS)} SNAT ports (counted as a pool of one)`,
      snat: { kind: 'default-outbound' },
      sentence: `it has no NAT gateway, public IP or load balancer outbound path, so Azure's default outbound access gives it a Microsoft-owned public IP that it does not own and that changes when the VM is redeployed.`,
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
  for (let i = 0; i < chain.length; i++) {
    const m = chain[i]!;
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
      ...(e.snatPorts !== undefined ? { snatPorts: e.snatPorts } : {}),
      ...(e.ports !== undefined ? { ports: e.ports } : {}),
      considered,
      overrides: overridden(s, chain.slice(i + 1), m.kind),
    };
    const first = e.publicIps[0];
    return { path, mechanism: m, publicIp: first !== undefined ? (parseIpv4(first) ?? 0) : 0, ...(e.snat ? { snat: e.snat } : {}) };
  }
  throw new Error('the outbound chain must end with a mechanism that always applies');
}

/** The mechanisms below the winner that would carry the ipconfig too: what the winner overrides. */
function overridden(s: OutboundSubject, rest: readonly OutboundMechanism[], winner: OutboundKind): { mechanism: OutboundKind; why: string }[] {
  const out: { mechanism: OutboundKind; why: string }[] = [];
  if (winner === 'none') return out;
  for (const m of rest) {
    if (m.kind === 'none') continue;
    const a = m.applies(s);
    if ('skip' in a) continue;
    out.push({ mechanism: m.kind, why: `${MECHANISM_LABEL[winner]} takes precedence over ${MECHANISM_LABEL[m.kind]}, which would apply because ${a.explanation.sentence}` });
  }
  return out;
}

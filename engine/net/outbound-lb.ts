/**
 * The load balancer links of the outbound chain (reference §A.1, §A.2):
 * - an outbound rule on a Standard public LB (explicit SNAT ports; primary ipconfig only);
 * - implicit SNAT from a load-balancing rule (Basic: always; Standard: unless the rule sets
 *   disableOutboundSnat, and only for the rule's protocol);
 * - a Standard LB pool with neither: no outbound at all (an internal Standard LB, or a public one
 *   whose rules disable outbound SNAT). The platform drops the packets silently.
 * The SNAT data plane (port allocation, §A.3-A.8) is the next issue's: not simulated yet.
 */
import type { LbRule, LoadBalancer } from '../model/kinds/load-balancer.ts';
import { splitSubRef } from '../model/primitives.ts';
import { notSimulated, publicAddresses, type OutboundMechanism, type OutboundProto, type OutboundSubject } from './outbound-types.ts';

interface PoolMembership {
  readonly ref: string;
  readonly lb: LoadBalancer;
  readonly pool: string;
}

function memberships(s: OutboundSubject): PoolMembership[] {
  const out: PoolMembership[] = [];
  for (const ref of s.ipConfig.loadBalancerBackendPools) {
    const [lbId, pool] = splitSubRef(ref);
    const lb = s.idx.get(lbId, 'loadBalancer');
    if (lb && lb.sku !== 'Gateway') out.push({ ref, lb, pool });
  }
  return out;
}

function isPublic(lb: LoadBalancer, frontend: string): boolean {
  const f = lb.frontends.find((x) => x.name === frontend);
  return f !== undefined && (f.publicIp !== undefined || f.publicIpPrefix !== undefined);
}

function frontendAddresses(s: OutboundSubject, lb: LoadBalancer, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    const f = lb.frontends.find((x) => x.name === name);
    if (f?.publicIp) out.push(...publicAddresses(s.idx, [f.publicIp]));
    else if (f?.publicIpPrefix) out.push(s.idx.get(f.publicIpPrefix, 'publicIpPrefix')?.prefix ?? f.publicIpPrefix);
  }
  return out;
}

function protocolsOf(p: 'Tcp' | 'Udp' | 'All'): OutboundProto[] {
  return p === 'Tcp' ? ['tcp'] : p === 'Udp' ? ['udp'] : ['tcp', 'udp'];
}

function quoteList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}

export const lbOutboundRuleMechanism: OutboundMechanism = notSimulated('lb-outbound-rule', (s) => {
  const ms = memberships(s);
  if (ms.length === 0) return { skip: 'it is in no load balancer backend pool' };
  if (!s.ipConfig.primary) return { skip: `outbound rules apply only to a NIC's primary ipconfig, and ${s.ipConfig.name} is secondary` };
  for (const m of ms) {
    const rule = m.lb.sku === 'Standard' ? m.lb.outboundRules.find((r) => r.backendPool === m.pool) : undefined;
    if (!rule) continue;
    const ips = frontendAddresses(s, m.lb, rule.frontends);
    return {
      explanation: {
        mechanism: 'lb-outbound-rule',
        publicIps: ips,
        protocols: protocolsOf(rule.protocol),
        resource: m.lb.id,
        sentence: `it is in backend pool '${m.ref}', and outbound rule '${rule.name}' of load balancer '${m.lb.name}' SNATs it to ${ips.join(', ') || 'the rule frontends'} (${rule.allocatedOutboundPorts || 'default table'} ports per instance, ${rule.protocol}).`,
      },
    };
  }
  return { skip: `no load balancer it is in has an outbound rule for its pool (${ms.map((m) => `'${m.ref}'`).join(', ')})` };
});

function snatRules(m: PoolMembership): LbRule[] {
  return m.lb.rules.filter((r) => r.backendPool === m.pool && isPublic(m.lb, r.frontend) && (m.lb.sku === 'Basic' || !r.disableOutboundSnat));
}

export const lbRuleSnatMechanism: OutboundMechanism = notSimulated('lb-rule-snat', (s) => {
  const ms = memberships(s);
  if (ms.length === 0) return { skip: 'it is in no load balancer backend pool' };
  if (!s.ipConfig.primary) return { skip: `load balancer SNAT applies only to a NIC's primary ipconfig, and ${s.ipConfig.name} is secondary` };
  for (const m of ms) {
    const rules = snatRules(m);
    const first = rules[0];
    if (!first) continue;
    const protocols = m.lb.sku === 'Basic' ? (['tcp', 'udp'] as OutboundProto[]) : [...new Set(rules.flatMap((r) => protocolsOf(r.protocol)))];
    const ips = frontendAddresses(s, m.lb, [first.frontend]);
    return {
      explanation: {
        mechanism: 'lb-rule-snat',
        publicIps: ips,
        protocols,
        resource: m.lb.id,
        sentence: `it is in backend pool '${m.ref}', and load-balancing rule '${first.name}' of ${m.lb.sku} load balancer '${m.lb.name}' SNATs its outbound ${protocols.join('/').toUpperCase()} to the frontend ${ips.join(', ')} with ports from the default table.`,
      },
    };
  }
  return { skip: `no load-balancing rule of a public load balancer gives its pool outbound SNAT` };
});

/** Why a Standard LB pool gives no outbound: the rules' side of the sentence. */
function whyNoSnat(m: PoolMembership): string {
  const rules = m.lb.rules.filter((r) => r.backendPool === m.pool);
  if (!m.lb.frontends.some((f) => f.publicIp !== undefined || f.publicIpPrefix !== undefined))
    return 'it is internal (an internal Standard load balancer gives no outbound access)';
  if (rules.length === 0) return 'no load-balancing rule uses that pool';
  const disabling = rules.filter((r) => r.disableOutboundSnat).map((r) => r.name);
  const verb = disabling.length === 1 ? 'disables' : 'disable';
  return `${disabling.length === 1 ? 'rule' : 'rules'} ${quoteList(disabling)} ${verb} outbound SNAT`;
}

/** A Standard LB pool member with no outbound rule and no SNAT-ing rule: no outbound at all. */
export const standardLbNoOutbound: OutboundMechanism = {
  kind: 'none',
  simulated: true,
  applies(s) {
    const m = memberships(s).find((x) => x.lb.sku === 'Standard');
    if (!m) return { skip: 'it is in no Standard load balancer backend pool' };
    return {
      explanation: {
        mechanism: 'none',
        publicIps: [],
        protocols: [],
        resource: m.lb.id,
        sentence: `${s.vmName} (${s.ipConfig.privateIp}) has no outbound path: it is in backend pool '${m.ref}' of Standard load balancer '${m.lb.name}', which has no outbound rule, and ${whyNoSnat(m)}; it has no public IP and its subnet has no NAT gateway.`,
      },
    };
  },
  translate(p, { path }, io) {
    // Silently dropped at the VNet edge: no RST, no ICMP (reference §A.2 items 2-3).
    io.ctx.drop(io.id, p, 'no-outbound', path.explanation);
  },
};

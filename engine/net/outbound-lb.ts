/**
 * The load balancer links of the outbound chain (reference §A.1, §A.2):
 * - an outbound rule on a Standard public LB (explicit SNAT ports; primary ipconfig only);
 * - implicit SNAT from a load-balancing rule (Basic: always; Standard: unless the rule sets
 *   disableOutboundSnat, and only for the rule's protocol);
 * - a Standard LB pool with neither: no outbound at all (an internal Standard LB, or a public one
 *   whose rules disable outbound SNAT). The platform drops the packets silently.
 * The SNAT data plane (port allocation, §A.3-A.8) is snat-plane.ts with engine/net/snat's
 * AzureLbSnat; these modules decide and explain.
 */
import type { LbRule, LoadBalancer } from '../model/kinds/load-balancer.ts';
import { splitSubRef } from '../model/primitives.ts';
import type { ResourceIndex } from '../model/references.ts';
import { cidrSize, parseCidr } from '../wire/addr.ts';
import { defaultSnatPorts, groupDigits } from './snat/index.ts';
import { publicAddresses, viaSnat, type OutboundMechanism, type OutboundProto, type OutboundSubject } from './outbound-types.ts';

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

/**
 * Backend instances of a pool: the primary ipconfigs that name it (outbound SNAT is for primary
 * IPv4 ipconfigs only, §A.1), as [VM id, private IP] in document order.
 */
export function poolMembers(idx: ResourceIndex, lbId: string, pool: string): { vm: string; privateIp: string }[] {
  const ref = `${lbId}/${pool}`;
  const out: { vm: string; privateIp: string }[] = [];
  for (const nic of idx.ofKind('nic'))
    for (const c of nic.ipConfigs) if (c.primary && c.loadBalancerBackendPools.includes(ref)) out.push({ vm: nic.vm, privateIp: c.privateIp });
  return out;
}

/** How many public addresses a frontend gives (a prefix gives all of its addresses). */
export function frontendIpCount(idx: ResourceIndex, lb: LoadBalancer, names: readonly string[]): number {
  let n = 0;
  for (const name of names) {
    const f = lb.frontends.find((x) => x.name === name);
    if (f?.publicIp) n++;
    else if (f?.publicIpPrefix) {
      const c = parseCidr(idx.get(f.publicIpPrefix, 'publicIpPrefix')?.prefix ?? '');
      if (c) n += cidrSize(c);
    }
  }
  return n;
}

/** Ports per instance and how they are given: the rule's number, or the default table (§A.3). */
function portsPerInstance(configured: number, poolSize: number, who: string): { snatPorts: number | null; ports: string } {
  if (configured > 0) return { snatPorts: configured, ports: `${groupDigits(configured)} SNAT ports per instance (allocatedOutboundPorts of ${who})` };
  const d = defaultSnatPorts(poolSize);
  if (d === null) return { snatPorts: null, ports: `none: the default table covers pools of up to 1,000 instances and this pool has ${groupDigits(poolSize)}` };
  return { snatPorts: d, ports: `${groupDigits(d)} SNAT ports per instance from the default table (a pool of ${groupDigits(poolSize)} instance${poolSize === 1 ? '' : 's'})` };
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

export const lbOutboundRuleMechanism: OutboundMechanism = viaSnat('lb-outbound-rule', (s) => {
  const ms = memberships(s);
  if (ms.length === 0) return { skip: 'it is in no load balancer backend pool' };
  if (!s.ipConfig.primary) return { skip: `outbound rules apply only to a NIC's primary ipconfig, and ${s.ipConfig.name} is secondary` };
  for (const m of ms) {
    const rule = m.lb.sku === 'Standard' ? m.lb.outboundRules.find((r) => r.backendPool === m.pool) : undefined;
    if (!rule) continue;
    const ips = frontendAddresses(s, m.lb, rule.frontends);
    const ports = portsPerInstance(rule.allocatedOutboundPorts, poolMembers(s.idx, m.lb.id, m.pool).length, `outbound rule '${rule.name}'`);
    return {
      explanation: {
        mechanism: 'lb-outbound-rule',
        publicIps: ips,
        protocols: protocolsOf(rule.protocol),
        resource: m.lb.id,
        ...ports,
        snat: { kind: 'lb-outbound-rule', lb: m.lb.id, rule: rule.name, pool: m.pool },
        sentence: `it is in backend pool '${m.ref}', and outbound rule '${rule.name}' of load balancer '${m.lb.name}' SNATs it to ${ips.join(', ') || 'the rule frontends'} (${rule.allocatedOutboundPorts ? groupDigits(rule.allocatedOutboundPorts) : 'default table'} ports per instance, ${rule.protocol}, idle timeout ${rule.idleTimeoutInMinutes} min, TCP reset ${rule.enableTcpReset ? 'on' : 'off'}).`,
      },
    };
  }
  return { skip: `no load balancer it is in has an outbound rule for its pool (${ms.map((m) => `'${m.ref}'`).join(', ')})` };
});

/** The load-balancing rules that give a pool implicit SNAT (Basic: all public ones; Standard: unless disabled). */
export function snatRulesOf(lb: LoadBalancer, pool: string): LbRule[] {
  return lb.rules.filter((r) => r.backendPool === pool && isPublic(lb, r.frontend) && (lb.sku === 'Basic' || !r.disableOutboundSnat));
}

function snatRules(m: PoolMembership): LbRule[] {
  return snatRulesOf(m.lb, m.pool);
}

export const lbRuleSnatMechanism: OutboundMechanism = viaSnat('lb-rule-snat', (s) => {
  const ms = memberships(s);
  if (ms.length === 0) return { skip: 'it is in no load balancer backend pool' };
  if (!s.ipConfig.primary) return { skip: `load balancer SNAT applies only to a NIC's primary ipconfig, and ${s.ipConfig.name} is secondary` };
  for (const m of ms) {
    const rules = snatRules(m);
    const first = rules[0];
    if (!first) continue;
    const protocols = m.lb.sku === 'Basic' ? (['tcp', 'udp'] as OutboundProto[]) : [...new Set(rules.flatMap((r) => protocolsOf(r.protocol)))];
    const ips = frontendAddresses(s, m.lb, [first.frontend]);
    const ports = portsPerInstance(0, poolMembers(s.idx, m.lb.id, m.pool).length, `load-balancing rule '${first.name}'`);
    return {
      explanation: {
        mechanism: 'lb-rule-snat',
        publicIps: ips,
        protocols,
        resource: m.lb.id,
        ...ports,
        snat: { kind: 'lb-rule-snat', lb: m.lb.id, rule: first.name, pool: m.pool },
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

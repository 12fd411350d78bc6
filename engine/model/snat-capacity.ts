/**
 * The outbound-rule capacity check as the document sees it (reference §A.3, §A.4): ports per
 * instance (a multiple of 8; 0 = the default table by pool size) × pool size must fit in 64,000
 * ports per frontend IP, less a block of 8 for every load-balancing rule frontend port. The same
 * rule and sentences as engine/net/snat's checkOutboundAllocation, kept here because the model
 * does not import the data plane; engine/net/snat-capacity.test.ts checks that both agree.
 */
import type { LoadBalancer, OutboundRule } from './kinds/load-balancer.ts';

const PORTS_PER_IP = 64_000;
const BLOCK = 8;
const FIRST = 1024;
const LAST = 65_023;

/** §A.3: default SNAT ports per backend instance by pool size; null beyond 1,000 instances. */
export function defaultPortsFor(poolSize: number): number | null {
  if (poolSize <= 50) return 1024;
  if (poolSize <= 100) return 512;
  if (poolSize <= 200) return 256;
  if (poolSize <= 400) return 128;
  if (poolSize <= 800) return 64;
  if (poolSize <= 1000) return 32;
  return null;
}

/** "64000" -> "64,000" without locale data. */
export function digits(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** SNAT ports one frontend IP gives after its rules' frontend ports take their blocks. */
export function portsOfFrontendIp(reserved: readonly number[]): number {
  const inRange = new Set<number>();
  const outside = new Set<number>();
  for (const p of reserved) {
    const block = p - (p % BLOCK);
    if (p >= FIRST && p <= LAST) inRange.add(block);
    else outside.add(block);
  }
  return Math.max(0, PORTS_PER_IP / BLOCK - inRange.size - outside.size) * BLOCK;
}

export interface CapacityInput {
  readonly ruleName: string;
  readonly allocatedOutboundPorts: number;
  /** Per frontend IP, the frontend ports of the load-balancing rules on it. */
  readonly frontendIps: readonly (readonly number[])[];
  readonly instances: number;
}

/** Null when it fits; else the sentence, saying how many instances fit. */
export function outboundCapacityProblem(c: CapacityInput): string | null {
  if (c.frontendIps.length === 0) return null;
  let per = c.allocatedOutboundPorts;
  if (per === 0) {
    const d = defaultPortsFor(c.instances);
    if (d === null) return `the default SNAT allocation covers backend pools of up to 1,000 instances and this one has ${digits(c.instances)}: set allocatedOutboundPorts on outbound rule '${c.ruleName}'`;
    per = d;
  }
  const capacity = c.frontendIps.reduce((n, r) => n + portsOfFrontendIp(r), 0);
  const need = per * c.instances;
  if (need <= capacity) return null;
  const n = c.frontendIps.length;
  const fit = Math.floor(capacity / per);
  const perFit = Math.floor(capacity / c.instances / BLOCK) * BLOCK;
  const what = c.allocatedOutboundPorts === 0 ? `the default ${digits(per)} ports per instance` : `${digits(per)} ports per instance`;
  return `${what} × ${digits(c.instances)} instances needs ${digits(need)} ports but ${n} frontend IP${n === 1 ? ' gives' : 's give'} ${digits(capacity)}: at most ${digits(fit)} instance${fit === 1 ? '' : 's'} fit (or ${digits(perFit)} ports per instance for ${digits(c.instances)})`;
}

/** The capacity input of an outbound rule: its frontend IPs (a prefix counts each address) and pool size. */
export function capacityInputOf(lb: LoadBalancer, o: OutboundRule, prefixSize: (prefixId: string) => number, poolSize: number, ports = o.allocatedOutboundPorts): CapacityInput {
  const frontendIps: number[][] = [];
  for (const name of o.frontends) {
    const f = lb.frontends.find((x) => x.name === name);
    if (!f) continue;
    const reserved = lb.rules.filter((r) => r.frontend === name && r.frontendPort > 0).map((r) => r.frontendPort);
    const count = f.publicIp ? 1 : f.publicIpPrefix ? prefixSize(f.publicIpPrefix) : 0;
    for (let i = 0; i < count; i++) frontendIps.push(reserved);
  }
  return { ruleName: o.name, allocatedOutboundPorts: ports, frontendIps, instances: poolSize };
}

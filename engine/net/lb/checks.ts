/**
 * Validity of a load balancer's rule set, as sentences for the inspector (§C.2, §C.3, §C.4, §D.1).
 * An empty list means the set is accepted.
 */
import { ipv4ToString } from '../../wire/addr.ts';
import { isHaPorts } from './rules.ts';
import type { LbRule, LbSetup } from './types.ts';

/** Ports Azure refuses for HTTP(S) probes (§C.2 [C]). */
export const HTTP_PROBE_REFUSED_PORTS: readonly number[] = [19, 21, 25, 70, 110, 119, 143, 220, 993];

export function checkLbRules(setup: LbSetup): string[] {
  return [...checkReferences(setup), ...checkHaPorts(setup), ...checkUniqueDestinations(setup), ...checkProbes(setup)];
}

function checkReferences(setup: LbSetup): string[] {
  const out: string[] = [];
  const fe = new Set(setup.frontends.map((f) => f.name));
  const pools = new Set(setup.pools.map((p) => p.name));
  const probes = new Set(setup.probes.map((p) => p.name));
  for (const r of setup.rules) {
    if (!fe.has(r.frontend)) out.push(`Rule '${r.name}' names frontend '${r.frontend}', which ${setup.name} does not have.`);
    if (!pools.has(r.backendPool)) out.push(`Rule '${r.name}' names backend pool '${r.backendPool}', which ${setup.name} does not have.`);
    if (r.probe !== undefined && !probes.has(r.probe)) out.push(`Rule '${r.name}' names health probe '${r.probe}', which ${setup.name} does not have.`);
  }
  return out;
}

function checkHaPorts(setup: LbSetup): string[] {
  const out: string[] = [];
  const internal = new Map(setup.frontends.map((f) => [f.name, f.internal]));
  for (const r of setup.rules) {
    const ha = isHaPorts(r);
    if (r.protocol === 'All' && !ha) out.push(`Rule '${r.name}': protocol All is only for HA-ports rules (frontend port 0, backend port 0).`);
    if (r.frontendPort === 0 && r.protocol !== 'All') out.push(`Rule '${r.name}': frontend port 0 makes an HA-ports rule, which needs protocol All.`);
    if (ha && r.backendPort !== 0) out.push(`Rule '${r.name}': an HA-ports rule needs backend port 0, not ${r.backendPort}.`);
    if (ha && setup.sku === 'Basic') out.push(`Rule '${r.name}': HA ports need a Standard (or Gateway) load balancer; ${setup.name} is Basic.`);
    if (ha && internal.get(r.frontend) === false) out.push(`Rule '${r.name}': HA ports are for internal load balancers only; frontend '${r.frontend}' is public.`);
    if (!ha && setup.sku === 'Gateway') out.push(`Rule '${r.name}': a gateway load balancer takes HA-ports rules only (protocol All, ports 0).`);
  }
  // Per frontend: one HA-ports rule, DSR (floating IP) or not; a non-DSR one must be alone (§C.4).
  for (const f of setup.frontends) {
    const on = setup.rules.filter((r) => r.frontend === f.name);
    const ha = on.filter(isHaPorts);
    if (ha.length > 1) out.push(`Frontend '${f.name}' has ${ha.length} HA-ports rules (${names(ha)}); it may have one.`);
    const nonDsr = ha.filter((r) => !r.enableFloatingIP);
    if (nonDsr.length > 0 && on.length > 1) {
      out.push(`Frontend '${f.name}': HA-ports rule '${nonDsr[0]!.name}' without floating IP must be the only rule on its frontend, but ${names(on.filter((r) => r !== nonDsr[0]))} also use it.`);
    }
  }
  // No HA and non-HA rules to one pool (§C.4).
  for (const p of setup.pools) {
    const to = setup.rules.filter((r) => r.backendPool === p.name);
    const ha = to.filter(isHaPorts);
    const other = to.filter((r) => !isHaPorts(r));
    if (ha.length > 0 && other.length > 0) out.push(`Pool '${p.name}' is the target of HA-ports rule ${names(ha)} and of ordinary rule ${names(other)}; one pool cannot mix them.`);
  }
  return out;
}

/**
 * Each rule must produce a unique (destination IP, destination port) at the VM (§C.3 [C]): without
 * floating IP the destination is the member's DIP, so two rules to the same backend port of the
 * same VM collide; with floating IP the destination is the frontend IP, so they do not.
 */
function checkUniqueDestinations(setup: LbSetup): string[] {
  const fe = new Map(setup.frontends.map((f) => [f.name, f.ip]));
  const pools = new Map(setup.pools.map((p) => [p.name, p]));
  // One entry per (rule, member, protocol): the destination the VM sees. Port -1 = every port.
  const at: { rule: LbRule; vm: string; ip: number; proto: string; port: number }[] = [];
  for (const r of setup.rules) {
    const feIp = fe.get(r.frontend);
    if (feIp === undefined) continue;
    for (const m of pools.get(r.backendPool)?.members ?? []) {
      for (const proto of r.protocol === 'All' ? ['TCP', 'UDP'] : [r.protocol.toUpperCase()]) {
        at.push({ rule: r, vm: m.name, ip: r.enableFloatingIP ? feIp : m.dip, proto, port: isHaPorts(r) ? -1 : r.backendPort });
      }
    }
  }
  const out: string[] = [];
  const reported = new Set<string>();
  for (let i = 0; i < at.length; i++) {
    for (let j = i + 1; j < at.length; j++) {
      const a = at[i]!;
      const b = at[j]!;
      if (a.rule === b.rule || a.ip !== b.ip || a.proto !== b.proto) continue;
      if (a.port !== b.port && a.port !== -1 && b.port !== -1) continue;
      const pair = `${a.rule.name}|${b.rule.name}`;
      if (reported.has(pair)) continue;
      reported.add(pair);
      const port = a.port === -1 || b.port === -1 ? 'every port' : String(a.port);
      const fix = a.rule.enableFloatingIP && b.rule.enableFloatingIP ? '' : '; enable floating IP on both (the destination then stays the frontend IP) or use another backend port';
      out.push(`Rules '${a.rule.name}' and '${b.rule.name}' both deliver ${a.proto} ${ipv4ToString(a.ip)}:${port} on ${a.vm}: each rule must produce a unique destination IP and port at the VM${fix}.`);
    }
  }
  return out;
}

function checkProbes(setup: LbSetup): string[] {
  const out: string[] = [];
  for (const p of setup.probes) {
    if (p.numberOfProbes * p.intervalInSeconds < 10) {
      out.push(`Probe '${p.name}': numberOfProbes × intervalInSeconds must be at least 10 s (${p.numberOfProbes} × ${p.intervalInSeconds} s).`);
    }
    if (p.protocol !== 'Tcp' && HTTP_PROBE_REFUSED_PORTS.includes(p.port)) out.push(`Probe '${p.name}': HTTP(S) probes are refused on port ${p.port}.`);
    if (p.protocol === 'Https' && setup.sku === 'Basic') out.push(`Probe '${p.name}': a Basic load balancer has TCP and HTTP probes only, not HTTPS.`);
  }
  return out;
}

function names(rules: readonly LbRule[]): string {
  return rules.map((r) => `'${r.name}'`).join(', ');
}

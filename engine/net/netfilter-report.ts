/**
 * A Linux router's (or an NVA's) netfilter as the report and the inspector show it: the rules as
 * `iptables -S`, the nat and filter tables as `iptables -L -v -n`, `conntrack -L`, the conntrack
 * counters, the RFC 4787 behaviour of its source NAT, and `ip route`. Shared by router-node.ts
 * and the gateway load balancer's NVAs.
 */
import type { NetfilterIfaceRow, NetfilterRow } from '../sim/types.ts';
import { cidrToString, ipv4ToString, prefixMask } from '../wire/addr.ts';
import { formatConntrackEntry } from './netfilter/conntrack-print.ts';
import type { Netfilter } from './netfilter/netfilter.ts';
import { classifyLinuxNat, type Rfc4787Mapping } from './netfilter/rfc4787.ts';
import type { LinuxRouter } from './netfilter/router.ts';

export interface NetfilterMeta {
  readonly node: string;
  readonly name: string;
  readonly kind: 'linuxRouter' | 'nva';
  readonly interfaces: NetfilterIfaceRow[];
  /** `ip route` lines (routeLines() for a LinuxRouter). */
  readonly routes: string[];
  /** Lines the document holds that iptables (or ip route) refused. */
  readonly errors: string[];
}

const SHORT: Record<Rfc4787Mapping, string> = {
  'endpoint-independent': 'EIM',
  'address-dependent': 'ADM',
  'address-and-port-dependent': 'APDM',
};
const SHORT_FILTER: Record<Rfc4787Mapping, string> = {
  'endpoint-independent': 'EIF',
  'address-dependent': 'ADF',
  'address-and-port-dependent': 'APDF',
};

function out(nf: Netfilter, line: string): string {
  const r = nf.iptables(line);
  return r.ok ? r.output : '';
}

/** The row for one netfilter at virtual time `now` (µs). */
export function netfilterRow(meta: NetfilterMeta, netfilter: Netfilter, now: number): NetfilterRow {
  const b = classifyLinuxNat(netfilter.rules);
  const ct = netfilter.conntrack;
  const entries = ct.entries(now);
  const mapping = `${SHORT[b.mapping]}${b.mappingCondition ? ` (${b.mappingCondition})` : ''}`;
  return {
    node: meta.node,
    name: meta.name,
    kind: meta.kind,
    interfaces: meta.interfaces,
    routes: meta.routes,
    rules: out(netfilter, '-S') + out(netfilter, '-t nat -S'),
    natTable: out(netfilter, '-t nat -L -v -n'),
    filterTable: out(netfilter, '-L -v -n'),
    conntrack: entries.map((c) => formatConntrackEntry(c, now)),
    conntrackStats: { entries: entries.length, max: ct.max, insertFailed: ct.stats.insert_failed, drop: ct.stats.drop, earlyDrop: ct.stats.early_drop },
    behaviour: { mapping, filtering: SHORT_FILTER[b.filtering], explanation: b.explanation },
    errors: meta.errors,
  };
}

/**
 * `ip route` of a LinuxRouter: connected routes ("10.0.1.0/24 dev eth0 proto kernel scope link
 * src 10.0.1.10") and static ones ("default via 203.0.113.1 dev eth1"), default first, then by
 * destination as the kernel's FIB dump orders them.
 */
export function routeLines(r: LinuxRouter): string[] {
  const rows: { base: number; prefix: number; text: string }[] = [];
  for (const i of r.interfaces.values()) {
    // The kernel adds the prefix route once per interface and prefix, from the first (primary)
    // address in it; a secondary address in the same subnet adds none (fib_add_ifaddr).
    const seen = new Set<string>();
    for (const a of i.addresses) {
      if (a.prefix === 32) continue;
      const base = (a.address & prefixMask(a.prefix)) >>> 0;
      if (seen.has(`${base}/${a.prefix}`)) continue;
      seen.add(`${base}/${a.prefix}`);
      rows.push({ base, prefix: a.prefix, text: `${cidrToString({ base, prefix: a.prefix })} dev ${i.name} proto kernel scope link src ${ipv4ToString(a.address)}${i.up ? '' : ' linkdown'}` });
    }
  }
  for (const x of r.routes) {
    const dst = x.dst.prefix === 0 ? 'default' : x.dst.prefix === 32 ? ipv4ToString(x.dst.base) : cidrToString(x.dst);
    const via = x.via !== undefined ? ` via ${ipv4ToString(x.via)}` : '';
    rows.push({ base: x.dst.base >>> 0, prefix: x.dst.prefix, text: `${dst}${via} dev ${x.dev}${x.via === undefined ? ' scope link' : ''}${x.metric ? ` metric ${x.metric}` : ''}` });
  }
  return rows.sort((a, b) => a.base - b.base || a.prefix - b.prefix).map((x) => x.text);
}

/**
 * Floating IP (§C.3, doc `load-balancer-floating-ip`): the address mapping table, the guest's
 * loopback requirement, and the outbound limitation.
 *
 * Without floating IP the LB rewrites the destination to the member's DIP. With it the destination
 * IP stays the frontend IP (the port may still change to the backend port), so the guest must own
 * the frontend IP on a loopback interface (Linux: `ip addr add 65.52.0.1/32 dev lo:0`; Windows
 * also needs weak-host send/receive) or the packet is not for it.
 */
import { ipv4ToString } from '../../wire/addr.ts';
import { backendPortOf, isHaPorts } from './rules.ts';
import type { LbDrop, LbSetup } from './types.ts';

/** One row of the LB's full mapping table, as the documentation draws it. */
export interface MappingRow {
  rule: string;
  frontendIp: number;
  protocol: string;
  /** Frontend port; 0 for HA ports (every port). */
  port: number;
  floatingIp: boolean;
  /** Addresses the VM sees as destination: the frontend IP, or each member's DIP. */
  destinations: number[];
  destinationPort: number;
  /** The cells as the doc writes them: "Same as frontend (65.52.0.1)", "Same as frontend (80)". */
  destinationText: string;
  destinationPortText: string;
}

export function mappingTable(setup: LbSetup): MappingRow[] {
  const fe = new Map(setup.frontends.map((f) => [f.name, f.ip]));
  const pools = new Map(setup.pools.map((p) => [p.name, p]));
  const rows: MappingRow[] = [];
  for (const r of setup.rules) {
    const ip = fe.get(r.frontend);
    if (ip === undefined) continue;
    const members = pools.get(r.backendPool)?.members ?? [];
    const ha = isHaPorts(r);
    const port = backendPortOf(r, r.frontendPort);
    const destinations = r.enableFloatingIP ? [ip] : members.map((m) => m.dip);
    const destinationText = r.enableFloatingIP
      ? `Same as frontend (${ipv4ToString(ip)})`
      : `DIP (${members.map((m) => `${m.name} ${ipv4ToString(m.dip)}`).join(', ') || 'no members'})`;
    const destinationPortText = ha ? 'Same as frontend (all ports)' : port === r.frontendPort ? `Same as frontend (${port})` : String(port);
    rows.push({ rule: r.name, frontendIp: ip, protocol: r.protocol.toUpperCase(), port: r.frontendPort, floatingIp: r.enableFloatingIP, destinations, destinationPort: port, destinationText, destinationPortText });
  }
  return rows;
}

/** The table as text, columns as in the documentation (Rule, Frontend IP address, ...). */
export function formatMappingTable(rows: readonly MappingRow[]): string {
  const head = ['Rule', 'Frontend IP address', 'protocol', 'port', 'Destination', 'port'];
  const body = rows.map((r) => [r.rule, ipv4ToString(r.frontendIp), r.protocol, r.port === 0 ? 'all' : String(r.port), r.destinationText, r.destinationPortText]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n') + '\n';
}

/** What the simulator knows about a VM's guest configuration. */
export interface GuestConfig {
  name: string;
  /** Addresses on the guest's loopback interfaces (the per-VM inspector setting). */
  loopbackIps: readonly number[];
}

/**
 * A floating-IP packet arriving at a VM: delivered only if the guest owns the frontend IP on a
 * loopback (§C.3 [C]); otherwise the drop and its reason.
 */
export function checkFloatingIpArrival(vm: GuestConfig, dstIp: number, rule: string): LbDrop | null {
  if (vm.loopbackIps.includes(dstIp)) return null;
  return {
    code: 'floating-ip-not-on-loopback',
    message:
      `Rule '${rule}' uses floating IP, so the packet keeps destination ${ipv4ToString(dstIp)}, ` +
      `but ${vm.name} has no loopback interface with that address: dropped ` +
      `(configure it in the guest, e.g. "ip addr add ${ipv4ToString(dstIp)}/32 dev lo:0").`,
  };
}

/**
 * The outbound limitation of floating IP (doc `load-balancer-floating-ip`, Limitations [C];
 * §C.3 "multivip"): a socket bound to the frontend IP on the loopback gets no SNAT and its flow
 * fails. `bindIp` is the source address the app's socket uses.
 */
export function floatingIpOutbound(bindIp: number, vm: GuestConfig, dip: number): { snat: true } | { snat: false; code: 'floating-ip-bound-no-snat'; message: string } {
  if (bindIp === dip || !vm.loopbackIps.includes(bindIp)) return { snat: true };
  return {
    snat: false,
    code: 'floating-ip-bound-no-snat',
    message:
      `${vm.name}: the socket is bound to ${ipv4ToString(bindIp)}, the frontend IP on its loopback. ` +
      `"If your application binds to the frontend IP address configured on the loopback interface in the guest OS, ` +
      `Azure's outbound won't rewrite the outbound flow, and the flow fails." ` +
      `Outbound flows must use the NIC's primary IP configuration (${ipv4ToString(dip)}).`,
  };
}

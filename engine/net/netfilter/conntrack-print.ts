/**
 * `conntrack -L` as conntrack-tools 1.4.7 prints it (checked against the real tool in
 * kernel.test.ts), e.g.
 *
 *   tcp      6 431999 ESTABLISHED src=10.210.1.2 dst=10.210.2.2 sport=50005 dport=80 src=10.210.2.2 dst=10.210.2.1 sport=80 dport=40006 [ASSURED] mark=0 use=1
 *   udp      17 29 src=10.210.1.2 dst=10.210.2.2 sport=5555 dport=9999 [UNREPLIED] src=10.210.2.2 dst=10.210.1.2 sport=9999 dport=5555 mark=0 use=1
 *   icmp     1 29 src=10.210.1.2 dst=10.210.2.2 type=8 code=0 id=4660 src=10.210.2.2 dst=10.210.1.2 type=0 code=0 id=4660 mark=0 use=1
 *
 * The timeout column is the whole seconds left. `use` is the kernel's reference count; 1 for an
 * entry only the table holds (a packet queued for ARP adds one, which is not modelled).
 */
import { ipv4ToString } from '../../wire/addr.ts';
import { IPS_ASSURED, IPS_SEEN_REPLY, type Conn, type Tuple } from './conntrack.ts';
import { TCP_STATES } from './tcp-conntrack.ts';

const NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

function tupleFields(t: Tuple): string {
  const base = `src=${ipv4ToString(t.src)} dst=${ipv4ToString(t.dst)}`;
  if (t.proto === 1) return `${base} type=${t.dport >> 8} code=${t.dport & 0xff} id=${t.sport}`;
  if (t.proto === 6 || t.proto === 17) return `${base} sport=${t.sport} dport=${t.dport}`;
  return base;
}

/** One line of `conntrack -L` (no newline). */
export function formatConntrackEntry(c: Conn, now: number): string {
  const proto = c.tuple[0].proto;
  const name = (NAMES[proto] ?? 'unknown').padEnd(8);
  const left = Math.max(0, Math.floor((c.deadline - now) / 1_000_000));
  let s = `${name} ${proto} ${left} `;
  if (c.tcp) s += `${TCP_STATES[c.tcp.state]} `;
  s += `${tupleFields(c.tuple[0])} `;
  if (!(c.status & IPS_SEEN_REPLY)) s += '[UNREPLIED] ';
  s += `${tupleFields(c.tuple[1])} `;
  if (c.status & IPS_ASSURED) s += '[ASSURED] ';
  return `${s}mark=0 use=1`;
}

/** All entries, one per line, then the summary line conntrack prints on stderr. */
export function formatConntrackList(entries: readonly Conn[], now: number): string {
  const lines = entries.map((c) => formatConntrackEntry(c, now));
  lines.push(`conntrack v1.4.7 (conntrack-tools): ${entries.length} flow entries have been shown.`);
  return lines.join('\n') + '\n';
}

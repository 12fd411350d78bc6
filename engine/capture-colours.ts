/**
 * Wireshark's default colouring rules (the `colorfilters` file shipped with Wireshark 4.0), in
 * its order: the first rule that matches colours the row. Rules about protocols the dissector
 * does not know (HSRP, STP, OSPF, SCTP, SMB, DCERPC, routing protocols, systemd journal) are left
 * out; those it does know are written with the fields it produces:
 * - "Bad TCP" is Wireshark's rule as is: it reads engine/dissect's TCP sequence analysis, which
 *   needs frames in order through the session (rows ahead of the in-order pass are not flagged yet).
 * - "TCP SYN/FIN" is `tcp.flags & 0x02 || tcp.flags.fin == 1` in Wireshark; `&` is not in our
 *   filter language, so the SYN bit is tested by name (the same frames).
 * - "HTTP" keeps only its `tcp.port == 80` part (there is no HTTP dissector).
 * - "Broadcast" is `eth[0] & 1` in Wireshark: the group bit of the destination, `eth.dst.ig`.
 * - "Checksum Errors" only fires when a checksum was verified (ICMP always; IP/TCP/UDP when
 *   "verify checksums" is on), as in Wireshark.
 * Colours are Wireshark's (16-bit values / 257); the app picks darker variants for its dark theme.
 */
import { compileDisplayFilter, type DisplayFilter, type FieldMap } from './dissect/filter/index.ts';

export interface ColourRule {
  readonly name: string;
  readonly filter: string;
  /** Wireshark's colours, for the light theme. */
  readonly bg: string;
  readonly fg: string;
}

/**
 * A rule's index is its identity (the app styles rows with class `cap-c<index>`), so a rule added
 * later goes at the end; MATCH_ORDER gives the order they are tried in, Wireshark's.
 */
export const COLOUR_RULES: readonly ColourRule[] = [
  { name: 'ICMP errors', filter: 'icmp.type in { 3..5, 11 } || icmpv6.type in { 1..4 }', bg: '#12272e', fg: '#b7f774' },
  { name: 'ARP', filter: 'arp', bg: '#faf0d7', fg: '#12272e' },
  { name: 'ICMP', filter: 'icmp || icmpv6', bg: '#fce0ff', fg: '#12272e' },
  { name: 'TCP RST', filter: 'tcp.flags.reset eq 1', bg: '#a40000', fg: '#fffc9c' },
  {
    name: 'TTL low or unexpected',
    filter: '(!(ip.dst == 224.0.0.0/4) && ip.ttl < 5) || (ip.dst == 224.0.0.0/24 && ip.dst != 224.0.0.251 && ip.ttl != 1)',
    bg: '#a40000',
    fg: '#ececec',
  },
  {
    name: 'Checksum Errors',
    filter: 'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad" || icmp.checksum.status == "Bad" || icmpv6.checksum.status == "Bad"',
    bg: '#12272e',
    fg: '#f78787',
  },
  { name: 'HTTP', filter: 'tcp.port == 80', bg: '#e4ffc7', fg: '#12272e' },
  { name: 'TCP SYN/FIN', filter: 'tcp.flags.syn == 1 || tcp.flags.fin == 1', bg: '#a0a0a0', fg: '#12272e' },
  { name: 'TCP', filter: 'tcp', bg: '#e7e6ff', fg: '#12272e' },
  { name: 'UDP', filter: 'udp', bg: '#daeeff', fg: '#12272e' },
  { name: 'Broadcast', filter: 'eth.dst.ig == 1', bg: '#ffffff', fg: '#babdb6' },
  { name: 'Bad TCP', filter: 'tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack', bg: '#12272e', fg: '#f78787' },
];

/** Indexes into COLOUR_RULES in Wireshark's order: "Bad TCP" is its first rule. */
const MATCH_ORDER: readonly number[] = [11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

let compiled: DisplayFilter[] | null = null;

function rules(): DisplayFilter[] {
  if (compiled) return compiled;
  compiled = COLOUR_RULES.map((r) => {
    const c = compileDisplayFilter(r.filter);
    if (!c.ok) throw new Error(`colouring rule '${r.name}' does not compile: ${c.error.message}`);
    return c.filter;
  });
  return compiled;
}

/** Index in COLOUR_RULES of the first rule (in MATCH_ORDER) that matches, or -1. */
export function colourOf(fields: FieldMap): number {
  const r = rules();
  for (const i of MATCH_ORDER) if (r[i]!.test(fields)) return i;
  return -1;
}

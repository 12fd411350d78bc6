/**
 * The shapes shared by the netfilter model: the packet fields the simulator hands in, the rule
 * model that `parse.ts` builds and `print.ts` shows back, and the small numeric constants.
 *
 * Packets are plain numbers (IPv4 addresses as u32, see engine/wire/addr.ts) so that this folder
 * does not depend on the simulator's packet class.
 */
import type { Cidr, Ipv4Addr } from '../../wire/addr.ts';

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

/** TCP flag bits as on the wire. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** The fields of an embedded (quoted) packet inside an ICMP error. */
export interface InnerPacket {
  proto: number;
  src: Ipv4Addr;
  dst: Ipv4Addr;
  /** TCP/UDP ports; for an ICMP query the identifier is in `icmpId`. */
  sport: number;
  dport: number;
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** The quoted IP header's total length, identification and TTL, as the datagram had them. */
  length?: number;
  ipId?: number;
  ttl?: number;
  /** The quoted TCP header's sequence number. */
  seq?: number;
}

/**
 * One IPv4 packet as netfilter sees it. `length` is the IP total length (what iptables counts in
 * bytes). `seq`, `ack`, `window` and `payload` are optional: without them conntrack skips the
 * checks that need sequence numbers (see README, "What is simplified").
 */
export interface NfPacket {
  proto: number;
  src: Ipv4Addr;
  dst: Ipv4Addr;
  sport: number;
  dport: number;
  length: number;
  tcpFlags?: number;
  seq?: number;
  ack?: number;
  window?: number;
  /** TCP payload bytes (for the sequence-space end of a segment). */
  payload?: number;
  ttl?: number;
  /** The IP identification (quoted by an ICMP error about this packet). */
  ipId?: number;
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** The quoted packet of an ICMP error (destination unreachable, time exceeded, ...). */
  inner?: InnerPacket;
}

export function clonePacket(p: NfPacket): NfPacket {
  const c: NfPacket = { ...p };
  if (p.inner) c.inner = { ...p.inner };
  return c;
}

// ---------------------------------------------------------------------------------------------
// Rules

export type TableName = 'nat' | 'filter';
export type HookName = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** Built-in chains per table, in the order iptables lists them. */
export const TABLE_CHAINS: Readonly<Record<TableName, readonly HookName[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

/** A value with iptables' `!` in front of it or not. */
export interface Neg<T> {
  value: T;
  invert: boolean;
}

export interface PortRange {
  lo: number;
  hi: number;
}

/** Conntrack states in the order the conntrack match prints them. */
export const CT_STATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'] as const;
export type CtStateName = (typeof CT_STATES)[number];

export type Match =
  /** -m tcp / -m udp, loaded explicitly or by --sport/--dport after -p. Absent ports = any. */
  | { kind: 'tcp' | 'udp'; sport?: Neg<PortRange>; dport?: Neg<PortRange> }
  /** -m conntrack --ctstate; states kept in CT_STATES order. */
  | { kind: 'conntrack'; ctstate: Neg<CtStateName[]> }
  /** -m physdev: the bridge port a bridged packet came in on / goes out of. */
  | { kind: 'physdev'; physdevIn?: Neg<string>; physdevOut?: Neg<string> }
  | { kind: 'comment'; comment: string };

/** An address range and port range as SNAT/DNAT take them (`ip[-ip][:port[-port]]`). */
export interface NatRangeSpec {
  /** Absent for `DNAT --to-destination :80` (port only). */
  addr?: { lo: Ipv4Addr; hi: Ipv4Addr };
  ports?: PortRange;
}

export const REJECT_WITH = [
  'icmp-port-unreachable',
  'icmp-net-unreachable',
  'icmp-host-unreachable',
  'icmp-proto-unreachable',
  'icmp-net-prohibited',
  'icmp-host-prohibited',
  'icmp-admin-prohibited',
  'tcp-reset',
] as const;
export type RejectWith = (typeof REJECT_WITH)[number];

export type Target =
  | { kind: 'ACCEPT' | 'DROP' | 'RETURN' }
  | { kind: 'REJECT'; with: RejectWith }
  | { kind: 'SNAT'; to: NatRangeSpec; random: boolean; randomFully: boolean; persistent: boolean }
  | { kind: 'DNAT'; to: NatRangeSpec; random: boolean; persistent: boolean }
  | { kind: 'MASQUERADE'; ports?: PortRange; random: boolean; randomFully: boolean }
  | { kind: 'REDIRECT'; ports?: PortRange; random: boolean }
  /** -j CHAIN (goto false) or -g CHAIN (goto true). */
  | { kind: 'JUMP'; chain: string; goto: boolean };

export interface Rule {
  src?: Neg<Cidr>;
  dst?: Neg<Cidr>;
  inIface?: Neg<string>;
  outIface?: Neg<string>;
  /** Protocol number; absent = all (0). */
  proto?: Neg<number>;
  matches: Match[];
  /** A rule without -j only counts packets. */
  target: Target | null;
}

/** One iptables invocation, already checked for syntax (state checks happen in Ruleset.apply). */
export type Command =
  | { op: 'append'; table: TableName; chain: string; rule: Rule }
  | { op: 'insert'; table: TableName; chain: string; index: number; rule: Rule }
  | { op: 'delete'; table: TableName; chain: string; rule: Rule }
  | { op: 'delete-num'; table: TableName; chain: string; index: number }
  | { op: 'policy'; table: TableName; chain: string; policy: string }
  | { op: 'flush'; table: TableName; chain?: string }
  | { op: 'zero'; table: TableName; chain?: string }
  | { op: 'new-chain'; table: TableName; chain: string }
  | { op: 'delete-chain'; table: TableName; chain?: string }
  | { op: 'list'; table: TableName; chain?: string; verbose: boolean; exact: boolean }
  | { op: 'list-rules'; table: TableName; chain?: string };

/** A refused command: an iptables-style message, and where in the line the problem is. */
export interface NetfilterError {
  /** Phrased as iptables phrases it, e.g. "Bad argument `foo'". */
  message: string;
  /** The offending token ('' when the line is too short). */
  token: string;
  /** 0-based index of the token in the argument list, -1 when none. */
  tokenIndex: number;
  /** 1-based column of the token in the line, 0 when none. */
  column: number;
  /** One sentence for people: the message, the token and its position. */
  sentence: string;
}

export function makeError(message: string, token: string, tokenIndex: number, column: number): NetfilterError {
  const where =
    tokenIndex < 0 ? '' : column > 0 ? ` (at \`${token}', argument ${tokenIndex + 1}, column ${column})` : ` (argument ${tokenIndex + 1})`;
  let sentence = message.trim();
  if (!/[.!?)]$/.test(sentence)) sentence += '.';
  if (where) sentence = sentence.replace(/\.$/, '') + where + '.';
  return { message, token, tokenIndex, column, sentence };
}

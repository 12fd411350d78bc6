/**
 * The display-filter field registry: every filter name engine/dissect produces, with its
 * Wireshark type. Names and types were taken from engine/dissect's source and checked against
 * `tshark -G fields` (Wireshark 4.0); registry.test.ts checks both again (every name a fixture
 * dissection produces is here; every name here that Wireshark knows has Wireshark's type).
 *
 * Names that Wireshark registers as protocols (`tcp.options.mss`, `ipv6.fraghdr`) are typed
 * 'protocol': they compare as byte strings. `<proto>.truncated`, `ip.options` and `icmpv6.mld` are
 * netplay's own (Wireshark reports truncation as expert info, and splits options and MLD bodies).
 */
import { CHECKSUM_STATUS_NAMES, ETHERTYPES, IP_PROTOS } from '../util.ts';

export type FieldType =
  | 'bool' | 'u8' | 'u16' | 'u24' | 'u32' | 'i32' | 'bytes' | 'ether' | 'ipv4' | 'ipv6' | 'string' | 'none' | 'protocol'
  | 'framenum' | 'reltime';

/** Wireshark's name for each type, as its error messages say it. */
export const TYPE_NAMES: Readonly<Record<FieldType, string>> = {
  bool: 'Boolean', u8: 'Unsigned integer (1 byte)', u16: 'Unsigned integer (2 bytes)', u24: 'Unsigned integer (3 bytes)',
  u32: 'Unsigned integer (4 bytes)', i32: 'Signed integer (4 bytes)', bytes: 'Byte sequence', ether: 'Ethernet or other MAC address',
  ipv4: 'IPv4 address', ipv6: 'IPv6 address', string: 'Character string', none: 'Label', protocol: 'Protocol',
  framenum: 'Frame number', reltime: 'Time offset',
};

/** Largest and smallest literal each integer type takes. */
export const INT_RANGE: Readonly<Partial<Record<FieldType, readonly [number, number]>>> = {
  u8: [0, 0xff], u16: [0, 0xffff], u24: [0, 0xffffff], u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff],
  framenum: [0, 0xffffffff],
};

export const FIELD_TYPES: ReadonlyMap<string, FieldType> = new Map<string, FieldType>(Object.entries({
  'arp.dst.hw': 'bytes', 'arp.dst.hw_mac': 'ether', 'arp.dst.proto': 'bytes', 'arp.dst.proto_ipv4': 'ipv4',
  'arp.hw.size': 'u8', 'arp.hw.type': 'u16', 'arp.opcode': 'u16', 'arp.proto.size': 'u8', 'arp.proto.type': 'u16',
  'arp.src.hw': 'bytes', 'arp.src.hw_mac': 'ether', 'arp.src.proto': 'bytes', 'arp.src.proto_ipv4': 'ipv4',
  'data.data': 'bytes', 'data.len': 'i32',
  'eth.addr': 'ether', 'eth.dst': 'ether', 'eth.dst.ig': 'bool', 'eth.dst.lg': 'bool', 'eth.len': 'u16',
  'eth.padding': 'bytes', 'eth.src': 'ether', 'eth.src.ig': 'bool', 'eth.src.lg': 'bool', 'eth.trailer': 'bytes',
  'eth.type': 'u16',
  'icmp.checksum': 'u16', 'icmp.checksum.status': 'u8', 'icmp.code': 'u8', 'icmp.ident': 'u16',
  'icmp.ident_le': 'u16', 'icmp.mtu': 'u16', 'icmp.redir_gw': 'ipv4', 'icmp.seq': 'u16', 'icmp.seq_le': 'u16',
  'icmp.type': 'u8', 'icmp.unused': 'bytes',
  'icmpv6.checksum': 'u16', 'icmpv6.checksum.status': 'u8', 'icmpv6.code': 'u8', 'icmpv6.data': 'bytes',
  'icmpv6.echo.identifier': 'u16', 'icmpv6.echo.sequence_number': 'u16', 'icmpv6.mtu': 'u32',
  'icmpv6.nd.na.flag': 'u32', 'icmpv6.nd.na.flag.o': 'bool', 'icmpv6.nd.na.flag.r': 'bool',
  'icmpv6.nd.na.flag.s': 'bool', 'icmpv6.nd.na.target_address': 'ipv6', 'icmpv6.nd.ns.target_address': 'ipv6',
  'icmpv6.opt': 'none', 'icmpv6.opt.length': 'u8', 'icmpv6.opt.linkaddr': 'bytes',
  'icmpv6.opt.src_linkaddr': 'bytes', 'icmpv6.opt.target_linkaddr': 'bytes', 'icmpv6.opt.type': 'u8',
  'icmpv6.reserved': 'bytes', 'icmpv6.type': 'u8',
  'ip.addr': 'ipv4', 'ip.checksum': 'u16', 'ip.checksum.status': 'u8', 'ip.dsfield': 'u8', 'ip.dsfield.dscp': 'u8',
  'ip.dsfield.ecn': 'u8', 'ip.dst': 'ipv4', 'ip.flags': 'u8', 'ip.flags.df': 'bool', 'ip.flags.mf': 'bool',
  'ip.flags.rb': 'bool', 'ip.frag_offset': 'u16', 'ip.hdr_len': 'u8', 'ip.id': 'u16', 'ip.len': 'u16',
  'ip.opt.len': 'u8', 'ip.opt.type': 'u8', 'ip.options': 'bytes', 'ip.proto': 'u8', 'ip.src': 'ipv4',
  'ip.ttl': 'u8', 'ip.version': 'u8',
  'ipv6.addr': 'ipv6', 'ipv6.dst': 'ipv6', 'ipv6.dstopts': 'protocol', 'ipv6.dstopts.len': 'u8',
  'ipv6.dstopts.nxt': 'u8', 'ipv6.flow': 'u24', 'ipv6.fraghdr': 'protocol', 'ipv6.fraghdr.ident': 'u32',
  'ipv6.fraghdr.more': 'bool', 'ipv6.fraghdr.nxt': 'u8', 'ipv6.fraghdr.offset': 'u16', 'ipv6.hlim': 'u8',
  'ipv6.hopopts': 'protocol', 'ipv6.hopopts.len': 'u8', 'ipv6.hopopts.nxt': 'u8', 'ipv6.nxt': 'u8',
  'ipv6.plen': 'u16', 'ipv6.routing': 'protocol', 'ipv6.routing.len': 'u8', 'ipv6.routing.nxt': 'u8',
  'ipv6.routing.segleft': 'u8', 'ipv6.routing.type': 'u8', 'ipv6.src': 'ipv6', 'ipv6.tclass': 'u32',
  'ipv6.tclass.dscp': 'u32', 'ipv6.tclass.ecn': 'u32',
  'sll.etype': 'u16', 'sll.halen': 'u16', 'sll.hatype': 'u16', 'sll.ifindex': 'u32', 'sll.pkttype': 'u16',
  'sll.src.eth': 'ether', 'sll.src.other': 'bytes', 'sll.unused': 'bytes',
  'tcp.ack': 'u32', 'tcp.ack_raw': 'u32',
  // Sequence analysis (engine/dissect/tcp-analysis.ts): expert items are 'none' (present or not).
  'tcp.analysis': 'none', 'tcp.analysis.flags': 'none', 'tcp.analysis.acks_frame': 'framenum',
  'tcp.analysis.ack_rtt': 'reltime', 'tcp.analysis.initial_rtt': 'reltime', 'tcp.analysis.bytes_in_flight': 'u32',
  'tcp.analysis.push_bytes_sent': 'u32', 'tcp.analysis.rto': 'reltime', 'tcp.analysis.rto_frame': 'framenum',
  'tcp.analysis.retransmission': 'none', 'tcp.analysis.fast_retransmission': 'none',
  'tcp.analysis.spurious_retransmission': 'none', 'tcp.analysis.out_of_order': 'none', 'tcp.analysis.reused_ports': 'none',
  'tcp.analysis.lost_segment': 'none', 'tcp.analysis.ack_lost_segment': 'none', 'tcp.analysis.window_update': 'none',
  'tcp.analysis.window_full': 'none', 'tcp.analysis.keep_alive': 'none', 'tcp.analysis.keep_alive_ack': 'none',
  'tcp.analysis.duplicate_ack': 'none', 'tcp.analysis.duplicate_ack_num': 'u32', 'tcp.analysis.duplicate_ack_frame': 'framenum',
  'tcp.analysis.zero_window': 'none', 'tcp.analysis.zero_window_probe': 'none', 'tcp.analysis.zero_window_probe_ack': 'none',
  'tcp.segment_data': 'bytes', 'tcp.checksum': 'u16', 'tcp.checksum.status': 'u8', 'tcp.dstport': 'u16',
  'tcp.flags': 'u16', 'tcp.flags.ack': 'bool', 'tcp.flags.ae': 'bool', 'tcp.flags.cwr': 'bool',
  'tcp.flags.ece': 'bool', 'tcp.flags.fin': 'bool', 'tcp.flags.push': 'bool', 'tcp.flags.res': 'bool',
  'tcp.flags.reset': 'bool', 'tcp.flags.str': 'string', 'tcp.flags.syn': 'bool', 'tcp.flags.urg': 'bool',
  'tcp.hdr_len': 'u8', 'tcp.len': 'u32', 'tcp.option_kind': 'u8', 'tcp.option_len': 'u8', 'tcp.options': 'bytes',
  'tcp.options.eol': 'protocol', 'tcp.options.mss': 'protocol', 'tcp.options.mss_val': 'u16',
  'tcp.options.nop': 'protocol', 'tcp.options.sack': 'protocol', 'tcp.options.sack.count': 'u8',
  'tcp.options.sack_le': 'u32', 'tcp.options.sack_perm': 'protocol', 'tcp.options.sack_re': 'u32',
  'tcp.options.timestamp': 'protocol', 'tcp.options.timestamp.tsecr': 'u32', 'tcp.options.timestamp.tsval': 'u32',
  'tcp.options.unknown': 'protocol', 'tcp.options.unknown.payload': 'bytes', 'tcp.options.wscale': 'protocol',
  'tcp.options.wscale.multiplier': 'u16', 'tcp.options.wscale.shift': 'u8', 'tcp.payload': 'bytes',
  'tcp.port': 'u16', 'tcp.seq': 'u32', 'tcp.seq_raw': 'u32', 'tcp.srcport': 'u16', 'tcp.stream': 'u32',
  'tcp.urgent_pointer': 'u16', 'tcp.window_size': 'u32', 'tcp.window_size_scalefactor': 'i32',
  'tcp.window_size_value': 'u16',
  'udp.checksum': 'u16', 'udp.checksum.status': 'u8', 'udp.dstport': 'u16', 'udp.length': 'u16',
  'udp.payload': 'bytes', 'udp.port': 'u16', 'udp.srcport': 'u16',
  'vlan.dei': 'bool', 'vlan.etype': 'u16', 'vlan.id': 'u16', 'vlan.priority': 'u16',
  'vxlan.flag_a': 'bool', 'vxlan.flag_d': 'bool', 'vxlan.flag_g': 'bool', 'vxlan.flag_i': 'bool',
  'vxlan.flags': 'u16', 'vxlan.flags_reserved': 'u16', 'vxlan.gbp': 'u16', 'vxlan.reserved8': 'u8',
  'vxlan.reserved_16': 'u16', 'vxlan.vni': 'u24',
  // netplay's own: a layer cut short by the capture, and the malformed-packet marker.
  'eth.truncated': 'bytes', 'vlan.truncated': 'bytes', 'sll.truncated': 'bytes', 'arp.truncated': 'bytes',
  'ip.truncated': 'bytes', 'ipv6.truncated': 'bytes', 'tcp.truncated': 'bytes', 'udp.truncated': 'bytes',
  'icmp.truncated': 'bytes', 'icmpv6.truncated': 'bytes', 'vxlan.truncated': 'bytes', '_ws.malformed': 'string',
  // An MLD message body as one blob (Wireshark splits it into icmpv6.mldr.* fields).
  'icmpv6.mld': 'bytes',
} satisfies Record<string, FieldType>));

/**
 * Protocol names a filter may use alone. The dissector's field map has no entry for a protocol
 * itself, so a protocol is present when one of its marker fields is: the field every complete
 * layer of it starts with, and its `.truncated` field. (Not `ip.version`: IPv6 layers carry it too.)
 */
export const PROTOCOL_MARKERS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['eth', ['eth.src', 'eth.truncated']],
  ['vlan', ['vlan.id', 'vlan.truncated']],
  ['sll', ['sll.etype', 'sll.truncated']],
  ['arp', ['arp.hw.type', 'arp.truncated']],
  ['ip', ['ip.src', 'ip.hdr_len', 'ip.truncated']],
  ['ipv6', ['ipv6.src', 'ipv6.truncated']],
  ['tcp', ['tcp.srcport', 'tcp.truncated']],
  ['udp', ['udp.srcport', 'udp.truncated']],
  ['icmp', ['icmp.type', 'icmp.truncated']],
  ['icmpv6', ['icmpv6.type', 'icmpv6.truncated']],
  ['vxlan', ['vxlan.flags', 'vxlan.truncated']],
  ['data', ['data.data', 'data.len']],
  ['_ws.malformed', ['_ws.malformed']],
]);

/** Named values an integer field accepts instead of a number (Wireshark's value_strings). */
const IP_PROTO_VALUES = invert(IP_PROTOS);
const ETHERTYPE_VALUES = invert(ETHERTYPES);
const CHECKSUM_VALUES = new Map<string, number>(CHECKSUM_STATUS_NAMES.map((n, i) => [n.toLowerCase(), i]));
const BOOL_VALUES = new Map<string, number>([['true', 1], ['false', 0]]);
const ARP_OPCODES = new Map<string, number>([['request', 1], ['reply', 2]]);

function invert(table: Readonly<Record<number, string>>): ReadonlyMap<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(table)) m.set(v.toLowerCase(), Number(k));
  return m;
}

/** The named values of `field`, lower-cased (matching is case-insensitive), or undefined. */
export function namedValues(field: string, type: FieldType): ReadonlyMap<string, number> | undefined {
  if (type === 'bool') return BOOL_VALUES;
  if (field === 'ip.proto' || field === 'ipv6.nxt' || field.endsWith('opts.nxt') || field === 'ipv6.routing.nxt' || field === 'ipv6.fraghdr.nxt') return IP_PROTO_VALUES;
  if (field === 'eth.type' || field === 'vlan.etype' || field === 'sll.etype' || field === 'arp.proto.type') return ETHERTYPE_VALUES;
  if (field.endsWith('.checksum.status')) return CHECKSUM_VALUES;
  if (field === 'arp.opcode') return ARP_OPCODES;
  return undefined;
}

/** What a name is: a field (with its type), a protocol, or unknown. */
export type NameKind = { kind: 'field'; type: FieldType } | { kind: 'protocol' } | { kind: 'unknown' };

export function lookupName(name: string): NameKind {
  const t = FIELD_TYPES.get(name);
  if (t !== undefined) return { kind: 'field', type: t };
  if (PROTOCOL_MARKERS.has(name)) return { kind: 'protocol' };
  return { kind: 'unknown' };
}

/**
 * The shapes the dissector hands out: a Wireshark-like tree of layers and fields. Field names
 * are Wireshark's display-filter names (checked against `tshark -G fields`, Wireshark 4.0), so a
 * person can carry a filter between netplay and Wireshark.
 */

export type FieldValue = string | number | boolean | bigint | Uint8Array;

export interface Field {
  /** Wireshark filter name, e.g. 'ip.src'. */
  name: string;
  /**
   * The display line, e.g. 'Source Address: 10.0.0.4'. Built when first read (most are never
   * shown); `materializeLayers` turns a tree into plain objects with every label built.
   */
  readonly label: string;
  /** Numbers for unsigned integers, booleans for flag bits, strings for addresses, bytes for blobs. */
  value: FieldValue;
  /** The value as Wireshark words it where that differs from `value` (e.g. 'Unverified' for 2). */
  display?: string;
  /** Byte range in the frame. */
  offset: number;
  length: number;
  /** For bit fields: the mask within the `length` bytes read big-endian (as Wireshark's hf bitmask). */
  bitmask?: number;
  children?: Field[];
  malformed?: string;
  /** Not in the bytes: computed, like Wireshark's [bracketed] items (checksum.status, tcp.stream). */
  generated?: boolean;
}

export type LayerProtocol =
  | 'eth' | 'vlan' | 'ip' | 'ipv6' | 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'vxlan' | 'sll' | 'data' | 'arp';

export interface Layer {
  protocol: LayerProtocol;
  /** e.g. 'Internet Protocol Version 4, Src: 10.0.0.4, Dst: 13.71.134.177'. Built when first read. */
  readonly label: string;
  offset: number;
  length: number;
  fields: Field[];
  malformed?: string;
}

/** The packet-list columns, as `tshark -r F` prints them. */
export interface Summary {
  /** Protocol column: the innermost protocol, e.g. 'TCP' for TCP inside VXLAN. */
  protocol: string;
  src: string;
  dst: string;
  info: string;
  /** Captured length of the frame in bytes. */
  length: number;
  malformed?: string;
  /**
   * Why the frame looks cut by the capture's snapshot length (an IP length reaching past the
   * captured bytes): tshark's "Packet size limited during capture", not malformed. Info ends in
   * "[Packet size limited during capture]" only when a header or option was cut, as in tshark.
   */
  short?: string;
}

export interface Dissection extends Summary {
  /** Outer first; a VXLAN inner frame continues the list with its eth/ip/tcp layers. */
  layers: Layer[];
}

export type UdpDecoder = 'vxlan' | 'data';

/** Wireshark's "Decode As" table for UDP ports (a port on either side selects the decoder). */
export interface DecodeAs {
  udp: Map<number, UdpDecoder>;
}

/** One `-d` rule as tshark takes it: 'udp.port==10800,vxlan' or a range 'udp.port==10800-10801,vxlan'. */
export interface DecodeAsRule {
  table: 'udp.port';
  port: number;
  /** Last port of the range (equal to `port` for a single port). */
  lastPort: number;
  decoder: UdpDecoder;
}

/** Per-call context. Dissection with a session is stateful like Wireshark's first pass. */
export interface DissectContext {
  /** 1-based frame number; used for "(request in N)" and to memoise per-frame session state. */
  frameNumber?: number;
  /**
   * Seconds since the first frame. TCP sequence analysis uses it (RTTs, and the time windows that
   * tell a fast retransmission or an out-of-order segment from a retransmission); without it every
   * frame counts as sent at the same instant, which is what tshark does with equal timestamps.
   */
  timeRelative?: number;
  /** Tracks TCP streams and ICMP echoes across frames; without it seq/ack are raw. */
  session?: import('./session.ts').DissectSession;
  /**
   * Verify IPv4/TCP/UDP checksums. Wireshark's default is off (status "Unverified");
   * ICMP and ICMPv6 are always verified, as in Wireshark.
   */
  verifyChecksums?: boolean;
}

/** Link-layer types (LINKTYPE_*) the dissector starts from. */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

/**
 * The engine's packet: headers as plain numeric fields, so a NAT rewrite is an assignment and a
 * diff is cheap. Bytes are made from it only at capture points (capture.ts, via engine/wire).
 * One object per packet in flight; a rewrite changes it in place (the trace keeps before/after
 * views when tracing is on). `id` survives rewrites; `flowId` is shared by both directions.
 *
 * Packet objects are reused (NetContext.packet / recycle): once a host's stack has consumed a
 * packet (the end of Host.receive) its object may become the next packet. So nothing may keep a
 * Packet after handling it: the trace keeps PacketViews and captures keep bytes, both copies
 * made at the time; keep `p.payload` (never written to) or copy fields, never `p` itself.
 */
import { encodeUtf8 } from '../wire/utf8.ts';
import { ipv4ToString } from '../wire/addr.ts';

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

/** TCP flag bits as on the wire. */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;

export class Packet {
  id: number;
  flowId: number;
  proto: number;
  src: number;
  dst: number;
  ttl = 64;
  ipId = 0;
  srcPort = 0;
  dstPort = 0;
  /** TCP */
  seq = 0;
  ack = 0;
  flags = 0;
  window = 0;
  /** TCP options (SYN and SYN/ACK carry MSS, SACK-permitted, window scale; -1/false = absent). */
  mss = -1;
  wscale = -1;
  sackPerm = false;
  /** Timestamps option: present when hasTs. */
  hasTs = false;
  tsVal = 0;
  tsEcr = 0;
  /** ICMP */
  icmpType = 0;
  icmpCode = 0;
  icmpId = 0;
  icmpSeq = 0;
  /** Application bytes (HTTP text, UDP/ICMP payload), or null for none. */
  payload: Uint8Array | null = null;
  /**
   * VXLAN (RFC 7348): when set, this packet is the outer UDP datagram of a gateway load balancer
   * tunnel and `inner` is the packet it carries (kept as a Packet, its fields untouched); `vni` is
   * the VXLAN network identifier. Null on every other packet (gwlb-plane.ts, nva-node.ts).
   */
  inner: Packet | null = null;
  vni = 0;
  /**
   * Socket lookup hints, never on the wire (tcp.ts): the sending socket's handle, and the
   * receiving socket's as the sender learned it from the peer's packets (-1: none). The receiver
   * checks a hint against its own key before using it, like Linux's early demux, else looks up.
   */
  fromSock = -1;
  toSock = -1;

  constructor(id: number, flowId: number, proto: number, src: number, dst: number) {
    this.id = id;
    this.flowId = flowId;
    this.proto = proto;
    this.src = src;
    this.dst = dst;
  }

  /** Makes a recycled packet new (NetContext.packet): every field as the constructor leaves it. */
  reset(id: number, flowId: number, proto: number, src: number, dst: number): void {
    this.id = id;
    this.flowId = flowId;
    this.proto = proto;
    this.src = src;
    this.dst = dst;
    this.ttl = 64;
    this.ipId = this.srcPort = this.dstPort = 0;
    this.seq = this.ack = this.flags = this.window = 0;
    this.mss = this.wscale = -1;
    this.sackPerm = this.hasTs = false;
    this.tsVal = this.tsEcr = 0;
    this.icmpType = this.icmpCode = this.icmpId = this.icmpSeq = 0;
    this.payload = null;
    this.inner = null;
    this.fromSock = this.toSock = -1;
  }

  get payloadLength(): number {
    return this.payload ? this.payload.length : 0;
  }

  /** The length of the IP datagram (header 20 + transport header + options + payload). */
  get ipLength(): number {
    // VXLAN: UDP 8 + VXLAN 8 + inner Ethernet 14 + the inner IP packet.
    if (this.inner !== null) return 20 + 8 + 8 + 14 + this.inner.ipLength;
    let l4 = 8;
    if (this.proto === PROTO_TCP) l4 = 20 + tcpOptionBytes(this);
    return 20 + l4 + this.payloadLength;
  }
}

/** Bytes of TCP options as Linux lays them out (padded to 4). */
export function tcpOptionBytes(p: Packet): number {
  let n = 0;
  if (p.mss >= 0) n += 4;
  if (p.hasTs) n += 12; // SACK-permitted + timestamps, or NOP NOP timestamps
  else if (p.sackPerm) n += 4; // NOP NOP SACK-permitted
  if (p.wscale >= 0) n += 4;
  return (n + 3) & ~3;
}

export function flagString(flags: number): string {
  const parts: string[] = [];
  if (flags & SYN) parts.push('SYN');
  if (flags & FIN) parts.push('FIN');
  if (flags & RST) parts.push('RST');
  if (flags & PSH) parts.push('PSH');
  if (flags & ACK) parts.push('ACK');
  return parts.join(', ');
}

export function endpoint(ip: number, port: number): string {
  return `${ipv4ToString(ip)}:${port}`;
}

/** UTF-8 bytes of a string (the engine has no TextEncoder: lib ES2023 only). */
export const textBytes = encodeUtf8;

/** Text of a payload; bytes that are not printable ASCII become U+FFFD (payloads here are ASCII). */
export function bytesText(b: Uint8Array | null): string {
  if (!b) return '';
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    s += c < 0x80 ? String.fromCharCode(c) : '\ufffd';
  }
  return s;
}

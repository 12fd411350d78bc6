/**
 * A whole frame, layer by layer: Ethernet | IPv4 or IPv6 | TCP, UDP (maybe VXLAN and an inner
 * frame), ICMP or ICMPv6. The simulator builds a FrameRepr and emits it at capture points; the
 * capture and trace views parse bytes back into one.
 *
 * Emit derives what the layers below imply, so a repr need not keep it consistent by hand:
 * the EtherType (for IP), IP Total/Payload Length, IP protocol / IPv6 Next Header (when there are
 * no extension headers), UDP length, and every checksum. Values in the reprs for those fields are
 * ignored; parse fills them in. emitFrame measures first and writes into one right-sized
 * Uint8Array; emitFrameInto writes into a buffer of the caller's.
 *
 * Parse walks the stack and refuses malformed or truncated headers (with the offset in the
 * bytes given), but keeps odd yet well-formed packets: bad checksums (reported by
 * parseFrameWithChecks), unknown EtherTypes and protocols (as bytes), IP fragments (payload as
 * bytes), Ethernet padding (as `trailer`). Payloads and data fields are views into the bytes.
 */
import { copyBytes } from './bytes.ts';
import { pseudoHeaderSumV4, pseudoHeaderSumV6 } from './checksum.ts';
import { emitEthernetHeader, EtherType, ethernetHeaderLength, parseEthernetHeader, type EthernetRepr } from './ethernet.ts';
import { emitIcmpv4, icmpv4Length, parseIcmpv4, type Icmpv4Repr } from './icmpv4.ts';
import { emitIcmpv6, icmpv6Length, parseIcmpv6, type Icmpv6Repr } from './icmpv6.ts';
import { emitIpv4Header, IpProtocol, ipv4HeaderLength, isFragment, parseIpv4Header, type Ipv4Repr } from './ipv4.ts';
import { emitIpv6Header, IPV6_HEADER_LENGTH, parseIpv6Header, type Ipv6Repr } from './ipv6.ts';
import { fail, ok, type Result, type WireError } from './result.ts';
import { emitTcp, parseTcp, tcpLength, type TcpRepr } from './tcp.ts';
import { emitUdp, emitUdpHeader, parseUdp, UDP_HEADER_LENGTH, type UdpRepr } from './udp.ts';
import { emitVxlanHeader, parseVxlanHeader, VXLAN_HEADER_LENGTH, VXLAN_PORT, type VxlanRepr } from './vxlan.ts';

export type IpNetRepr =
  | { kind: 'ipv4'; ip: Ipv4Repr }
  | {
      kind: 'ipv6';
      ip: Ipv6Repr;
      /** Extension headers between the fixed header and `l4`, verbatim; `ip.nextHeader` names the first. */
      extensions?: Uint8Array;
    };

/** What follows the Ethernet header: IP, or anything else (ARP, LLDP, ...) as bytes. */
export type NetRepr = IpNetRepr | { kind: 'other'; bytes: Uint8Array };

export interface VxlanLayer {
  header: VxlanRepr;
  inner: FrameRepr;
}

export type L4Repr =
  | { kind: 'tcp'; tcp: TcpRepr }
  | {
      kind: 'udp';
      /** When `vxlan` is set, `udp.payload` is ignored on emit and empty on parse. */
      udp: UdpRepr;
      /** Transmit checksum 0 (IPv4 "no checksum"; RFC 7348 asks this of VXLAN). Set by parse when seen. */
      zeroChecksum?: boolean;
      vxlan?: VxlanLayer;
    }
  | { kind: 'icmp'; icmp: Icmpv4Repr }
  | { kind: 'icmpv6'; icmp: Icmpv6Repr }
  /** An IP payload not parsed: another protocol, or a fragment. */
  | { kind: 'raw'; bytes: Uint8Array };

export interface FrameRepr {
  eth: EthernetRepr;
  net: NetRepr;
  /** Absent when the IP payload is empty (and always for `net.kind === 'other'`). */
  l4?: L4Repr;
  /** Bytes after the IP packet (Ethernet padding to 60 bytes); present only when non-empty. */
  trailer?: Uint8Array;
}

/** A packet without a link layer (pcap linktype 101, LINKTYPE_RAW). */
export interface IpPacketRepr {
  net: IpNetRepr;
  l4?: L4Repr;
  trailer?: Uint8Array;
}

export interface ParseFrameOptions {
  /** UDP destination ports decoded as VXLAN (the simulator passes 10800/10801); default {4789}. */
  vxlanPorts: ReadonlySet<number>;
}

export interface ChecksumCheck {
  layer: 'ipv4' | 'tcp' | 'udp' | 'icmp' | 'icmpv6';
  /** Offset of that header in the bytes given to the parser. */
  offset: number;
  ok: boolean;
}

/** VXLAN inside VXLAN inside ...: deeper than this is left as UDP payload bytes. */
export const MAX_ENCAPSULATION_DEPTH = 4;

const DEFAULT_OPTIONS: ParseFrameOptions = { vxlanPorts: new Set([VXLAN_PORT]) };
const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------------------------------------
// Emit

function l4Protocol(l4: L4Repr | undefined, given: number): number {
  switch (l4?.kind) {
    case 'tcp':
      return IpProtocol.Tcp;
    case 'udp':
      return IpProtocol.Udp;
    case 'icmp':
      return IpProtocol.Icmp;
    case 'icmpv6':
      return IpProtocol.Icmpv6;
    default:
      return given;
  }
}

function l4Length(l4: L4Repr | undefined): number {
  switch (l4?.kind) {
    case undefined:
      return 0;
    case 'tcp':
      return tcpLength(l4.tcp);
    case 'udp':
      return UDP_HEADER_LENGTH + (l4.vxlan ? VXLAN_HEADER_LENGTH + frameLength(l4.vxlan.inner) : l4.udp.payload.length);
    case 'icmp':
      return icmpv4Length(l4.icmp);
    case 'icmpv6':
      return icmpv6Length(l4.icmp);
    case 'raw':
      return l4.bytes.length;
  }
}

function netLength(net: NetRepr, l4: L4Repr | undefined): number {
  switch (net.kind) {
    case 'ipv4':
      return ipv4HeaderLength(net.ip) + l4Length(l4);
    case 'ipv6':
      return IPV6_HEADER_LENGTH + (net.extensions?.length ?? 0) + l4Length(l4);
    case 'other':
      return net.bytes.length;
  }
}

/** Bytes emitFrame produces. */
export function frameLength(frame: FrameRepr): number {
  return ethernetHeaderLength(frame.eth) + netLength(frame.net, frame.l4) + (frame.trailer?.length ?? 0);
}

export function ipPacketLength(packet: IpPacketRepr): number {
  return netLength(packet.net, packet.l4) + (packet.trailer?.length ?? 0);
}

function emitL4(l4: L4Repr, buf: Uint8Array, offset: number, length: number, pseudoSum: number): void {
  switch (l4.kind) {
    case 'tcp':
      return emitTcp(l4.tcp, buf, offset, pseudoSum);
    case 'udp': {
      const sum = l4.zeroChecksum ? null : pseudoSum;
      if (!l4.vxlan) return emitUdp(l4.udp, buf, offset, sum);
      emitVxlanHeader(l4.vxlan.header, buf, offset + UDP_HEADER_LENGTH);
      emitFrameInto(l4.vxlan.inner, buf, offset + UDP_HEADER_LENGTH + VXLAN_HEADER_LENGTH);
      return emitUdpHeader(l4.udp.srcPort, l4.udp.dstPort, length - UDP_HEADER_LENGTH, buf, offset, sum);
    }
    case 'icmp':
      return emitIcmpv4(l4.icmp, buf, offset);
    case 'icmpv6':
      return emitIcmpv6(l4.icmp, buf, offset, pseudoSum);
    case 'raw':
      copyBytes(l4.bytes, buf, offset);
  }
}

/** Writes the network layer and what it carries at `offset`; returns the end offset. */
function emitNet(net: NetRepr, l4: L4Repr | undefined, buf: Uint8Array, offset: number): number {
  if (net.kind === 'other') {
    copyBytes(net.bytes, buf, offset);
    return offset + net.bytes.length;
  }
  const len = l4Length(l4);
  if (net.kind === 'ipv4') {
    const ip = net.ip;
    const protocol = l4Protocol(l4, ip.protocol);
    const hl = ipv4HeaderLength(ip);
    emitIpv4Header(ip, buf, offset, len, protocol);
    if (l4) emitL4(l4, buf, offset + hl, len, pseudoHeaderSumV4(ip.src, ip.dst, protocol, len));
    return offset + hl + len;
  }
  const ip = net.ip;
  const ext = net.extensions;
  const extLen = ext?.length ?? 0;
  // With extension headers the chain in `ext` names the upper layer; the fixed header names ext.
  const nextHeader = extLen ? ip.nextHeader : l4Protocol(l4, ip.nextHeader);
  emitIpv6Header(ip, buf, offset, extLen + len, nextHeader);
  if (ext) copyBytes(ext, buf, offset + IPV6_HEADER_LENGTH);
  const at = offset + IPV6_HEADER_LENGTH + extLen;
  // RFC 8200 §8.1 wants the final destination of a routing header here; we use the header's dst.
  if (l4) emitL4(l4, buf, at, len, pseudoHeaderSumV6(ip.src, ip.dst, l4Protocol(l4, ip.nextHeader), len));
  return at + len;
}

const ETHERTYPE_OF_NET = { ipv4: EtherType.Ipv4, ipv6: EtherType.Ipv6 } as const;

/** Writes the frame at `offset` (`frameLength(frame)` bytes) and returns the end offset. */
export function emitFrameInto(frame: FrameRepr, buf: Uint8Array, offset: number): number {
  const n = frame.net;
  emitEthernetHeader(frame.eth, buf, offset, n.kind === 'other' ? frame.eth.ethertype : ETHERTYPE_OF_NET[n.kind]);
  let end = emitNet(n, frame.l4, buf, offset + ethernetHeaderLength(frame.eth));
  if (frame.trailer) {
    copyBytes(frame.trailer, buf, end);
    end += frame.trailer.length;
  }
  return end;
}

/**
 * The frame's bytes, every length and checksum computed (pcap linktype 1, no FCS), in one
 * right-sized Uint8Array with its own ArrayBuffer (safe to transfer to another thread). Writing
 * many frames? frameLength + emitFrameInto into one chunk saves an allocation per frame.
 */
export function emitFrame(frame: FrameRepr): Uint8Array {
  const buf = new Uint8Array(frameLength(frame));
  emitFrameInto(frame, buf, 0);
  return buf;
}

/** Writes the packet at `offset` (`ipPacketLength(packet)` bytes) and returns the end offset. */
export function emitIpPacketInto(packet: IpPacketRepr, buf: Uint8Array, offset: number): number {
  let end = emitNet(packet.net, packet.l4, buf, offset);
  if (packet.trailer) {
    copyBytes(packet.trailer, buf, end);
    end += packet.trailer.length;
  }
  return end;
}

/** The packet's bytes from the IP header on (pcap linktype 101). */
export function emitIpPacket(packet: IpPacketRepr): Uint8Array {
  const buf = new Uint8Array(ipPacketLength(packet));
  emitIpPacketInto(packet, buf, 0);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Parse

interface Walk {
  opts: ParseFrameOptions;
  checks: ChecksumCheck[];
  depth: number;
}

type Failure = { ok: false; error: WireError };

/** Moves an error from a sub-buffer's offsets to the caller's. */
const rebase = (r: Failure, base: number): Failure => fail(r.error.layer, r.error.offset + base, r.error.message);

interface NetParse<N extends NetRepr = NetRepr> {
  net: N;
  l4?: L4Repr;
  /** Bytes the network layer used; what follows is trailer. */
  length: number;
}

/** Parses an IP payload `bytes` (at `base` in the outer buffer) as `protocol`. */
function parseL4(protocol: number, bytes: Uint8Array, base: number, pseudoSum: number, v6: boolean, w: Walk): Result<L4Repr | undefined> {
  if (bytes.length === 0) return ok(undefined);
  if (protocol === IpProtocol.Tcp) {
    const r = parseTcp(bytes, pseudoSum);
    if (!r.ok) return rebase(r, base);
    w.checks.push({ layer: 'tcp', offset: base, ok: r.value.checksumOk });
    return ok({ kind: 'tcp', tcp: r.value.repr });
  }
  if (protocol === IpProtocol.Udp) return parseUdpL4(bytes, base, pseudoSum, v6, w);
  if (protocol === IpProtocol.Icmp && !v6) {
    const r = parseIcmpv4(bytes);
    if (!r.ok) return rebase(r, base);
    w.checks.push({ layer: 'icmp', offset: base, ok: r.value.checksumOk });
    return ok({ kind: 'icmp', icmp: r.value.repr });
  }
  if (protocol === IpProtocol.Icmpv6 && v6) {
    const r = parseIcmpv6(bytes, pseudoSum);
    if (!r.ok) return rebase(r, base);
    w.checks.push({ layer: 'icmpv6', offset: base, ok: r.value.checksumOk });
    return ok({ kind: 'icmpv6', icmp: r.value.repr });
  }
  return ok({ kind: 'raw', bytes });
}

function parseUdpL4(bytes: Uint8Array, base: number, pseudoSum: number, v6: boolean, w: Walk): Result<L4Repr> {
  const r = parseUdp(bytes, pseudoSum);
  if (!r.ok) return rebase(r, base);
  const { repr, zeroChecksum } = r.value;
  // RFC 8200 §8.1: over IPv6 a zero UDP checksum is an error, not "none".
  w.checks.push({ layer: 'udp', offset: base, ok: r.value.checksumOk && !(v6 && zeroChecksum) });
  const l4: L4Repr = { kind: 'udp', udp: repr };
  if (zeroChecksum) l4.zeroChecksum = true;
  if (!w.opts.vxlanPorts.has(repr.dstPort) || w.depth >= MAX_ENCAPSULATION_DEPTH) return ok(l4);
  const vxBase = base + UDP_HEADER_LENGTH;
  const header = parseVxlanHeader(repr.payload);
  if (!header.ok) return rebase(header, vxBase);
  w.depth++;
  const inner = parseFrameAt(repr.payload.subarray(VXLAN_HEADER_LENGTH), vxBase + VXLAN_HEADER_LENGTH, w);
  w.depth--;
  if (!inner.ok) return inner;
  l4.vxlan = { header: header.value, inner: inner.value };
  l4.udp = { srcPort: repr.srcPort, dstPort: repr.dstPort, payload: EMPTY };
  return ok(l4);
}

function parseIpv4At(bytes: Uint8Array, base: number, w: Walk): Result<NetParse<IpNetRepr>> {
  const r = parseIpv4Header(bytes);
  if (!r.ok) return rebase(r, base);
  const { repr, headerLength, payload } = r.value;
  w.checks.push({ layer: 'ipv4', offset: base, ok: r.value.checksumOk });
  const net: IpNetRepr = { kind: 'ipv4', ip: repr };
  const length = headerLength + repr.payloadLength;
  // A fragment's payload is part of a datagram: only reassembly could parse it.
  if (isFragment(repr)) return ok(payload.length ? { net, l4: { kind: 'raw', bytes: payload }, length } : { net, length });
  const pseudo = pseudoHeaderSumV4(repr.src, repr.dst, repr.protocol, payload.length);
  const l4 = parseL4(repr.protocol, payload, base + headerLength, pseudo, false, w);
  if (!l4.ok) return l4;
  return ok(l4.value ? { net, l4: l4.value, length } : { net, length });
}

function parseIpv6At(bytes: Uint8Array, base: number, w: Walk): Result<NetParse<IpNetRepr>> {
  const r = parseIpv6Header(bytes);
  if (!r.ok) return rebase(r, base);
  const { repr, upperOffset, upperProtocol, fragment } = r.value;
  const net: IpNetRepr = { kind: 'ipv6', ip: repr };
  if (upperOffset > IPV6_HEADER_LENGTH) net.extensions = bytes.slice(IPV6_HEADER_LENGTH, upperOffset);
  const length = IPV6_HEADER_LENGTH + repr.payloadLength;
  const upper = bytes.subarray(upperOffset, length);
  if (fragment && (fragment.offset !== 0 || fragment.moreFragments)) {
    return ok(upper.length ? { net, l4: { kind: 'raw', bytes: upper }, length } : { net, length });
  }
  const pseudo = pseudoHeaderSumV6(repr.src, repr.dst, upperProtocol, upper.length);
  const l4 = parseL4(upperProtocol, upper, base + upperOffset, pseudo, true, w);
  if (!l4.ok) return l4;
  return ok(l4.value ? { net, l4: l4.value, length } : { net, length });
}

function parseNet(ethertype: number, bytes: Uint8Array, base: number, w: Walk): Result<NetParse> {
  if (ethertype === EtherType.Ipv4) return parseIpv4At(bytes, base, w);
  if (ethertype === EtherType.Ipv6) return parseIpv6At(bytes, base, w);
  return ok({ net: { kind: 'other', bytes }, length: bytes.length });
}

function parseFrameAt(bytes: Uint8Array, base: number, w: Walk): Result<FrameRepr> {
  const eth = parseEthernetHeader(bytes);
  if (!eth.ok) return rebase(eth, base);
  const hl = ethernetHeaderLength(eth.value);
  const rest = bytes.subarray(hl);
  const net = parseNet(eth.value.ethertype, rest, base + hl, w);
  if (!net.ok) return net;
  const frame: FrameRepr = { eth: eth.value, net: net.value.net };
  if (net.value.l4) frame.l4 = net.value.l4;
  if (net.value.length < rest.length) frame.trailer = rest.subarray(net.value.length);
  return ok(frame);
}

/** Parses a frame (pcap linktype 1) and reports every checksum it verified. */
export function parseFrameWithChecks(
  bytes: Uint8Array,
  opts: ParseFrameOptions = DEFAULT_OPTIONS,
): Result<{ frame: FrameRepr; checksums: ChecksumCheck[] }> {
  const w: Walk = { opts, checks: [], depth: 0 };
  const r = parseFrameAt(bytes, 0, w);
  return r.ok ? ok({ frame: r.value, checksums: w.checks }) : r;
}

/** Parses a frame (pcap linktype 1). Bad checksums do not fail: see parseFrameWithChecks. */
export function parseFrame(bytes: Uint8Array, opts: ParseFrameOptions = DEFAULT_OPTIONS): Result<FrameRepr> {
  return parseFrameAt(bytes, 0, { opts, checks: [], depth: 0 });
}

/** Parses an IP packet without a link layer (pcap linktype 101); the version nibble decides. */
export function parseIpPacketWithChecks(
  bytes: Uint8Array,
  opts: ParseFrameOptions = DEFAULT_OPTIONS,
): Result<{ packet: IpPacketRepr; checksums: ChecksumCheck[] }> {
  const w: Walk = { opts, checks: [], depth: 0 };
  if (bytes.length === 0) return fail('ip', 0, 'empty packet');
  const version = bytes[0]! >>> 4;
  if (version !== 4 && version !== 6) return fail('ip', 0, `version is ${version}, neither 4 nor 6`);
  const r = version === 4 ? parseIpv4At(bytes, 0, w) : parseIpv6At(bytes, 0, w);
  if (!r.ok) return r;
  const packet: IpPacketRepr = { net: r.value.net };
  if (r.value.l4) packet.l4 = r.value.l4;
  if (r.value.length < bytes.length) packet.trailer = bytes.subarray(r.value.length);
  return ok({ packet, checksums: w.checks });
}

export function parseIpPacket(bytes: Uint8Array, opts: ParseFrameOptions = DEFAULT_OPTIONS): Result<IpPacketRepr> {
  const r = parseIpPacketWithChecks(bytes, opts);
  return r.ok ? ok(r.value.packet) : r;
}

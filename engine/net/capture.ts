/**
 * Capture points: a tap on a link end records every frame that leaves or arrives there, as real
 * bytes. The engine's numeric Packet becomes an engine/wire FrameRepr here and nowhere else;
 * emitFrame computes lengths and checksums. MACs: each NIC has a stable MAC (macFromIndex), and
 * the Azure fabric answers for the gateway with 12:34:56:78:9a:bc, as Azure VMs see it.
 */
import type { CapturedFrame } from '../sim/types.ts';
import { compileCaptureFilter, type CaptureFilter } from '../dissect/filter/index.ts';
import { emitFrame, type FrameRepr, type L4Repr } from '../wire/frame.ts';
import { EtherType } from '../wire/ethernet.ts';
import { ipv4Repr } from '../wire/ipv4.ts';
import { tcpFlags, tcpRepr, type TcpOptions } from '../wire/tcp.ts';
import { vxlanRepr } from '../wire/vxlan.ts';
import type { Mac } from '../wire/addr.ts';
import type { LinkEnd } from './context.ts';
import { ACK, FIN, ICMP_ECHO_REPLY, Packet, PROTO_ICMP, PROTO_TCP, PROTO_UDP, PSH, RST, SYN } from './packet.ts';

/** The MAC the Azure fabric answers ARP with for every address it routes (the default gateway). */
export const AZURE_GATEWAY_MAC: Mac = '12:34:56:78:9a:bc';

const EMPTY = new Uint8Array(0);

export function tcpOptionsOf(p: Packet): TcpOptions {
  const o: TcpOptions = { unknown: [] };
  if (p.mss >= 0) o.mss = p.mss;
  if (p.sackPerm) o.sackPermitted = true;
  if (p.hasTs) o.timestamps = { value: p.tsVal, echo: p.tsEcr };
  if (p.wscale >= 0) o.windowScale = p.wscale;
  return o;
}

function l4Of(p: Packet): L4Repr | undefined {
  const payload = p.payload ?? EMPTY;
  if (p.proto === PROTO_TCP) {
    const f = p.flags;
    const flags = tcpFlags({ fin: !!(f & FIN), syn: !!(f & SYN), rst: !!(f & RST), psh: !!(f & PSH), ack: !!(f & ACK) });
    return { kind: 'tcp', tcp: tcpRepr({ srcPort: p.srcPort, dstPort: p.dstPort, seq: p.seq, ack: p.ack, flags, window: p.window, options: tcpOptionsOf(p), payload }) };
  }
  if (p.proto === PROTO_UDP) return { kind: 'udp', udp: { srcPort: p.srcPort, dstPort: p.dstPort, payload } };
  if (p.proto === PROTO_ICMP) {
    // ICMP errors a Linux router sends (router-node.ts): the quoted datagram is the payload.
    if (p.icmpType === 3) return { kind: 'icmp', icmp: { kind: 'destUnreachable', code: p.icmpCode, data: payload } };
    if (p.icmpType === 11) return { kind: 'icmp', icmp: { kind: 'timeExceeded', code: p.icmpCode, data: payload } };
    const kind = p.icmpType === ICMP_ECHO_REPLY ? 'echoReply' : 'echoRequest';
    return { kind: 'icmp', icmp: { kind, id: p.icmpId, seq: p.icmpSeq, data: payload } };
  }
  return undefined;
}

/**
 * The MACs of the Ethernet frame inside a gateway load balancer's VXLAN tunnel. Azure does not
 * publish them; we use the fabric's gateway MAC for both ends (what a VM sees for everything).
 */
export const VXLAN_INNER_MAC: Mac = AZURE_GATEWAY_MAC;

/** An encapsulated packet's UDP layer: VXLAN header, the inner frame, checksum 0 (RFC 7348 §5). */
function vxlanL4Of(p: Packet, inner: Packet): L4Repr {
  return {
    kind: 'udp',
    udp: { srcPort: p.srcPort, dstPort: p.dstPort, payload: EMPTY },
    zeroChecksum: true,
    vxlan: { header: vxlanRepr(p.vni), inner: frameOf(inner, VXLAN_INNER_MAC, VXLAN_INNER_MAC) },
  };
}

/** The frame as it is on the wire between `srcMac` and `dstMac` (outer and inner for VXLAN). */
export function frameOf(p: Packet, srcMac: Mac, dstMac: Mac): FrameRepr {
  const ip = ipv4Repr({ src: p.src, dst: p.dst, ttl: p.ttl, protocol: p.proto, identification: p.ipId });
  const l4 = p.inner !== null ? vxlanL4Of(p, p.inner) : l4Of(p);
  const frame: FrameRepr = { eth: { src: srcMac, dst: dstMac, ethertype: EtherType.Ipv4 }, net: { kind: 'ipv4', ip } };
  if (l4) frame.l4 = l4;
  return frame;
}

export class CaptureTap {
  readonly frames: CapturedFrame[] = [];
  /** The compiled capture filter (tcpdump syntax), tested on the emitted bytes like BPF; null = all. */
  private readonly filter: CaptureFilter | null;
  /** Why the filter did not compile (the tap then records nothing, as tcpdump would not start). */
  readonly filterError: string | null;
  constructor(
    readonly id: string,
    readonly node: string,
    readonly iface: string | undefined,
    filter?: string,
  ) {
    const text = filter?.trim() ?? '';
    const c = text ? compileCaptureFilter(text) : null;
    this.filter = c?.ok ? c.filter : null;
    this.filterError = c && !c.ok ? c.error.message : null;
  }

  record(p: Packet, src: LinkEnd, dst: LinkEnd, direction: 'in' | 'out', t: number): void {
    if (this.filterError !== null) return;
    const here = direction === 'out' ? src : dst;
    const data = emitFrame(frameOf(p, src.mac, dst.mac));
    if (this.filter && !this.filter.test(data, 1)) return;
    this.frames.push({
      t,
      captureId: this.id,
      node: this.node,
      iface: here.iface,
      linkType: 1,
      data,
      packetId: p.id,
      direction,
    });
  }
}

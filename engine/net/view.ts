/**
 * How a person reads a packet: the PacketView for the trace, and a one-line summary like
 * tshark's Info column. Built only when tracing is on (callers check `trace.on` / `trace.full`).
 */
import type { PacketView } from '../sim/types.ts';
import { ipv4ToString } from '../wire/addr.ts';
import { ACK, flagString, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, Packet, PROTO_ICMP, PROTO_TCP, PROTO_UDP, endpoint } from './packet.ts';

export function packetView(p: Packet): PacketView {
  const ip = { src: ipv4ToString(p.src), dst: ipv4ToString(p.dst), ttl: p.ttl, protocol: p.proto, id: p.ipId, length: p.ipLength };
  if (p.inner !== null) return { ip, udp: { srcPort: p.srcPort, dstPort: p.dstPort, len: p.ipLength - 20 }, vxlan: { vni: p.vni, inner: packetView(p.inner) } };
  if (p.proto === PROTO_TCP)
    return {
      ip,
      tcp: { srcPort: p.srcPort, dstPort: p.dstPort, seq: p.seq, ack: p.ack, flags: flagString(p.flags), window: p.window, len: p.payloadLength },
    };
  if (p.proto === PROTO_UDP) return { ip, udp: { srcPort: p.srcPort, dstPort: p.dstPort, len: 8 + p.payloadLength } };
  if (p.proto === PROTO_ICMP) return { ip, icmp: { type: p.icmpType, code: p.icmpCode, id: p.icmpId, seq: p.icmpSeq } };
  return { ip };
}

export function packetSummary(p: Packet): string {
  if (p.inner !== null) return `${endpoint(p.src, p.srcPort)} → ${endpoint(p.dst, p.dstPort)} VXLAN VNI ${p.vni} [${packetSummary(p.inner)}]`;
  if (p.proto === PROTO_TCP) {
    let s = `${endpoint(p.src, p.srcPort)} → ${endpoint(p.dst, p.dstPort)} [${flagString(p.flags)}] Seq=${p.seq}`;
    if (p.flags & ACK) s += ` Ack=${p.ack}`;
    s += ` Win=${p.window} Len=${p.payloadLength}`;
    return s;
  }
  if (p.proto === PROTO_UDP) return `${endpoint(p.src, p.srcPort)} → ${endpoint(p.dst, p.dstPort)} UDP Len=${p.payloadLength}`;
  if (p.proto === PROTO_ICMP) {
    const what = p.icmpType === ICMP_ECHO_REQUEST ? 'Echo (ping) request' : p.icmpType === ICMP_ECHO_REPLY ? 'Echo (ping) reply' : `ICMP type ${p.icmpType}`;
    return `${ipv4ToString(p.src)} → ${ipv4ToString(p.dst)} ${what} id=${p.icmpId} seq=${p.icmpSeq}`;
  }
  return `${ipv4ToString(p.src)} → ${ipv4ToString(p.dst)} proto ${p.proto}`;
}

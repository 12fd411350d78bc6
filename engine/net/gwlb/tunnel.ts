/**
 * The VXLAN legs between a gateway load balancer and an NVA (§D.1, §I.1, RFC 7348 §5).
 *
 *   ingress (from the Internet toward the consumer):  GWLB -> NVA on the External tunnel,
 *                                                     NVA -> GWLB on the Internal tunnel
 *   egress  (from the consumer toward the Internet):  GWLB -> NVA on the Internal tunnel,
 *                                                     NVA -> GWLB on the External tunnel
 *
 * "External" is the Internet side of the appliance and "Internal" the application side (doc:
 * external for traffic arriving to the pool, internal for traffic from the appliance toward the
 * application [C]; the article: `Internet Host <-- External --> NVA <-- Internal --> Consumer VM`).
 * Outer IPs are the GWLB frontend and the NVA's NIC; the outer UDP destination is the tunnel's
 * port, the VNI its identifier; the inner frame keeps the original 5-tuple.
 */
import { hash4 } from '../snat/word-map.ts';
import type { TunnelInterface } from '../../model/kinds/load-balancer.ts';

export type TunnelType = 'Internal' | 'External';
export type Direction = 'ingress' | 'egress';

/** Portal defaults (§D.1 [C]). The CLI's own defaults (internal 10800/900) are not used here. */
export const DEFAULT_TUNNELS: Readonly<Record<TunnelType, { port: number; vni: number }>> = {
  Internal: { port: 10800, vni: 800 },
  External: { port: 10801, vni: 801 },
};

/** Outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 (§D.1 [I from RFC 7348]). */
export const VXLAN_OVERHEAD_IPV4 = 50;
/** Outer IPv6 40 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
export const VXLAN_OVERHEAD_IPV6 = 70;

/** RFC 7348 §5: "the source port ... within the dynamic/private port range 49152-65535". */
export const RFC7348_SRC_PORTS = { min: 49152, max: 65535 } as const;
/** Linux's vxlan device without `srcport`: udp_flow_src_port falls back to ip_local_port_range. */
export const LINUX_VXLAN_SRC_PORTS = { min: 32768, max: 60999 } as const;

/**
 * The largest inner IP packet that fits an underlay MTU without fragmenting the outer packet:
 * 1,500 - 50 = 1,450 over IPv4 (the overhead counts the inner Ethernet header). GWLB-specific MTU
 * guidance is not published (§D.1 [U]).
 */
export function innerMtu(underlayMtu: number, outer: 'ipv4' | 'ipv6' = 'ipv4'): number {
  return underlayMtu - (outer === 'ipv4' ? VXLAN_OVERHEAD_IPV4 : VXLAN_OVERHEAD_IPV6);
}

/** The inner 5-tuple (the consumer's packet as it travels, addresses and ports unchanged). */
export interface InnerFlow {
  proto: number;
  src: number;
  sport: number;
  dst: number;
  dport: number;
}

/** One encapsulated leg: everything the simulator needs to build the outer headers. */
export interface VxlanLeg {
  tunnel: TunnelType;
  from: 'gwlb' | 'nva';
  outerSrc: number;
  outerDst: number;
  udpSrc: number;
  udpDst: number;
  vni: number;
  /** RFC 7348 §5: the outer UDP checksum SHOULD be transmitted as zero. */
  udpChecksum: 0;
  /** VXLAN flags byte: only the I bit. */
  flags: 0x08;
}

/**
 * The outer UDP source port: a hash of the inner headers scaled into [min, max] the way Linux's
 * udp_flow_src_port does ((hash ^ hash << 16) × (max − min) >> 32) + min). Same flow, same port.
 */
export function vxlanSourcePort(f: InnerFlow, seed: number, range: { min: number; max: number }): number {
  let h = hash4(f.src ^ seed, f.dst, ((f.sport & 0xffff) << 16) | (f.dport & 0xffff), f.proto);
  h = (h ^ (h << 16)) >>> 0;
  return Math.floor((h * (range.max - range.min)) / 4294967296) + range.min;
}

/** The tunnel interfaces of a pool, with the portal defaults for a missing one. */
export function tunnelsOf(interfaces: readonly TunnelInterface[]): Record<TunnelType, { port: number; vni: number }> {
  const get = (t: TunnelType): { port: number; vni: number } => {
    const i = interfaces.find((x) => x.type === t);
    return i ? { port: i.port, vni: i.identifier } : DEFAULT_TUNNELS[t];
  };
  return { Internal: get('Internal'), External: get('External') };
}

export interface LegOptions {
  /** Seed of the outer source-port hash. */
  seed: number;
  /** Outer source ports the GWLB picks from; RFC 7348's range by default (see README). */
  gwlbSrcPorts?: { min: number; max: number };
  /** Outer source ports the NVA's Linux vxlan device picks from. */
  nvaSrcPorts?: { min: number; max: number };
}

/** The two legs of one pass through an NVA, in order: GWLB -> NVA, then NVA -> GWLB. */
export function tunnelLegs(
  direction: Direction,
  gwlbIp: number,
  nvaIp: number,
  tunnels: Record<TunnelType, { port: number; vni: number }>,
  inner: InnerFlow,
  o: LegOptions,
): [VxlanLeg, VxlanLeg] {
  const first: TunnelType = direction === 'ingress' ? 'External' : 'Internal';
  const second: TunnelType = direction === 'ingress' ? 'Internal' : 'External';
  const leg = (tunnel: TunnelType, from: 'gwlb' | 'nva'): VxlanLeg => ({
    tunnel,
    from,
    outerSrc: from === 'gwlb' ? gwlbIp : nvaIp,
    outerDst: from === 'gwlb' ? nvaIp : gwlbIp,
    udpSrc: vxlanSourcePort(inner, o.seed, from === 'gwlb' ? (o.gwlbSrcPorts ?? RFC7348_SRC_PORTS) : (o.nvaSrcPorts ?? LINUX_VXLAN_SRC_PORTS)),
    udpDst: tunnels[tunnel].port,
    vni: tunnels[tunnel].vni,
    udpChecksum: 0,
    flags: 0x08,
  });
  return [leg(first, 'gwlb'), leg(second, 'nva')];
}

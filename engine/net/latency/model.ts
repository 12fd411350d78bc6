/**
 * Latency of links and hops, in integer microseconds of virtual time.
 *
 * Every hop kind has a default a person can change (per scenario, `LatencySettings`), and any
 * single link can override its kind (`linkOverrides`, keyed by the simulator's link id). The
 * defaults are calibrated on the TCP-ping measurements of seed 001 (ethr -p tcp -t pi, East US,
 * client VM -> server ILPIP, same region; see README):
 *
 *   without GWLB  avg 1.469 ms     with GWLB  avg 6.078 ms     NVA eth0-in to eth0-out ≈ 0.1 ms
 *
 * A TCP connect returns when the SYN+ACK arrives, so ethr's "handshake latency" is one round trip:
 *   direct one way = hostStack + vnetHop + lbProcessing + hostStack = 50 + 625 + 10 + 50 = 735 µs
 *   RTT = 1,470 µs                                                       (measured 1,469)
 *   GWLB detour one way = 2 × gwlbProcessing + 2 × vnetHop + 2 × hostStack + nvaProcessing
 *                       = 860 + 1,250 + 100 + 100 = 2,310 µs
 *   RTT with GWLB = 1,470 + 2 × 2,310 = 6,090 µs                         (measured 6,078)
 * The split between "GWLB processing" and the VNet hops to and from the NVA is ours [I]: the
 * article only measures the total and the NVA's 0.1 ms.
 */

export interface LatencySettings {
  /** Guest network stack + NIC to the host's virtual switch, per crossing. */
  hostStackUs: number;
  /** One hop across the region's SDN fabric (host to host, host to a load balancer). */
  vnetHopUs: number;
  /** Load balancer / instance public IP rewrite on the host, per pass. */
  lbProcessingUs: number;
  /** Gateway load balancer, per pass (twice per direction: out to the NVA and back). */
  gwlbProcessingUs: number;
  /** The NVA from eth0 in to eth0 out (decap, bridge, iptables, encap): ≈ 0.1 ms measured. */
  nvaProcessingUs: number;
  /** Internet host <-> Azure region edge, one way [I: not calibrated; set per scenario]. */
  internetUs: number;
  /** Between two regions, one way [I]. */
  interRegionUs: number;
  /** Per-packet jitter: a hop takes base × (1 ± jitter); 0 keeps the model exact. */
  jitter: number;
}

export const DEFAULT_LATENCY: Readonly<LatencySettings> = {
  hostStackUs: 50,
  vnetHopUs: 625,
  lbProcessingUs: 10,
  gwlbProcessingUs: 430,
  nvaProcessingUs: 100,
  internetUs: 10_000,
  interRegionUs: 35_000,
  jitter: 0,
};

export type HopKind = 'hostStack' | 'vnetHop' | 'lbProcessing' | 'gwlbProcessing' | 'nvaProcessing' | 'internet' | 'interRegion';

const FIELD: Record<HopKind, keyof Omit<LatencySettings, 'jitter'>> = {
  hostStack: 'hostStackUs',
  vnetHop: 'vnetHopUs',
  lbProcessing: 'lbProcessingUs',
  gwlbProcessing: 'gwlbProcessingUs',
  nvaProcessing: 'nvaProcessingUs',
  internet: 'internetUs',
  interRegion: 'interRegionUs',
};

/** The hops of one direction between a VM and another VM's public IP in the same region. */
export const DIRECT_PATH: readonly HopKind[] = ['hostStack', 'vnetHop', 'lbProcessing', 'hostStack'];

/** What a gateway chain adds to one direction: out to the NVA and back. */
export const GWLB_DETOUR: readonly HopKind[] = ['gwlbProcessing', 'vnetHop', 'hostStack', 'nvaProcessing', 'hostStack', 'vnetHop', 'gwlbProcessing'];

export const GWLB_PATH: readonly HopKind[] = [...DIRECT_PATH.slice(0, 2), ...GWLB_DETOUR, ...DIRECT_PATH.slice(2)];

export class LatencyModel {
  readonly settings: LatencySettings;
  private readonly links: ReadonlyMap<string, number>;

  constructor(overrides: Partial<LatencySettings> = {}, linkOverrides: ReadonlyMap<string, number> = new Map()) {
    this.settings = { ...DEFAULT_LATENCY, ...overrides };
    this.links = linkOverrides;
  }

  /** The base latency of a hop kind, µs. */
  hop(kind: HopKind): number {
    return this.settings[FIELD[kind]];
  }

  /** A link's latency: its own override, else its kind's. */
  link(id: string, kind: HopKind): number {
    return this.links.get(id) ?? this.hop(kind);
  }

  /**
   * One traversal with jitter: `u` is a uniform [0, 1) draw from the simulator's seeded stream
   * (never Math.random). Rounded to whole µs; never negative.
   */
  sample(baseUs: number, u: number): number {
    const j = this.settings.jitter;
    if (j === 0) return baseUs;
    return Math.max(0, Math.round(baseUs * (1 + j * (2 * u - 1))));
  }

  oneWay(path: readonly HopKind[]): number {
    let t = 0;
    for (const h of path) t += this.hop(h);
    return t;
  }

  /** TCP handshake latency as a client measures it (SYN out, SYN+ACK back): one round trip. */
  handshake(forward: readonly HopKind[], back: readonly HopKind[] = [...forward].reverse()): number {
    return this.oneWay(forward) + this.oneWay(back);
  }
}

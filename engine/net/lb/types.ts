/**
 * The shapes of the inbound load-balancer library: what the simulator hands in (a resolved view of
 * a `loadBalancer` scenario resource: frontend names become addresses, pool names become member
 * lists) and the small constants. Rules and probes are the scenario model's own types, so a
 * scenario's `rules` and `probes` arrays pass through unchanged.
 *
 * Reference: shared/reference/cloud-nat-lb.md §C (inbound), §C.5 (Basic vs Standard).
 */
import type { Ipv4Addr } from '../../wire/addr.ts';
import type { LbRule, Probe } from '../../model/kinds/load-balancer.ts';

export type { LbRule, Probe };

/** IP protocol numbers (IANA). */
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

/** TCP flag bits as in the header's 13th byte (RFC 9293 §3.1). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

export const US_PER_SECOND = 1_000_000;

/** Every IPv4 health probe comes from this address (§C.2 [C]). */
export const PROBE_SOURCE_IP: Ipv4Addr = 0xa83f8110; // 168.63.129.16

export type Sku = 'Basic' | 'Standard' | 'Gateway';
export type LoadDistribution = LbRule['loadDistribution'];

/** A frontend IP configuration with its address resolved. */
export interface LbFrontend {
  name: string;
  ip: Ipv4Addr;
  /** A private frontend (internal LB, or the gateway LB's frontend); false for a public IP. */
  internal: boolean;
}

/** One backend instance: a VM's NIC IP configuration in a pool. `name` is what panels show. */
export interface LbMember {
  name: string;
  /** The NIC's private address (the DIP): what probes target and what DNAT rewrites to. */
  dip: Ipv4Addr;
}

export interface LbPool {
  name: string;
  members: LbMember[];
}

/** Everything the library needs about one load balancer. */
export interface LbSetup {
  name: string;
  sku: Sku;
  frontends: LbFrontend[];
  pools: LbPool[];
  probes: Probe[];
  rules: LbRule[];
  noHealthyBackendsBehavior: 'AllProbedDown' | 'AllProbedUp';
  /** Which probe field decides transitions; see health.ts and the README. Default probeThreshold. */
  probeCounting?: ProbeCounting;
}

/**
 * `probeThreshold` (the newer field, default): that many consecutive failures take a member out,
 * that many consecutive successes bring it back. `numberOfProbes` (the older field): that many
 * consecutive failures take it out, one success brings it back (§C.2: "one success marks up").
 */
export type ProbeCounting = 'probeThreshold' | 'numberOfProbes';

/** Why a packet was not delivered; the simulator puts the code in its drop table. */
export type LbDropCode =
  | 'no-rule'
  | 'no-healthy-backend'
  | 'backend-down-flow-ended'
  | 'floating-ip-not-on-loopback'
  | 'empty-pool';

export interface LbDrop {
  code: LbDropCode;
  /** One sentence for the trace and the drop table. */
  message: string;
}

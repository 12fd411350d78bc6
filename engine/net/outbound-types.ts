/**
 * The types every outbound mechanism module shares (outbound.ts holds the chain), and the helper
 * for mechanisms whose data plane is not simulated yet. Kept apart so mechanism modules and the
 * chain do not import each other.
 */
import type { ResourceIndex } from '../model/references.ts';
import type { IpConfig, Nic, Subnet } from '../model/kinds/network.ts';
import type { NetContext } from './context.ts';
import type { Packet } from './packet.ts';
import type { SnatPlane } from './snat-plane.ts';

export type OutboundKind = 'nat-gateway' | 'aws-nat-gateway' | 'gcp-cloud-nat' | 'ilpip' | 'lb-outbound-rule' | 'lb-rule-snat' | 'default-outbound' | 'none';
export type OutboundProto = 'tcp' | 'udp' | 'icmp';

/** What the chain looks at: one ipconfig of one NIC, with its VM and subnet. */
export interface OutboundSubject {
  readonly vmId: string;
  readonly vmName: string;
  readonly nic: Nic;
  readonly ipConfig: IpConfig;
  readonly subnet: Subnet;
  readonly idx: ResourceIndex;
}

/** Which SNAT device a mechanism hands its packets to (snat-plane.ts builds one per source). */
export type SnatSource =
  | { readonly kind: 'lb-outbound-rule' | 'lb-rule-snat'; readonly lb: string; readonly rule: string; readonly pool: string }
  | { readonly kind: 'nat-gateway'; readonly natGateway: string }
  | { readonly kind: 'aws-nat-gateway'; readonly natGateway: string }
  | { readonly kind: 'gcp-cloud-nat'; readonly cloudNat: string }
  | { readonly kind: 'default-outbound' };

export interface Explanation {
  readonly mechanism: OutboundKind;
  /** The public addresses traffic leaves from (empty when none, or not known to the customer). */
  readonly publicIps: readonly string[];
  readonly protocols: readonly OutboundProto[];
  /** One sentence for the inspector, naming the resources. */
  readonly sentence: string;
  /** The resource that does the translation (a public IP, NAT gateway or load balancer id). */
  readonly resource?: string;
  /** SNAT ports the ipconfig gets: a number, or null when it keeps every ephemeral port (ILPIP). */
  readonly snatPorts?: number | null;
  /** How the ports are given, in words ("8 per instance from outbound rule 'x'", "on demand ..."). */
  readonly ports?: string;
  readonly snat?: SnatSource;
}

export type Applies = { readonly explanation: Explanation } | { readonly skip: string };

/** What the fabric offers a mechanism when a packet leaves the VNet. */
export interface FabricIo {
  readonly id: string;
  readonly ctx: NetContext;
  /** The run's SNAT devices (LB rules, NAT gateways, default outbound access). */
  readonly snat: SnatPlane;
  toInternet(p: Packet): void;
  /** Hands a packet to the NIC that owns its (private) destination. */
  deliverInside(p: Packet): void;
}

export interface OutboundMechanism {
  readonly kind: OutboundKind;
  /** Whether the mechanism's data plane is simulated (every mechanism of the chain is now). */
  readonly simulated: boolean;
  applies(subject: OutboundSubject): Applies;
  translate(p: Packet, d: OutboundDecision, io: FabricIo): void;
}

/** The chain's decision for one ipconfig: plain data, for the app's inspector and the CLI. */
export interface OutboundPath {
  readonly vm: string;
  readonly nic: string;
  readonly ipConfig: string;
  readonly privateIp: string;
  readonly mechanism: OutboundKind;
  readonly simulated: boolean;
  readonly publicIps: readonly string[];
  readonly protocols: readonly OutboundProto[];
  readonly explanation: string;
  readonly resource?: string;
  /** SNAT ports it gets (null: every ephemeral port, 1:1 NAT; absent: no SNAT at all). */
  readonly snatPorts?: number | null;
  /** How it gets its ports, in words. */
  readonly ports?: string;
  /** Every mechanism the chain asked, in order, and what it answered. */
  readonly considered: readonly { mechanism: OutboundKind; applies: boolean; why: string }[];
  /** Mechanisms below the winner that would also carry it, and why they do not. */
  readonly overrides: readonly { mechanism: OutboundKind; why: string }[];
}

export interface OutboundDecision {
  readonly path: OutboundPath;
  readonly mechanism: OutboundMechanism;
  /** The first public address as a number (what an SNAT rewrites to), 0 when none. */
  readonly publicIp: number;
  /** The SNAT device source, for mechanisms that translate through snat-plane.ts. */
  readonly snat?: SnatSource;
}

export const MECHANISM_LABEL: Record<OutboundKind, string> = {
  'nat-gateway': 'NAT gateway SNAT',
  'aws-nat-gateway': 'AWS NAT gateway SNAT',
  'gcp-cloud-nat': 'GCP Cloud NAT (on the VM\'s host)',
  ilpip: 'instance-level public IP',
  'lb-outbound-rule': 'load balancer outbound-rule SNAT',
  'lb-rule-snat': 'load-balancing-rule SNAT',
  'default-outbound': 'default outbound access',
  none: 'no outbound path',
};

/** A mechanism whose packets are translated by a SNAT device of the run (snat-plane.ts). */
export function viaSnat(kind: OutboundKind, applies: (s: OutboundSubject) => Applies): OutboundMechanism {
  return {
    kind,
    simulated: true,
    applies,
    translate(p, _d, io) {
      io.snat.outbound(p, io);
    },
  };
}

export function publicAddresses(idx: ResourceIndex, ids: readonly string[]): string[] {
  return ids.map((id) => idx.get(id, 'publicIp')?.address ?? id);
}

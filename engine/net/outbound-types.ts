/**
 * The types every outbound mechanism module shares (outbound.ts holds the chain), and the helper
 * for mechanisms whose data plane is not simulated yet. Kept apart so mechanism modules and the
 * chain do not import each other.
 */
import type { ResourceIndex } from '../model/references.ts';
import type { IpConfig, Nic, Subnet } from '../model/kinds/network.ts';
import type { NetContext } from './context.ts';
import type { Packet } from './packet.ts';

export type OutboundKind = 'nat-gateway' | 'ilpip' | 'lb-outbound-rule' | 'lb-rule-snat' | 'default-outbound' | 'none';
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

export interface Explanation {
  readonly mechanism: OutboundKind;
  /** The public addresses traffic leaves from (empty when none, or not known to the customer). */
  readonly publicIps: readonly string[];
  readonly protocols: readonly OutboundProto[];
  /** One sentence for the inspector, naming the resources. */
  readonly sentence: string;
  /** The resource that does the translation (a public IP, NAT gateway or load balancer id). */
  readonly resource?: string;
}

export type Applies = { readonly explanation: Explanation } | { readonly skip: string };

/** What the fabric offers a mechanism when a packet leaves the VNet. */
export interface FabricIo {
  readonly id: string;
  readonly ctx: NetContext;
  toInternet(p: Packet): void;
}

export interface OutboundMechanism {
  readonly kind: OutboundKind;
  /** False while the mechanism's data plane is the next issue's (its packets are dropped). */
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
  /** Every mechanism the chain asked, in order, and what it answered. */
  readonly considered: readonly { mechanism: OutboundKind; applies: boolean; why: string }[];
}

export interface OutboundDecision {
  readonly path: OutboundPath;
  readonly mechanism: OutboundMechanism;
  /** The first public address as a number (what an SNAT rewrites to), 0 when none. */
  readonly publicIp: number;
}

export const MECHANISM_LABEL: Record<OutboundKind, string> = {
  'nat-gateway': 'NAT gateway SNAT',
  ilpip: 'instance-level public IP',
  'lb-outbound-rule': 'load balancer outbound-rule SNAT',
  'lb-rule-snat': 'load-balancing-rule SNAT',
  'default-outbound': 'default outbound access',
  none: 'no outbound path',
};

/** Drops what a mechanism not yet simulated would have translated (honest and temporary). */
export function notSimulated(kind: OutboundKind, applies: (s: OutboundSubject) => Applies): OutboundMechanism {
  return {
    kind,
    simulated: false,
    applies,
    translate(p, { path }, io) {
      io.ctx.drop(
        io.id,
        p,
        'not-simulated',
        `${path.vm} (${path.privateIp}) leaves through ${MECHANISM_LABEL[kind]}: ${path.explanation} This mechanism is not simulated yet, so the packet stops here.`,
      );
    },
  };
}

export function publicAddresses(idx: ResourceIndex, ids: readonly string[]): string[] {
  return ids.map((id) => idx.get(id, 'publicIp')?.address ?? id);
}

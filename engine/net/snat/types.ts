/**
 * Shared vocabulary of the SNAT library: protocol numbers, TCP flag bits, mapping states, timer
 * profiles, RFC 4787 mapping behaviours and the results of an acquire.
 */
import type { Ipv4Addr } from '../../wire/addr.ts';

/** IP protocol numbers (IANA). ICMP uses the echo identifier as both "ports" (see README). */
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

/** TCP header flag bits (RFC 9293 §3.1), as in the header's 13th byte. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/** Time is integer microseconds of virtual time, as everywhere in the engine. */
export const US_PER_SECOND = 1_000_000;
export const US_PER_MINUTE = 60 * US_PER_SECOND;

/**
 * RFC 4787 §4.1 mapping behaviour: what a (private IP, private port) keeps across destinations.
 * - `eim`: one public IP:port for every destination (endpoint-independent);
 * - `adm`: one public IP:port per destination IP (address-dependent; Azure LB UDP, §A.5);
 * - `apdm`: one per destination IP:port (address-and-port-dependent; Azure LB TCP, §A.5). Under
 *   `apdm` every conntrack entry is its own mapping, and a public port serves many destinations.
 */
export type MappingBehaviour = 'eim' | 'adm' | 'apdm';

/** Numeric codes of MappingBehaviour, part of binding keys. */
export const MODE_EIM = 1;
export const MODE_ADM = 2;
export const MODE_APDM = 3;

export function modeCode(m: MappingBehaviour): number {
  return m === 'eim' ? MODE_EIM : m === 'adm' ? MODE_ADM : MODE_APDM;
}

/** Mapping states, stored as a byte per mapping. */
export const ST_FREE = 0;
export const ST_SYN_SENT = 1;
export const ST_ESTABLISHED = 2;
export const ST_FIN_ONE = 3;
export const ST_FIN_BOTH = 4;
export const ST_CLOSED_RST = 5;
export const ST_UDP = 6;
export const ST_COOLING = 7;

export type MappingState = 'syn-sent' | 'established' | 'fin-seen-one' | 'fin-seen-both' | 'closed-by-rst' | 'udp' | 'cooling';

export const STATE_NAMES: readonly MappingState[] = ['syn-sent', 'syn-sent', 'established', 'fin-seen-one', 'fin-seen-both', 'closed-by-rst', 'udp', 'cooling'];

/**
 * The timers one mapping lives by, in microseconds. A profile is captured when the mapping is
 * made: changing a rule's idle timeout affects mappings made from then on.
 */
export interface SnatTimers {
  /** TCP with no reply yet (SYN sent): idle limit, then the mapping goes (reason `half-open`). */
  readonly tcpSynSentUs: number;
  /** TCP established: idle limit (reason `idle`). */
  readonly tcpEstablishedUs: number;
  /** TCP after a FIN one way: idle limit (reason `idle`). */
  readonly tcpTransitoryUs: number;
  /** TCP after FIN both ways: the mapping holds its port this long, then goes (`fin-release`). */
  readonly tcpFinReleaseUs: number;
  /** TCP after a RST either way: as above (`rst-release`). */
  readonly tcpRstReleaseUs: number;
  /** After a TCP idle expiry, the public port stays unusable toward that destination this long. */
  readonly tcpIdleCooldownUs: number;
  /** UDP: idle limit. */
  readonly udpIdleUs: number;
  /** After a UDP idle expiry, the public port stays unusable toward that destination this long. */
  readonly udpCooldownUs: number;
  /** Other protocols (ICMP): idle limit. */
  readonly otherIdleUs: number;
  /** Report RST to both ends when an ESTABLISHED TCP mapping idles out (Azure enableTcpReset). */
  readonly tcpResetOnIdle: boolean;
}

/** Why a mapping (or its cool-down) ended, as returned by SnatTable.expire. */
export type ExpiryReason = 'idle' | 'half-open' | 'fin-release' | 'rst-release' | 'cooldown-end';

/** A plain snapshot of one mapping, for panels, traces and expiry reports. */
export interface MappingInfo {
  readonly id: number;
  readonly proto: number;
  readonly state: MappingState;
  readonly privIp: Ipv4Addr;
  readonly privPort: number;
  readonly dstIp: Ipv4Addr;
  readonly dstPort: number;
  readonly pubIp: Ipv4Addr;
  readonly pubPort: number;
  /** The label of the port inventory it came from (backend instance, VM or gateway). */
  readonly owner: string;
  readonly createdAt: number;
  readonly lastActivity: number;
  /** When the mapping will next be looked at by expire(), and what happens then. */
  readonly deadline: number;
  readonly deadlineReason: ExpiryReason;
  readonly replySeen: boolean;
}

export interface ExpiryEvent {
  readonly at: number;
  readonly reason: ExpiryReason;
  /**
   * The simulator should send a RST to both ends (private and destination): an ESTABLISHED TCP
   * mapping idled out under a rule with TCP reset on (Azure LB §A.6).
   */
  readonly sendRst: boolean;
  /**
   * The mapping is gone from the original index but its public port stays blocked toward the
   * destination until `coolingUntil` (-1 when it is simply gone).
   */
  readonly coolingUntil: number;
  readonly mapping: MappingInfo;
}

/** Why an acquire failed. */
export type SnatFailureCode =
  /** Every port the owner may use is already in use toward this destination (SNAT exhaustion). */
  | 'ports-exhausted'
  /** A per-destination connection limit (Azure NAT gateway 50,000; AWS 55,000) is reached. */
  | 'destination-limit'
  /** EIM: the private endpoint's public port is already held toward this destination by another flow. */
  | 'endpoint-independent-conflict'
  /** The rule does not SNAT this protocol (an outbound rule with protocol Tcp and a UDP flow). */
  | 'protocol-not-covered'
  /** The device never translates this protocol (Azure: no ICMP). */
  | 'protocol-unsupported'
  /** The instance or VM has no allocation (not in the pool, or nothing left for it). */
  | 'no-allocation';

export interface SnatFailure {
  readonly ok: false;
  readonly code: SnatFailureCode;
  /** A sentence for the trace: names the rule, the instance, the port count and the destination. */
  readonly message: string;
}

export interface SnatSuccess {
  readonly ok: true;
  /** The mapping id: pass it to SnatTable.outbound/inbound and the accessors. */
  readonly id: number;
  readonly pubIp: Ipv4Addr;
  readonly pubPort: number;
}

export type SnatAcquire = SnatSuccess | SnatFailure;

/** What to do with a packet that matches no mapping (see each gateway's unknownFlow). */
export type UnknownFlowAction = 'allocate' | 'rst-to-sender' | 'drop';

/** A configuration the allocator refuses, with a sentence for the inspector. */
export class SnatConfigError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SnatConfigError';
  }
}

/** The injected randomness: a float in [0, 1), e.g. `() => rng.nextFloat()` from engine/sim/rng.ts. */
export type RandomSource = () => number;

/** "64000" -> "64,000", without locale data (the engine must print the same everywhere). */
export function groupDigits(n: number): string {
  const s = String(Math.trunc(Math.abs(n)));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return n < 0 ? `-${out}` : out;
}

export function protoName(proto: number): string {
  return proto === PROTO_TCP ? 'TCP' : proto === PROTO_UDP ? 'UDP' : proto === PROTO_ICMP ? 'ICMP' : `protocol ${proto}`;
}

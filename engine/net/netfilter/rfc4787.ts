/**
 * The RFC 4787 behaviour of a Linux router's source NAT, as this model implements it (and as
 * nf_nat_core.c does; see nat.ts). The inspector shows `explanation`.
 *
 * Mapping. Linux keeps no mapping table apart from conntrack: every connection gets its own
 * entry. What makes it look endpoint-independent is get_unique_tuple's step 1: a new connection
 * keeps its source port when that port is inside the range and the resulting 5-tuple is unused,
 * and when it is outside the range it reuses the external ip:port of another live connection from
 * the same internal ip:port (find_appropriate_src) — as long as that does not clash with an
 * existing connection to the same destination ip:port. On a clash the port is searched again
 * (random offset), so the new connection gets a different external port: from then on the
 * mapping depends on the destination address and port. With --random or --random-fully step 1
 * is skipped and every connection draws a port: address-and-port-dependent mapping.
 *
 * Filtering. An arriving packet is translated only when it matches the reply tuple of an entry
 * exactly (remote address and port included); anything else finds no entry, gets a null binding
 * and is routed to the router itself: address-and-port-dependent filtering.
 */
import type { Ruleset } from './ruleset.ts';

export type Rfc4787Mapping = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';
export type Rfc4787Filtering = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

export interface NatBehaviour {
  mapping: Rfc4787Mapping;
  /** When the mapping class holds only under a condition, the condition. */
  mappingCondition: string | null;
  filtering: Rfc4787Filtering;
  portPreservation: boolean;
  /** REQ-9: a router with DNAT in PREROUTING and SNAT/MASQUERADE for the inside can hairpin. */
  hairpinning: 'with DNAT and SNAT rules' | 'no';
  explanation: string;
}

const EIM_EXPLANATION =
  'Linux (netfilter) keeps no separate NAT mapping table: each connection is a conntrack entry. ' +
  'A new connection keeps its source port if it fits the SNAT range and the resulting 5-tuple is unused, and ' +
  'otherwise reuses the external ip:port of a live connection from the same inside ip:port, so the ' +
  'mapping looks endpoint-independent. When that external ip:port is already used toward the same ' +
  'destination ip:port, the kernel picks another port from a random point of the range, and the mapping ' +
  'becomes address-and-port-dependent for that connection; when no port is free the first packet is ' +
  'dropped at conntrack confirm and the client only sees its SYN go unanswered. Replies must match a ' +
  "connection's reply tuple exactly (remote address and port), so filtering is address-and-port-dependent.";

const RANDOM_EXPLANATION =
  'This SNAT rule uses --random or --random-fully: the kernel skips port preservation and picks every ' +
  'connection\'s port from a random point of the range, so the external port differs per destination ' +
  '(address-and-port-dependent mapping). Replies must match the connection\'s reply tuple exactly ' +
  '(address-and-port-dependent filtering).';

/** Classifies the source NAT rules of a rule set (the nat table's POSTROUTING chain and its jumps). */
export function classifyLinuxNat(rules: Ruleset): NatBehaviour {
  const nat = rules.tables.nat;
  let random = false;
  let dnat = false;
  let snat = false;
  for (const c of nat.chains.values()) {
    for (const e of c.rules) {
      const t = e.rule.target;
      if (!t) continue;
      if ((t.kind === 'SNAT' || t.kind === 'MASQUERADE') && (t.random || t.randomFully)) random = true;
      if (t.kind === 'SNAT' || t.kind === 'MASQUERADE') snat = true;
      if (t.kind === 'DNAT' || t.kind === 'REDIRECT') dnat = true;
    }
  }
  const hairpinning = dnat && snat ? 'with DNAT and SNAT rules' : 'no';
  if (random) {
    return { mapping: 'address-and-port-dependent', mappingCondition: null, filtering: 'address-and-port-dependent', portPreservation: false, hairpinning, explanation: RANDOM_EXPLANATION };
  }
  return {
    mapping: 'endpoint-independent',
    mappingCondition: 'while the inside ip:port keeps one external ip:port without a clash; on a clash that connection gets another port (address-and-port-dependent)',
    filtering: 'address-and-port-dependent',
    portPreservation: true,
    hairpinning,
    explanation: EIM_EXPLANATION,
  };
}

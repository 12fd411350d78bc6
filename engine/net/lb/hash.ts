/**
 * Distribution: which backend a new flow goes to.
 *
 * The hash key depends on the rule's `loadDistribution` (§C.1 [C]):
 *   Default          5-tuple: source IP, source port, destination IP, destination port, protocol
 *   SourceIP         2-tuple: source IP, destination IP
 *   SourceIPProtocol 3-tuple: source IP, destination IP, protocol
 *
 * Azure's real hash function is not published (§C.1, **[U]**). We use a seeded murmur3-style mix
 * (the same `hash4` as the SNAT tables) and rendezvous hashing (highest random weight) over the
 * eligible members: each member gets score = mix(key, member DIP, seed) and the highest wins. It is
 * stable in the way that matters for a simulator: removing a member only moves the keys that were
 * on it, adding one only takes keys to the new member, and the same seed always gives the same
 * choices. Choosing costs O(members) and happens once per new flow; packets of known flows are a
 * flow-table lookup.
 */
import { hash4 } from '../snat/word-map.ts';
import { PROTO_TCP, type LbMember, type LoadDistribution } from './types.ts';

/** The 32-bit hash of a flow's key under a distribution mode. */
export function distributionKey(
  mode: LoadDistribution,
  seed: number,
  proto: number,
  srcIp: number,
  srcPort: number,
  dstIp: number,
  dstPort: number,
): number {
  switch (mode) {
    case 'Default':
      return hash4(srcIp ^ seed, dstIp, ((srcPort & 0xffff) << 16) | (dstPort & 0xffff), proto);
    case 'SourceIP':
      return hash4(srcIp ^ seed, dstIp, 0, 0);
    case 'SourceIPProtocol':
      return hash4(srcIp ^ seed, dstIp, 0, proto);
  }
}

/** Rendezvous score of one member for one key. */
function score(key: number, dip: number, seed: number): number {
  return hash4(key, dip, seed, 0x5bd1e995);
}

/**
 * The member (index into `members`) with the highest score among those `eligible` says yes to;
 * -1 when none is eligible. Ties (different DIPs with equal 32-bit scores) go to the lower index.
 */
export function pickMember(key: number, seed: number, members: readonly LbMember[], eligible: (i: number) => boolean): number {
  let best = -1;
  let bestScore = -1;
  for (let i = 0; i < members.length; i++) {
    if (!eligible(i)) continue;
    const s = score(key, members[i]!.dip, seed);
    if (s > bestScore) {
      best = i;
      bestScore = s;
    }
  }
  return best;
}

/** A readable name of the hash key, for the trace ("5-tuple", ...). */
export function distributionLabel(mode: LoadDistribution, proto: number): string {
  if (mode === 'SourceIP') return '2-tuple (source IP, destination IP)';
  if (mode === 'SourceIPProtocol') return `3-tuple (source IP, destination IP, ${proto === PROTO_TCP ? 'TCP' : 'UDP'})`;
  return '5-tuple';
}

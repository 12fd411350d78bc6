/**
 * Linux's ICMP error rate limit per destination (net/ipv4/icmp.c icmpv4_xrlim_allow over
 * net/ipv4/inetpeer.c inet_peer_xrlim_allow): a token bucket per address the error goes to,
 * `net.ipv4.icmp_ratelimit` (1000 ms) per error, holding at most XRLIM_BURST_FACTOR (6) of them.
 * A new peer starts full (rate_last = jiffies − 60 s), so a flood gets 6 errors at once, then one
 * per second. Only the types in `net.ipv4.icmp_ratemask` (6168 = destination unreachable, source
 * quench, time exceeded, parameter problem) are limited, never "fragmentation needed" (PMTU
 * discovery). Time is the simulator's µs instead of jiffies.
 *
 * Not modelled: the host-wide limit (icmp_msgs_per_sec 1000, icmp_msgs_burst 50, with a random
 * credit draw), and the peer cache's garbage collection (a peer idle for 6 s is full again either
 * way, so forgetting it changes nothing).
 */

const XRLIM_BURST_FACTOR = 6;
const ICMP_DEST_UNREACH = 3;
const ICMP_FRAG_NEEDED = 4;
const NR_ICMP_TYPES = 18;

export class IcmpRateLimit {
  /** net.ipv4.icmp_ratelimit in µs. */
  ratelimitUs = 1_000_000;
  /** net.ipv4.icmp_ratemask. */
  ratemask = 6168;
  private readonly peers = new Map<number, { tokens: number; last: number }>();

  /** Whether an ICMP error of this type and code to `dst` may be sent at `now` (µs); takes its token if so. */
  allow(dst: number, type: number, code: number, now: number): boolean {
    if (type > NR_ICMP_TYPES || (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) || !((1 << type) & this.ratemask)) return true;
    const timeout = this.ratelimitUs;
    if (timeout <= 0) return true;
    let peer = this.peers.get(dst);
    if (peer === undefined) {
      if (this.peers.size >= 4096) this.forgetFull(now);
      peer = { tokens: 0, last: now - 60_000_000 };
      this.peers.set(dst, peer);
    }
    let token = peer.tokens + (now - peer.last);
    peer.last = now;
    if (token > XRLIM_BURST_FACTOR * timeout) token = XRLIM_BURST_FACTOR * timeout;
    let ok = false;
    if (token >= timeout) {
      token -= timeout;
      ok = true;
    }
    peer.tokens = token;
    return ok;
  }

  /** Drops peers whose bucket has refilled (they behave as new ones). */
  private forgetFull(now: number): void {
    const full = XRLIM_BURST_FACTOR * this.ratelimitUs;
    for (const [k, p] of this.peers) if (p.tokens + (now - p.last) >= full) this.peers.delete(k);
  }
}

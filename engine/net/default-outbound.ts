/**
 * Default outbound access (reference §A.1, §A.2 item 1): Azure gives a VM with no explicit
 * outbound method a public IP "that the user does not own", from a regional pool, and "when the
 * VM is redeployed this address is released and a new one requested" (seed 000, scenario 3).
 *
 * Which addresses the pool holds is not published: we draw from a made-up /16 (our choice), by a
 * hash of the run's seed, the ipconfig and how many times its VM was redeployed, so a run is
 * reproducible and a redeploy gives another address. Addresses the scenario uses elsewhere, and
 * addresses another ipconfig holds now, are skipped.
 */
import { hashName, mix32 } from '../sim/rng.ts';
import { parseCidr, type Cidr } from '../wire/addr.ts';

/** The stand-in regional pool (not a real Azure range of default outbound addresses). */
export const DEFAULT_OUTBOUND_POOL = '20.232.0.0/16';

const POOL: Cidr = parseCidr(DEFAULT_OUTBOUND_POOL)!;

/** The default outbound address of `key` (vm/ipconfig) after `redeploys` redeployments. */
export function drawDefaultOutboundIp(seed: number, key: string, redeploys: number, taken: (ip: number) => boolean): number {
  const size = 2 ** (32 - POOL.prefix);
  let h = mix32((seed ^ hashName(key) ^ mix32(redeploys + 0x5eed)) >>> 0);
  for (let tries = 0; tries < size; tries++) {
    // Skip the first and last few addresses of the block (network-like addresses look odd).
    const ip = (POOL.base + 4 + (h % (size - 8))) >>> 0;
    if (!taken(ip)) return ip;
    h = mix32((h + 1) >>> 0);
  }
  throw new Error(`the default outbound pool ${DEFAULT_OUTBOUND_POOL} has no free address`);
}

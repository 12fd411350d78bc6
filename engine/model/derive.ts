/**
 * Derived addressing and naming for editors: the next free private IP of a subnet, the next free
 * subnet prefix of a VNet, unique names and ids. Pure functions over the scenario document, used
 * by the canvas when it creates resources with sensible defaults.
 *
 * Azure keeps five addresses of every subnet: the network address, the default gateway (.1), two
 * DNS addresses (.2, .3) and the broadcast address (the last one).
 * https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq#are-there-any-restrictions-on-using-ip-addresses-within-these-subnets
 */
import { cidrContains, cidrSize, cidrsOverlap, cidrToString, ipv4ToString, parseCidr, parseIpv4, type Cidr } from '../wire/addr.ts';
import type { Scenario } from './scenario.ts';

/** The first and last address a VM may use in a subnet, or null when the subnet has none. */
export function usableRange(prefix: string): { first: number; last: number } | null {
  const c = parseCidr(prefix);
  if (!c) return null;
  const size = cidrSize(c);
  if (size < 8) return null;
  return { first: c.base + 4, last: c.base + size - 2 };
}

/** Every private address already taken in the VNet of `subnetId` (NIC ipconfigs, LB frontends). */
export function usedPrivateIps(doc: Scenario, vnetId: string): Set<number> {
  const subnetsOfVnet = new Set(
    doc.resources.filter((r) => r.kind === 'subnet' && r.vnet === vnetId).map((r) => r.id),
  );
  const used = new Set<number>();
  const take = (ip: string | undefined) => {
    const n = ip === undefined ? null : parseIpv4(ip);
    if (n !== null) used.add(n);
  };
  for (const r of doc.resources) {
    if (r.kind === 'nic' && subnetsOfVnet.has(r.subnet)) r.ipConfigs.forEach((c) => take(c.privateIp));
    if (r.kind === 'loadBalancer')
      r.frontends.forEach((f) => {
        if (f.subnet !== undefined && subnetsOfVnet.has(f.subnet)) take(f.privateIp);
      });
  }
  return used;
}

/** The lowest free, non-reserved address of a subnet; `alsoTaken` holds addresses handed out already. */
export function nextFreeIp(doc: Scenario, subnetId: string, alsoTaken: ReadonlySet<number> = new Set()): string | null {
  const subnet = doc.resources.find((r) => r.id === subnetId);
  if (!subnet || subnet.kind !== 'subnet') return null;
  const range = usableRange(subnet.addressPrefix);
  if (!range) return null;
  const used = usedPrivateIps(doc, subnet.vnet);
  for (let ip = range.first; ip <= range.last; ip++) if (!used.has(ip) && !alsoTaken.has(ip)) return ipv4ToString(ip >>> 0);
  return null;
}

/** The first /24 (or smaller, down to /29) inside the VNet's address space that no subnet uses. */
export function nextFreeSubnetPrefix(doc: Scenario, vnetId: string, prefixLength = 24): string | null {
  const vnet = doc.resources.find((r) => r.id === vnetId);
  if (!vnet || vnet.kind !== 'vnet') return null;
  const taken: Cidr[] = [];
  for (const r of doc.resources) {
    if (r.kind !== 'subnet' || r.vnet !== vnetId) continue;
    const c = parseCidr(r.addressPrefix);
    if (c) taken.push(c);
  }
  for (const space of vnet.addressSpace) {
    const s = parseCidr(space);
    if (!s) continue;
    const len = Math.max(prefixLength, s.prefix);
    const step = 2 ** (32 - len);
    for (let base = s.base; base < s.base + cidrSize(s); base += step) {
      const cand: Cidr = { base: base >>> 0, prefix: len };
      if (!taken.some((t) => cidrsOverlap(t, cand))) return cidrToString(cand);
    }
  }
  return null;
}

/** The first 10.N.0.0/16 that no VNet in the document overlaps. */
export function nextFreeVnetSpace(doc: Scenario): string {
  const taken: Cidr[] = [];
  for (const r of doc.resources)
    if (r.kind === 'vnet')
      for (const t of r.addressSpace) {
        const c = parseCidr(t);
        if (c) taken.push(c);
      }
  for (let n = 0; n < 256; n++) {
    const cand: Cidr = { base: ((10 << 24) | (n << 16)) >>> 0, prefix: 16 };
    if (!taken.some((t) => cidrsOverlap(t, cand))) return cidrToString(cand);
  }
  return '10.0.0.0/16';
}

/** Every public address claimed in the document (public IPs, prefixes, Internet hosts, Linux routers' uplinks). */
function publicBlocks(doc: Scenario): Cidr[] {
  const out: Cidr[] = [];
  for (const r of doc.resources) {
    const text = r.kind === 'publicIp' || r.kind === 'internetHost' ? `${r.address}/32` : r.kind === 'publicIpPrefix' ? r.prefix : null;
    const c = text === null ? null : parseCidr(text);
    if (c) out.push(c);
    // A Linux router's uplinks (and what they hold or answer ARP for) are on the Internet too.
    if (r.kind === 'linuxRouter')
      for (const u of r.uplinks)
        for (const a of [u.address, ...u.secondaryAddresses, ...u.proxyArp]) {
          const ip = parseIpv4(a);
          if (ip !== null) out.push({ base: ip, prefix: 32 });
        }
  }
  return out;
}

/**
 * The next unused public address in a block: public IPs come from 20.48.0.0/16 (an Azure range),
 * Internet hosts from 13.107.0.0/16, so new resources never collide with each other.
 */
export function nextFreePublicIp(doc: Scenario, block: string, alsoTaken: ReadonlySet<number> = new Set()): string | null {
  const c = parseCidr(block);
  if (!c) return null;
  const taken = publicBlocks(doc);
  for (let ip = c.base + 10; ip < c.base + cidrSize(c) - 1; ip++) {
    const n = ip >>> 0;
    if (alsoTaken.has(n)) continue;
    if (!taken.some((t) => cidrContains(t, n))) return ipv4ToString(n);
  }
  return null;
}

/** Every id and name used in the document (resources, traffic, captures). */
export function takenNames(doc: Scenario): Set<string> {
  const taken = new Set<string>();
  for (const r of doc.resources) {
    taken.add(r.id);
    taken.add(r.name);
  }
  for (const t of doc.traffic) taken.add(t.id);
  for (const c of doc.captures) taken.add(c.id);
  return taken;
}

/** "vm" -> "vm1", "vm2", ...: the first that is neither an id nor a name in the document. */
export function uniqueName(doc: Scenario, stem: string, alsoTaken: ReadonlySet<string> = new Set()): string {
  const taken = takenNames(doc);
  for (let n = 1; ; n++) {
    const cand = `${stem}${n}`;
    if (!taken.has(cand) && !alsoTaken.has(cand)) return cand;
  }
}

/** An address as a number, or null; re-exported so that editors need not reach into wire/. */
export function ipToNumber(ip: string): number | null {
  return parseIpv4(ip);
}

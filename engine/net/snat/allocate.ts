/**
 * The shared core of every allocator: given an owner's inventory and a new flow, find a public
 * (IP, port) that keeps the NAT invariant under the owner's mapping behaviour, and insert the
 * mapping. The cloud-specific classes (azure-lb.ts, azure-nat-gateway.ts, aws-nat-gateway.ts,
 * gcp-cloud-nat.ts) add their inventories, limits, messages and metrics around it.
 *
 * Order of preference: an existing EIM/ADM binding of the private endpoint; then a free port
 * (no mapping at all), in the inventory's order or at random; then, for ADM/APDM, a port already
 * used toward other destinations. A candidate is refused when:
 * - APDM: its reply tuple (proto, dst, pubIp, pubPort) is held, cooling mappings included;
 * - ADM: it is bound toward the destination IP by another private endpoint;
 * - EIM: it is bound at all;
 * - a per-destination limit is set and pubIp already has that many mappings to the destination.
 */
import type { Ipv4Addr } from '../../wire/addr.ts';
import type { PortInventory } from './inventory.ts';
import type { SnatTable } from './table.ts';
import { MODE_APDM, MODE_EIM, ST_COOLING, type RandomSource } from './types.ts';

export const ALLOC_EXHAUSTED = -1;
export const ALLOC_DESTINATION_LIMIT = -2;
export const ALLOC_EIM_CONFLICT = -3;

export interface AllocationPolicy {
  /** MODE_EIM, MODE_ADM or MODE_APDM (types.ts). */
  readonly mode: number;
  /** Random pick over free ports (Azure NAT gateway §B); null: lowest free port first. */
  readonly random: RandomSource | null;
  /** Mappings allowed per (public IP, destination IP:port, proto); Infinity for none. */
  readonly perDestinationLimit: number;
}

export interface FlowRequest {
  readonly proto: number;
  readonly privIp: Ipv4Addr;
  readonly privPort: number;
  readonly dstIp: Ipv4Addr;
  readonly dstPort: number;
  readonly profile: number;
  readonly now: number;
}

/** Result of a candidate check. */
const OK = 0;
/** reuseBinding: the binding went with its cooling mapping and its port is no longer held. */
const RETRY_FRESH = -100;
const TAKEN = 1;
const LIMIT = 2;

/**
 * Inserts a mapping for `req` from `inv`. Returns the mapping id (≥ 0) or one of ALLOC_*.
 * An existing mapping with the same original tuple is returned as it is.
 */
export function allocate(table: SnatTable, inv: PortInventory, policy: AllocationPolicy, req: FlowRequest): number {
  const { proto, privIp, privPort, dstIp, dstPort } = req;
  const existing = table.lookupOriginal(proto, privIp, privPort, dstIp, dstPort);
  if (existing >= 0) return existing;
  const mode = policy.mode;
  if (mode !== MODE_APDM) {
    const b = table.findBinding(mode, proto, privIp, privPort, dstIp);
    if (b >= 0) {
      const r = reuseBinding(table, policy, req, b);
      if (r !== RETRY_FRESH) return r;
    }
  }
  let sawLimit = false;
  if (policy.perDestinationLimit !== Infinity && allAtLimit(table, inv, policy, req)) return ALLOC_DESTINATION_LIMIT;
  // Free ports first.
  const nFree = inv.nFree;
  if (nFree > 0) {
    const start = policy.random ? Math.floor(policy.random() * nFree) : nFree - 1;
    for (let k = 0; k < nFree; k++) {
      // Ordered: walk down from the top of the free region (lowest port first, see inventory.ts).
      const idx = policy.random ? (start + k) % nFree : start - k;
      const slot = inv.perm[idx]!;
      const c = check(table, inv, policy, req, slot);
      if (c === OK) return take(table, inv, policy, req, slot);
      if (c === LIMIT) sawLimit = true;
    }
  }
  // Then ports in use toward other destinations (never under EIM: a used port is bound).
  if (mode !== MODE_EIM) {
    const lo = inv.nFree;
    const nUsed = inv.nActive - lo;
    if (nUsed > 0) {
      const start = policy.random ? Math.floor(policy.random() * nUsed) : 0;
      for (let k = 0; k < nUsed; k++) {
        const slot = inv.perm[lo + ((start + k) % nUsed)]!;
        const c = check(table, inv, policy, req, slot);
        if (c === OK) return take(table, inv, policy, req, slot);
        if (c === LIMIT) sawLimit = true;
      }
    }
  }
  return sawLimit ? ALLOC_DESTINATION_LIMIT : ALLOC_EXHAUSTED;
}

/** Fails fast when every public IP of the inventory has reached the per-destination limit. */
function allAtLimit(table: SnatTable, inv: PortInventory, policy: AllocationPolicy, req: FlowRequest): boolean {
  for (const ip of inv.addresses) if (table.destinationCount(req.proto, ip, req.dstIp, req.dstPort) < policy.perDestinationLimit) return false;
  return inv.addresses.length > 0;
}

function check(table: SnatTable, inv: PortInventory, policy: AllocationPolicy, req: FlowRequest, slot: number): number {
  const pubIp = inv.ip[slot]!;
  const pubPort = inv.port[slot]!;
  if (table.replyHolder(req.proto, req.dstIp, req.dstPort, pubIp, pubPort) >= 0) return TAKEN;
  if (policy.mode !== MODE_APDM && table.bindingHolder(policy.mode, req.proto, pubIp, pubPort, req.dstIp) >= 0) return TAKEN;
  if (policy.perDestinationLimit !== Infinity && table.destinationCount(req.proto, pubIp, req.dstIp, req.dstPort) >= policy.perDestinationLimit) return LIMIT;
  return OK;
}

function take(table: SnatTable, inv: PortInventory, policy: AllocationPolicy, req: FlowRequest, slot: number): number {
  const pubIp = inv.ip[slot]!;
  const pubPort = inv.port[slot]!;
  const b = policy.mode === MODE_APDM ? -1 : table.addBinding(policy.mode, req.proto, req.privIp, req.privPort, req.dstIp, pubIp, pubPort, inv.id, slot);
  return table.insert(req.proto, req.privIp, req.privPort, req.dstIp, req.dstPort, pubIp, pubPort, inv.id, slot, b, req.profile, req.now);
}

/** The private endpoint already has a public endpoint (EIM, or ADM toward this destination IP). */
function reuseBinding(table: SnatTable, policy: AllocationPolicy, req: FlowRequest, b: number): number {
  const pubIp = table.bindingPubIp(b);
  const pubPort = table.bindingPubPort(b);
  const holder = table.replyHolder(req.proto, req.dstIp, req.dstPort, pubIp, pubPort);
  if (holder >= 0) {
    // Its own cooling mapping toward the same destination: the endpoint talks again, so the
    // cone keeps its mapping and the cool-down ends early. Anything else is a real conflict.
    if (table.stateOf(holder) === ST_COOLING && table.bindingOf(holder) === b) table.remove(holder);
    else return ALLOC_EIM_CONFLICT;
  }
  if (policy.perDestinationLimit !== Infinity && table.destinationCount(req.proto, pubIp, req.dstIp, req.dstPort) >= policy.perDestinationLimit) return ALLOC_DESTINATION_LIMIT;
  // table.remove above may have dropped the binding's last reference: look it up again.
  const live = table.findBinding(policy.mode, req.proto, req.privIp, req.privPort, req.dstIp);
  const inv = table.inventory(table.bindingInventory(b));
  if (live < 0) {
    if (!inv.isActive(table.bindingSlot(b))) return RETRY_FRESH;
    const nb = table.addBinding(policy.mode, req.proto, req.privIp, req.privPort, req.dstIp, pubIp, pubPort, inv.id, table.bindingSlot(b));
    return table.insert(req.proto, req.privIp, req.privPort, req.dstIp, req.dstPort, pubIp, pubPort, inv.id, table.bindingSlot(nb), nb, req.profile, req.now);
  }
  return table.insert(req.proto, req.privIp, req.privPort, req.dstIp, req.dstPort, pubIp, pubPort, inv.id, table.bindingSlot(live), live, req.profile, req.now);
}

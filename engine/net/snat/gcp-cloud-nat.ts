/**
 * GCP Cloud NAT (reference §F): no middle box — each VM's host translates with the NAT IP:port
 * ranges given to that VM. Static allocation gives every VM minPortsPerVm (64 by default);
 * dynamic port allocation starts at the minimum and doubles, up to the maximum, when the VM runs
 * out; endpoint-independent mapping keeps one NAT IP:port per internal IP:port for every
 * destination (mutually exclusive with dynamic allocation). Without EIM a NAT IP:port is unique
 * per destination 3-tuple (APDM). Drops carry OUT_OF_RESOURCES or ENDPOINT_INDEPENDENT_CONFLICT.
 */
import type { Ipv4Addr } from '../../wire/addr.ts';
import { ipv4ToString } from '../../wire/addr.ts';
import { ALLOC_EIM_CONFLICT, allocate, type AllocationPolicy } from './allocate.ts';
import { BlockPool, NO_PORTS } from './blocks.ts';
import { PortInventory } from './inventory.ts';
import { SnatTable } from './table.ts';
import { groupDigits, MODE_APDM, MODE_EIM, PROTO_ICMP, PROTO_TCP, PROTO_UDP, protoName, SnatConfigError, US_PER_SECOND, type SnatAcquire, type SnatTimers } from './types.ts';

export const GCP_FIRST_PORT = 1024;
export const GCP_LAST_PORT = 65_535;

export interface GcpTimeouts {
  readonly tcpEstablishedIdleTimeoutSec: number;
  readonly tcpTransitoryIdleTimeoutSec: number;
  readonly tcpTimeWaitTimeoutSec: number;
  readonly udpIdleTimeoutSec: number;
  readonly icmpIdleTimeoutSec: number;
}

export const GCP_DEFAULT_TIMEOUTS: GcpTimeouts = {
  tcpEstablishedIdleTimeoutSec: 1200,
  tcpTransitoryIdleTimeoutSec: 30,
  tcpTimeWaitTimeoutSec: 120,
  udpIdleTimeoutSec: 30,
  icmpIdleTimeoutSec: 30,
};

export function gcpTimers(t: GcpTimeouts): SnatTimers {
  return {
    tcpSynSentUs: t.tcpTransitoryIdleTimeoutSec * US_PER_SECOND,
    tcpEstablishedUs: t.tcpEstablishedIdleTimeoutSec * US_PER_SECOND,
    tcpTransitoryUs: t.tcpTransitoryIdleTimeoutSec * US_PER_SECOND,
    tcpFinReleaseUs: t.tcpTimeWaitTimeoutSec * US_PER_SECOND,
    tcpRstReleaseUs: t.tcpTransitoryIdleTimeoutSec * US_PER_SECOND,
    tcpIdleCooldownUs: 0,
    udpIdleUs: t.udpIdleTimeoutSec * US_PER_SECOND,
    udpCooldownUs: 0,
    otherIdleUs: t.icmpIdleTimeoutSec * US_PER_SECOND,
    tcpResetOnIdle: false,
  };
}

export interface GcpCloudNatConfig {
  readonly name: string;
  readonly natIps: readonly Ipv4Addr[];
  /** Default 64 (static) or 32 (dynamic); rounded up to a power of two [U]. */
  readonly minPortsPerVm?: number;
  /** Dynamic only; default 65,536. */
  readonly maxPortsPerVm?: number;
  readonly enableDynamicPortAllocation?: boolean;
  readonly enableEndpointIndependentMapping?: boolean;
  readonly timeouts?: Partial<GcpTimeouts>;
}

export type GcpDropReason = 'OUT_OF_RESOURCES' | 'ENDPOINT_INDEPENDENT_CONFLICT';

export interface GcpVmMetrics {
  readonly vm: string;
  readonly allocatedPorts: number;
  /** Per protocol: ports with at least one mapping. */
  readonly usedPorts: { readonly tcp: number; readonly udp: number; readonly icmp: number };
  /** dropped_sent_packets_count by reason, cumulative. */
  readonly droppedSentPackets: Readonly<Record<GcpDropReason, number>>;
}

interface Vm {
  readonly owner: number;
  readonly inv: Map<number, PortInventory>;
  readonly drops: Record<GcpDropReason, number>;
}

const PROTOS = [PROTO_TCP, PROTO_UDP, PROTO_ICMP] as const;

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * A VM's NAT ports: the minimum (64 static, 32 dynamic by default; at least 2 or 32) and the
 * maximum (the minimum when static; 65,536 by default when dynamic), each rounded up to a power
 * of two [U]. The inspector's explanation and the allocator both read it.
 */
export function cloudNatPortRange(c: { readonly enableDynamicPortAllocation?: boolean; readonly minPortsPerVm?: number; readonly maxPortsPerVm?: number }): { min: number; max: number } {
  const dynamic = c.enableDynamicPortAllocation ?? false;
  const min = nextPowerOfTwo(Math.max(dynamic ? 32 : 2, c.minPortsPerVm ?? (dynamic ? 32 : 64)));
  return { min, max: dynamic ? nextPowerOfTwo(c.maxPortsPerVm ?? 65_536) : min };
}

export class GcpCloudNat {
  readonly minPorts: number;
  readonly maxPorts: number;
  readonly dynamic: boolean;
  readonly eim: boolean;
  private readonly pool: BlockPool;
  private readonly vms = new Map<string, Vm>();
  private readonly policy: AllocationPolicy;
  private readonly profile: number;

  constructor(
    readonly config: GcpCloudNatConfig,
    vms: readonly string[],
    readonly table: SnatTable = new SnatTable(),
  ) {
    this.dynamic = config.enableDynamicPortAllocation ?? false;
    this.eim = config.enableEndpointIndependentMapping ?? false;
    if (this.dynamic && this.eim)
      throw new SnatConfigError('eim-with-dynamic', `Cloud NAT '${config.name}': endpoint-independent mapping and dynamic port allocation cannot be on together`);
    if (config.natIps.length === 0) throw new SnatConfigError('no-nat-ip', `Cloud NAT '${config.name}' needs at least one NAT IP`);
    ({ min: this.minPorts, max: this.maxPorts } = cloudNatPortRange(config));
    if (this.maxPorts <= this.minPorts && this.dynamic)
      throw new SnatConfigError('max-not-above-min', `Cloud NAT '${config.name}': maxPortsPerVm (${groupDigits(this.maxPorts)}) must be above minPortsPerVm (${groupDigits(this.minPorts)})`);
    const block = Math.min(this.minPorts, 1024);
    const starts: number[] = [];
    for (let s = GCP_FIRST_PORT; s + block - 1 <= GCP_LAST_PORT; s += block) starts.push(s);
    this.pool = new BlockPool(config.natIps, config.natIps.map(() => starts), block);
    this.policy = { mode: this.eim ? MODE_EIM : MODE_APDM, random: null, perDestinationLimit: Infinity };
    this.profile = table.addProfile(gcpTimers({ ...GCP_DEFAULT_TIMEOUTS, ...config.timeouts }));
    let nextOwner = 0;
    for (const name of vms) {
      const vm: Vm = { owner: nextOwner++, inv: new Map(), drops: { OUT_OF_RESOURCES: 0, ENDPOINT_INDEPENDENT_CONFLICT: 0 } };
      for (const p of PROTOS) {
        const inv = new PortInventory(p, name);
        table.registerInventory(inv);
        vm.inv.set(p, inv);
      }
      this.vms.set(name, vm);
    }
    // VMs in order take the minimum each while blocks last; the rest get nothing (and drop).
    const perVm = this.minPorts / block;
    const order = [...this.vms.values()].map((v) => v.owner);
    const fit = Math.min(order.length, Math.floor(this.pool.totalBlocks / perVm));
    this.pool.reallocate(order.slice(0, fit), order.slice(0, fit).map(() => perVm));
    for (const vm of this.vms.values()) this.assign(vm);
  }

  private assign(vm: Vm): void {
    const ports = this.pool.blocksOf(vm.owner).length ? this.pool.portsOf(vm.owner) : NO_PORTS;
    const remaps = new Map<number, Int32Array>();
    for (const inv of vm.inv.values()) remaps.set(inv.id, inv.assign(ports));
    this.table.remapSlots(remaps);
  }

  /** Ports the VM holds now (the same for each protocol). */
  portsOf(vm: string): number {
    return this.vms.get(vm)?.inv.get(PROTO_TCP)?.allocated ?? 0;
  }

  /**
   * Translation on the VM's host for a new flow. ICMP: the echo identifier is the port (pass 0
   * as dstPort). Dynamic allocation doubles the VM's ports when it runs out, at once [I].
   */
  acquire(vmName: string, proto: number, privIp: Ipv4Addr, privPort: number, dstIp: Ipv4Addr, dstPort: number, now: number): SnatAcquire {
    const existing = this.table.lookupOriginal(proto, privIp, privPort, dstIp, dstPort);
    if (existing >= 0) return { ok: true, id: existing, pubIp: this.table.pubIpOf(existing), pubPort: this.table.pubPortOf(existing) };
    const vm = this.vms.get(vmName);
    const inv = vm?.inv.get(proto);
    if (!vm || !inv) return { ok: false, code: 'protocol-unsupported', message: `Cloud NAT '${this.config.name}' does not translate ${protoName(proto)} from ${vmName}` };
    const req = { proto, privIp, privPort, dstIp, dstPort, profile: this.profile, now };
    let r = allocate(this.table, inv, this.policy, req);
    while (r < 0 && r !== ALLOC_EIM_CONFLICT && this.dynamic && inv.allocated < this.maxPorts && this.grow(vm)) r = allocate(this.table, inv, this.policy, req);
    if (r >= 0) return { ok: true, id: r, pubIp: this.table.pubIpOf(r), pubPort: this.table.pubPortOf(r) };
    const dst = proto === PROTO_ICMP ? ipv4ToString(dstIp) : `${ipv4ToString(dstIp)}:${dstPort}`;
    if (r === ALLOC_EIM_CONFLICT) {
      vm.drops.ENDPOINT_INDEPENDENT_CONFLICT++;
      const b = this.table.findBinding(MODE_EIM, proto, privIp, privPort, dstIp);
      const mapped = b >= 0 ? `${ipv4ToString(this.table.bindingPubIp(b))}:${this.table.bindingPubPort(b)}` : 'its NAT IP:port';
      return {
        ok: false,
        code: 'endpoint-independent-conflict',
        message: `Cloud NAT '${this.config.name}' dropped ${vmName}'s packet to ${dst} (ENDPOINT_INDEPENDENT_CONFLICT): ${ipv4ToString(privIp)}:${privPort} is mapped to ${mapped}, which is already in use toward that destination`,
      };
    }
    vm.drops.OUT_OF_RESOURCES++;
    const why = inv.allocated === 0 ? 'it has no NAT ports (the NAT IPs have none left for it)' : `it uses all ${groupDigits(inv.allocated)} NAT ports it has toward that destination`;
    return { ok: false, code: inv.allocated === 0 ? 'no-allocation' : 'ports-exhausted', message: `Cloud NAT '${this.config.name}' dropped ${vmName}'s packet to ${dst} (OUT_OF_RESOURCES): ${why}` };
  }

  /** Doubles the VM's ports (dynamic allocation); false when no block is left. */
  private grow(vm: Vm): boolean {
    const have = this.pool.blocksOf(vm.owner).length;
    const want = Math.max(1, Math.min(have, (this.maxPorts - have * this.pool.blockSize) / this.pool.blockSize));
    if (this.pool.grow(vm.owner, want) === 0) return false;
    this.assign(vm);
    return true;
  }

  metrics(): GcpVmMetrics[] {
    const out: GcpVmMetrics[] = [];
    for (const [name, vm] of this.vms) {
      const u = (p: number): number => vm.inv.get(p)?.used ?? 0;
      out.push({ vm: name, allocatedPorts: this.portsOf(name), usedPorts: { tcp: u(PROTO_TCP), udp: u(PROTO_UDP), icmp: u(PROTO_ICMP) }, droppedSentPackets: { ...vm.drops } });
    }
    return out;
  }
}

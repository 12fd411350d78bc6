/**
 * Azure Load Balancer SNAT (reference §A.3-A.8): ports preallocated per backend instance (per
 * ipconfig) in blocks of 8 from the frontend IPs of an outbound rule (or of a load-balancing
 * rule's implicit SNAT); TCP one port per destination IP:port (APDM), UDP one port per
 * destination IP (ADM); TCP and UDP inventories apart on the same port numbers.
 *
 * Port ranges (our choice, §A.4 gives only the count): each frontend IP's 64,000 SNAT ports are
 * the 8,000 blocks of 8 from 1024 to 65023. A frontend port used by a load-balancing or inbound
 * NAT rule removes its own block when it lies in that range, else the highest remaining block:
 * either way the IP gives 8 ports fewer, as the doc says.
 */
import type { Ipv4Addr } from '../../wire/addr.ts';
import { ipv4ToString } from '../../wire/addr.ts';
import { ALLOC_DESTINATION_LIMIT, allocate, type AllocationPolicy } from './allocate.ts';
import { BlockPool, NO_PORTS } from './blocks.ts';
import { PortInventory } from './inventory.ts';
import { SnatTable } from './table.ts';
import {
  groupDigits,
  MODE_ADM,
  MODE_APDM,
  PROTO_TCP,
  PROTO_UDP,
  protoName,
  SnatConfigError,
  US_PER_MINUTE,
  US_PER_SECOND,
  type SnatAcquire,
  type SnatFailure,
  type SnatFailureCode,
  type SnatTimers,
} from './types.ts';

export const AZURE_SNAT_PORTS_PER_FRONTEND_IP = 64_000;
export const AZURE_SNAT_BLOCK = 8;
export const AZURE_SNAT_FIRST_PORT = 1024;
/** 1024 + 64,000 - 1. */
export const AZURE_SNAT_LAST_PORT = 65_023;
export const AZURE_MAX_POOL_FOR_DEFAULT = 1000;

/** §A.6 port release after close (2018 doc, historical [C]): FIN both ways 240 s, RST 15 s. */
export const AZURE_LB_FIN_RELEASE_US = 240 * US_PER_SECOND;
export const AZURE_LB_RST_RELEASE_US = 15 * US_PER_SECOND;

/** §A.3: default SNAT ports per backend ipconfig by pool size; null beyond 1,000 instances. */
export function defaultSnatPorts(poolSize: number): number | null {
  if (poolSize <= 50) return 1024;
  if (poolSize <= 100) return 512;
  if (poolSize <= 200) return 256;
  if (poolSize <= 400) return 128;
  if (poolSize <= 800) return 64;
  if (poolSize <= AZURE_MAX_POOL_FOR_DEFAULT) return 32;
  return null;
}

/** First ports of the SNAT blocks of one frontend IP, after the rules' frontend ports. */
export function frontendBlockStarts(reservedPorts: readonly number[] = []): number[] {
  const removed = new Set<number>();
  const outside = new Set<number>();
  for (const p of reservedPorts) {
    const block = p - (p % AZURE_SNAT_BLOCK);
    if (p >= AZURE_SNAT_FIRST_PORT && p <= AZURE_SNAT_LAST_PORT) removed.add(block);
    else outside.add(block);
  }
  const starts: number[] = [];
  for (let s = AZURE_SNAT_FIRST_PORT; s <= AZURE_SNAT_LAST_PORT; s += AZURE_SNAT_BLOCK) if (!removed.has(s)) starts.push(s);
  starts.length = Math.max(0, starts.length - outside.size);
  return starts;
}

export interface AzureOutboundRule {
  readonly name: string;
  /** How messages name the rule; implicit SNAT of a load-balancing rule says so. */
  readonly kind?: 'outbound rule' | 'load-balancing rule' | 'default outbound access';
  readonly frontendIps: readonly Ipv4Addr[];
  /** Per frontend IP (same order), the frontend ports of its load-balancing and inbound NAT rules. */
  readonly reservedPorts?: readonly (readonly number[])[];
  readonly protocol: 'Tcp' | 'Udp' | 'All';
  /** Ports per instance, a multiple of 8; 0 uses the default table (§A.3). */
  readonly allocatedOutboundPorts: number;
  /** 4-120 (§A.6). */
  readonly idleTimeoutInMinutes: number;
  readonly enableTcpReset: boolean;
}

export type AllocationCheck = { readonly ok: true; readonly portsPerInstance: number; readonly capacity: number } | { readonly ok: false; readonly code: string; readonly message: string };

/** SNAT ports the rule's frontend IPs give in total. */
export function frontendCapacity(rule: Pick<AzureOutboundRule, 'frontendIps' | 'reservedPorts'>): number {
  let c = 0;
  rule.frontendIps.forEach((_, i) => (c += frontendBlockStarts(rule.reservedPorts?.[i]).length * AZURE_SNAT_BLOCK));
  return c;
}

/**
 * §A.4: allocatedOutboundPorts is a multiple of 8 (0 = the default table) and
 * ports × instances ≤ 64,000 × frontend IPs. The sentences say what fits.
 */
export function checkOutboundAllocation(rule: AzureOutboundRule, instances: number): AllocationCheck {
  const ports = rule.allocatedOutboundPorts;
  const kind = rule.kind ?? 'outbound rule';
  if (rule.frontendIps.length === 0) return { ok: false, code: 'no-frontend', message: `${kind} '${rule.name}' has no frontend IP, so it gives no SNAT ports` };
  if (!Number.isInteger(ports) || ports < 0 || ports > AZURE_SNAT_PORTS_PER_FRONTEND_IP)
    return { ok: false, code: 'ports-out-of-range', message: `allocatedOutboundPorts of ${kind} '${rule.name}' must be between 0 and 64,000, not ${ports}` };
  if (ports % AZURE_SNAT_BLOCK !== 0) {
    const lo = ports - (ports % AZURE_SNAT_BLOCK);
    return {
      ok: false,
      code: 'ports-not-multiple-of-8',
      message: `allocatedOutboundPorts of ${kind} '${rule.name}' must be a multiple of 8, and ${groupDigits(ports)} is not: use ${groupDigits(lo)} or ${groupDigits(lo + 8)}`,
    };
  }
  if (rule.idleTimeoutInMinutes < 4 || rule.idleTimeoutInMinutes > 120 || !Number.isInteger(rule.idleTimeoutInMinutes))
    return { ok: false, code: 'idle-timeout-out-of-range', message: `idleTimeoutInMinutes of ${kind} '${rule.name}' must be a whole number from 4 to 120, not ${rule.idleTimeoutInMinutes}` };
  const capacity = frontendCapacity(rule);
  const n = rule.frontendIps.length;
  const gives = `${n} frontend IP${n === 1 ? ' gives' : 's give'} ${groupDigits(capacity)}`;
  let per = ports;
  if (per === 0) {
    const d = defaultSnatPorts(instances);
    if (d === null)
      return {
        ok: false,
        code: 'pool-too-large-for-default',
        message: `the default SNAT allocation covers backend pools of up to 1,000 instances and this one has ${groupDigits(instances)}: set allocatedOutboundPorts on ${kind} '${rule.name}'`,
      };
    per = d;
  }
  const need = per * instances;
  if (need > capacity) {
    const fit = Math.floor(capacity / per);
    const perFit = Math.floor(capacity / instances / AZURE_SNAT_BLOCK) * AZURE_SNAT_BLOCK;
    const what = ports === 0 ? `the default ${groupDigits(per)} ports per instance` : `${groupDigits(per)} ports per instance`;
    return {
      ok: false,
      code: 'not-enough-frontend-ports',
      message: `${what} × ${groupDigits(instances)} instances needs ${groupDigits(need)} ports but ${gives}: at most ${groupDigits(fit)} instance${fit === 1 ? '' : 's'} fit (or ${groupDigits(perFit)} ports per instance for ${groupDigits(instances)})`,
    };
  }
  return { ok: true, portsPerInstance: per, capacity };
}

/** §A.6 timers of one rule. Choices where the docs say nothing are in README.md. */
export function azureLbTimers(idleTimeoutInMinutes: number, enableTcpReset: boolean): SnatTimers {
  const idle = idleTimeoutInMinutes * US_PER_MINUTE;
  return {
    tcpSynSentUs: idle,
    tcpEstablishedUs: idle,
    tcpTransitoryUs: idle,
    tcpFinReleaseUs: AZURE_LB_FIN_RELEASE_US,
    tcpRstReleaseUs: AZURE_LB_RST_RELEASE_US,
    tcpIdleCooldownUs: 0,
    udpIdleUs: idle,
    udpCooldownUs: 0,
    otherIdleUs: idle,
    tcpResetOnIdle: enableTcpReset,
  };
}

/** One row of the Azure Monitor view (§A.7), per frontend IP, backend instance and protocol. */
export interface AzureLbSnatMetric {
  readonly frontendIp: Ipv4Addr;
  readonly backendInstance: string;
  readonly protocol: 'TCP' | 'UDP';
  /** AllocatedSnatPorts (IsAwaitingRemoval=false). */
  readonly allocatedSnatPorts: number;
  /** Ports no longer allocated that still carry flows (AllocatedSnatPorts, IsAwaitingRemoval=true). */
  readonly awaitingRemovalPorts: number;
  /** UsedSnatPorts: allocated ports with at least one mapping. */
  readonly usedSnatPorts: number;
  /** SnatConnectionCount, cumulative since start (the sampler takes differences per minute). */
  readonly snatConnectionsSuccessful: number;
  readonly snatConnectionsFailed: number;
}

const TCP_POLICY: AllocationPolicy = { mode: MODE_APDM, random: null, perDestinationLimit: Infinity };
const UDP_POLICY: AllocationPolicy = { mode: MODE_ADM, random: null, perDestinationLimit: Infinity };

interface Instance {
  readonly owner: number;
  readonly tcp: PortInventory;
  readonly udp: PortInventory;
  /** Per frontend IP: [tcp ok, tcp failed, udp ok, udp failed]. */
  readonly counts: Map<number, Float64Array>;
}

export class AzureLbSnat {
  private rule: AzureOutboundRule;
  private pool: BlockPool;
  private order: string[] = [];
  private readonly instances = new Map<string, Instance>();
  private nextOwner = 0;
  private profile: number;
  private per = 0;

  /** Throws SnatConfigError when the rule cannot serve the pool (checkOutboundAllocation). */
  constructor(
    rule: AzureOutboundRule,
    instances: readonly string[],
    readonly table: SnatTable = new SnatTable(),
  ) {
    const c = checkOutboundAllocation(rule, instances.length);
    if (!c.ok) throw new SnatConfigError(c.code, c.message);
    this.rule = rule;
    this.pool = makePool(rule);
    this.profile = table.addProfile(azureLbTimers(rule.idleTimeoutInMinutes, rule.enableTcpReset));
    this.apply(instances, c.portsPerInstance);
  }

  get config(): AzureOutboundRule {
    return this.rule;
  }

  /** Ports each instance holds per protocol now (after the default table or the rule's value). */
  get portsPerInstance(): number {
    return this.per;
  }

  get backendInstances(): readonly string[] {
    return this.order;
  }

  covers(proto: number): boolean {
    const p = this.rule.protocol;
    return proto === PROTO_TCP ? p !== 'Udp' : proto === PROTO_UDP ? p !== 'Tcp' : false;
  }

  /**
   * SNAT for a new outbound flow from `instance`. Call it for the first packet of a flow that
   * table.lookupOriginal did not find; on failure drop the packet (the SYN is not forwarded:
   * the client times out, §A.8) and put the message in the trace.
   */
  acquire(instance: string, proto: number, privIp: Ipv4Addr, privPort: number, dstIp: Ipv4Addr, dstPort: number, now: number): SnatAcquire {
    const existing = this.table.lookupOriginal(proto, privIp, privPort, dstIp, dstPort);
    if (existing >= 0) return { ok: true, id: existing, pubIp: this.table.pubIpOf(existing), pubPort: this.table.pubPortOf(existing) };
    const kind = this.rule.kind ?? 'outbound rule';
    const inst = this.instances.get(instance);
    if (!inst) return fail('no-allocation', `${instance} is not in the backend pool of ${kind} '${this.rule.name}', so it gets no SNAT ports from it`);
    if (proto !== PROTO_TCP && proto !== PROTO_UDP)
      return fail('protocol-unsupported', `${kind} '${this.rule.name}' translates only TCP and UDP: ${protoName(proto)} from ${instance} to ${ipv4ToString(dstIp)} is dropped`);
    const udp = proto === PROTO_UDP;
    if (!this.covers(proto))
      return this.failed(inst, udp, fail('protocol-not-covered', `${kind} '${this.rule.name}' has protocol ${this.rule.protocol}, so ${protoName(proto)} from ${instance} to ${endpoint(dstIp, dstPort)} gets no SNAT`));
    const inv = udp ? inst.udp : inst.tcp;
    const r = allocate(this.table, inv, udp ? UDP_POLICY : TCP_POLICY, { proto, privIp, privPort, dstIp, dstPort, profile: this.profile, now });
    if (r >= 0) {
      this.count(inst, inv.fe[this.table.slotOf(r)]!, udp, 0);
      return { ok: true, id: r, pubIp: this.table.pubIpOf(r), pubPort: this.table.pubPortOf(r) };
    }
    const n = groupDigits(inv.allocated);
    if (inv.allocated === 0) return this.failed(inst, udp, fail('no-allocation', `${instance} has no SNAT ports from ${kind} '${this.rule.name}'`));
    const code: SnatFailureCode = r === ALLOC_DESTINATION_LIMIT ? 'destination-limit' : 'ports-exhausted';
    const msg = udp
      ? `${instance} has used all ${n} UDP SNAT ports that ${kind} '${this.rule.name}' gives it toward ${ipv4ToString(dstIp)} (UDP takes one port per destination IP, whatever the port)`
      : `${instance} has used all ${n} SNAT ports that ${kind} '${this.rule.name}' gives it toward ${endpoint(dstIp, dstPort)}`;
    return this.failed(inst, udp, fail(code, msg));
  }

  private failed(inst: Instance, udp: boolean, f: SnatFailure): SnatFailure {
    // A failed attempt has no port; it is counted on the instance's first frontend IP [I].
    const inv = udp ? inst.udp : inst.tcp;
    this.count(inst, inv.allocated > 0 ? inv.fe[inv.perm[0]!]! : 0, udp, 1);
    return f;
  }

  private count(inst: Instance, fe: number, udp: boolean, failed: 0 | 1): void {
    const ip = this.rule.frontendIps[fe] ?? 0;
    let c = inst.counts.get(ip);
    if (!c) inst.counts.set(ip, (c = new Float64Array(4)));
    c[(udp ? 2 : 0) + failed]!++;
  }

  /**
   * Changes the rule as `az network lb outbound-rule update` would. Mappings that exist keep
   * their port, timers and TCP-reset setting until they end; new mappings follow the new rule.
   * Ports an instance loses stay with their flows (awaiting removal) until those end. Returns
   * the error and changes nothing when the new rule does not fit.
   */
  update(changes: Partial<Omit<AzureOutboundRule, 'name' | 'kind'>>): SnatConfigError | null {
    const next: AzureOutboundRule = { ...this.rule, ...changes };
    const c = checkOutboundAllocation(next, this.order.length);
    if (!c.ok) return new SnatConfigError(c.code, c.message);
    const prev = this.rule;
    this.rule = next;
    if (next.idleTimeoutInMinutes !== prev.idleTimeoutInMinutes || next.enableTcpReset !== prev.enableTcpReset)
      this.profile = this.table.addProfile(azureLbTimers(next.idleTimeoutInMinutes, next.enableTcpReset));
    if (!sameList(next.frontendIps, prev.frontendIps) || JSON.stringify(next.reservedPorts ?? []) !== JSON.stringify(prev.reservedPorts ?? [])) this.pool = makePool(next);
    this.apply(this.order, c.portsPerInstance);
    return null;
  }

  /** The backend pool changed (instances added or removed; the default table may change tier). */
  setInstances(instances: readonly string[]): SnatConfigError | null {
    const c = checkOutboundAllocation(this.rule, instances.length);
    if (!c.ok) return new SnatConfigError(c.code, c.message);
    this.apply(instances, c.portsPerInstance);
    return null;
  }

  private apply(names: readonly string[], per: number): void {
    this.per = per;
    this.order = [...names];
    for (const name of names) {
      if (this.instances.has(name)) continue;
      const owner = this.nextOwner++;
      const inst: Instance = { owner, tcp: new PortInventory(PROTO_TCP, name), udp: new PortInventory(PROTO_UDP, name), counts: new Map() };
      this.table.registerInventory(inst.tcp);
      this.table.registerInventory(inst.udp);
      this.instances.set(name, inst);
    }
    const listed = new Set(names);
    const owners = names.map((n) => this.instances.get(n)!.owner);
    const ok = this.pool.reallocate(
      owners,
      owners.map(() => per / AZURE_SNAT_BLOCK),
    );
    if (!ok) throw new Error('SNAT block pool smaller than the validated capacity');
    const remaps = new Map<number, Int32Array>();
    for (const [name, inst] of this.instances) {
      const ports = listed.has(name) ? this.pool.portsOf(inst.owner) : NO_PORTS;
      remaps.set(inst.tcp.id, inst.tcp.assign(this.covers(PROTO_TCP) ? ports : NO_PORTS));
      remaps.set(inst.udp.id, inst.udp.assign(this.covers(PROTO_UDP) ? ports : NO_PORTS));
    }
    this.table.remapSlots(remaps);
  }

  /** The inventory of one instance and protocol (panels, tests). */
  inventoryOf(instance: string, proto: number): PortInventory | null {
    const inst = this.instances.get(instance);
    if (!inst) return null;
    return proto === PROTO_UDP ? inst.udp : proto === PROTO_TCP ? inst.tcp : null;
  }

  /** The frontend IP blocks an instance holds now, as [ip, first port] pairs. */
  blocksOf(instance: string): Array<readonly [Ipv4Addr, number]> {
    const inst = this.instances.get(instance);
    if (!inst) return [];
    const ports = this.pool.portsOf(inst.owner);
    const out: Array<readonly [Ipv4Addr, number]> = [];
    for (let i = 0; i < ports.length; i += AZURE_SNAT_BLOCK) out.push([ports.ip[i]!, ports.port[i]!]);
    return out;
  }

  /** §A.7 metrics, one row per (frontend IP, instance, protocol) with anything to show. */
  metrics(): AzureLbSnatMetric[] {
    const rows: AzureLbSnatMetric[] = [];
    for (const [name, inst] of this.instances) {
      for (const inv of [inst.tcp, inst.udp]) {
        const udp = inv.proto === PROTO_UDP;
        const nFe = Math.max(this.rule.frontendIps.length, 1);
        const alloc = new Float64Array(nFe);
        const used = new Float64Array(nFe);
        const retiring = new Map<number, number>();
        for (let i = 0; i < inv.n; i++) {
          const s = inv.perm[i]!;
          if (i < inv.nActive) {
            alloc[inv.fe[s]!]!++;
            if (i >= inv.nFree) used[inv.fe[s]!]!++;
          } else if (inv.ref[s]! > 0) retiring.set(inv.ip[s]!, (retiring.get(inv.ip[s]!) ?? 0) + 1);
        }
        this.rule.frontendIps.forEach((ip, fe) => {
          const c = inst.counts.get(ip);
          const row: AzureLbSnatMetric = {
            frontendIp: ip,
            backendInstance: name,
            protocol: udp ? 'UDP' : 'TCP',
            allocatedSnatPorts: alloc[fe]!,
            awaitingRemovalPorts: retiring.get(ip) ?? 0,
            usedSnatPorts: used[fe]!,
            snatConnectionsSuccessful: c?.[udp ? 2 : 0] ?? 0,
            snatConnectionsFailed: c?.[udp ? 3 : 1] ?? 0,
          };
          if (row.allocatedSnatPorts || row.awaitingRemovalPorts || row.snatConnectionsSuccessful || row.snatConnectionsFailed) rows.push(row);
        });
      }
    }
    return rows;
  }
}

function makePool(rule: AzureOutboundRule): BlockPool {
  return new BlockPool(
    rule.frontendIps,
    rule.frontendIps.map((_, i) => frontendBlockStarts(rule.reservedPorts?.[i])),
    AZURE_SNAT_BLOCK,
  );
}

function fail(code: SnatFailureCode, message: string): SnatFailure {
  return { ok: false, code, message };
}

export function endpoint(ip: Ipv4Addr, port: number): string {
  return `${ipv4ToString(ip)}:${port}`;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

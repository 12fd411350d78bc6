/**
 * Azure NAT gateway (reference §B): one shared inventory per protocol of 64,512 ports for every
 * public IP (and every address of an attached prefix), taken on demand by any VM of the attached
 * subnets; the port is picked at random from the free ones, else a port in use toward other
 * destinations; a port is reused toward the same destination only after its cool-down; at most
 * 50,000 mappings per public IP to one destination endpoint. Mapping behaviour: APDM [I].
 */
import type { Cidr, Ipv4Addr } from '../../wire/addr.ts';
import { ipv4ToString } from '../../wire/addr.ts';
import { ALLOC_DESTINATION_LIMIT, allocate, type AllocationPolicy } from './allocate.ts';
import { endpoint } from './azure-lb.ts';
import { PortInventory } from './inventory.ts';
import { expandPublicIps, portRange } from './public-ips.ts';
import { SnatTable } from './table.ts';
import {
  groupDigits,
  MODE_APDM,
  PROTO_TCP,
  PROTO_UDP,
  protoName,
  SnatConfigError,
  ST_COOLING,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  US_PER_MINUTE,
  US_PER_SECOND,
  type RandomSource,
  type SnatAcquire,
  type SnatTimers,
  type UnknownFlowAction,
} from './types.ts';

export const AZURE_NATGW_FIRST_PORT = 1024;
export const AZURE_NATGW_LAST_PORT = 65_535;
/** 65,536 - 1,024. */
export const AZURE_NATGW_PORTS_PER_IP = 64_512;
export const AZURE_NATGW_MAX_IPS = 16;
export const AZURE_NATGW_DESTINATION_LIMIT = 50_000;

/** §B timers (the doc warns they may change). */
export function azureNatGatewayTimers(idleTimeoutInMinutes: number): SnatTimers {
  const idle = idleTimeoutInMinutes * US_PER_MINUTE;
  return {
    tcpSynSentUs: 30 * US_PER_SECOND,
    tcpEstablishedUs: idle,
    tcpTransitoryUs: idle,
    tcpFinReleaseUs: 65 * US_PER_SECOND,
    tcpRstReleaseUs: 16 * US_PER_SECOND,
    tcpIdleCooldownUs: 0,
    udpIdleUs: 4 * US_PER_MINUTE,
    udpCooldownUs: 65 * US_PER_SECOND,
    otherIdleUs: 4 * US_PER_MINUTE,
    tcpResetOnIdle: false,
  };
}

export interface AzureNatGatewayConfig {
  readonly name: string;
  readonly publicIps: readonly Ipv4Addr[];
  readonly publicIpPrefixes?: readonly Cidr[];
  /** TCP idle timeout, 4-120 minutes; UDP is fixed at 4. */
  readonly idleTimeoutInMinutes: number;
  /** The simulator's seeded source, e.g. `() => rng.stream('natgw:x').nextFloat()`. */
  readonly random: RandomSource;
}

export interface AzureNatGatewayMetrics {
  /** SNAT Connection Count, cumulative, split by outcome. */
  readonly snatConnectionsSuccessful: number;
  readonly snatConnectionsFailed: number;
  /** Total SNAT Connection Count: mappings alive now (cooling ones excluded). */
  readonly totalConnections: number;
  /** Dropped packets: failed acquires, unknown-flow packets and what the simulator reports. */
  readonly droppedPackets: number;
  /** Ports in use per public IP and protocol (cooling ones included: they still hold a port). */
  readonly usedPorts: ReadonlyArray<{ readonly publicIp: Ipv4Addr; readonly protocol: 'TCP' | 'UDP'; readonly used: number; readonly allocated: number }>;
}

export class AzureNatGateway {
  readonly tcp: PortInventory;
  readonly udp: PortInventory;
  private config: AzureNatGatewayConfig;
  private ips: Ipv4Addr[] = [];
  private profile: number;
  private readonly policy: AllocationPolicy;
  private ok = 0;
  private failed = 0;
  private dropped = 0;

  constructor(
    config: AzureNatGatewayConfig,
    readonly table: SnatTable = new SnatTable({ countDestinations: true }),
  ) {
    const e = checkNatGateway(config);
    if (e) throw e;
    this.config = config;
    this.policy = { mode: MODE_APDM, random: config.random, perDestinationLimit: AZURE_NATGW_DESTINATION_LIMIT };
    this.tcp = new PortInventory(PROTO_TCP, config.name);
    this.udp = new PortInventory(PROTO_UDP, config.name);
    table.registerInventory(this.tcp);
    table.registerInventory(this.udp);
    this.profile = table.addProfile(azureNatGatewayTimers(config.idleTimeoutInMinutes));
    this.assign();
  }

  get publicIps(): readonly Ipv4Addr[] {
    return this.ips;
  }

  private assign(): void {
    this.ips = expandPublicIps(this.config.publicIps, this.config.publicIpPrefixes);
    const ports = portRange(this.ips, AZURE_NATGW_FIRST_PORT, AZURE_NATGW_LAST_PORT);
    const remaps = new Map<number, Int32Array>();
    remaps.set(this.tcp.id, this.tcp.assign(ports));
    remaps.set(this.udp.id, this.udp.assign(ports));
    this.table.remapSlots(remaps);
  }

  /** SNAT for a new outbound flow from `vm` (named in messages only). */
  acquire(vm: string, proto: number, privIp: Ipv4Addr, privPort: number, dstIp: Ipv4Addr, dstPort: number, now: number): SnatAcquire {
    const existing = this.table.lookupOriginal(proto, privIp, privPort, dstIp, dstPort);
    if (existing >= 0) return { ok: true, id: existing, pubIp: this.table.pubIpOf(existing), pubPort: this.table.pubPortOf(existing) };
    const name = this.config.name;
    if (proto !== PROTO_TCP && proto !== PROTO_UDP) {
      this.dropped++;
      return { ok: false, code: 'protocol-unsupported', message: `NAT gateway '${name}' translates only TCP and UDP: ${protoName(proto)} from ${vm} to ${ipv4ToString(dstIp)} is dropped` };
    }
    const inv = proto === PROTO_TCP ? this.tcp : this.udp;
    const r = allocate(this.table, inv, this.policy, { proto, privIp, privPort, dstIp, dstPort, profile: this.profile, now });
    if (r >= 0) {
      this.ok++;
      return { ok: true, id: r, pubIp: this.table.pubIpOf(r), pubPort: this.table.pubPortOf(r) };
    }
    this.failed++;
    this.dropped++;
    const n = this.ips.length;
    const ipsText = `${n} public IP${n === 1 ? '' : 's'}`;
    if (r === ALLOC_DESTINATION_LIMIT)
      return {
        ok: false,
        code: 'destination-limit',
        message: `NAT gateway '${name}' already has 50,000 ${protoName(proto)} connections from each of its ${ipsText} to ${endpoint(dstIp, dstPort)} (the limit per public IP and destination endpoint): ${vm}'s new connection fails`,
      };
    return {
      ok: false,
      code: 'ports-exhausted',
      message: `NAT gateway '${name}' has no ${protoName(proto)} SNAT port left toward ${endpoint(dstIp, dstPort)} for ${vm}: all ${groupDigits(inv.allocated)} ports of its ${ipsText} are in use or cooling down toward that destination`,
    };
  }

  /**
   * A packet that matches no mapping (§B): outbound SYN or UDP makes a new flow; any other TCP
   * packet of a flow the gateway no longer knows gets a one-directional RST back to its sender,
   * from either side; unsolicited inbound SYNs, RSTs, UDP and other protocols are dropped.
   */
  unknownFlow(direction: 'outbound' | 'inbound', proto: number, tcpFlags: number): UnknownFlowAction {
    let a: UnknownFlowAction;
    if (proto === PROTO_UDP) a = direction === 'outbound' ? 'allocate' : 'drop';
    else if (proto !== PROTO_TCP || tcpFlags & TCP_RST) a = 'drop';
    else if (tcpFlags & TCP_SYN && !(tcpFlags & TCP_ACK)) a = direction === 'outbound' ? 'allocate' : 'drop';
    else a = 'rst-to-sender';
    if (a !== 'allocate') this.dropped++;
    return a;
  }

  /** Counts a packet the simulator dropped at the gateway for its own reasons (fragments, ICMP). */
  recordDrop(): void {
    this.dropped++;
  }

  /** Change the public IPs, prefixes or TCP idle timeout while running; flows in place keep going. */
  update(changes: Partial<Omit<AzureNatGatewayConfig, 'name' | 'random'>>): SnatConfigError | null {
    const next = { ...this.config, ...changes };
    const e = checkNatGateway(next);
    if (e) return e;
    const prev = this.config;
    this.config = next;
    if (next.idleTimeoutInMinutes !== prev.idleTimeoutInMinutes) this.profile = this.table.addProfile(azureNatGatewayTimers(next.idleTimeoutInMinutes));
    if (next.publicIps !== prev.publicIps || next.publicIpPrefixes !== prev.publicIpPrefixes) this.assign();
    return null;
  }

  metrics(): AzureNatGatewayMetrics {
    let total = 0;
    this.table.forEachId((id) => {
      const inv = this.table.inventoryOf(id);
      if ((inv === this.tcp.id || inv === this.udp.id) && this.table.stateOf(id) !== ST_COOLING) total++;
    });
    const usedPorts: Array<{ publicIp: Ipv4Addr; protocol: 'TCP' | 'UDP'; used: number; allocated: number }> = [];
    for (const inv of [this.tcp, this.udp]) {
      const used = new Map<number, number>();
      for (let i = inv.nFree; i < inv.nActive; i++) {
        const ip = inv.ip[inv.perm[i]!]!;
        used.set(ip, (used.get(ip) ?? 0) + 1);
      }
      for (const ip of this.ips) usedPorts.push({ publicIp: ip, protocol: inv === this.tcp ? 'TCP' : 'UDP', used: used.get(ip) ?? 0, allocated: AZURE_NATGW_PORTS_PER_IP });
    }
    return { snatConnectionsSuccessful: this.ok, snatConnectionsFailed: this.failed, totalConnections: total, droppedPackets: this.dropped, usedPorts };
  }
}

export function checkNatGateway(c: Omit<AzureNatGatewayConfig, 'random'>): SnatConfigError | null {
  const n = expandPublicIps(c.publicIps, c.publicIpPrefixes).length;
  if (n === 0) return new SnatConfigError('no-public-ip', `NAT gateway '${c.name}' needs at least one public IP or prefix`);
  if (n > AZURE_NATGW_MAX_IPS) return new SnatConfigError('too-many-public-ips', `NAT gateway '${c.name}' can use at most 16 public IP addresses (IPs and prefix addresses together), not ${n}`);
  if (!Number.isInteger(c.idleTimeoutInMinutes) || c.idleTimeoutInMinutes < 4 || c.idleTimeoutInMinutes > 120)
    return new SnatConfigError('idle-timeout-out-of-range', `idleTimeoutInMinutes of NAT gateway '${c.name}' must be a whole number from 4 to 120, not ${c.idleTimeoutInMinutes}`);
  return null;
}

/**
 * AWS NAT gateway (reference §E): per public IPv4 address up to 55,000 simultaneous
 * connections to each unique destination (IP, port, protocol); source ports 1024-65535, reused
 * across destinations (APDM); up to 8 addresses; idle timeout 350 s, after which a packet of the
 * flow from the inside gets a RST; ErrorPortAllocation counts failed port allocations. A closed
 * connection holds its port 60 s, which makes the documented ~900 new connections/s to one
 * destination hit the same limit.
 * ICMP: pass the echo identifier as privPort and 0 as dstPort; the reply's identifier is pubPort.
 */
import type { Ipv4Addr } from '../../wire/addr.ts';
import { ipv4ToString } from '../../wire/addr.ts';
import { ALLOC_DESTINATION_LIMIT, allocate, type AllocationPolicy } from './allocate.ts';
import { PortInventory } from './inventory.ts';
import { portRange } from './public-ips.ts';
import { SnatTable } from './table.ts';
import {
  MODE_APDM,
  PROTO_ICMP,
  PROTO_TCP,
  PROTO_UDP,
  protoName,
  SnatConfigError,
  ST_COOLING,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  US_PER_SECOND,
  type RandomSource,
  type SnatAcquire,
  type SnatTimers,
  type UnknownFlowAction,
} from './types.ts';

export const AWS_NATGW_FIRST_PORT = 1024;
export const AWS_NATGW_LAST_PORT = 65_535;
export const AWS_NATGW_DESTINATION_LIMIT = 55_000;
export const AWS_NATGW_MAX_IPS = 8;
export const AWS_NATGW_IDLE_US = 350 * US_PER_SECOND;
/**
 * How long a closed connection keeps its port toward its destination. AWS documents no value but
 * says the 55,000-per-destination limit "also applies if you create approximately 900 connections
 * per second to a single destination (about 55,000 connections per minute)" [C]. Short
 * connections at a steady rate r hold r × (lifetime + hold) ports, so the documented rate implies
 * a hold of about a minute [I]: 60 s after FIN both ways or a RST. The rate limit is therefore
 * not a separate counter but this hold against the 55,000.
 */
export const AWS_NATGW_CLOSED_HOLD_US = 60 * US_PER_SECOND;

/** 350 s idle everywhere [C]; a closed connection's port held 60 s (see AWS_NATGW_CLOSED_HOLD_US) [I]. */
export function awsNatGatewayTimers(): SnatTimers {
  return {
    tcpSynSentUs: AWS_NATGW_IDLE_US,
    tcpEstablishedUs: AWS_NATGW_IDLE_US,
    tcpTransitoryUs: AWS_NATGW_IDLE_US,
    tcpFinReleaseUs: AWS_NATGW_CLOSED_HOLD_US,
    tcpRstReleaseUs: AWS_NATGW_CLOSED_HOLD_US,
    tcpIdleCooldownUs: 0,
    udpIdleUs: AWS_NATGW_IDLE_US,
    udpCooldownUs: 0,
    otherIdleUs: AWS_NATGW_IDLE_US,
    tcpResetOnIdle: false,
  };
}

export interface AwsNatGatewayConfig {
  readonly name: string;
  /** Primary address first; at most 8. */
  readonly publicIps: readonly Ipv4Addr[];
  readonly random: RandomSource;
}

/** CloudWatch names (§E), cumulative counts and current gauges. */
export interface AwsNatGatewayMetrics {
  readonly ActiveConnectionCount: number;
  readonly ConnectionAttemptCount: number;
  readonly ConnectionEstablishedCount: number;
  readonly ErrorPortAllocation: number;
  readonly IdleTimeoutCount: number;
  readonly PacketsDropCount: number;
}

const PROTOS = [PROTO_TCP, PROTO_UDP, PROTO_ICMP] as const;

export class AwsNatGateway {
  private readonly inventories = new Map<number, PortInventory>();
  private readonly policy: AllocationPolicy;
  private readonly profile: number;
  private attempts = 0;
  private errors = 0;
  private drops = 0;

  constructor(
    readonly config: AwsNatGatewayConfig,
    readonly table: SnatTable = new SnatTable({ countDestinations: true }),
  ) {
    const n = config.publicIps.length;
    if (n === 0 || n > AWS_NATGW_MAX_IPS) throw new SnatConfigError('public-ip-count', `NAT gateway '${config.name}' takes 1 to 8 IPv4 addresses, not ${n}`);
    this.policy = { mode: MODE_APDM, random: config.random, perDestinationLimit: AWS_NATGW_DESTINATION_LIMIT };
    this.profile = table.addProfile(awsNatGatewayTimers());
    const ports = portRange(config.publicIps, AWS_NATGW_FIRST_PORT, AWS_NATGW_LAST_PORT);
    for (const p of PROTOS) {
      const inv = new PortInventory(p, config.name);
      table.registerInventory(inv);
      inv.assign(ports);
      this.inventories.set(p, inv);
    }
  }

  acquire(source: string, proto: number, privIp: Ipv4Addr, privPort: number, dstIp: Ipv4Addr, dstPort: number, now: number): SnatAcquire {
    const existing = this.table.lookupOriginal(proto, privIp, privPort, dstIp, dstPort);
    if (existing >= 0) return { ok: true, id: existing, pubIp: this.table.pubIpOf(existing), pubPort: this.table.pubPortOf(existing) };
    this.attempts++;
    const inv = this.inventories.get(proto);
    if (!inv) {
      this.drops++;
      return { ok: false, code: 'protocol-unsupported', message: `NAT gateway '${this.config.name}' translates TCP, UDP and ICMP only: ${protoName(proto)} from ${source} is dropped` };
    }
    const r = allocate(this.table, inv, this.policy, { proto, privIp, privPort, dstIp, dstPort, profile: this.profile, now });
    if (r >= 0) return { ok: true, id: r, pubIp: this.table.pubIpOf(r), pubPort: this.table.pubPortOf(r) };
    this.errors++;
    this.drops++;
    const dst = proto === PROTO_ICMP ? ipv4ToString(dstIp) : `${ipv4ToString(dstIp)}:${dstPort}`;
    const n = this.config.publicIps.length;
    return {
      ok: false,
      code: r === ALLOC_DESTINATION_LIMIT ? 'destination-limit' : 'ports-exhausted',
      message: `NAT gateway '${this.config.name}' could not allocate a source port for ${source} toward ${dst} (${protoName(proto)}): its ${n} address${n === 1 ? ' has' : 'es have'} 55,000 connections to that destination each (ErrorPortAllocation)`,
    };
  }

  /**
   * A packet matching no mapping: outbound SYN, UDP or ICMP makes a new flow; another outbound
   * TCP packet (the flow idled out after 350 s) is answered with a RST toward the inside host
   * [C]; inbound packets are dropped [I].
   */
  unknownFlow(direction: 'outbound' | 'inbound', proto: number, tcpFlags: number): UnknownFlowAction {
    let a: UnknownFlowAction;
    if (direction === 'inbound') a = 'drop';
    else if (proto !== PROTO_TCP) a = this.inventories.has(proto) ? 'allocate' : 'drop';
    else if (tcpFlags & TCP_RST) a = 'drop';
    else if (tcpFlags & TCP_SYN && !(tcpFlags & TCP_ACK)) a = 'allocate';
    else a = 'rst-to-sender';
    if (a !== 'allocate') this.drops++;
    return a;
  }

  recordDrop(): void {
    this.drops++;
  }

  metrics(): AwsNatGatewayMetrics {
    let active = 0;
    let established = 0;
    let idle = 0;
    const ids = new Set<number>();
    for (const inv of this.inventories.values()) {
      ids.add(inv.id);
      established += inv.established;
      idle += inv.idleExpiries;
    }
    this.table.forEachId((id) => {
      if (ids.has(this.table.inventoryOf(id)) && this.table.stateOf(id) !== ST_COOLING) active++;
    });
    return {
      ActiveConnectionCount: active,
      ConnectionAttemptCount: this.attempts,
      ConnectionEstablishedCount: established,
      ErrorPortAllocation: this.errors,
      IdleTimeoutCount: idle,
      PacketsDropCount: this.drops,
    };
  }
}

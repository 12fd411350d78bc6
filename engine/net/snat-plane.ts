/**
 * The run's SNAT devices, wired to the data plane: one AzureLbSnat per outbound rule or
 * load-balancing rule that SNATs, one AzureNatGateway per NAT gateway, one AzureLbSnat per
 * ipconfig on default outbound access. They share one SnatTable, so one simulator timer covers
 * every expiry (engine/net/snat/README.md "How the simulator uses it"):
 *
 *   outbound packet: lookupOriginal → table.outbound | (unknownFlow) acquire → rewrite source
 *   inbound packet:  lookupReply → table.inbound → rewrite destination | unknown: RST or drop
 *   timer:           at table.nextDeadline(): expire(now) → RST to both ends (TCP reset) → re-arm
 *   metrics:         once per virtual minute, each device's metrics() → series
 *
 * Reference: shared/reference/cloud-nat-lb.md §A (load balancer, default outbound), §B (NAT gateway).
 * Other clouds' NAT on the same table (§E, §F): one AwsNatGateway per awsNatGateway (after the
 * 350 s idle timeout an inside host's packet gets a RST; unknown inbound packets are dropped) and one
 * GcpCloudNat per gcpCloudNat over the VMs of the subnets it serves; Cloud NAT has no box on the
 * path, so its rewrites and drops are recorded at the VM's own node.
 */
import type { LoadBalancer, OutboundRule } from '../model/kinds/load-balancer.ts';
import type { ResourceIndex } from '../model/references.ts';
import type { EventSink } from '../sim/scheduler.ts';
import type { SnatAwsMetricsRow, SnatDeviceRow, SnatFrontendRow, SnatGcpDropRow, SnatInstanceRow, SnatMappingRow, SnatReport } from '../sim/types.ts';
import { cidrContains, ipv4ToString, parseCidr, parseIpv4, type Cidr } from '../wire/addr.ts';
import type { NetContext } from './context.ts';
import { drawDefaultOutboundIp } from './default-outbound.ts';
import { DEFAULT_OUTBOUND_PORTS } from './outbound.ts';
import { frontendIpCount, poolMembers, snatRulesOf } from './outbound-lb.ts';
import type { FabricIo, OutboundDecision } from './outbound-types.ts';
import { ACK, FIN, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, PROTO_ICMP, PROTO_TCP, PROTO_UDP, RST, SYN, type Packet } from './packet.ts';
import {
  AwsNatGateway,
  GcpCloudNat,
  AzureLbSnat,
  AzureNatGateway,
  SnatConfigError,
  SnatTable,
  type AzureOutboundRule,
  type ExpiryEvent,
  type MappingInfo,
} from './snat/index.ts';
import { SnatMetrics } from './snat-metrics.ts';
import { CLOUD_NAT_PORTS_PER_IP } from './outbound-cloud.ts';
import { mappingBehaviourOf } from './nat-behaviour.ts';

const EV_EXPIRE = 1;
const EV_SAMPLE = 2;
export const SAMPLE_EVERY_US = 60_000_000;

/** One SNAT device of the run. Exactly one of `lb` / `gw` is set unless the configuration failed. */
export interface SnatDevice {
  readonly id: string;
  readonly mechanism: SnatDeviceRow['mechanism'];
  name: string;
  readonly resource: string;
  readonly rule?: string;
  readonly lb: AzureLbSnat | null;
  readonly gw: AzureNatGateway | null;
  readonly error: string | null;
  readonly publicIps: readonly number[];
  /** A NAT gateway's TCP idle timeout (the LB's lives in its rule). */
  gwIdle?: number;
  /** An AWS NAT gateway (§E): per-destination limits, RST after the 350 s idle timeout. */
  readonly aws?: AwsNatGateway;
  /** GCP Cloud NAT (§F): translated on each VM's own host, per-VM port ranges. */
  readonly gcp?: GcpCloudNat;
}

/** Where a private address's outbound SNAT goes. */
interface Binding {
  device: SnatDevice;
  readonly instance: string;
  readonly vmId: string;
  readonly key: string;
  readonly fabric: FabricIo;
  /** An instance-level public IP that the NAT gateway overrides: replies of inbound flows leave through it. */
  readonly ilpip?: { readonly publicIp: number; readonly resource: string };
  redeploys: number;
}

export interface BindRequest {
  readonly decision: OutboundDecision;
  readonly vmId: string;
  readonly vmName: string;
  readonly ipConfig: string;
  readonly privateIp: number;
  readonly fabric: FabricIo;
  readonly ilpip?: { readonly publicIp: number; readonly resource: string };
}

export class SnatPlane implements EventSink<unknown> {
  readonly table = new SnatTable({ countDestinations: true });
  readonly devices: SnatDevice[] = [];
  private readonly byKey = new Map<string, SnatDevice>();
  private readonly byPublic = new Map<number, SnatDevice>();
  private readonly byPrivate = new Map<number, Binding>();
  private readonly taken = new Set<number>();
  private readonly takenBlocks: Cidr[] = [];
  /**
   * Inbound flows through an overridden ILPIP ("proto|priv:port|remote:port"): their replies keep
   * the ILPIP. The value holds the TCP FINs seen (1 from the VM, 2 from the remote); a TCP flow is
   * forgotten after a RST or after the ACK that follows both FINs.
   */
  private readonly ilpipFlows = new Map<string, number>();
  readonly metrics = new SnatMetrics();
  private timer = 0;
  private timerAt = Infinity;
  /** Per mapping id: the flow id, and the last ACK number seen each way (for RSTs the ends accept). */
  private flowOf = new Int32Array(1024);
  private outAck = new Uint32Array(1024);
  private inAck = new Uint32Array(1024);
  /** Cloud NAT translations that got a port, per "device|vm" (GCP counts no such metric; the SNAT panel shows it). */
  private readonly okByVm = new Map<string, number>();

  /** Whether a load balancer balances this frontend address (set by the graph builder once the LB plane exists). */
  isBalanced: (ip: number) => boolean = () => false;

  /**
   * Each VM's instance key, as SNAT devices, metrics and the panel name it: the VM's name, or
   * "name (id)" when two VMs share a name (names need not be unique; ports are per instance, §A.5).
   */
  private readonly instanceNames = new Map<string, string>();

  constructor(
    private readonly ctx: NetContext,
    private readonly idx: ResourceIndex,
    private readonly seed: number,
  ) {
    const hosts = idx.scenario.resources.filter((r) => r.kind === 'vm' || r.kind === 'nva' || r.kind === 'linuxRouter');
    const seen = new Map<string, number>();
    for (const h of hosts) seen.set(h.name, (seen.get(h.name) ?? 0) + 1);
    for (const h of hosts) this.instanceNames.set(h.id, seen.get(h.name)! > 1 ? `${h.name} (${h.id})` : h.name);
    for (const ip of idx.ofKind('publicIp')) this.claim(ip.address);
    for (const h of idx.ofKind('internetHost')) this.claim(h.address);
    for (const p of idx.ofKind('publicIpPrefix')) {
      const c = parseCidr(p.prefix);
      if (c) this.takenBlocks.push(c);
    }
  }

  private instance(vmId: string): string {
    return this.instanceNames.get(vmId) ?? vmId;
  }

  private claim(address: string): void {
    const ip = parseIpv4(address);
    if (ip !== null) this.taken.add(ip);
  }

  get active(): boolean {
    return this.devices.length > 0;
  }

  /** Called by the graph builder for every ipconfig whose outbound mechanism SNATs. */
  bind(r: BindRequest): void {
    const src = r.decision.snat;
    if (!src) return;
    const key = `${r.vmId}/${r.ipConfig}`;
    let device: SnatDevice;
    const instance = this.instance(r.vmId);
    if (src.kind === 'default-outbound') device = this.defaultOutboundDevice(instance, key, 0);
    else if (src.kind === 'nat-gateway') device = this.natGatewayDevice(src.natGateway);
    else if (src.kind === 'aws-nat-gateway') device = this.awsDevice(src.natGateway);
    else if (src.kind === 'gcp-cloud-nat') device = this.gcpDevice(src.cloudNat);
    else device = this.lbDevice(src.kind, src.lb, src.rule, src.pool);
    this.byPrivate.set(r.privateIp, { device, instance, vmId: r.vmId, key, fabric: r.fabric, redeploys: 0, ...(r.ilpip ? { ilpip: r.ilpip } : {}) });
    for (const ip of device.publicIps) this.onRoute?.(ip, r.fabric);
  }

  /** Starts the per-minute metrics sampler (call once the graph is built). */
  start(): void {
    if (this.active) this.ctx.sched.at(SAMPLE_EVERY_US, this, EV_SAMPLE, null);
  }

  // ---- devices ----------------------------------------------------------------------------------

  private add(d: SnatDevice): SnatDevice {
    this.devices.push(d);
    this.byKey.set(d.id, d);
    for (const ip of d.publicIps) if (!this.byPublic.has(ip)) this.byPublic.set(ip, d);
    return d;
  }

  private lbDevice(kind: 'lb-outbound-rule' | 'lb-rule-snat', lbId: string, ruleName: string, pool: string): SnatDevice {
    const id = `${lbId}/${kind === 'lb-outbound-rule' ? 'outboundRules' : 'rules'}/${ruleName}`;
    const have = this.byKey.get(id);
    if (have) return have;
    const lb = this.idx.get(lbId, 'loadBalancer')!;
    const instances = poolMembers(this.idx, lbId, pool).map((m) => this.instance(m.vm));
    const rule = kind === 'lb-outbound-rule' ? outboundRuleConfig(this.idx, lb, lb.outboundRules.find((o) => o.name === ruleName)!) : ruleSnatConfig(this.idx, lb, pool, ruleName);
    const name = `${kind === 'lb-outbound-rule' ? 'outbound rule' : 'load-balancing rule'} '${ruleName}' of ${lb.sku} load balancer '${lb.name}'`;
    let snat: AzureLbSnat | null = null;
    let error: string | null = null;
    try {
      snat = new AzureLbSnat(rule, [...new Set(instances)], this.table);
    } catch (e) {
      if (!(e instanceof SnatConfigError)) throw e;
      error = e.message;
    }
    return this.add({ id, mechanism: kind, name, resource: lbId, rule: ruleName, lb: snat, gw: null, error, publicIps: rule.frontendIps });
  }

  private natGatewayDevice(ngId: string): SnatDevice {
    const have = this.byKey.get(ngId);
    if (have) return have;
    const ng = this.idx.get(ngId, 'natGateway')!;
    const ips = ng.publicIps.map((id) => parseIpv4(this.idx.get(id, 'publicIp')?.address ?? '')).filter((x): x is number => x !== null);
    const prefixes = ng.publicIpPrefixes.map((id) => parseCidr(this.idx.get(id, 'publicIpPrefix')?.prefix ?? '')).filter((x): x is Cidr => x !== null);
    const rng = this.ctx.rng.stream(`natgw:${ng.id}`);
    let gw: AzureNatGateway | null = null;
    let error: string | null = null;
    try {
      gw = new AzureNatGateway({ name: ng.name, publicIps: ips, publicIpPrefixes: prefixes, idleTimeoutInMinutes: ng.idleTimeoutInMinutes, random: () => rng.nextFloat() }, this.table);
    } catch (e) {
      if (!(e instanceof SnatConfigError)) throw e;
      error = e.message;
    }
    const all = gw ? [...gw.publicIps] : ips;
    return this.add({ id: ngId, mechanism: 'nat-gateway', name: `NAT gateway '${ng.name}'`, resource: ngId, lb: null, gw, error, publicIps: all, gwIdle: ng.idleTimeoutInMinutes });
  }

  private addresses(ids: readonly string[]): number[] {
    return ids.map((id) => parseIpv4(this.idx.get(id, 'publicIp')?.address ?? '')).filter((x): x is number => x !== null);
  }

  private awsDevice(id: string): SnatDevice {
    const have = this.byKey.get(id);
    if (have) return have;
    const ng = this.idx.get(id, 'awsNatGateway')!;
    const ips = this.addresses(ng.publicIps);
    const rng = this.ctx.rng.stream(`aws-natgw:${ng.id}`);
    let aws: AwsNatGateway | undefined;
    let error: string | null = null;
    try {
      aws = new AwsNatGateway({ name: ng.name, publicIps: ips, random: () => rng.nextFloat() }, this.table);
    } catch (e) {
      if (!(e instanceof SnatConfigError)) throw e;
      error = e.message;
    }
    return this.add({ id, mechanism: 'aws-nat-gateway', name: `AWS NAT gateway '${ng.name}'`, resource: id, lb: null, gw: null, error, publicIps: ips, ...(aws ? { aws } : {}) });
  }

  /** Cloud NAT's VMs, in the order their NICs appear: every VM on a subnet it serves. */
  private cloudNatVms(id: string): string[] {
    const subnets = new Set(this.idx.ofKind('subnet').filter((sn) => sn.natGateway === id).map((sn) => sn.id));
    const names = new Set<string>();
    for (const nic of this.idx.ofKind('nic')) if (subnets.has(nic.subnet)) names.add(this.instance(nic.vm));
    return [...names];
  }

  private gcpDevice(id: string): SnatDevice {
    const have = this.byKey.get(id);
    if (have) return have;
    const cn = this.idx.get(id, 'gcpCloudNat')!;
    const ips = this.addresses(cn.natIps);
    let gcp: GcpCloudNat | undefined;
    let error: string | null = null;
    try {
      gcp = new GcpCloudNat(
        {
          name: cn.name,
          natIps: ips,
          ...(cn.minPortsPerVm !== undefined ? { minPortsPerVm: cn.minPortsPerVm } : {}),
          ...(cn.maxPortsPerVm !== undefined ? { maxPortsPerVm: cn.maxPortsPerVm } : {}),
          enableDynamicPortAllocation: cn.enableDynamicPortAllocation,
          enableEndpointIndependentMapping: cn.enableEndpointIndependentMapping,
          timeouts: {
            tcpEstablishedIdleTimeoutSec: cn.tcpEstablishedIdleTimeoutSec,
            tcpTransitoryIdleTimeoutSec: cn.tcpTransitoryIdleTimeoutSec,
            tcpTimeWaitTimeoutSec: cn.tcpTimeWaitTimeoutSec,
            udpIdleTimeoutSec: cn.udpIdleTimeoutSec,
            icmpIdleTimeoutSec: cn.icmpIdleTimeoutSec,
          },
        },
        this.cloudNatVms(id),
        this.table,
      );
    } catch (e) {
      if (!(e instanceof SnatConfigError)) throw e;
      error = e.message;
    }
    return this.add({ id, mechanism: 'gcp-cloud-nat', name: `Cloud NAT '${cn.name}'`, resource: id, lb: null, gw: null, error, publicIps: ips, ...(gcp ? { gcp } : {}) });
  }

  private defaultOutboundDevice(vmName: string, key: string, redeploys: number): SnatDevice {
    const ip = drawDefaultOutboundIp(this.seed, key, redeploys, (a) => this.taken.has(a) || this.byPublic.has(a) || this.takenBlocks.some((c) => cidrContains(c, a)));
    const rule: AzureOutboundRule = {
      name: key,
      kind: 'default outbound access',
      frontendIps: [ip],
      protocol: 'All',
      allocatedOutboundPorts: DEFAULT_OUTBOUND_PORTS,
      idleTimeoutInMinutes: 4,
      enableTcpReset: false,
    };
    const snat = new AzureLbSnat(rule, [vmName], this.table);
    const id = `default-outbound/${key}${redeploys ? `#${redeploys}` : ''}`;
    return this.add({ id, mechanism: 'default-outbound', name: `default outbound access of ${vmName}${redeploys ? ` (after redeploy ${redeploys})` : ''}`, resource: key.split('/')[0]!, lb: snat, gw: null, error: null, publicIps: [ip] });
  }

  /** The address default outbound access gives an ipconfig now (null when it has none). */
  defaultOutboundIp(privateIp: number): number | null {
    const b = this.byPrivate.get(privateIp);
    return b && b.device.mechanism === 'default-outbound' ? (b.device.publicIps[0] ?? null) : null;
  }

  // ---- per packet -------------------------------------------------------------------------------

  /** An outbound packet whose ipconfig's mechanism SNATs (the chain's translate). */
  outbound(p: Packet, io: FabricIo): void {
    const ctx = this.ctx;
    const b = this.byPrivate.get(p.src);
    if (b === undefined) {
      ctx.drop(io.id, p, 'no-outbound', `${ipv4ToString(p.src)} has no SNAT device`);
      return;
    }
    if (b.ilpip !== undefined && this.ilpipFlows.size > 0) {
      const key = flowKey(p.proto, p.src, p.srcPort, p.dst, p.dstPort);
      const fins = this.ilpipFlows.get(key);
      if (fins !== undefined) {
        if (p.proto === PROTO_TCP) {
          if (p.flags & RST || (fins === 3 && !(p.flags & FIN))) this.ilpipFlows.delete(key);
          else if (p.flags & FIN) this.ilpipFlows.set(key, fins | 1);
        }
        return this.viaIlpip(p, b, io);
      }
    }
    const dev = b.device;
    if (dev.error !== null) {
      ctx.drop(io.id, p, 'snat-config', `${dev.name} cannot SNAT: ${dev.error}`);
      return;
    }
    const proto = p.proto;
    const flags = proto === PROTO_TCP ? p.flags : 0;
    const now = ctx.now;
    const table = this.table;
    // AWS and GCP translate ICMP echo: the identifier is the port (snat/README.md).
    const cloud = dev.aws !== undefined || dev.gcp !== undefined;
    const echo = cloud && proto === PROTO_ICMP;
    if (echo && p.icmpType !== ICMP_ECHO_REQUEST) {
      ctx.drop(dev.resource, p, 'protocol-unsupported', `${dev.name}: only ICMP echo requests are simulated through it, not ICMP type ${p.icmpType}`);
      return;
    }
    const sport = echo ? p.icmpId : p.srcPort;
    const dport = echo ? 0 : p.dstPort;
    // Cloud NAT has no box on the path: the VM's own host translates (§F).
    const node = dev.gcp !== undefined ? b.vmId : dev.resource;
    let id = proto === PROTO_TCP || proto === PROTO_UDP || echo ? table.lookupOriginal(proto, p.src, sport, p.dst, dport) : -1;
    if (id >= 0) table.outbound(id, flags, now);
    else {
      const gate = dev.gw ?? dev.aws ?? null;
      if (gate !== null) {
        const a = gate.unknownFlow('outbound', proto, flags);
        if (a !== 'allocate') return this.unknown(p, dev, a === 'rst-to-sender', io, 'outbound', b.instance);
      } else if (proto === PROTO_TCP && flags & RST) {
        // A RST of a flow the load balancer no longer knows: nothing to translate [I].
        ctx.drop(node, p, 'no-snat-mapping', `${dev.name} has no mapping for ${b.instance}'s RST to ${ipv4ToString(p.dst)}:${p.dstPort} (the flow is already gone), so it goes no further`);
        return;
      }
      const r =
        dev.lb !== null
          ? dev.lb.acquire(b.instance, proto, p.src, p.srcPort, p.dst, p.dstPort, now)
          : dev.gw !== null
            ? dev.gw.acquire(b.instance, proto, p.src, p.srcPort, p.dst, p.dstPort, now)
            : dev.aws !== undefined
              ? dev.aws.acquire(b.instance, proto, p.src, sport, p.dst, dport, now)
              : dev.gcp!.acquire(b.instance, proto, p.src, sport, p.dst, dport, now);
      if (!r.ok) {
        ctx.drop(node, p, r.code, dev.gcp !== undefined ? `on ${b.instance}'s host: ${r.message}` : r.message);
        return;
      }
      if (dev.gcp !== undefined) this.countOk(dev.id, b.instance);
      id = r.id;
      this.ensure(id);
      this.flowOf[id] = p.flowId;
      this.inAck[id] = 0;
    }
    if (proto === PROTO_TCP) this.outAck[id] = p.ack;
    const before = ctx.beforeRewrite(p);
    const from = sport;
    const fromIp = p.src;
    p.src = table.pubIpOf(id);
    if (echo) p.icmpId = table.pubPortOf(id);
    else p.srcPort = table.pubPortOf(id);
    if (ctx.trace.on)
      ctx.rewritten(
        node,
        p,
        before,
        `SNAT ${ipv4ToString(fromIp)}:${from} → ${ipv4ToString(p.src)}:${table.pubPortOf(id)}${echo ? ' (echo identifier)' : ''} (${dev.gcp !== undefined ? `${dev.name}, done by ${b.instance}'s own host: no NAT box on the path` : dev.name})`,
      );
    this.arm();
    io.toInternet(p);
  }

  /**
   * A packet from the Internet to one of the devices' public IPs. Returns false when it is not
   * one of theirs, or is not a reply and the address is a load balancer frontend (inbound load
   * balancing is another module's).
   */
  inbound(p: Packet, io: FabricIo): boolean {
    const dev = this.byPublic.get(p.dst);
    if (dev === undefined) return false;
    const ctx = this.ctx;
    const proto = p.proto;
    const flags = proto === PROTO_TCP ? p.flags : 0;
    const echo = proto === PROTO_ICMP && p.icmpType === ICMP_ECHO_REPLY && (dev.aws !== undefined || dev.gcp !== undefined);
    const id = proto === PROTO_TCP || proto === PROTO_UDP ? this.table.lookupReply(proto, p.src, p.srcPort, p.dst, p.dstPort) : echo ? this.table.lookupReply(proto, p.src, 0, p.dst, p.icmpId) : -1;
    if (id >= 0) {
      this.table.inbound(id, flags, ctx.now);
      if (proto === PROTO_TCP) this.inAck[id] = p.ack;
      const priv = this.table.privIpOf(id);
      const before = ctx.beforeRewrite(p);
      const to = `${ipv4ToString(p.dst)}:${echo ? p.icmpId : p.dstPort}`;
      p.dst = priv;
      if (echo) p.icmpId = this.table.privPortOf(id);
      else p.dstPort = this.table.privPortOf(id);
      const host = dev.gcp !== undefined ? this.byPrivate.get(priv) : undefined;
      if (ctx.trace.on)
        ctx.rewritten(host?.vmId ?? dev.resource, p, before, `DNAT ${to} → ${ipv4ToString(p.dst)}:${this.table.privPortOf(id)} (${host ? `${dev.name}, done by ${host.instance}'s own host` : dev.name})`);
      this.arm();
      (this.byPrivate.get(priv)?.fabric ?? io).deliverInside(p);
      return true;
    }
    const gate = dev.gw ?? dev.aws ?? null;
    if (gate !== null) {
      const a = gate.unknownFlow('inbound', proto, flags);
      this.unknown(p, dev, a === 'rst-to-sender', io, 'inbound', `${ipv4ToString(p.src)}:${p.srcPort}`);
      return true;
    }
    if (dev.gcp !== undefined) {
      ctx.drop(dev.resource, p, 'no-snat-mapping', `${ipv4ToString(p.dst)} is a NAT IP of ${dev.name}; ${ipv4ToString(p.src)}:${p.srcPort} → port ${p.dstPort} is no reply of a flow a VM started, and Cloud NAT lets no unsolicited traffic in`);
      return true;
    }
    if (dev.mechanism === 'lb-outbound-rule' || dev.mechanism === 'lb-rule-snat') {
      // A frontend the load balancer balances: its rules decide (lb-plane.ts). Otherwise only replies come in.
      if (this.isBalanced(p.dst)) return false;
      ctx.drop(
        dev.resource,
        p,
        'no-snat-mapping',
        `${ipv4ToString(p.dst)} is the address ${dev.name} SNATs to, and no load-balancing rule uses it: nothing inside talked to ${ipv4ToString(p.src)}:${p.srcPort} from port ${p.dstPort}, so this is not a reply and is dropped`,
      );
      return true;
    }
    if (dev.mechanism !== 'default-outbound') return false;
    ctx.drop(
      dev.resource,
      p,
      'no-snat-mapping',
      `${ipv4ToString(p.dst)} is the address ${dev.name} leaves from; nothing inside talked to ${ipv4ToString(p.src)}:${p.srcPort} from port ${p.dstPort}, so this is not a reply and is dropped (default outbound access lets only replies in)`,
    );
    return true;
  }

  /** A NAT gateway packet of a flow it does not know: one-directional RST to the sender, or drop (§B). */
  private unknown(p: Packet, dev: SnatDevice, rst: boolean, io: FabricIo, direction: 'outbound' | 'inbound', who: string): void {
    const ctx = this.ctx;
    const ports = p.proto === PROTO_TCP || p.proto === PROTO_UDP;
    const ends = ports ? `${ipv4ToString(p.src)}:${p.srcPort} → ${ipv4ToString(p.dst)}:${p.dstPort}` : `${ipv4ToString(p.src)} → ${ipv4ToString(p.dst)}`;
    const what = `${direction === 'outbound' ? `${who}'s` : `the`} ${p.proto === PROTO_TCP ? 'TCP' : p.proto === PROTO_UDP ? 'UDP' : p.proto === PROTO_ICMP ? 'ICMP' : `protocol ${p.proto}`} packet ${ends}`;
    if (!rst) {
      const unsupported = direction === 'outbound' && !ports;
      const why = direction === 'inbound' ? 'only replies to outbound flows come in' : p.proto === PROTO_TCP ? 'a RST of an unknown flow is dropped' : ports ? 'a packet of an unknown flow is dropped' : 'it translates only TCP and UDP';
      ctx.drop(dev.resource, p, unsupported ? 'protocol-unsupported' : 'no-snat-mapping', `${dev.name} has no mapping for ${what}: ${why}`);
      return;
    }
    const r = ctx.packet(p.flowId, PROTO_TCP, p.dst, p.src);
    r.srcPort = p.dstPort;
    r.dstPort = p.srcPort;
    if (p.flags & ACK) {
      r.seq = p.ack;
      r.flags = RST;
    } else {
      r.seq = 0;
      r.ack = (p.seq + p.payloadLength + (p.flags & SYN ? 1 : 0)) >>> 0;
      r.flags = RST | ACK;
    }
    ctx.drop(dev.resource, p, 'no-snat-mapping', `${dev.name} no longer knows the flow of ${what} (it idled out or was closed): it answers the sender with a RST`);
    if (ctx.trace.on) ctx.packetEvent('send', dev.resource, r);
    if (direction === 'outbound') io.deliverInside(r);
    else io.toInternet(r);
  }

  private countOk(device: string, vm: string): void {
    const k = `${device}|${vm}`;
    this.okByVm.set(k, (this.okByVm.get(k) ?? 0) + 1);
  }

  /** Successful Cloud NAT translations of a VM since the start of the run. */
  gcpSuccessful(device: string, vm: string): number {
    return this.okByVm.get(`${device}|${vm}`) ?? 0;
  }

  /** Records an inbound flow through an ILPIP that a NAT gateway overrides for outbound. */
  noteIlpipInbound(p: Packet): void {
    const b = this.byPrivate.get(p.dst);
    if (b?.ilpip === undefined) return;
    const key = flowKey(p.proto, p.dst, p.dstPort, p.src, p.srcPort);
    if (p.proto === PROTO_TCP && (p.flags & (SYN | ACK)) !== SYN) {
      const fins = this.ilpipFlows.get(key);
      if (fins === undefined) return;
      if (p.flags & RST || (fins === 3 && !(p.flags & FIN))) this.ilpipFlows.delete(key);
      else if (p.flags & FIN) this.ilpipFlows.set(key, fins | 2);
      return;
    }
    if (!this.ilpipFlows.has(key)) this.ilpipFlows.set(key, 0);
  }

  private viaIlpip(p: Packet, b: Binding, io: FabricIo): void {
    const ctx = this.ctx;
    const before = ctx.beforeRewrite(p);
    const from = p.src;
    p.src = b.ilpip!.publicIp;
    if (ctx.trace.on) ctx.rewritten(b.ilpip!.resource, p, before, `SNAT ${ipv4ToString(from)} → ${ipv4ToString(p.src)} (instance-level public IP: a reply of a flow that came in through it)`);
    io.toInternet(p);
  }

  private ensure(id: number): void {
    if (id < this.flowOf.length) return;
    const n = Math.max(id + 1, this.flowOf.length * 2);
    const grow = <T extends Int32Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.flowOf = grow(this.flowOf, (k) => new Int32Array(k));
    this.outAck = grow(this.outAck, (k) => new Uint32Array(k));
    this.inAck = grow(this.inAck, (k) => new Uint32Array(k));
  }

  // ---- timers -----------------------------------------------------------------------------------

  /** Keeps one simulator event at the table's next deadline. */
  private arm(): void {
    const d = this.table.nextDeadline();
    if (d >= this.timerAt) return;
    if (this.timer) this.ctx.sched.cancel(this.timer);
    this.timerAt = d;
    this.timer = this.ctx.sched.at(d, this, EV_EXPIRE, null);
  }

  onEvent(kind: number): void {
    if (kind === EV_SAMPLE) {
      this.metrics.sample(this.ctx.now, this.devices, (d, vm) => this.gcpSuccessful(d, vm));
      this.ctx.sched.after(SAMPLE_EVERY_US, this, EV_SAMPLE, null);
      return;
    }
    this.timer = 0;
    this.timerAt = Infinity;
    for (const ev of this.table.expire(this.ctx.now)) this.expired(ev);
    this.arm();
  }

  private expired(ev: ExpiryEvent): void {
    const m = ev.mapping;
    const b = this.byPrivate.get(m.privIp);
    const dev = b ? this.deviceOfMapping(m, b) : undefined;
    const ctx = this.ctx;
    if (ctx.trace.on && ev.reason !== 'cooldown-end') {
      const idle = ev.reason === 'idle' || ev.reason === 'half-open';
      ctx.note(
        dev?.resource ?? 'snat',
        `SNAT mapping ${tupleText(m)} of ${dev?.name ?? 'a SNAT device'} ${idle ? (ev.reason === 'idle' ? 'idled out' : 'got no reply and ended') : 'released its port'} (${ev.reason})${ev.sendRst ? ': TCP reset sends a RST to both ends' : ''}${ev.coolingUntil >= 0 ? `; the port stays unusable toward ${ipv4ToString(m.dstIp)}:${m.dstPort} for ${Math.round((ev.coolingUntil - ev.at) / 1e6)} s` : ''}`,
      );
    }
    if (!ev.sendRst || !b) return;
    const flow = this.flowOf[m.id] ?? 0;
    // To the VM: from the destination, at the sequence number the VM expects next.
    const toVm = ctx.packet(flow, PROTO_TCP, m.dstIp, m.privIp);
    toVm.srcPort = m.dstPort;
    toVm.dstPort = m.privPort;
    toVm.seq = this.outAck[m.id] ?? 0;
    toVm.flags = RST;
    // To the destination: from the public endpoint, at the sequence number the destination expects.
    const toDst = ctx.packet(flow, PROTO_TCP, m.pubIp, m.dstIp);
    toDst.srcPort = m.pubPort;
    toDst.dstPort = m.dstPort;
    toDst.seq = this.inAck[m.id] ?? 0;
    toDst.flags = RST;
    const node = dev?.resource ?? b.fabric.id;
    if (ctx.trace.on) {
      ctx.packetEvent('send', node, toVm);
      ctx.packetEvent('send', node, toDst);
    }
    b.fabric.deliverInside(toVm);
    b.fabric.toInternet(toDst);
  }

  private deviceOfMapping(m: MappingInfo, b: Binding): SnatDevice | undefined {
    const dev = this.byPublic.get(m.pubIp);
    return dev ?? b.device;
  }

  // ---- actions ----------------------------------------------------------------------------------

  /** `az network lb outbound-rule update`: new connections follow the new rule. Returns an error sentence or null. */
  updateOutboundRule(lbId: string, ruleName: string, changes: Partial<Pick<AzureOutboundRule, 'allocatedOutboundPorts' | 'idleTimeoutInMinutes' | 'enableTcpReset' | 'protocol'>>): string | null {
    const dev = this.byKey.get(`${lbId}/outboundRules/${ruleName}`);
    if (!dev) return `load balancer '${lbId}' has no outbound rule '${ruleName}' that any VM leaves through`;
    if (!dev.lb) return `${dev.name} cannot SNAT: ${dev.error}`;
    const e = dev.lb.update(changes);
    return e ? e.message : null;
  }

  /** Redeploys a VM: its default outbound ipconfigs get another address from the pool. */
  redeploy(vmId: string): string[] {
    const changes: string[] = [];
    for (const b of this.byPrivate.values()) {
      if (b.vmId !== vmId || b.device.mechanism !== 'default-outbound') continue;
      const old = b.device.publicIps[0]!;
      b.redeploys++;
      b.device = this.defaultOutboundDevice(b.instance, b.key, b.redeploys);
      this.onRoute?.(b.device.publicIps[0]!, b.fabric);
      changes.push(`${b.key}: default outbound address ${ipv4ToString(old)} → ${ipv4ToString(b.device.publicIps[0]!)}`);
    }
    return changes;
  }

  /** Per public address, the ports with at least one mapping of the protocol (an AWS NAT gateway's use of its addresses): one pass over the table. */
  usedByAddress(ips: readonly number[], proto: number): Map<number, number> {
    const ports = new Map<number, Set<number>>(ips.map((ip) => [ip, new Set<number>()]));
    const t = this.table;
    t.forEachId((id) => {
      if (t.protoOf(id) === proto) ports.get(t.pubIpOf(id))?.add(t.pubPortOf(id));
    });
    return new Map([...ports].map(([ip, set]) => [ip, set.size]));
  }

  /** Set by the graph builder: route a new public address (a redeployed VM's) to its fabric. */
  onRoute: ((ip: number, fabric: FabricIo) => void) | null = null;

  // ---- report -----------------------------------------------------------------------------------

  report(now: number, opts: { filter?: string; maxMappings?: number } = {}): SnatReport {
    const devices: SnatDeviceRow[] = this.devices.map((d) => deviceRow(d, this.byPrivate));
    const frontends: SnatFrontendRow[] = [];
    const instances: SnatInstanceRow[] = [];
    const aws: SnatAwsMetricsRow[] = [];
    const gcp: SnatGcpDropRow[] = [];
    for (const d of this.devices) {
      if (d.lb) {
        const fe = new Map<string, SnatFrontendRow>();
        for (const m of d.lb.metrics()) {
          const ip = ipv4ToString(m.frontendIp);
          instances.push({ device: d.id, instance: m.backendInstance, frontendIp: ip, protocol: m.protocol, allocated: m.allocatedSnatPorts, awaitingRemoval: m.awaitingRemovalPorts, used: m.usedSnatPorts, successful: m.snatConnectionsSuccessful, failed: m.snatConnectionsFailed });
          const k = `${ip}|${m.protocol}`;
          const f = fe.get(k) ?? { device: d.id, frontendIp: ip, protocol: m.protocol, allocated: 0, used: 0 };
          fe.set(k, { ...f, allocated: f.allocated + m.allocatedSnatPorts, used: f.used + m.usedSnatPorts });
        }
        frontends.push(...fe.values());
      } else if (d.gw) {
        for (const u of d.gw.metrics().usedPorts) frontends.push({ device: d.id, frontendIp: ipv4ToString(u.publicIp), protocol: u.protocol, allocated: u.allocated, used: u.used });
      } else if (d.aws) {
        aws.push({ device: d.id, ...d.aws.metrics() });
        const used = this.usedByAddress(d.publicIps, PROTO_TCP);
        for (const ip of d.publicIps) frontends.push({ device: d.id, frontendIp: ipv4ToString(ip), protocol: 'TCP', allocated: CLOUD_NAT_PORTS_PER_IP, used: used.get(ip) ?? 0 });
      } else if (d.gcp) {
        const ips = d.publicIps.map(ipv4ToString).join(', ');
        for (const m of d.gcp.metrics()) {
          const failed = m.droppedSentPackets.OUT_OF_RESOURCES + m.droppedSentPackets.ENDPOINT_INDEPENDENT_CONFLICT;
          instances.push({ device: d.id, instance: m.vm, frontendIp: ips, protocol: 'TCP', allocated: m.allocatedPorts, awaitingRemoval: 0, used: m.usedPorts.tcp, successful: this.gcpSuccessful(d.id, m.vm), failed });
          instances.push({ device: d.id, instance: m.vm, frontendIp: ips, protocol: 'UDP', allocated: m.allocatedPorts, awaitingRemoval: 0, used: m.usedPorts.udp, successful: 0, failed: 0 });
          gcp.push({ device: d.id, vm: m.vm, allocatedPorts: m.allocatedPorts, ...m.droppedSentPackets });
        }
      }
    }
    const needle = (opts.filter ?? '').trim().toLowerCase();
    const max = opts.maxMappings ?? Infinity;
    const mappings: SnatMappingRow[] = [];
    let count = 0;
    this.table.forEachId((id) => {
      count++;
      if (mappings.length >= max && !needle) return;
      const m = this.table.info(id);
      const b = this.byPrivate.get(m.privIp);
      const dev = b ? this.deviceOfMapping(m, b) : undefined;
      const row: SnatMappingRow = {
        device: dev?.id ?? '',
        instance: b?.instance ?? m.owner,
        proto: m.proto === PROTO_TCP ? 'tcp' : m.proto === PROTO_UDP ? 'udp' : 'icmp',
        private: `${ipv4ToString(m.privIp)}:${m.privPort}`,
        public: `${ipv4ToString(m.pubIp)}:${m.pubPort}`,
        remote: `${ipv4ToString(m.dstIp)}:${m.dstPort}`,
        state: m.state,
        createdAt: m.createdAt,
        lastActivity: m.lastActivity,
        remainingUs: Math.max(0, (Number.isFinite(m.deadline) ? m.deadline : now) - now),
        then: m.deadlineReason,
      };
      if (needle && !matches(row, needle)) return;
      if (mappings.length < max) mappings.push(row);
    });
    return {
      devices,
      frontends,
      instances,
      mappings,
      mappingCount: count,
      series: this.metrics.series(),
      ...(aws.length ? { aws } : {}),
      ...(gcp.length ? { gcp } : {}),
      sampleEveryUs: SAMPLE_EVERY_US,
    };
  }
}

function matches(r: SnatMappingRow, needle: string): boolean {
  return [r.device, r.instance, r.proto, r.private, r.public, r.remote, r.state].some((x) => x.toLowerCase().includes(needle));
}

function flowKey(proto: number, privIp: number, privPort: number, remoteIp: number, remotePort: number): string {
  return `${proto}|${privIp}:${privPort}|${remoteIp}:${remotePort}`;
}

function tupleText(m: MappingInfo): string {
  const proto = m.proto === PROTO_TCP ? 'TCP' : m.proto === PROTO_UDP ? 'UDP' : 'ICMP';
  return `${proto} ${ipv4ToString(m.privIp)}:${m.privPort} → ${ipv4ToString(m.dstIp)}:${m.dstPort} (as ${ipv4ToString(m.pubIp)}:${m.pubPort})`;
}

function deviceRow(d: SnatDevice, bindings: ReadonlyMap<number, Binding>): SnatDeviceRow {
  const base = {
    id: d.id,
    mechanism: d.mechanism,
    name: d.name,
    resource: d.resource,
    ...(d.rule !== undefined ? { rule: d.rule } : {}),
    publicIps: d.publicIps.map(ipv4ToString),
    ...(d.error !== null ? { error: d.error } : {}),
    behaviour: mappingBehaviourOf(d),
  };
  if (d.aws) return { ...base, protocol: 'All', idleTimeoutInMinutes: 350 / 60, enableTcpReset: false, instances: vmsOf(d, bindings) };
  if (d.gcp) {
    const c = d.gcp.config;
    return {
      ...base,
      protocol: 'All',
      portsPerInstance: d.gcp.minPorts,
      idleTimeoutInMinutes: (c.timeouts?.tcpEstablishedIdleTimeoutSec ?? 1200) / 60,
      enableTcpReset: false,
      instances: vmsOf(d, bindings),
      translatedBy: "each VM's own host (no NAT box on the path)",
    };
  }
  if (d.lb) {
    const c = d.lb.config;
    return {
      ...base,
      protocol: c.protocol,
      portsPerInstance: d.lb.portsPerInstance,
      allocatedOutboundPorts: c.allocatedOutboundPorts,
      idleTimeoutInMinutes: c.idleTimeoutInMinutes,
      enableTcpReset: c.enableTcpReset,
      instances: [...d.lb.backendInstances],
    };
  }
  return { ...base, protocol: 'All', idleTimeoutInMinutes: d.gwIdle ?? 4, enableTcpReset: false, instances: [] };
}

function vmsOf(d: SnatDevice, bindings: ReadonlyMap<number, Binding>): string[] {
  const out = new Set<string>();
  for (const b of bindings.values()) if (b.device === d) out.add(b.instance);
  return [...out];
}

/** Frontend IPs of an LB frontend list (a prefix gives every address), with each one's rule frontend ports. */
function frontendIps(idx: ResourceIndex, lb: LoadBalancer, names: readonly string[]): { ips: number[]; reserved: number[][] } {
  const ips: number[] = [];
  const reserved: number[][] = [];
  for (const name of names) {
    const f = lb.frontends.find((x) => x.name === name);
    if (!f) continue;
    const ports = lb.rules.filter((r) => r.frontend === name && r.frontendPort > 0).map((r) => r.frontendPort);
    const add = (ip: number) => {
      ips.push(ip);
      reserved.push(ports);
    };
    if (f.publicIp) {
      const ip = parseIpv4(idx.get(f.publicIp, 'publicIp')?.address ?? '');
      if (ip !== null) add(ip);
    } else if (f.publicIpPrefix) {
      const c = parseCidr(idx.get(f.publicIpPrefix, 'publicIpPrefix')?.prefix ?? '');
      if (c) for (let i = 0; i < frontendIpCount(idx, lb, [name]); i++) add((c.base + i) >>> 0);
    }
  }
  return { ips, reserved };
}

function outboundRuleConfig(idx: ResourceIndex, lb: LoadBalancer, o: OutboundRule): AzureOutboundRule {
  const fe = frontendIps(idx, lb, o.frontends);
  return {
    name: o.name,
    kind: 'outbound rule',
    frontendIps: fe.ips,
    reservedPorts: fe.reserved,
    protocol: o.protocol,
    allocatedOutboundPorts: o.allocatedOutboundPorts,
    idleTimeoutInMinutes: o.idleTimeoutInMinutes,
    enableTcpReset: o.enableTcpReset,
  };
}

/**
 * Implicit SNAT of a load-balancing rule (§A.2 items 5-6): the first SNAT-ing rule's frontend
 * (Basic picks one frontend, "treat as random": we take the first [V]); Basic covers TCP and UDP
 * whatever the rule, Standard only the rules' protocols; ports from the default table.
 */
function ruleSnatConfig(idx: ResourceIndex, lb: LoadBalancer, pool: string, ruleName: string): AzureOutboundRule {
  const rules = snatRulesOf(lb, pool);
  const first = rules.find((r) => r.name === ruleName) ?? rules[0]!;
  const fe = frontendIps(idx, lb, [first.frontend]);
  const protos = new Set(rules.map((r) => r.protocol));
  const protocol = lb.sku === 'Basic' || protos.has('All') || (protos.has('Tcp') && protos.has('Udp')) ? 'All' : protos.has('Udp') ? 'Udp' : 'Tcp';
  return {
    name: first.name,
    kind: 'load-balancing rule',
    frontendIps: fe.ips,
    reservedPorts: fe.reserved,
    protocol,
    allocatedOutboundPorts: 0,
    idleTimeoutInMinutes: first.idleTimeoutInMinutes,
    enableTcpReset: lb.sku === 'Standard' && first.enableTcpReset,
  };
}

/**
 * Inbound load balancing in the simulator: the run's Azure load balancers (Basic and Standard,
 * public and internal) over engine/net/lb's LoadBalancerEngine.
 *
 * - A packet to a frontend IP (from the Internet, or inside the VNet to an internal frontend) is
 *   matched to a rule and a backend by the engine and its destination rewritten to the member's
 *   DIP (or kept, with floating IP); the source stays the client's own address.
 * - A packet from a backend that answers a load-balanced flow has its source rewritten back to the
 *   frontend IP:port on the host (DSR: it goes straight to the client, not through the LB and not
 *   through outbound SNAT).
 * - Health probes (settings.healthProbes 'packets'): real TCP connections (and HTTP GETs) from
 *   168.63.129.16 to each member's DIP, made by a probe host attached to the VNet, answered by the
 *   VMs' own sockets; a stopped service answers RST and leaves the rotation after the threshold.
 *   With 'assumeUp' no probe is sent and every member counts as healthy.
 * - Floating IP: the guest must own the frontend IP on a loopback (else the VM drops it with
 *   floating-ip-not-on-loopback); a socket bound to that address gets no outbound SNAT.
 *
 * Reference: shared/reference/cloud-nat-lb.md §C; engine/net/lb/README.md.
 */
import type { ResourceIndex } from '../model/references.ts';
import type { EventSink, TimerHandle } from '../sim/scheduler.ts';
import type { LbInspectorRow } from '../sim/types.ts';
import { hashName, mix32 } from '../sim/rng.ts';
import { ipv4ToString, parseIpv4 } from '../wire/addr.ts';
import { IpMap, type NetContext } from './context.ts';
import type { VnetFabric } from './fabric.ts';
import type { Host } from './host.ts';
import {
  checkFloatingIpArrival,
  checkLbRules,
  classifyHttpProbe,
  classifyTcpProbe,
  floatingIpOutbound,
  formatMappingTable,
  httpProbeRequest,
  LoadBalancerEngine,
  mappingTable,
  PROBE_SOURCE_IP,
  type LbEvent,
  type LbFlow,
  type LbFrontend,
  type LbPool,
  type LbSetup,
  type ProbeRequest,
  type ProbeResult,
} from './lb/index.ts';
import { PROTO_TCP, PROTO_UDP, RST, type Packet } from './packet.ts';
import { bytesText, textBytes } from './packet.ts';
import type { SocketId, TcpApp, TcpEnd } from './tcp-socket.ts';

const EV_LB = 1;

/** One backend: the VM's host and the fabric its NIC is on. */
interface MemberPlace {
  readonly host: Host;
  readonly fabric: VnetFabric;
}

interface LbRun {
  readonly id: string;
  readonly name: string;
  readonly engine: LoadBalancerEngine;
  readonly setup: LbSetup;
  /** Members by DIP. */
  readonly members: IpMap<MemberPlace>;
  /** Frontend IPs of floating-IP rules (the source a floating-IP reply comes from). */
  readonly floating: IpMap<true>;
  readonly warnings: string[];
  /** New flows each member got, by member name. */
  readonly newFlows: Map<string, number>;
  /** Per TCP flow: its packets' flow id, the last ACK the client sent and the last the VM sent (for RSTs both ends accept). */
  readonly acks: Map<LbFlow, { flowId: number; client: number; vm: number; fabric: VnetFabric }>;
  timer: TimerHandle | null;
  timerAt: number;
}

/** What the builder hands in for one load balancer. */
export interface LbPlaneInput {
  readonly id: string;
  readonly setup: LbSetup;
  readonly members: ReadonlyMap<number, MemberPlace>;
}

export class LbPlane implements EventSink<unknown> {
  private readonly runs: LbRun[] = [];
  private readonly byFrontend = new IpMap<LbRun>();
  /** Runs by an address a backend answers from (member DIPs, floating frontend IPs). */
  private readonly bySource = new IpMap<LbRun[]>();
  /** The probe host of each fabric (settings.healthProbes 'packets'). */
  private readonly probers = new Map<VnetFabric, ProbeAgent>();

  constructor(
    private readonly ctx: NetContext,
    private readonly seed: number,
  ) {}

  get size(): number {
    return this.runs.length;
  }

  /** Something went through a load balancer or probed it (what the run report shows then). */
  get active(): boolean {
    return this.runs.some((r) => r.newFlows.size > 0 || r.setup.probes.length > 0);
  }

  add(input: LbPlaneInput): void {
    const engine = new LoadBalancerEngine(input.setup, { seed: mix32((this.seed ^ hashName(input.id)) >>> 0), start: this.ctx.now });
    const members = new IpMap<MemberPlace>();
    for (const [dip, m] of input.members) members.set(dip, m);
    const floating = new IpMap<true>();
    for (const r of input.setup.rules) {
      if (!r.enableFloatingIP) continue;
      const f = input.setup.frontends.find((x) => x.name === r.frontend);
      if (f) floating.set(f.ip, true);
    }
    const run: LbRun = { id: input.id, name: input.setup.name, engine, setup: input.setup, members, floating, warnings: checkLbRules(input.setup), newFlows: new Map(), acks: new Map(), timer: null, timerAt: Infinity };
    this.runs.push(run);
    for (const f of input.setup.frontends) if (!this.byFrontend.has(f.ip)) this.byFrontend.set(f.ip, run);
    const sources = [...input.members.keys(), ...input.setup.frontends.filter((f) => floating.has(f.ip)).map((f) => f.ip)];
    for (const ip of sources) {
      const list = this.bySource.get(ip);
      if (list === undefined) this.bySource.set(ip, [run]);
      else if (!list.includes(run)) list.push(run);
    }
    const floatingHere = input.setup.frontends.filter((f) => floating.has(f.ip));
    const hosts = floatingHere.length === 0 ? [] : [...new Set([...input.members.values()].map((m) => m.host))];
    // A floating-IP packet for a frontend the guest lacks on its loopback: the documented drop.
    for (const host of hosts) {
      const prev = host.foreignDestination;
      host.foreignDestination = (dst) => {
        const f = floatingHere.find((x) => x.ip === dst);
        if (f !== undefined) {
          const rule = input.setup.rules.find((r) => r.enableFloatingIP && r.frontend === f.name);
          const d = checkFloatingIpArrival({ name: host.name, loopbackIps: host.loopbackIps }, dst, rule?.name ?? f.name);
          if (d) return { code: d.code, reason: d.message };
        }
        return prev ? prev(dst) : null;
      };
    }
    this.schedule(run);
  }

  /** Attaches the probe host of a fabric (its link and port are made by the builder). */
  addProber(fabric: VnetFabric, host: Host): void {
    this.probers.set(fabric, new ProbeAgent(this, host));
  }

  isFrontend(ip: number): boolean {
    return this.byFrontend.has(ip);
  }

  /** A packet to a frontend IP. False: not a load-balanced address (the caller goes on). */
  inbound(p: Packet, fabric: VnetFabric): boolean {
    const run = this.byFrontend.get(p.dst);
    if (run === undefined) return false;
    const ctx = this.ctx;
    if (p.proto !== PROTO_TCP && p.proto !== PROTO_UDP) {
      ctx.drop(run.id, p, 'protocol-unsupported', `${ipv4ToString(p.dst)} is a frontend of load balancer '${run.name}', whose rules carry TCP and UDP; this ${p.proto === 1 ? 'ICMP' : `IP protocol ${p.proto}`} packet matches none of them`);
      return true;
    }
    const r = run.engine.inbound({ proto: p.proto, src: p.src, sport: p.srcPort, dst: p.dst, dport: p.dstPort, tcpFlags: p.proto === PROTO_TCP ? p.flags : 0 }, ctx.now);
    this.schedule(run);
    if (!r.ok) {
      ctx.drop(run.id, p, r.drop.code, r.drop.message);
      return true;
    }
    const place = run.members.get(r.member.dip);
    if (place === undefined) {
      ctx.drop(run.id, p, 'no-host', `load balancer '${run.name}' chose ${r.member.name}, which is not in the simulation`);
      return true;
    }
    if (r.newFlow) run.newFlows.set(r.member.name, (run.newFlows.get(r.member.name) ?? 0) + 1);
    if (p.proto === PROTO_TCP && r.flow.tcpReset) {
      // A RST ends the flow in the engine (lb/flows.ts touch): forget its ACKs with it.
      const a = run.acks.get(r.flow);
      if (p.flags & RST) run.acks.delete(r.flow);
      else if (a === undefined) run.acks.set(r.flow, { flowId: p.flowId, client: p.ack, vm: 0, fabric });
      else a.client = p.ack;
    }
    const before = ctx.beforeRewrite(p);
    p.dst = r.dstIp;
    p.dstPort = r.dstPort;
    if (ctx.trace.on) ctx.rewritten(run.id, p, before, `load balancer '${run.name}': ${r.note}`);
    place.fabric.deliverTo(p, r.member.dip, fabric);
    return true;
  }

  /**
   * A packet from a NIC, before anything else: to the probe address, a load-balanced reply (its
   * source rewritten back to the frontend on the host), or a floating-IP-bound socket going out.
   * False: none of these (the fabric goes on as usual).
   */
  fromNic(p: Packet, fabric: VnetFabric, port: number): boolean {
    if (p.dst === PROBE_SOURCE_IP) {
      const agent = this.probers.get(fabric);
      if (agent === undefined) return false;
      fabric.deliverInside(p);
      return true;
    }
    const runs = this.bySource.get(p.src);
    if (runs === undefined || (p.proto !== PROTO_TCP && p.proto !== PROTO_UDP)) return false;
    const ctx = this.ctx;
    for (const run of runs) {
      const back = run.engine.reply({ proto: p.proto, src: p.src, sport: p.srcPort, dst: p.dst, dport: p.dstPort, tcpFlags: p.proto === PROTO_TCP ? p.flags : 0 }, ctx.now);
      if (back === null) continue;
      this.schedule(run);
      if (p.proto === PROTO_TCP) {
        const a = run.acks.get(back.flow);
        if (p.flags & RST) run.acks.delete(back.flow);
        else if (a !== undefined) a.vm = p.ack;
      }
      const before = ctx.beforeRewrite(p);
      const from = `${ipv4ToString(p.src)}:${p.srcPort}`;
      p.src = back.srcIp;
      p.srcPort = back.srcPort;
      if (ctx.trace.on) ctx.rewritten(run.id, p, before, `load balancer '${run.name}' reply: source ${from} → ${ipv4ToString(back.srcIp)}:${back.srcPort}, rewritten on the host (DSR)`);
      // The subnet's route table still applies to the rewritten reply (a UDR 0.0.0.0/0 to a
      // firewall takes it there: the asymmetric routing Azure warns about).
      fabric.routeRewritten(p, port);
      return true;
    }
    for (const run of runs) {
      if (!run.floating.has(p.src) || fabric.inVnet(p.dst)) continue;
      const host = this.hostSending(run, p.src);
      if (host === null) continue;
      const o = floatingIpOutbound(p.src, { name: host.name, loopbackIps: host.loopbackIps }, host.primaryIp);
      if (!o.snat) {
        ctx.drop(host.id, p, o.code, o.message);
        return true;
      }
    }
    return false;
  }

  /** The member whose guest owns `ip` on its loopback (a floating-IP socket), if any. */
  private hostSending(run: LbRun, ip: number): Host | null {
    for (const pool of run.setup.pools)
      for (const m of pool.members) {
        const place = run.members.get(m.dip);
        if (place && place.host.loopbackIps.includes(ip)) return place.host;
      }
    return null;
  }

  private schedule(run: LbRun): void {
    const t = run.engine.nextDeadline();
    if (!Number.isFinite(t) || (run.timer !== null && run.timerAt <= t)) return;
    if (run.timer !== null) this.ctx.sched.cancel(run.timer);
    run.timerAt = t;
    run.timer = this.ctx.sched.at(Math.max(t, this.ctx.now), this, EV_LB, run);
  }

  onEvent(_kind: number, payload: unknown): void {
    const run = payload as LbRun;
    run.timer = null;
    run.timerAt = Infinity;
    for (const e of run.engine.expire(this.ctx.now)) this.handle(run, e);
    this.schedule(run);
  }

  private handle(run: LbRun, e: LbEvent): void {
    switch (e.kind) {
      case 'send-probe': {
        const place = run.members.get(e.request.dst);
        const agent = place ? this.probers.get(place.fabric) : undefined;
        if (agent !== undefined) agent.send(run, e.request);
        break;
      }
      case 'health':
        for (const f of e.flows) if (f.action === 'ended') run.acks.delete(f.flow);
        this.ctx.note(run.id, `load balancer '${run.name}': ${e.message}`);
        break;
      case 'flow-expired': {
        const f = e.expiry.flow;
        const a = run.acks.get(f);
        run.acks.delete(f);
        if (e.expiry.reason !== 'idle') break;
        this.ctx.note(run.id, `load balancer '${run.name}': flow ${ipv4ToString(f.clientIp)}:${f.clientPort} → ${ipv4ToString(f.frontendIp)}:${f.frontendPort} idled out${e.expiry.sendRst ? ': TCP reset sends a RST to both ends' : ''}`);
        if (e.expiry.sendRst && a !== undefined) this.resetBoth(run, f, a);
        break;
      }
    }
  }

  /** enableTcpReset on an idle timeout: a RST to the client (from the frontend) and to the VM (from the client). */
  private resetBoth(run: LbRun, f: LbFlow, a: { flowId: number; client: number; vm: number; fabric: VnetFabric }): void {
    const ctx = this.ctx;
    const dip = run.setup.pools.find((p) => p.name === run.setup.rules[f.rule]?.backendPool)?.members[f.member]?.dip;
    const place = dip === undefined ? undefined : run.members.get(dip);
    const toClient = ctx.packet(a.flowId, PROTO_TCP, f.frontendIp, f.clientIp);
    toClient.srcPort = f.frontendPort;
    toClient.dstPort = f.clientPort;
    toClient.seq = a.client;
    toClient.flags = RST;
    if (ctx.trace.on) ctx.packetEvent('send', run.id, toClient);
    if (a.fabric.inVnet(f.clientIp)) a.fabric.deliverInside(toClient);
    else a.fabric.toInternet(toClient);
    if (place === undefined || dip === undefined) return;
    const toVm = ctx.packet(a.flowId, PROTO_TCP, f.clientIp, f.vmIp);
    toVm.srcPort = f.clientPort;
    toVm.dstPort = f.vmPort;
    toVm.seq = a.vm;
    toVm.flags = RST;
    if (ctx.trace.on) ctx.packetEvent('send', run.id, toVm);
    place.fabric.deliverTo(toVm, dip, a.fabric);
  }

  /** A probe's answer (from the probe agent). */
  reportProbe(run: LbRun, req: ProbeRequest, result: ProbeResult): void {
    const ctx = this.ctx;
    if (ctx.trace.on) ctx.note(run.id, `probe '${req.probe}' of ${req.member} (${ipv4ToString(req.dst)}:${req.port}): ${result.ok ? 'up' : 'down'}, ${result.detail}`);
    const e = run.engine.reportProbe(req, result, ctx.now);
    if (e) this.handle(run, e);
    this.schedule(run);
  }

  /** The inspector's view of every load balancer: probe states, the mapping table, flows. */
  /** Per load balancer, the flows its engine holds and the ACK records kept for them (they must shrink together). */
  flowState(): { lb: string; flows: number; ackRecords: number }[] {
    return this.runs.map((r) => ({ lb: r.id, flows: r.engine.flows.size, ackRecords: r.acks.size }));
  }

  inspect(): LbInspectorRow[] {
    return this.runs.map((run) => {
      const rows = mappingTable(run.setup);
      return {
        id: run.id,
        name: run.name,
        mapping: rows.map((m) => ({
          rule: m.rule,
          frontendIp: ipv4ToString(m.frontendIp),
          protocol: m.protocol,
          port: m.port,
          floatingIp: m.floatingIp,
          destination: m.destinationText,
          destinationPort: m.destinationPortText,
        })),
        mappingText: formatMappingTable(rows),
        probes: run.engine.probes.status().map((s) => ({ probe: s.probe, member: s.member, dip: ipv4ToString(s.dip), state: s.state, last: s.last })),
        flows: run.engine.flows.size,
        backends: run.setup.pools.flatMap((pool) => pool.members.map((m) => ({ pool: pool.name, member: m.name, dip: ipv4ToString(m.dip), newFlows: run.newFlows.get(m.name) ?? 0 }))),
        warnings: run.warnings.slice(),
      };
    });
  }
}



/** Who hears a probe's answer: the LB plane, or the gateway load balancer plane (gwlb-plane.ts). */
export interface ProbeListener<R> {
  reportProbe(run: R, req: ProbeRequest, result: ProbeResult): void;
}

/**
 * The probe host of one VNet: 168.63.129.16, whose TCP connections (and HTTP GETs) are the probes.
 * A SYN+ACK (TCP) or an HTTP 200 is up; a RST is down; no answer is left to the engine's timeout.
 */
export class ProbeAgent<R = LbRun> implements TcpApp {
  private readonly pending = new Map<SocketId, { run: R; req: ProbeRequest; answered: boolean }>();

  constructor(
    private readonly plane: ProbeListener<R>,
    readonly host: Host,
  ) {}

  send(run: R, req: ProbeRequest): void {
    const flow = this.host.ctx.flows.allocateId();
    const s = this.host.tcp.connect(PROBE_SOURCE_IP, req.dst, req.port, flow, this);
    if (s !== null) this.pending.set(s, { run, req, answered: false });
  }

  private answer(s: SocketId, result: ProbeResult): void {
    const w = this.pending.get(s);
    if (w === undefined || w.answered) return;
    w.answered = true;
    this.plane.reportProbe(w.run, w.req, result);
  }

  established(s: SocketId): void {
    const w = this.pending.get(s);
    if (w === undefined) return;
    if (w.req.protocol === 'Tcp') {
      this.answer(s, classifyTcpProbe(0x12));
      this.host.tcp.close(s);
    } else this.host.tcp.send(s, textBytes(httpProbeRequest(w.req.path ?? '/', w.req.dst)));
  }

  data(s: SocketId, bytes: Uint8Array): void {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(bytesText(bytes));
    this.answer(s, m ? classifyHttpProbe(Number(m[1])) : { ok: false, detail: 'not an HTTP response' });
    this.host.tcp.close(s);
  }

  peerClosed(s: SocketId): void {
    this.host.tcp.close(s);
  }

  ended(s: SocketId, how: TcpEnd): void {
    if (how === 'reset') this.answer(s, classifyTcpProbe(RST));
    this.pending.delete(s);
  }
}

/** Resolves a loadBalancer resource's frontends and pools to addresses (null: not simulated here). */
export function lbSetupOf(idx: ResourceIndex, lbId: string, probes: 'assumeUp' | 'packets', nameOfMember: (vmId: string, ipConfig: string, single: boolean) => string): { setup: LbSetup; dips: { dip: number; vm: string }[] } | null {
  const lb = idx.get(lbId, 'loadBalancer');
  if (!lb || lb.sku === 'Gateway' || lb.rules.length === 0) return null;
  const frontends: LbFrontend[] = [];
  for (const f of lb.frontends) {
    const pub = f.publicIp ? parseIpv4(idx.get(f.publicIp, 'publicIp')?.address ?? '') : null;
    const priv = f.privateIp ? parseIpv4(f.privateIp) : null;
    const ip = pub ?? priv;
    if (ip !== null) frontends.push({ name: f.name, ip, internal: pub === null });
  }
  const pools: LbPool[] = lb.backendPools.map((p) => ({ name: p.name, members: [] }));
  const dips: { dip: number; vm: string }[] = [];
  for (const nic of idx.ofKind('nic')) {
    const inLb = nic.ipConfigs.filter((c) => c.loadBalancerBackendPools.some((r) => r.startsWith(`${lb.id}/`)));
    for (const c of inLb) {
      const dip = parseIpv4(c.privateIp);
      if (dip === null) continue;
      for (const ref of c.loadBalancerBackendPools) {
        if (!ref.startsWith(`${lb.id}/`)) continue;
        const pool = pools.find((p) => p.name === ref.slice(lb.id.length + 1));
        if (pool) pool.members.push({ name: nameOfMember(nic.vm, c.name, nic.ipConfigs.length === 1), dip });
      }
      dips.push({ dip, vm: nic.vm });
    }
  }
  return {
    setup: { name: lb.name, sku: lb.sku, frontends, pools, probes: probes === 'packets' ? lb.probes : [], rules: lb.rules, noHealthyBackendsBehavior: lb.noHealthyBackendsBehavior },
    dips,
  };
}

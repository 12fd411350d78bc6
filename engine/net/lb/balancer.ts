/**
 * One Azure load balancer's inbound data plane: rules, distribution, the flow table, probes, and
 * what happens to flows when backends go down (§C.1, §C.2, §C.3).
 *
 * Per packet from a client to a frontend: `inbound()`. Per packet from a VM back to a client:
 * `reply()` (the host rewrites it back to the frontend: DSR, §C.1). Timers: `nextDeadline()` and
 * `expire(now)` for probes and idle flows together; probe answers: `reportProbe()`.
 */
import { ipv4ToString } from '../../wire/addr.ts';
import { distributionKey, distributionLabel, pickMember } from './hash.ts';
import { FlowTable, type FlowExpiry, type LbFlow } from './flows.ts';
import { ProbeMonitor, type HealthChange, type ProbeRequest, type ProbeResult } from './health.ts';
import { backendPortOf, RuleIndex } from './rules.ts';
import { PROTO_TCP, PROTO_UDP, type LbDrop, type LbMember, type LbPool, type LbRule, type LbSetup } from './types.ts';

export interface LbPacket {
  proto: number;
  src: number;
  sport: number;
  dst: number;
  dport: number;
  /** TCP header byte 13; 0 for UDP. */
  tcpFlags: number;
}

export type InboundResult =
  | {
      ok: true;
      flow: LbFlow;
      rule: LbRule;
      member: LbMember;
      /** Where the packet goes: the VM's DIP, or the frontend IP itself with floating IP. */
      dstIp: number;
      dstPort: number;
      floatingIp: boolean;
      newFlow: boolean;
      note: string;
    }
  | { ok: false; drop: LbDrop };

export interface ReplyResult {
  flow: LbFlow;
  /** The source the client must see: the frontend IP and port. */
  srcIp: number;
  srcPort: number;
}

/** What happened to one existing flow when its backend changed state (§C.2's table). */
export interface FlowAction {
  flow: LbFlow;
  action: 'continue' | 'moved' | 'ended';
  /** For `moved`: the new member's name. */
  to?: string;
}

export type LbEvent =
  | { kind: 'send-probe'; request: ProbeRequest }
  | { kind: 'health'; change: HealthChange; flows: FlowAction[]; message: string }
  | { kind: 'flow-expired'; expiry: FlowExpiry };

export interface LoadBalancerOptions {
  /** Seed of the distribution hash (a run's seed mixed with the LB's name, say). */
  seed: number;
  /** Virtual time of the start, µs: the first probes are due then. */
  start: number;
}

export class LoadBalancerEngine {
  readonly flows = new FlowTable();
  readonly probes: ProbeMonitor;
  private readonly rules: RuleIndex;
  private readonly pools: Map<string, LbPool>;
  private readonly seed: number;

  constructor(
    readonly setup: LbSetup,
    o: LoadBalancerOptions,
  ) {
    this.rules = new RuleIndex(setup);
    this.pools = new Map(setup.pools.map((p) => [p.name, p]));
    this.probes = new ProbeMonitor(setup, o.start);
    this.seed = o.seed >>> 0;
  }

  isFrontend(ip: number): boolean {
    return this.rules.isFrontend(ip);
  }

  private members(rule: LbRule): readonly LbMember[] {
    return this.pools.get(rule.backendPool)?.members ?? [];
  }

  private healthy(rule: LbRule, m: LbMember): boolean {
    return this.probes.health(rule.probe, m.dip) === 'up';
  }

  /** A packet from a client to a frontend IP:port. */
  inbound(p: LbPacket, now: number): InboundResult {
    const existing = this.flows.lookupOriginal(p.proto, p.src, p.sport, p.dst, p.dport);
    if (existing) {
      const rule = this.setup.rules[existing.rule]!;
      const member = this.members(rule)[existing.member]!;
      if (!this.flows.touch(existing, true, p.tcpFlags, now)) {
        return this.deliver(existing, rule, member, false, 'RST ends the flow');
      }
      return this.deliver(existing, rule, member, false, `established flow to ${member.name}`);
    }
    const match = this.rules.match(p.proto, p.dst, p.dport);
    if (!match) return { ok: false, drop: { code: 'no-rule', message: `No load-balancing rule of ${this.setup.name} listens on ${protoName(p.proto)} ${ipv4ToString(p.dst)}:${p.dport}.` } };
    const rule = match.rule;
    const members = this.members(rule);
    if (members.length === 0) return { ok: false, drop: { code: 'empty-pool', message: `Rule '${rule.name}': backend pool '${rule.backendPool}' has no members.` } };
    const anyUp = members.some((m) => this.healthy(rule, m));
    const failOpen = !anyUp && this.setup.noHealthyBackendsBehavior === 'AllProbedUp';
    if (!anyUp && !failOpen) {
      return { ok: false, drop: { code: 'no-healthy-backend', message: `Rule '${rule.name}': every member of pool '${rule.backendPool}' is down for probe '${rule.probe ?? ''}': no new flows.` } };
    }
    const key = distributionKey(rule.loadDistribution, this.seed, p.proto, p.src, p.sport, p.dst, p.dport);
    const idx = pickMember(key, this.seed, members, (i) => failOpen || this.healthy(rule, members[i]!));
    const member = members[idx]!;
    const vmPort = backendPortOf(rule, p.dport);
    const flow = this.flows.insert({
      proto: p.proto,
      clientIp: p.src,
      clientPort: p.sport,
      frontendIp: p.dst,
      frontendPort: p.dport,
      rule: match.index,
      member: idx,
      vmIp: rule.enableFloatingIP ? p.dst : member.dip,
      vmPort,
      created: now,
      idleUs: rule.idleTimeoutInMinutes * 60_000_000,
      tcpReset: rule.enableTcpReset && this.setup.sku !== 'Basic',
    });
    this.flows.touch(flow, true, p.tcpFlags, now);
    const why = failOpen ? 'every member is down; AllProbedUp sends to all' : `${distributionLabel(rule.loadDistribution, p.proto)} hash over the healthy members`;
    return this.deliver(flow, rule, member, true, `new flow, rule '${rule.name}': ${why} chose ${member.name}`);
  }

  private deliver(flow: LbFlow, rule: LbRule, member: LbMember, newFlow: boolean, note: string): InboundResult {
    const fip = rule.enableFloatingIP;
    const to = `${ipv4ToString(flow.vmIp)}:${flow.vmPort}`;
    return {
      ok: true,
      flow,
      rule,
      member,
      dstIp: flow.vmIp,
      dstPort: flow.vmPort,
      floatingIp: fip,
      newFlow,
      note: `${note}; ${fip ? `floating IP: destination stays ${to}` : `DNAT to ${to}`}`,
    };
  }

  /**
   * A packet from a VM: if it answers a load-balanced flow, the source to put back (frontend IP and
   * port). Null: not a load-balanced flow (outbound connectivity applies instead).
   */
  reply(p: LbPacket, now: number): ReplyResult | null {
    const f = this.flows.lookupReply(p.proto, p.src, p.sport, p.dst, p.dport);
    if (!f) return null;
    this.flows.touch(f, false, p.tcpFlags, now);
    return { flow: f, srcIp: f.frontendIp, srcPort: f.frontendPort };
  }

  nextDeadline(): number {
    return Math.min(this.probes.nextDeadline(), this.flows.nextDeadline());
  }

  expire(now: number): LbEvent[] {
    const out: LbEvent[] = [];
    for (const e of this.probes.expire(now)) {
      if (e.kind === 'send') out.push({ kind: 'send-probe', request: e.request });
      else out.push(this.onHealthChange(e.change));
    }
    for (const x of this.flows.expire(now)) out.push({ kind: 'flow-expired', expiry: x });
    return out;
  }

  /** The answer to a probe; returns the health event when the member changed state. */
  reportProbe(request: ProbeRequest, result: ProbeResult, now: number): LbEvent | null {
    const c = this.probes.report(request, result, now);
    return c ? this.onHealthChange(c) : null;
  }

  /**
   * §C.2's table. A member going up changes no existing flow (they stick where they are). A member
   * going down: if others in the rule's pool are up, TCP flows to it continue and UDP flows move
   * to a healthy member; if none is up, no new flows, UDP flows end, and TCP flows continue on
   * Standard (pool of more than one instance) but end on Basic. AllProbedUp fails open: nothing ends.
   */
  private onHealthChange(c: HealthChange): LbEvent {
    const actions: FlowAction[] = [];
    if (c.to === 'down') {
      for (const f of [...this.flows.all()]) {
        const rule = this.setup.rules[f.rule]!;
        if (rule.probe !== c.probe) continue;
        const members = this.members(rule);
        const m = members[f.member];
        if (!m) continue;
        // The member's own flows; and when the pool has just lost its last healthy member, every
        // flow of the pool (all-down rules apply to flows on members that went down earlier).
        const lastDown = !members.some((x) => this.healthy(rule, x)) && this.setup.noHealthyBackendsBehavior === 'AllProbedDown';
        if (m.dip !== c.dip && !lastDown) continue;
        actions.push(this.downAction(f, rule, members));
      }
    }
    const count = (a: FlowAction['action']): number => actions.filter((x) => x.action === a).length;
    const message =
      c.to === 'down' && actions.length > 0
        ? `${c.message}; existing flows: ${count('continue')} continue, ${count('moved')} moved, ${count('ended')} ended`
        : c.message;
    return { kind: 'health', change: c, flows: actions, message };
  }

  private downAction(f: LbFlow, rule: LbRule, members: readonly LbMember[]): FlowAction {
    const anyUp = members.some((m) => this.healthy(rule, m));
    if (!anyUp && this.setup.noHealthyBackendsBehavior === 'AllProbedUp') return { flow: f, action: 'continue' };
    if (f.proto === PROTO_UDP) {
      if (!anyUp) {
        this.flows.remove(f);
        return { flow: f, action: 'ended' };
      }
      const key = distributionKey(rule.loadDistribution, this.seed, f.proto, f.clientIp, f.clientPort, f.frontendIp, f.frontendPort);
      const idx = pickMember(key, this.seed, members, (i) => this.healthy(rule, members[i]!));
      const to = members[idx]!;
      this.flows.retarget(f, idx, rule.enableFloatingIP ? f.frontendIp : to.dip);
      return { flow: f, action: 'moved', to: to.name };
    }
    if (anyUp) return { flow: f, action: 'continue' };
    const keep = this.setup.sku !== 'Basic' && members.length > 1;
    if (keep) return { flow: f, action: 'continue' };
    this.flows.remove(f);
    return { flow: f, action: 'ended' };
  }
}

function protoName(p: number): string {
  return p === PROTO_TCP ? 'TCP' : p === PROTO_UDP ? 'UDP' : `protocol ${p}`;
}

/**
 * The gateway load balancer's data plane (§D.1): pick an NVA for a consumer flow (sticky and
 * symmetric), give the VXLAN legs, and probe the NVAs like any load balancer (reusing
 * engine/net/lb's ProbeMonitor on a one-rule HA-ports view of the GWLB).
 *
 * NVA down, and no NVA up: Azure documents neither for the gateway SKU (§D.1 [U]). We apply the
 * ordinary Standard LB rules of §C.2 to the GWLB's HA-ports rule:
 *   - some NVA up: new flows go to healthy NVAs; TCP flows stay on their NVA; UDP flows move;
 *   - none up, AllProbedDown (default): new flows are dropped (`no-healthy-nva`), UDP flows end,
 *     TCP flows stay when the pool has more than one NVA, else end;
 *   - none up, AllProbedUp: fail open to every NVA (never around them: traffic is not bypassed).
 */
import { ipv4ToString } from '../../wire/addr.ts';
import { ProbeMonitor, type HealthChange, type ProbeRequest, type ProbeResult } from '../lb/health.ts';
import type { LbSetup, Probe } from '../lb/types.ts';
import { PROTO_UDP } from '../lb/types.ts';
import { pickMember } from '../lb/hash.ts';
import { SymmetricFlowTable, symmetricFlowHash } from './symmetric.ts';
import { tunnelLegs, tunnelsOf, type Direction, type InnerFlow, type LegOptions, type TunnelType, type VxlanLeg } from './tunnel.ts';
import type { TunnelInterface } from '../../model/kinds/load-balancer.ts';

export interface NvaMember {
  name: string;
  /** The NVA's NIC address: outer destination of GWLB -> NVA legs, and probe target. */
  ip: number;
}

export interface GatewaySetup {
  name: string;
  frontendIp: number;
  tunnelInterfaces: TunnelInterface[];
  nvas: NvaMember[];
  /** The HA-ports rule's probe (TCP 8080 in the article); none: every NVA counts as up. */
  probe?: Probe;
  noHealthyBackendsBehavior: 'AllProbedDown' | 'AllProbedUp';
  /** Idle timeout of the flow table, minutes (the rule's idleTimeoutInMinutes; 4 by default). */
  idleTimeoutInMinutes?: number;
}

export type SteerResult =
  | { ok: true; nva: NvaMember; legs: [VxlanLeg, VxlanLeg]; newFlow: boolean; note: string }
  | { ok: false; code: 'no-healthy-nva' | 'no-nva'; message: string };

export class GatewayLoadBalancer {
  readonly probes: ProbeMonitor;
  private readonly flows: SymmetricFlowTable;
  private readonly tunnels: Record<TunnelType, { port: number; vni: number }>;
  private readonly legOptions: LegOptions;

  constructor(
    readonly setup: GatewaySetup,
    o: { seed: number; start: number; gwlbSrcPorts?: { min: number; max: number }; nvaSrcPorts?: { min: number; max: number } },
  ) {
    this.tunnels = tunnelsOf(setup.tunnelInterfaces);
    this.flows = new SymmetricFlowTable((setup.idleTimeoutInMinutes ?? 4) * 60_000_000);
    this.legOptions = { seed: o.seed >>> 0 };
    if (o.gwlbSrcPorts) this.legOptions.gwlbSrcPorts = o.gwlbSrcPorts;
    if (o.nvaSrcPorts) this.legOptions.nvaSrcPorts = o.nvaSrcPorts;
    this.probes = new ProbeMonitor(this.lbView(), o.start);
  }

  /** The GWLB as an LB with one HA-ports rule, for the probe monitor. */
  private lbView(): LbSetup {
    const s = this.setup;
    const rule = {
      name: 'ha-ports',
      frontend: 'fe',
      backendPool: 'nvas',
      protocol: 'All' as const,
      frontendPort: 0,
      backendPort: 0,
      enableFloatingIP: false,
      loadDistribution: 'Default' as const,
      idleTimeoutInMinutes: s.idleTimeoutInMinutes ?? 4,
      enableTcpReset: false,
      disableOutboundSnat: true,
      ...(s.probe ? { probe: s.probe.name } : {}),
    };
    return {
      name: s.name,
      sku: 'Gateway',
      frontends: [{ name: 'fe', ip: s.frontendIp, internal: true }],
      pools: [{ name: 'nvas', members: s.nvas.map((n) => ({ name: n.name, dip: n.ip })) }],
      probes: s.probe ? [s.probe] : [],
      rules: [rule],
      noHealthyBackendsBehavior: s.noHealthyBackendsBehavior,
    };
  }

  private up(i: number): boolean {
    return this.probes.health(this.setup.probe?.name, this.setup.nvas[i]!.ip) === 'up';
  }

  /**
   * A consumer packet reaches the GWLB (ingress: from the Internet toward the consumer; egress:
   * from the consumer out). Returns the NVA and the two legs through it.
   */
  steer(inner: InnerFlow, direction: Direction, now: number): SteerResult {
    const nvas = this.setup.nvas;
    if (nvas.length === 0) return { ok: false, code: 'no-nva', message: `${this.setup.name}: the backend pool has no NVA.` };
    const anyUp = nvas.some((_, i) => this.up(i));
    const failOpen = !anyUp && this.setup.noHealthyBackendsBehavior === 'AllProbedUp';
    const eligible = (i: number): boolean => failOpen || this.up(i);
    const hit = this.flows.lookup(inner, now);
    const key = symmetricFlowHash(inner, this.legOptions.seed);
    if (hit) {
      if (eligible(hit.nva)) return this.result(hit.nva, inner, direction, false, 'established flow');
      if (inner.proto === PROTO_UDP) {
        if (!anyUp) {
          this.flows.remove(hit.id);
          return this.noHealthy('its UDP flow ends');
        }
        const to = pickMember(key, this.legOptions.seed, this.members(), eligible);
        this.flows.retarget(hit.id, to);
        return this.result(to, inner, direction, false, `UDP flow moved from ${nvas[hit.nva]!.name}, which is down`);
      }
      if (anyUp || nvas.length > 1) return this.result(hit.nva, inner, direction, false, `established TCP flow stays on ${nvas[hit.nva]!.name} although it is down`);
      this.flows.remove(hit.id);
      return this.noHealthy('its TCP flow ends (a pool of one)');
    }
    if (!anyUp && !failOpen) return this.noHealthy('no new flows');
    const idx = pickMember(key, this.legOptions.seed, this.members(), eligible);
    this.flows.insert(inner, idx, now);
    return this.result(idx, inner, direction, true, failOpen ? 'no NVA is up; AllProbedUp sends to all' : 'symmetric hash over the healthy NVAs');
  }

  private members(): { name: string; dip: number }[] {
    return this.setup.nvas.map((n) => ({ name: n.name, dip: n.ip }));
  }

  private noHealthy(what: string): SteerResult {
    return { ok: false, code: 'no-healthy-nva', message: `${this.setup.name}: no NVA answers its health probe: ${what} (AllProbedDown).` };
  }

  private result(i: number, inner: InnerFlow, direction: Direction, newFlow: boolean, why: string): SteerResult {
    const nva = this.setup.nvas[i]!;
    const legs = tunnelLegs(direction, this.setup.frontendIp, nva.ip, this.tunnels, inner, this.legOptions);
    const note =
      `${why}: ${nva.name} (${ipv4ToString(nva.ip)}); ${direction} goes out on the ${legs[0].tunnel} tunnel ` +
      `(UDP ${legs[0].udpDst}, VNI ${legs[0].vni}) and comes back on the ${legs[1].tunnel} tunnel (UDP ${legs[1].udpDst}, VNI ${legs[1].vni})`;
    return { ok: true, nva, legs, newFlow, note };
  }

  nextDeadline(): number {
    return Math.min(this.probes.nextDeadline(), this.flows.nextDeadline());
  }

  /** Probes to send and health changes; idle flows are dropped from the table silently. */
  expire(now: number): ({ kind: 'send-probe'; request: ProbeRequest } | { kind: 'health'; change: HealthChange })[] {
    this.flows.expire(now);
    return this.probes.expire(now).map((e) => (e.kind === 'send' ? { kind: 'send-probe' as const, request: e.request } : { kind: 'health' as const, change: e.change }));
  }

  reportProbe(request: ProbeRequest, result: ProbeResult, now: number): HealthChange | null {
    return this.probes.report(request, result, now);
  }

  get flowCount(): number {
    return this.flows.size;
  }
}

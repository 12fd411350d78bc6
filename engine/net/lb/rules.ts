/**
 * Rule matching: which load-balancing rule takes a packet addressed to a frontend.
 *
 * A rule listens on (frontend IP, protocol, frontend port). An HA-ports rule (protocol All,
 * frontend port 0, §C.4 [C]) listens on every TCP and UDP port of its frontend; a specific rule on
 * the same frontend wins over it [I: Azure does not allow both on one frontend unless floating IP
 * makes them distinct, and checks.ts says so; the order only matters for such a refused set].
 * Lookup is two Map reads.
 */
import { PROTO_TCP, PROTO_UDP, type LbRule, type LbSetup } from './types.ts';

export interface RuleMatch {
  /** Index into setup.rules. */
  index: number;
  rule: LbRule;
  frontendIp: number;
}

export class RuleIndex {
  /** frontend IP -> (proto << 16 | port) -> rule index; port 0 proto 0 = HA ports. */
  private byIp = new Map<number, Map<number, number>>();

  constructor(private readonly setup: LbSetup) {
    const feIp = new Map(setup.frontends.map((f) => [f.name, f.ip]));
    setup.rules.forEach((r, i) => {
      const ip = feIp.get(r.frontend);
      if (ip === undefined) return;
      let m = this.byIp.get(ip);
      if (!m) this.byIp.set(ip, (m = new Map()));
      for (const key of ruleKeys(r)) if (!m.has(key)) m.set(key, i);
    });
  }

  /** The rule for a packet to dstIp:dstPort, or null (the LB then drops it: no rule). */
  match(proto: number, dstIp: number, dstPort: number): RuleMatch | null {
    const m = this.byIp.get(dstIp);
    if (!m) return null;
    if (proto !== PROTO_TCP && proto !== PROTO_UDP) return null;
    const i = m.get((proto << 16) | dstPort) ?? m.get(0);
    if (i === undefined) return null;
    return { index: i, rule: this.setup.rules[i]!, frontendIp: dstIp };
  }

  /** Is this address one of the LB's frontends? */
  isFrontend(ip: number): boolean {
    return this.byIp.has(ip);
  }
}

/** The keys a rule answers to. */
function ruleKeys(r: LbRule): number[] {
  if (isHaPorts(r)) return [0];
  const protos = r.protocol === 'Tcp' ? [PROTO_TCP] : r.protocol === 'Udp' ? [PROTO_UDP] : [PROTO_TCP, PROTO_UDP];
  return protos.map((p) => (p << 16) | r.frontendPort);
}

export function isHaPorts(r: Pick<LbRule, 'protocol' | 'frontendPort'>): boolean {
  return r.protocol === 'All' && r.frontendPort === 0;
}

/** The port a packet gets at the backend: the rule's backend port, or the same port (HA ports). */
export function backendPortOf(r: LbRule, frontendPort: number): number {
  return isHaPorts(r) || r.backendPort === 0 ? frontendPort : r.backendPort;
}

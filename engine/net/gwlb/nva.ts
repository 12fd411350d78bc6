/**
 * A Linux NVA behind a gateway load balancer, built as in the article (seed 001): two VXLAN
 * devices toward the GWLB frontend, enslaved to one bridge, with iptables filtering what crosses it.
 *
 *   ip link add dev br0 type bridge
 *   ip link add vxlan-in type vxlan id 800 remote 10.7.0.4 dstport 10800 dev eth0
 *   ip link add vxlan-ex type vxlan id 801 remote 10.7.0.4 dstport 10801 dev eth0
 *   ip link set vxlan-in master br0;  ip link set vxlan-ex master br0
 *   iptables -A FORWARD -m physdev --physdev-in vxlan-ex --physdev-is-bridged -s 8.8.8.8 -p tcp --dport 22 -j DROP
 *
 * A packet arriving on eth0 as UDP to a tunnel port with the tunnel's VNI is decapsulated onto
 * that VXLAN device, bridged to the other one, passes netfilter (br_netfilter: PREROUTING,
 * FORWARD, POSTROUTING with `-i`/`-o` = br0 and physdev = the bridge ports), and is encapsulated
 * again toward the GWLB. The filtering is engine/net/netfilter's `Netfilter`, unchanged.
 */
import { ipv4ToString } from '../../wire/addr.ts';
import { Netfilter, type HookIfaces, type NfPacket, type RandomSource } from '../netfilter/index.ts';
import { LINUX_VXLAN_SRC_PORTS, tunnelsOf, vxlanSourcePort, type TunnelType, type VxlanLeg } from './tunnel.ts';
import type { TunnelInterface } from '../../model/kinds/load-balancer.ts';

/** Interface names of the article's setup. */
export const NVA_IFACES = { underlay: 'eth0', bridge: 'br0', Internal: 'vxlan-in', External: 'vxlan-ex' } as const;

export interface NvaConfig {
  name: string;
  /** eth0's address (the GWLB pool member). */
  ip: number;
  /** The GWLB frontend: `remote` of both VXLAN devices. */
  gwlbIp: number;
  tunnelInterfaces: TunnelInterface[];
  /** Port the health service listens on (python3 -m http.server 8080 in the article). */
  healthPort: number;
  /** iptables lines (FORWARD rules, policies), with or without the leading `iptables`. */
  firewall: readonly string[];
  rng: RandomSource;
  /** Seed of the outer source-port hash. */
  seed?: number;
}

/** The outer headers as they arrive on eth0. */
export interface OuterHeaders {
  src: number;
  dst: number;
  udpDst: number;
  vni: number;
}

export type NvaResult =
  | {
      verdict: 'forward';
      /** The inner packet as it leaves (the bridge does not rewrite it). */
      packet: NfPacket;
      /** The leg back to the GWLB. */
      leg: VxlanLeg;
      /** Interfaces it crossed, in order, for captures: eth0, vxlan-ex, br0, vxlan-in, eth0. */
      path: string[];
      notes: string[];
    }
  | { verdict: 'drop'; reason: string; path: string[]; notes: string[] };

export class LinuxNva {
  readonly netfilter: Netfilter;
  /** Firewall lines that iptables refused, as sentences (the rest still applies). */
  readonly firewallErrors: string[] = [];
  /** The health service (the article's HTTP server on 8080); an action can stop it. */
  healthServiceRunning = true;
  private readonly tunnels: Record<TunnelType, { port: number; vni: number }>;

  constructor(readonly config: NvaConfig) {
    this.netfilter = new Netfilter({ rng: config.rng });
    this.tunnels = tunnelsOf(config.tunnelInterfaces);
    config.firewall.forEach((line, i) => {
      const prepared = prepareFirewallLine(line);
      if (!prepared.ok) {
        this.firewallErrors.push(`Line ${i + 1}: ${prepared.error}`);
        return;
      }
      const r = this.netfilter.iptables(prepared.line);
      if (!r.ok) this.firewallErrors.push(`Line ${i + 1}: ${r.error.sentence}`);
    });
  }

  /** Which tunnel an arriving outer packet belongs to, by UDP port and VNI; null: not ours. */
  tunnelOf(outer: OuterHeaders): TunnelType | null {
    for (const t of ['Internal', 'External'] as const) {
      if (this.tunnels[t].port === outer.udpDst && this.tunnels[t].vni === outer.vni) return t;
    }
    return null;
  }

  /** A VXLAN packet from the GWLB arrives on eth0. */
  receive(outer: OuterHeaders, inner: NfPacket, now: number): NvaResult {
    const notes: string[] = [];
    const path: string[] = [NVA_IFACES.underlay];
    if (outer.dst !== this.config.ip) return { verdict: 'drop', reason: 'not-for-nva', path, notes: [`outer destination ${ipv4ToString(outer.dst)} is not ${this.config.name}'s address`] };
    const tin = this.tunnelOf(outer);
    if (!tin) {
      return { verdict: 'drop', reason: 'no-vxlan-device', path, notes: [`no VXLAN device for UDP ${outer.udpDst} VNI ${outer.vni}: the kernel answers port unreachable or drops it`] };
    }
    const tout: TunnelType = tin === 'External' ? 'Internal' : 'External';
    const physIn = NVA_IFACES[tin];
    const physOut = NVA_IFACES[tout];
    path.push(physIn, NVA_IFACES.bridge);
    notes.push(`decapsulated VNI ${outer.vni} onto ${physIn}; bridged by ${NVA_IFACES.bridge} toward ${physOut}`);
    const br = NVA_IFACES.bridge;
    const steps: [Parameters<Netfilter['hook']>[0], HookIfaces][] = [
      ['PREROUTING', { in: br, physIn }],
      ['FORWARD', { in: br, out: br, physIn, physOut }],
      ['POSTROUTING', { out: br, physIn, physOut }],
    ];
    let packet = inner;
    let skb: Parameters<Netfilter['hook']>[4];
    for (const [hook, ifaces] of steps) {
      const r = this.netfilter.hook(hook, packet, ifaces, now, skb);
      notes.push(...r.notes);
      if (r.verdict !== 'ACCEPT') return { verdict: 'drop', reason: r.reason ?? 'filter-drop', path, notes };
      packet = r.packet;
      skb = r.skb;
    }
    path.push(physOut, NVA_IFACES.underlay);
    const t = this.tunnels[tout];
    const leg: VxlanLeg = {
      tunnel: tout,
      from: 'nva',
      outerSrc: this.config.ip,
      outerDst: this.config.gwlbIp,
      udpSrc: vxlanSourcePort({ proto: packet.proto, src: packet.src, sport: packet.sport, dst: packet.dst, dport: packet.dport }, this.config.seed ?? 0, LINUX_VXLAN_SRC_PORTS),
      udpDst: t.port,
      vni: t.vni,
      udpChecksum: 0,
      flags: 0x08,
    };
    notes.push(`encapsulated on ${physOut}: ${ipv4ToString(leg.outerSrc)}:${leg.udpSrc} -> ${ipv4ToString(leg.outerDst)}:${leg.udpDst} VNI ${leg.vni}`);
    return { verdict: 'forward', packet, leg, path, notes };
  }

  /** Does the NVA accept the GWLB's TCP probe on this port? (SYN+ACK if yes, RST if not.) */
  answersProbe(port: number): boolean {
    return this.healthServiceRunning && port === this.config.healthPort;
  }

  nextDeadline(): number {
    return this.netfilter.nextDeadline();
  }

  expire(now: number): void {
    this.netfilter.expire(now);
  }
}

/**
 * Our iptables parser has no `--physdev-is-bridged`. Every packet in this NVA's FORWARD chain is
 * bridged, so the option is always true there and is dropped from the line; its negation could
 * never match and is refused. A `-m physdev` left with no option is dropped too.
 */
export function prepareFirewallLine(line: string): { ok: true; line: string } | { ok: false; error: string } {
  if (/!\s*--physdev-is-bridged\b/.test(line)) return { ok: false, error: '"! --physdev-is-bridged" never matches on this NVA: every forwarded packet crosses the bridge.' };
  let s = line.replace(/(^|\s)--physdev-is-bridged(?=\s|$)/g, ' ');
  if (/-m\s+physdev\b/.test(s) && !/--physdev-(in|out)\b/.test(s)) s = s.replace(/-m\s+physdev\b/, ' ');
  return { ok: true, line: s.replace(/\s+/g, ' ').trim() };
}

/** Sentences about firewall lines that parse but would not do what their author likely meant. */
export function checkNvaFirewall(lines: readonly string[]): string[] {
  const out: string[] = [];
  const ports = new Set<string>([NVA_IFACES.Internal, NVA_IFACES.External]);
  lines.forEach((line, i) => {
    const n = `Line ${i + 1}`;
    for (const m of line.matchAll(/(?:^|\s)(?:-i|--in-interface|-o|--out-interface)\s+(\S+)/g)) {
      const name = m[1]!;
      if (name !== NVA_IFACES.bridge && name !== `${NVA_IFACES.bridge}+`) {
        out.push(
          `${n}: for bridged packets -i and -o are the bridge (${NVA_IFACES.bridge}), so "${name}" never matches; ` +
            `match the tunnel with "-m physdev --physdev-in ${NVA_IFACES.External}" (or ${NVA_IFACES.Internal}).`,
        );
      }
    }
    for (const m of line.matchAll(/--physdev-(?:in|out)\s+(\S+)/g)) {
      const name = m[1]!;
      if (!ports.has(name) && !(name.endsWith('+') && [...ports].some((p) => p.startsWith(name.slice(0, -1))))) {
        out.push(`${n}: the bridge's ports are ${NVA_IFACES.Internal} and ${NVA_IFACES.External}; "${name}" is not one of them.`);
      }
    }
    if (/(?:^|\s)-[AI]\s+(INPUT|OUTPUT)\b/.test(line)) out.push(`${n}: rules in INPUT/OUTPUT see the NVA's own traffic (its probe answers), not the bridged consumer traffic.`);
  });
  return out;
}

/**
 * Test helpers: scenarios written in code (passed through restoreScenario, so defaults are filled
 * as for a file), and gVisor-checker-style assertions on captured bytes:
 *   expectFrame(bytes).ipv4({ src: '20.48.1.10' }).tcp({ dstPort: 80, flags: 'SYN' })
 */
import { expect } from 'vitest';
import { restoreScenario } from '../model/restore.ts';
import type { Scenario, ScenarioInput } from '../model/scenario.ts';
import { ipv4ToString } from '../wire/addr.ts';
import { parseFrameWithChecks } from '../wire/frame.ts';

/** The resources list of a scenario written by hand. */
export type Resources = NonNullable<ScenarioInput['resources']>;

export function scenarioOf(doc: Partial<ScenarioInput> & { resources: Resources }): Scenario {
  const r = restoreScenario({ netplay: 1, name: 'test', ...doc });
  if (!r.ok) throw new Error(`bad test scenario: ${JSON.stringify(r.issues, null, 1)}`);
  return r.scenario;
}

/** An Internet host resource. */
export function internetHost(id: string, address: string, services: { type: 'tcp-accept' | 'http-echo' | 'udp-echo'; port: number }[] = []) {
  return { id, kind: 'internetHost' as const, name: id, address, services };
}

/** A VNet with subnets, and VMs in them (one NIC each, optionally with an ILPIP). */
export function vnetWithVms(
  vnet: { id: string; space: string; subnets: { id: string; prefix: string; defaultOutboundAccess?: boolean; natGateway?: string }[] },
  vms: { id: string; subnet: string; ip: string; publicIp?: string; pools?: string[]; services?: { type: 'tcp-accept' | 'http-echo' | 'udp-echo'; port: number }[] }[],
): Resources {
  const out: Resources = [{ id: vnet.id, kind: 'vnet', name: vnet.id, addressSpace: [vnet.space] }];
  for (const s of vnet.subnets) out.push({ id: s.id, kind: 'subnet', name: s.id, vnet: vnet.id, addressPrefix: s.prefix, ...(s.defaultOutboundAccess === false ? { defaultOutboundAccess: false } : {}), ...(s.natGateway ? { natGateway: s.natGateway } : {}) });
  for (const v of vms) {
    out.push({ id: v.id, kind: 'vm', name: v.id, services: v.services ?? [] });
    const ipConfig = { name: 'ipconfig1', privateIp: v.ip, ...(v.publicIp ? { publicIp: `${v.id}-pip` } : {}), ...(v.pools ? { loadBalancerBackendPools: v.pools } : {}) };
    out.push({ id: `${v.id}-nic`, kind: 'nic', name: `${v.id}-nic`, vm: v.id, subnet: v.subnet, ipConfigs: [ipConfig] });
    if (v.publicIp) out.push({ id: `${v.id}-pip`, kind: 'publicIp', name: `${v.id}-pip`, address: v.publicIp });
  }
  return out;
}

interface FrameChecker {
  ipv4(f: { src?: string; dst?: string; ttl?: number }): FrameChecker;
  tcp(f: { srcPort?: number; dstPort?: number; flags?: string; mss?: number; windowScale?: number; window?: number }): FrameChecker;
  udp(f: { srcPort?: number; dstPort?: number }): FrameChecker;
  icmp(f: { kind?: string }): FrameChecker;
}

const FLAG_ORDER = ['syn', 'fin', 'rst', 'psh', 'ack'] as const;

export function expectFrame(bytes: Uint8Array): FrameChecker {
  const parsed = parseFrameWithChecks(bytes);
  if (!parsed.ok) throw new Error(`frame does not parse: ${parsed.error.message}`);
  const { frame, checksums: checks } = parsed.value;
  for (const c of checks) expect(c.ok, `${c.layer} checksum`).toBe(true);
  const checker: FrameChecker = {
    ipv4(f) {
      expect(frame.net.kind).toBe('ipv4');
      if (frame.net.kind !== 'ipv4') return checker;
      if (f.src !== undefined) expect(ipv4ToString(frame.net.ip.src)).toBe(f.src);
      if (f.dst !== undefined) expect(ipv4ToString(frame.net.ip.dst)).toBe(f.dst);
      if (f.ttl !== undefined) expect(frame.net.ip.ttl).toBe(f.ttl);
      return checker;
    },
    tcp(f) {
      expect(frame.l4?.kind).toBe('tcp');
      if (frame.l4?.kind !== 'tcp') return checker;
      const t = frame.l4.tcp;
      if (f.srcPort !== undefined) expect(t.srcPort).toBe(f.srcPort);
      if (f.dstPort !== undefined) expect(t.dstPort).toBe(f.dstPort);
      if (f.flags !== undefined) expect(FLAG_ORDER.filter((k) => t.flags[k]).map((k) => k.toUpperCase()).join(', ')).toBe(f.flags);
      if (f.mss !== undefined) expect(t.options.mss).toBe(f.mss);
      if (f.windowScale !== undefined) expect(t.options.windowScale).toBe(f.windowScale);
      if (f.window !== undefined) expect(t.window).toBe(f.window);
      return checker;
    },
    udp(f) {
      expect(frame.l4?.kind).toBe('udp');
      if (frame.l4?.kind !== 'udp') return checker;
      if (f.srcPort !== undefined) expect(frame.l4.udp.srcPort).toBe(f.srcPort);
      if (f.dstPort !== undefined) expect(frame.l4.udp.dstPort).toBe(f.dstPort);
      return checker;
    },
    icmp(f) {
      expect(frame.l4?.kind).toBe('icmp');
      if (frame.l4?.kind === 'icmp' && f.kind !== undefined) expect(frame.l4.icmp.kind).toBe(f.kind);
      return checker;
    },
  };
  return checker;
}

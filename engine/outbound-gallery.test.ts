/**
 * The outbound gallery scenarios through the CLI (`netplay run SCENARIO --json`), each asserting
 * what its description promises (issue 4, item 7). The UI side is e2e/outbound-*.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { runGallery } from './test-util-gallery.ts';
import type { FlowRow, RunReport, SnatReport } from './sim/types.ts';

const run = (name: string, ...extra: string[]) => runGallery<RunReport & { snat: SnatReport }>(name, ...extra);

const byTraffic = (r: RunReport, id: string): FlowRow[] => r.flows.filter((f) => f.traffic === id);
const S = 1_000_000;

describe('gallery (CLI): outbound-rule-snat-ports — the 9th connection hangs', () => {
  it('8 ESTABLISHED from 20.48.1.20:1024-1031, the 9th dropped with the sentence, SYN_SENT and timed out; Allocated = Used = 8', async () => {
    const r = await run('outbound-rule-snat-ports', '--until', '60s');
    const vm1 = r.sockets['vm1']!;
    expect(vm1.filter((s) => s.state === 'ESTABLISHED')).toHaveLength(8);
    expect(vm1.filter((s) => s.state === 'SYN_SENT').map((s) => s.remote)).toEqual(['13.71.134.177:80']);
    expect(vm1.every((s) => s.local.startsWith('10.8.0.4:'))).toBe(true);
    expect(byTraffic(r, 'nc-8').map((f) => f.seenAs)).toEqual([1024, 1025, 1026, 1027, 1028, 1029, 1030, 1031].map((p) => `20.48.1.20:${p}`));
    const drop = r.drops[0]!;
    expect(drop.code).toBe('ports-exhausted');
    expect(drop.reason).toBe("vm1 has used all 8 SNAT ports that outbound rule 'outboundrule' gives it toward 13.71.134.177:80");
    const [series] = r.snat.series;
    expect(series).toMatchObject({ frontendIp: '20.48.1.20', instance: 'vm1', protocol: 'TCP', allocated: [8], used: [8], successful: [8] });
    expect(series!.failed[0]).toBeGreaterThan(0);
    expect(r.snat.instances).toEqual([expect.objectContaining({ instance: 'vm1', allocated: 8, used: 8, successful: 8 })]);
    expect(r.snat.mappings).toHaveLength(8);
    expect(r.snat.mappings[0]).toMatchObject({ private: expect.stringMatching(/^10\.8\.0\.4:\d+$/), public: '20.48.1.20:1024', remote: '13.71.134.177:80', state: 'established', then: 'idle' });
  });

  it('the 9th times out after 127 s; the idle timeout resets the 8; after the update to 16 ports, 16 get through and the 17th hangs', async () => {
    const r = await run('outbound-rule-snat-ports');
    const ninth = byTraffic(r, 'nc-9th')[0]!;
    expect(ninth.outcome).toBe('timed-out');
    expect(ninth.endedAt! - ninth.startedAt).toBe(127 * S);
    expect(byTraffic(r, 'nc-8').map((f) => f.outcome)).toEqual(Array(8).fill('reset'));
    const sixteen = byTraffic(r, 'nc-16');
    expect(sixteen.map((f) => f.outcome)).toEqual(Array(16).fill('established'));
    expect(new Set(sixteen.map((f) => f.seenAs)).size).toBe(16);
    expect(byTraffic(r, 'nc-17th')[0]!.outcome).toBe('timed-out');
    const later = r.drops.filter((d) => d.t > 250 * S);
    expect(later[0]!.reason).toBe("vm1 has used all 16 SNAT ports that outbound rule 'outboundrule' gives it toward 13.71.134.177:80");
    const s = r.snat.series[0]!;
    expect(s.allocated).toEqual([8, 8, 8, 8, 16, 16, 16]);
    expect(s.used).toEqual([8, 8, 8, 8, 16, 16, 16]);
    expect(r.snat.devices[0]).toMatchObject({ rule: 'outboundrule', portsPerInstance: 16, allocatedOutboundPorts: 16, idleTimeoutInMinutes: 4, enableTcpReset: true, protocol: 'Tcp' });
  });
});

describe('gallery (CLI): outbound-ilpip-vs-standard-lb', () => {
  it('the ILPIP VM is seen as its ILPIP with its own ports; the Standard LB VM has no outbound and stays in SYN_SENT', async () => {
    const r = await run('outbound-ilpip-vs-standard-lb', '--until', '60s');
    for (const f of byTraffic(r, 'curl-from-ilpip')) {
      expect(f.seenAs).toBe(`20.48.1.10:${f.local.split(':')[1]}`);
      expect(f.response).toBe(f.seenAs);
    }
    expect(r.sockets['vm-slb']!.map((s) => s.state)).toEqual(['SYN_SENT']);
    expect(r.drops.every((d) => d.code === 'no-outbound')).toBe(true);
    expect(r.snat).toBeUndefined();
  });
});

describe('gallery (CLI): default-outbound-redeploy', () => {
  it('the echo sees a pool IP, and another one after Redeploy', async () => {
    const r = await run('default-outbound-redeploy');
    const before = byTraffic(r, 'curl-before').map((f) => f.response);
    const after = byTraffic(r, 'curl-after').map((f) => f.response);
    expect(before).toHaveLength(2);
    const ip = (s: string | undefined) => s!.split(':')[0]!;
    expect(before.map(ip)[0]).toMatch(/^20\.232\./);
    expect(ip(before[1])).toBe(ip(before[0]));
    expect(after.map(ip)[0]).toMatch(/^20\.232\./);
    expect(ip(after[0])).not.toBe(ip(before[0]));
    expect(before.map((s) => s!.split(':')[1])).toEqual(['1024', '1025']);
    expect(r.snat.devices.map((d) => d.mechanism)).toEqual(['default-outbound', 'default-outbound']);
  });
});

describe('gallery (CLI): AKS outbound', () => {
  it('Standard: every node leaves from the aksOutboundRule frontend IP with 1,024 default ports, 30 min idle, TCP reset, protocol All', async () => {
    const r = await run('aks-outbound-standard');
    expect(r.flows.map((f) => f.response)).toEqual(['20.62.10.4:1024', '20.62.10.4:2048', '20.62.10.4:3072']);
    expect(r.snat.devices).toEqual([
      expect.objectContaining({ rule: 'aksOutboundRule', protocol: 'All', portsPerInstance: 1024, allocatedOutboundPorts: 0, idleTimeoutInMinutes: 30, enableTcpReset: true }),
    ]);
  });

  it('Basic with no LoadBalancer Service (or all deleted): default outbound access, one pool IP per node', async () => {
    const r = await run('aks-outbound-basic-no-service');
    const ips = r.flows.map((f) => f.response!.split(':')[0]);
    expect(ips.every((ip) => ip!.startsWith('20.232.'))).toBe(true);
    expect(new Set(ips).size).toBe(2);
    expect(r.snat.devices.every((d) => d.mechanism === 'default-outbound')).toBe(true);
  });

  it('Basic after Services A then B: the nodes leave from Service A’s IP', async () => {
    const r = await run('aks-outbound-basic-services');
    expect(r.flows.map((f) => f.response)).toEqual(['20.62.20.10:1024', '20.62.20.10:2048']);
    expect(r.snat.devices).toEqual([expect.objectContaining({ mechanism: 'lb-rule-snat', rule: 'service-a-TCP-80', publicIps: ['20.62.20.10'], protocol: 'All' })]);
  });
});

describe('gallery (CLI): nat-gateway-over-ilpip', () => {
  it('outbound leaves from the NAT gateway, not the ILPIPs; inbound SSH through the ILPIP still works; unsolicited inbound is dropped', async () => {
    const r = await run('nat-gateway-over-ilpip');
    const natIps = ['20.48.5.10', '20.48.6.0', '20.48.6.1'];
    for (const f of [...byTraffic(r, 'curl-vm1'), ...byTraffic(r, 'curl-vm2')]) {
      expect(natIps).toContain(f.response!.split(':')[0]);
      expect(f.outcome).toBe('closed');
    }
    expect(byTraffic(r, 'ssh-in')[0]!.outcome).toBe('established');
    expect(r.sockets['vm1']!.some((s) => s.local === '10.1.0.4:22' && s.state === 'ESTABLISHED')).toBe(true);
    expect(r.drops.map((d) => d.code)).toEqual(Array(r.drops.length).fill('no-snat-mapping'));
    expect(r.drops[0]!.reason).toContain('only replies to outbound flows come in');
    expect(r.snat.frontends.filter((f) => f.protocol === 'TCP').map((f) => f.allocated)).toEqual([64_512, 64_512, 64_512]);
  });
});

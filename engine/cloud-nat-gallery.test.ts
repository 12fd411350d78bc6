/**
 * The cloud NAT gallery scenarios through the CLI (`netplay run SCENARIO --json`), each asserting
 * what its description promises (issue 7, item 7). The UI side is e2e/cloud-nat.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { runGallery } from './test-util-gallery.ts';
import type { FlowRow, RunReport, SnatReport } from './sim/types.ts';

const run = (name: string, ...extra: string[]) => runGallery<RunReport & { snat: SnatReport }>(name, ...extra);

const established = (flows: FlowRow[], prefix: string) => flows.filter((f) => f.from.startsWith(prefix) && f.outcome === 'established').length;

describe('gallery (CLI): nat-fleet-one-destination', () => {
  it('GCP runs out at 64 per VM (OUT_OF_RESOURCES on the VM host); Azure and AWS carry all 800, far from their per-destination limits', async () => {
    const r = await run('nat-fleet-one-destination', '--until', '3s');
    expect(established(r.flows, 'gcp-')).toBe(256);
    expect(established(r.flows, 'azure-')).toBe(800);
    expect(established(r.flows, 'aws-')).toBe(800);
    const dev = (id: string) => r.snat.devices.find((d) => d.id === id)!;
    expect(dev('azure-natgw')).toMatchObject({ mechanism: 'nat-gateway', behaviour: { mapping: 'APDM' } });
    expect(dev('aws-natgw')).toMatchObject({ mechanism: 'aws-nat-gateway', behaviour: { mapping: 'APDM' } });
    expect(dev('gcp-nat')).toMatchObject({ mechanism: 'gcp-cloud-nat', portsPerInstance: 64, behaviour: { mapping: 'APDM' } });
    expect(r.snat.aws).toEqual([expect.objectContaining({ device: 'aws-natgw', ActiveConnectionCount: 800, ConnectionEstablishedCount: 800, ErrorPortAllocation: 0 })]);
    expect(r.snat.gcp!.map((g) => g.allocatedPorts)).toEqual([64, 64, 64, 64]);
    expect(r.snat.gcp!.every((g) => g.OUT_OF_RESOURCES >= 136)).toBe(true);
    const gcpDrop = r.drops.find((d) => d.node === 'gcp-vm1')!;
    expect(gcpDrop.code).toBe('ports-exhausted');
    expect(gcpDrop.reason).toContain('OUT_OF_RESOURCES');
    expect(r.drops.filter((d) => d.node === 'azure-natgw' || d.node === 'aws-natgw')).toEqual([]);
  });
});

describe('gallery (CLI): gcp-cloud-nat-eim', () => {
  it('without EIM the 64 NAT ports serve both destinations (128 connections); with EIM 64, then OUT_OF_RESOURCES', async () => {
    const r = await run('gcp-cloud-nat-eim', '--until', '5s');
    expect(established(r.flows, 'vm-default')).toBe(128);
    expect(established(r.flows, 'vm-eim')).toBe(64);
    expect(r.flows.filter((f) => f.traffic === 'vm-eim-api2').every((f) => f.outcome !== 'established')).toBe(true);
    const m = r.snat.mappings;
    const pub = (vmIp: string, to: string) => new Set(m.filter((x) => x.private.startsWith(vmIp) && x.remote === to).map((x) => x.public));
    expect(pub('10.4.0.4:', '13.71.134.201:443').has('34.90.1.10:1024')).toBe(true);
    expect(pub('10.4.0.4:', '13.71.134.202:443').has('34.90.1.10:1024')).toBe(true);
    expect(pub('10.4.1.4:', '13.71.134.202:443').size).toBe(0);
    expect(r.snat.devices.find((d) => d.id === 'nat-eim')!.behaviour!.mapping).toBe('EIM');
    expect(r.snat.devices.find((d) => d.id === 'nat-default')!.behaviour!.mapping).toBe('APDM');
    expect(r.snat.gcp!.find((g) => g.vm === 'vm-eim')!.OUT_OF_RESOURCES).toBeGreaterThan(0);
    expect(r.snat.gcp!.find((g) => g.vm === 'vm-default')!.OUT_OF_RESOURCES).toBe(0);
    const drop = r.drops.find((d) => d.node === 'vm-eim')!;
    expect(drop.reason).toContain("on vm-eim's host");
  });
});

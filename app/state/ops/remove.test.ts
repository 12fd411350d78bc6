import { describe, expect, it } from 'vitest';
import { errorsOf, galleryScenario } from '../../test/fixtures.ts';
import { copyResources, pasteResources } from './clipboard.ts';
import { deleteResources, removeReference } from './remove.ts';
import { renameId } from './rename.ts';
import { findOfKind } from './resources.ts';

const ids = (doc: { resources: { id: string }[] }) => doc.resources.map((r) => r.id);

describe('deleteResources', () => {
  it('deletes a VM with its NIC, and the traffic and captures that use it', () => {
    const doc = deleteResources(galleryScenario(), ['vm-ilpip']);
    expect(ids(doc)).not.toContain('vm-ilpip');
    expect(ids(doc)).not.toContain('vm-ilpip-nic');
    expect(doc.traffic.map((t) => t.id)).toEqual(['nc-from-slb']);
    expect(doc.captures.map((c) => c.id)).toEqual(['cap-web']);
    expect(doc.layout['vm-ilpip']).toBeUndefined();
    expect(errorsOf(doc)).toEqual([]);
  });

  it('removes references to a deleted public IP and load balancer, so nothing dangles', () => {
    const doc = deleteResources(galleryScenario(), ['vm-ilpip-pip', 'lb']);
    expect(findOfKind(doc, 'vm-ilpip-nic', 'nic')?.ipConfigs[0]?.publicIp).toBeUndefined();
    expect(findOfKind(doc, 'vm-slb-nic', 'nic')?.ipConfigs[0]?.loadBalancerBackendPools).toEqual([]);
    expect(errorsOf(doc)).toEqual([]);
  });

  it('deletes a VNet with its subnets and the hosts inside them', () => {
    const doc = deleteResources(galleryScenario(), ['vnet']);
    expect(ids(doc).sort()).toEqual(['lb', 'lb-pip', 'nomupro', 'vm-ilpip-pip']);
    expect(errorsOf(doc)).toEqual([]);
  });

  it('removes exactly one reference for an edge', () => {
    const doc = removeReference(galleryScenario(), 'vm-slb-nic', ['ipConfigs', 0, 'loadBalancerBackendPools', 0]);
    expect(findOfKind(doc, 'vm-slb-nic', 'nic')?.ipConfigs[0]?.loadBalancerBackendPools).toEqual([]);
  });
});

describe('copy and paste', () => {
  it('pastes a VM with new ids, names and a fresh private IP, and no shared public IP', () => {
    const base = galleryScenario();
    const payload = copyResources(base, ['vm-ilpip'])!;
    expect(payload.resources.map((r) => r.id)).toEqual(['vm-ilpip', 'vm-ilpip-nic']);
    const { doc, ids: pasted } = pasteResources(base, payload);
    expect(pasted).toEqual(['vm-ilpip1', 'vm-ilpip-nic1']);
    const nic = findOfKind(doc, 'vm-ilpip-nic1', 'nic')!;
    expect(nic.vm).toBe('vm-ilpip1');
    expect(nic.ipConfigs[0]?.privateIp).toBe('10.8.0.6');
    expect(nic.ipConfigs[0]?.publicIp).toBeUndefined();
    expect(errorsOf(doc)).toEqual([]);
  });

  it('pastes a whole VNet with its subnet and hosts, readdressed', () => {
    const base = galleryScenario();
    const { doc } = pasteResources(base, copyResources(base, ['vnet'])!);
    const vnet = findOfKind(doc, 'vnet1', 'vnet');
    expect(vnet?.addressSpace).toEqual(['10.0.0.0/16']);
    expect(findOfKind(doc, 'default1', 'subnet')?.vnet).toBe('vnet1');
    expect(findOfKind(doc, 'vm-slb-nic1', 'nic')?.ipConfigs[0]?.loadBalancerBackendPools).toEqual(['lb/bepool']);
    expect(errorsOf(doc)).toEqual([]);
  });

  it('returns nothing to copy for an empty selection', () => {
    expect(copyResources(galleryScenario(), [])).toBeNull();
  });
});

describe('renameId', () => {
  it('rewrites every reference, the layout, traffic and captures', () => {
    const doc = renameId(renameId(galleryScenario(), 'lb', 'front'), 'nomupro', 'echo');
    expect(findOfKind(doc, 'vm-slb-nic', 'nic')?.ipConfigs[0]?.loadBalancerBackendPools).toEqual(['front/bepool']);
    expect(doc.layout.front).toBeDefined();
    expect(doc.traffic[0]?.to).toBe('echo:80');
    expect(doc.captures[1]?.node).toBe('echo');
    expect(errorsOf(doc)).toEqual([]);
  });
});

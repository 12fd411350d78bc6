import { describe, expect, it } from 'vitest';
import { galleryScenario } from '../test/fixtures.ts';
import { deriveEdges, deriveNodes, errorCountsOf } from './derive-flow.ts';

describe('deriving the flow from the document', () => {
  const doc = galleryScenario();

  it('makes containers parents, hosts children, and NICs part of their host', () => {
    const nodes = deriveNodes(doc, new Set(['lb']), new Map());
    const byId = new Map(nodes.map((n) => [n.id, n]));
    expect(byId.get('default')?.parentId).toBe('vnet');
    expect(byId.get('vm-slb')?.parentId).toBe('default');
    expect(byId.get('vm-slb')?.data.nics.map((n) => n.id)).toEqual(['vm-slb-nic']);
    expect(byId.has('vm-slb-nic')).toBe(false);
    expect(byId.get('lb')?.selected).toBe(true);
    expect(nodes.findIndex((n) => n.id === 'vnet')).toBeLessThan(nodes.findIndex((n) => n.id === 'default'));
    expect(nodes.findIndex((n) => n.id === 'default')).toBeLessThan(nodes.findIndex((n) => n.id === 'vm-slb'));
  });

  it('reuses node objects when nothing they show changed', () => {
    const a = deriveNodes(doc, new Set(), new Map());
    const b = deriveNodes({ ...doc, name: 'renamed' }, new Set(), new Map());
    expect(b.find((n) => n.id === 'lb')).toBe(a.find((n) => n.id === 'lb'));
  });

  it('draws one edge per reference, between the right handles', () => {
    const edges = deriveEdges(doc, new Set());
    const simple = edges.map((e) => `${e.source}:${e.sourceHandle} -> ${e.target}:${e.targetHandle}`).sort();
    expect(simple).toEqual([
      'lb-pip:pip -> lb:fe:0',
      'vm-ilpip-pip:pip -> vm-ilpip:ipc:vm-ilpip-nic:0',
      'vm-slb:ipc:vm-slb-nic:0 -> lb:pool:0',
    ]);
    expect(edges.find((e) => e.target === 'lb' && e.source === 'vm-slb')?.id).toBe('vm-slb-nic::ipConfigs.0.loadBalancerBackendPools.0');
  });

  it('counts errors per node, NIC errors on their host', () => {
    const counts = errorCountsOf([{ severity: 'error', resourceId: 'vm-slb-nic' }, { severity: 'warning', resourceId: 'lb' }], doc);
    expect([...counts]).toEqual([['vm-slb', 1]]);
  });
});

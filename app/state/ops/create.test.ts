import { describe, expect, it } from 'vitest';
import { errorsOf, galleryScenario } from '../../test/fixtures.ts';
import { emptyScenario } from '../empty.ts';
import { absoluteBox } from '../geometry.ts';
import { createResource } from './create.ts';

const inSubnet = () => {
  const doc = galleryScenario();
  const box = absoluteBox(doc, 'default')!;
  return { doc, at: { x: box.x + 300, y: box.y + 120 } };
};

describe('createResource', () => {
  it('creates a VM and its NIC with the next free IP of the subnet it is dropped into', () => {
    const { doc, at } = inSubnet();
    const r = createResource(doc, 'vm', at);
    if (!r.ok) throw new Error(r.reason);
    expect(r.ids).toEqual(['vm1', 'vm1-nic1']);
    const nic = r.doc.resources.find((x) => x.id === 'vm1-nic1');
    expect(nic?.kind === 'nic' && nic.ipConfigs[0]?.privateIp).toBe('10.8.0.6');
    expect(nic?.kind === 'nic' && nic.subnet).toBe('default');
    // Positions are relative to the subnet.
    expect(r.doc.layout.vm1).toEqual({ x: 300, y: 120 });
    expect(errorsOf(r.doc)).toEqual([]);
    const again = createResource(r.doc, 'vm', at);
    expect(again.ok && again.ids[0]).toBe('vm2');
  });

  it('refuses a VM dropped outside a subnet, with the reason', () => {
    const r = createResource(galleryScenario(), 'vm', { x: -500, y: -500 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/inside a subnet/);
  });

  it('refuses a subnet outside a VNet and creates one inside', () => {
    expect(createResource(emptyScenario(), 'subnet', { x: 0, y: 0 }).ok).toBe(false);
    const v = createResource(emptyScenario(), 'vnet', { x: 0, y: 0 });
    if (!v.ok) throw new Error(v.reason);
    const s = createResource(v.doc, 'subnet', { x: 100, y: 100 });
    if (!s.ok) throw new Error(s.reason);
    const sn = s.doc.resources.find((x) => x.kind === 'subnet');
    expect(sn?.kind === 'subnet' && sn.addressPrefix).toBe('10.0.0.0/24');
    expect(errorsOf(s.doc)).toEqual([]);
  });

  it('creates valid public IPs, load balancers, NAT gateways, NVAs, hosts and gateway LBs', () => {
    const { doc, at } = inSubnet();
    let d = doc;
    for (const kind of ['publicIp', 'loadBalancer', 'natGateway', 'internetHost', 'gatewayLoadBalancer', 'nva'] as const) {
      const r = createResource(d, kind, kind === 'nva' || kind === 'gatewayLoadBalancer' ? at : { x: 1400, y: 100 });
      if (!r.ok) throw new Error(`${kind}: ${r.reason}`);
      d = r.doc;
    }
    expect(errorsOf(d)).toEqual([]);
    const gw = d.resources.find((r) => r.id === 'gwlb1');
    expect(gw?.kind === 'loadBalancer' && gw.sku).toBe('Gateway');
  });

  it('refuses a gateway LB when there is no subnet for its frontend', () => {
    const r = createResource(emptyScenario(), 'gatewayLoadBalancer', { x: 0, y: 0 });
    expect(!r.ok && r.reason).toMatch(/subnet/);
  });
});

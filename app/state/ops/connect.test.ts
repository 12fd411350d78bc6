import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../engine/model/scenario.ts';
import { errorsOf, galleryScenario } from '../../test/fixtures.ts';
import { connect } from './connect.ts';
import { createResource } from './create.ts';
import type { Endpoint } from './endpoints.ts';
import { findOfKind, replaceResource } from './resources.ts';

function withNew(doc: Scenario, kind: 'publicIp' | 'natGateway'): [Scenario, string] {
  const r = createResource(doc, kind, { x: 1500, y: 0 });
  if (!r.ok) throw new Error(r.reason);
  return [r.doc, r.ids[0]!];
}

const ipc = (nicId: string, hostId: string): Endpoint => ({ type: 'ipc', nicId, hostId, index: 0 });

describe('connect', () => {
  it('associates a free public IP with a NIC ipconfig', () => {
    const [doc, pip] = withNew(galleryScenario(), 'publicIp');
    const r = connect(doc, { type: 'pip', id: pip }, ipc('vm-slb-nic', 'vm-slb'));
    if (!r.ok) throw new Error(r.reason);
    expect(findOfKind(r.doc, 'vm-slb-nic', 'nic')?.ipConfigs[0]?.publicIp).toBe(pip);
    expect(errorsOf(r.doc)).toEqual([]);
  });

  it('works in either direction', () => {
    const [doc, pip] = withNew(galleryScenario(), 'publicIp');
    expect(connect(doc, ipc('vm-slb-nic', 'vm-slb'), { type: 'pip', id: pip }).ok).toBe(true);
  });

  it('refuses a public IP already in use', () => {
    const r = connect(galleryScenario(), { type: 'pip', id: 'lb-pip' }, ipc('vm-slb-nic', 'vm-slb'));
    expect(!r.ok && r.reason).toMatch(/already associated with load balancer 'lb'/);
  });

  it('refuses a public IP on a subnet', () => {
    const r = connect(galleryScenario(), { type: 'pip', id: 'lb-pip' }, { type: 'subnet', id: 'default' });
    expect(!r.ok && r.reason).toMatch(/public IP cannot connect to a subnet/);
  });

  it('refuses a Basic public IP on a Standard load balancer', () => {
    let [doc, pip] = withNew(galleryScenario(), 'publicIp');
    doc = replaceResource(doc, { ...findOfKind(doc, pip, 'publicIp')!, sku: 'Basic' });
    const lb = findOfKind(doc, 'lb', 'loadBalancer')!;
    doc = replaceResource(doc, { ...lb, frontends: [...lb.frontends, { name: 'fe2' }] });
    const r = connect(doc, { type: 'pip', id: pip }, { type: 'fe', id: 'lb', index: 1 });
    expect(!r.ok && r.reason).toMatch(/Basic public IP cannot be used with a Standard load balancer/);
  });

  it('attaches one NAT gateway per subnet and refuses a second', () => {
    const [d1, ng1] = withNew(galleryScenario(), 'natGateway');
    const [d2, ng2] = withNew(d1, 'natGateway');
    const r1 = connect(d2, { type: 'subnet', id: 'default' }, { type: 'natgw', id: ng1 });
    if (!r1.ok) throw new Error(r1.reason);
    expect(findOfKind(r1.doc, 'default', 'subnet')?.natGateway).toBe(ng1);
    const r2 = connect(r1.doc, { type: 'natgw', id: ng2 }, { type: 'subnet', id: 'default' });
    expect(!r2.ok && r2.reason).toMatch(/at most one NAT gateway/);
  });

  it('puts a NIC into a backend pool once', () => {
    const r = connect(galleryScenario(), ipc('vm-ilpip-nic', 'vm-ilpip'), { type: 'pool', id: 'lb', index: 0 });
    if (!r.ok) throw new Error(r.reason);
    expect(findOfKind(r.doc, 'vm-ilpip-nic', 'nic')?.ipConfigs[0]?.loadBalancerBackendPools).toEqual(['lb/bepool']);
    const again = connect(r.doc, ipc('vm-ilpip-nic', 'vm-ilpip'), { type: 'pool', id: 'lb', index: 0 });
    expect(!again.ok && again.reason).toMatch(/already in backend pool/);
  });

  it('chains a Standard public frontend to a gateway LB frontend, and refuses two standard frontends', () => {
    const base = galleryScenario();
    const g = createResource(base, 'gatewayLoadBalancer', { x: 200, y: 200 });
    if (!g.ok) throw new Error(g.reason);
    const r = connect(g.doc, { type: 'fe', id: 'gwlb1', index: 0 }, { type: 'fe', id: 'lb', index: 0 });
    if (!r.ok) throw new Error(r.reason);
    expect(findOfKind(r.doc, 'lb', 'loadBalancer')?.frontends[0]?.gatewayLoadBalancer).toBe('gwlb1/frontend1');
    expect(errorsOf(r.doc)).toEqual([]);
    const bad = connect(base, { type: 'fe', id: 'lb', index: 0 }, { type: 'fe', id: 'lb', index: 0 });
    expect(bad.ok).toBe(false);
  });
});

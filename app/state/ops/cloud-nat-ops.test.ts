/** Creating and connecting an AWS NAT gateway and a GCP Cloud NAT on the canvas (issue 7). */
import { describe, expect, it } from 'vitest';
import { errorsOf, galleryScenario } from '../../test/fixtures.ts';
import { connect } from './connect.ts';
import { createResource } from './create.ts';
import { parseEndpoint } from './endpoints.ts';
import { findOfKind } from './resources.ts';

function created(kind: 'publicIp' | 'awsNatGateway' | 'gcpCloudNat', doc = galleryScenario()) {
  const r = createResource(doc, kind, { x: 1500, y: 0 });
  if (!r.ok) throw new Error(r.reason);
  return { doc: r.doc, id: r.ids[0]! };
}

describe('AWS NAT gateway and Cloud NAT on the canvas', () => {
  it('an AWS NAT gateway takes a public IP and a subnet; the document is valid', () => {
    const ng = created('awsNatGateway');
    const pip = created('publicIp', ng.doc);
    const r1 = connect(pip.doc, { type: 'pip', id: pip.id }, { type: 'natgw', id: ng.id });
    if (!r1.ok) throw new Error(r1.reason);
    expect(findOfKind(r1.doc, ng.id, 'awsNatGateway')?.publicIps).toEqual([pip.id]);
    const r2 = connect(r1.doc, { type: 'subnet', id: 'default' }, { type: 'natgw', id: ng.id });
    if (!r2.ok) throw new Error(r2.reason);
    expect(findOfKind(r2.doc, 'default', 'subnet')?.natGateway).toBe(ng.id);
    expect(errorsOf(r2.doc)).toEqual([]);
  });

  it('a Cloud NAT takes NAT IPs; a public IP used elsewhere is refused; its node handle is a NAT gateway handle', () => {
    const cn = created('gcpCloudNat');
    const pip = created('publicIp', cn.doc);
    const r1 = connect(pip.doc, { type: 'natgw', id: cn.id }, { type: 'pip', id: pip.id });
    if (!r1.ok) throw new Error(r1.reason);
    expect(findOfKind(r1.doc, cn.id, 'gcpCloudNat')?.natIps).toEqual([pip.id]);
    const other = created('awsNatGateway', r1.doc);
    const r2 = connect(other.doc, { type: 'pip', id: pip.id }, { type: 'natgw', id: other.id });
    expect(r2.ok ? '' : r2.reason).toContain(`Cloud NAT '${cn.id}'`);
    expect(parseEndpoint('gcpCloudNat', cn.id, 'natgw')).toEqual({ type: 'natgw', id: cn.id });
  });
});

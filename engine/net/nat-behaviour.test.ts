/** RFC 4787 mapping behaviour of every NAT resource kind, as the inspector shows it. */
import { describe, expect, it } from 'vitest';
import { mappingBehaviourOfResource } from './nat-behaviour.ts';
import { ResourceSchema } from '../model/scenario.ts';
import type { Resources } from './test-util.ts';

/** One resource with its defaults filled (no document checks: a lone resource may lack its references). */
function resource(r: Resources[number]) {
  return ResourceSchema.parse(r);
}

describe('mappingBehaviourOfResource', () => {
  it('Azure NAT gateway, AWS NAT gateway and GCP without EIM are APDM; GCP with EIM is EIM; filtering is APDF everywhere', () => {
    expect(mappingBehaviourOfResource(resource({ id: 'ng', kind: 'natGateway', name: 'ng' }))).toMatchObject({ mapping: 'APDM', filtering: 'APDF' });
    expect(mappingBehaviourOfResource(resource({ id: 'aws', kind: 'awsNatGateway', name: 'aws' }))!.explanation).toContain('ErrorPortAllocation');
    expect(mappingBehaviourOfResource(resource({ id: 'g', kind: 'gcpCloudNat', name: 'g' }))).toMatchObject({ mapping: 'APDM' });
    const eim = mappingBehaviourOfResource(resource({ id: 'g', kind: 'gcpCloudNat', name: 'g', enableEndpointIndependentMapping: true }))!;
    expect(eim.mapping).toBe('EIM');
    expect(eim.explanation).toContain('ENDPOINT_INDEPENDENT_CONFLICT');
  });

  it('a load balancer that SNATs is APDM for TCP and ADM for UDP; one without rules and other kinds have none', () => {
    const lb = { id: 'lb', kind: 'loadBalancer' as const, name: 'lb', frontends: [{ name: 'fe', publicIp: 'pip' }], backendPools: [{ name: 'p' }] };
    expect(mappingBehaviourOfResource(resource(lb))).toBeNull();
    const withRule = { ...lb, outboundRules: [{ name: 'out', frontends: ['fe'], backendPool: 'p' }] };
    expect(mappingBehaviourOfResource(resource(withRule))).toMatchObject({ mapping: 'APDM (TCP), ADM (UDP)', filtering: 'APDF' });
    expect(mappingBehaviourOfResource(resource({ id: 'v', kind: 'vnet', name: 'v', addressSpace: ['10.0.0.0/16'] }))).toBeNull();
  });
});

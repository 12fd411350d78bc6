import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restoreScenario } from './restore.ts';

describe('restoreScenario on hostile input', () => {
  it('never throws and always explains a refusal', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = restoreScenario(v);
        if (!r.ok) expect(r.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on near-valid documents with random resources', () => {
    const resource = fc.record({
      id: fc.oneof(fc.constantFrom('a', 'b', 'vm1'), fc.string()),
      kind: fc.constantFrom('vnet', 'subnet', 'vm', 'nic', 'publicIp', 'loadBalancer', 'natGateway', 'nva', 'internetHost', 'x'),
      name: fc.string(),
      vnet: fc.string(),
      subnet: fc.string(),
      vm: fc.string(),
      address: fc.ipV4(),
      addressSpace: fc.array(fc.string()),
      addressPrefix: fc.string(),
      ipConfigs: fc.array(fc.record({ name: fc.string(), privateIp: fc.ipV4() })),
      frontends: fc.array(fc.record({ name: fc.string(), publicIp: fc.string() })),
    }, { requiredKeys: ['id', 'kind'] });
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 8 }), (resources) => {
        const r = restoreScenario({ netplay: 1, name: 'fuzz', resources });
        if (!r.ok) for (const i of r.issues) expect(i.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { galleryScenario } from '../test/fixtures.ts';
import { setIn } from './ops/paths.ts';
import { issuesUnder, runBlocker, validate } from './validation.ts';

describe('validation for the inspector', () => {
  it('puts an invalid private IP next to its field, and blocks Run with the reason', () => {
    const doc = galleryScenario();
    const i = doc.resources.findIndex((r) => r.id === 'vm-slb-nic');
    const bad = setIn(doc, ['resources', i, 'ipConfigs', 0, 'privateIp'], '10.8.0.300');
    const v = validate(bad);
    expect(validate(bad)).toBe(v);
    const byField = issuesUnder(v, ['resources', i]);
    expect(byField.get('ipConfigs[0].privateIp')?.[0]?.message).toMatch(/not an IPv4 address/);
    expect(runBlocker(v)).toMatch(/vm-slb-nic\.ipConfigs\[0\]\.privateIp/);
    expect(runBlocker(validate(doc))).toBeNull();
  });

  it('finds semantic issues of traffic generators by path', () => {
    const doc = setIn(galleryScenario(), ['traffic', 1, 'to'], 'nowhere:80');
    const byField = issuesUnder(validate(doc), ['traffic', 1]);
    expect(byField.get('to')?.[0]?.message).toMatch(/neither an address nor a resource id/);
  });
});

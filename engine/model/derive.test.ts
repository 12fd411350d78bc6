import { describe, expect, it } from 'vitest';
import { restoreScenario } from './restore.ts';
import type { Scenario } from './scenario.ts';
import { nextFreeIp, nextFreePublicIp, nextFreeSubnetPrefix, nextFreeVnetSpace, uniqueName, usableRange } from './derive.ts';

function doc(resources: unknown[]): Scenario {
  const r = restoreScenario({ netplay: 1, name: 't', resources });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.scenario;
}

const base = [
  { id: 'vnet', kind: 'vnet', name: 'vnet', addressSpace: ['10.8.0.0/16'] },
  { id: 'sn', kind: 'subnet', name: 'sn', vnet: 'vnet', addressPrefix: '10.8.0.0/29' },
];

describe('usableRange', () => {
  it('skips the first four and the last address', () => {
    expect(usableRange('10.0.0.0/24')).toEqual({ first: 0x0a000004, last: 0x0a0000fe });
  });
  it('has nothing for a block smaller than /29', () => {
    expect(usableRange('10.0.0.0/30')).toBeNull();
    expect(usableRange('nonsense')).toBeNull();
  });
});

describe('nextFreeIp', () => {
  it('starts at .4 in an empty subnet', () => {
    expect(nextFreeIp(doc(base), 'sn')).toBe('10.8.0.4');
  });
  it('skips addresses used by NICs and LB frontends, and those handed out already', () => {
    const d = doc([
      ...base,
      { id: 'vm', kind: 'vm', name: 'vm' },
      { id: 'nic', kind: 'nic', name: 'nic', vm: 'vm', subnet: 'sn', ipConfigs: [{ name: 'c', privateIp: '10.8.0.4' }] },
      { id: 'lb', kind: 'loadBalancer', name: 'lb', frontends: [{ name: 'f', subnet: 'sn', privateIp: '10.8.0.5' }] },
    ]);
    expect(nextFreeIp(d, 'sn')).toBe('10.8.0.6');
    expect(nextFreeIp(d, 'sn', new Set([0x0a080006]))).toBeNull();
  });
  it('returns null for a full subnet or a missing one', () => {
    expect(nextFreeIp(doc(base), 'nope')).toBeNull();
    expect(nextFreeIp(doc(base), 'vnet')).toBeNull();
  });
});

describe('prefixes and public addresses', () => {
  it('finds the next free subnet prefix in a VNet', () => {
    expect(nextFreeSubnetPrefix(doc(base), 'vnet')).toBe('10.8.1.0/24');
    expect(nextFreeSubnetPrefix(doc(base), 'missing')).toBeNull();
  });
  it('finds the next free VNet space', () => {
    expect(nextFreeVnetSpace(doc([]))).toBe('10.0.0.0/16');
    expect(nextFreeVnetSpace(doc([{ id: 'v', kind: 'vnet', name: 'v', addressSpace: ['10.0.0.0/8'] }]))).toBe('10.0.0.0/16');
    expect(nextFreeVnetSpace(doc([{ id: 'v', kind: 'vnet', name: 'v', addressSpace: ['10.0.0.0/16'] }]))).toBe('10.1.0.0/16');
  });
  it('skips public addresses already claimed', () => {
    const d = doc([{ id: 'p', kind: 'publicIp', name: 'p', address: '20.48.0.10' }]);
    expect(nextFreePublicIp(d, '20.48.0.0/16')).toBe('20.48.0.11');
    expect(nextFreePublicIp(d, '20.48.0.0/16', new Set([0x1430000b]))).toBe('20.48.0.12');
  });
});

describe('uniqueName', () => {
  it('counts up past ids and names in use', () => {
    const d = doc([{ id: 'vm1', kind: 'vm', name: 'web' }, { id: 'x', kind: 'vm', name: 'vm2' }]);
    expect(uniqueName(d, 'vm')).toBe('vm3');
    expect(uniqueName(d, 'vm', new Set(['vm3']))).toBe('vm4');
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue } from './issues.ts';
import { scenarioJsonSchema } from './json-schema.ts';
import { migrate, type JsonObject, type Migration } from './migrate.ts';
import { restoreScenario } from './restore.ts';

const base = (): JsonObject => ({
  netplay: 1,
  name: 't',
  resources: [
    { id: 'vnet', kind: 'vnet', name: 'vnet', addressSpace: ['10.0.0.0/16'] },
    { id: 'sn', kind: 'subnet', name: 'sn', vnet: 'vnet', addressPrefix: '10.0.1.0/24' },
    { id: 'vm1', kind: 'vm', name: 'vm1' },
    { id: 'nic1', kind: 'nic', name: 'nic1', vm: 'vm1', subnet: 'sn', ipConfigs: [{ name: 'ipconfig1', privateIp: '10.0.1.4' }] },
  ],
});
const res = (d: JsonObject) => d.resources as JsonObject[];

function issuesOf(doc: unknown) {
  const r = restoreScenario(doc);
  if (r.ok) throw new Error('expected the document to be refused');
  return r.issues;
}

describe('restoreScenario', () => {
  it('accepts a valid document and fills defaults', () => {
    const r = restoreScenario(base());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.scenario.settings.seed).toBe(1);
    const vm = r.scenario.resources.find((x) => x.id === 'vm1');
    expect(vm?.kind === 'vm' && vm.stack.synRetries).toBe(6);
    expect(vm?.kind === 'vm' && vm.stack.ephemeralPortRange).toEqual([32768, 60999]);
  });

  it('loads every gallery scenario without errors', () => {
    const dir = new URL('../../scenarios/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const r = restoreScenario(readFileSync(new URL(f, dir), 'utf8'));
      expect(r.ok ? [] : r.issues.map(formatIssue), f).toEqual([]);
    }
  });

  it('names an unknown kind with the resource id', () => {
    const d = base();
    res(d).push({ id: 'r1', kind: 'router', name: 'r1' });
    const [i] = issuesOf(d);
    expect(i).toMatchObject({ code: 'unknown-kind', resourceId: 'r1', field: 'kind', path: ['resources', 4, 'kind'] });
    expect(i!.message).toContain('"router"');
    expect(i!.message).toContain('loadBalancer');
  });

  it('names the resource and field of a schema error', () => {
    const d = base();
    (res(d)[3]!.ipConfigs as JsonObject[])[0]!.privateIp = '10.0.1.999';
    const [i] = issuesOf(d);
    expect(i).toMatchObject({ code: 'schema', resourceId: 'nic1', field: 'ipConfigs[0].privateIp' });
    expect(i!.message).toMatch(/IPv4/);
  });

  it('finds duplicate ids, dangling and wrong-kind references', () => {
    const d = base();
    res(d).push({ id: 'vm1', kind: 'publicIp', name: 'p', address: '20.0.0.1' });
    res(d)[1]!.natGateway = 'nat-missing';
    res(d)[3]!.subnet = 'vnet';
    const codes = issuesOf(d).map((i) => `${i.code}@${i.resourceId}.${i.field}`);
    expect(codes).toContain('duplicate-id@vm1.id');
    expect(codes).toContain('dangling-reference@sn.natGateway');
    expect(codes).toContain('wrong-kind@nic1.subnet');
  });

  it('checks part references into load balancers', () => {
    const d = base();
    res(d).push({ id: 'lb', kind: 'loadBalancer', name: 'lb', frontends: [{ name: 'fe', subnet: 'sn', privateIp: '10.0.1.10' }], backendPools: [{ name: 'pool' }] });
    (res(d)[3]!.ipConfigs as JsonObject[])[0]!.loadBalancerBackendPools = ['lb/nopool'];
    const [i] = issuesOf(d);
    expect(i).toMatchObject({ code: 'dangling-reference', resourceId: 'nic1', field: 'ipConfigs[0].loadBalancerBackendPools[0]' });
    expect(i!.message).toContain("no backend pool named 'nopool' (it has: pool)");
  });

  it('finds addressing errors: outside subnet, reserved, duplicates, overlaps', () => {
    const d = base();
    res(d).push({ id: 'sn2', kind: 'subnet', name: 'sn2', vnet: 'vnet', addressPrefix: '10.0.1.128/25' });
    res(d).push({ id: 'sn3', kind: 'subnet', name: 'sn3', vnet: 'vnet', addressPrefix: '10.1.0.0/24' });
    res(d).push({ id: 'vm2', kind: 'vm', name: 'vm2' });
    res(d).push({ id: 'nic2', kind: 'nic', name: 'nic2', vm: 'vm2', subnet: 'sn', ipConfigs: [{ name: 'a', privateIp: '10.0.1.4' }] });
    res(d).push({ id: 'nic3', kind: 'nic', name: 'nic3', vm: 'vm2', subnet: 'sn', primary: false, ipConfigs: [{ name: 'a', privateIp: '10.0.2.4' }] });
    res(d).push({ id: 'nic4', kind: 'nic', name: 'nic4', vm: 'vm2', subnet: 'sn', primary: false, ipConfigs: [{ name: 'a', privateIp: '10.0.1.2' }] });
    const msgs = issuesOf(d).map((i) => `${i.code}@${i.resourceId}: ${i.message}`);
    expect(msgs).toContainEqual(expect.stringMatching(/^overlapping-cidr@sn2: 10.0.1.128\/25 overlaps subnet 'sn'/));
    expect(msgs).toContainEqual(expect.stringMatching(/^outside-address-space@sn3/));
    expect(msgs).toContainEqual(expect.stringMatching(/^duplicate-ip@nic2: 10.0.1.4 is already used by nic 'nic1'/));
    expect(msgs).toContainEqual(expect.stringMatching(/^ip-outside-subnet@nic3: 10.0.2.4 is not inside subnet 'sn'/));
    expect(msgs).toContainEqual(expect.stringMatching(/^reserved-ip@nic4: 10.0.1.2 is reserved by Azure/));
  });

  it('finds duplicate public addresses and a public IP used twice', () => {
    const d = base();
    res(d).push({ id: 'pip', kind: 'publicIp', name: 'pip', address: '20.0.0.1' });
    res(d).push({ id: 'web', kind: 'internetHost', name: 'web', address: '20.0.0.1' });
    res(d).push({ id: 'nat', kind: 'natGateway', name: 'nat', publicIps: ['pip'] });
    (res(d)[3]!.ipConfigs as JsonObject[])[0]!.publicIp = 'pip';
    const codes = issuesOf(d).map((i) => `${i.code}@${i.resourceId}`);
    expect(codes).toContain('duplicate-ip@web');
    expect(codes).toContain('public-ip-in-use@nat');
  });

  it('checks load balancer rules and outbound rules', () => {
    const d = base();
    res(d).push({ id: 'lbpip', kind: 'publicIp', name: 'lbpip', address: '20.0.0.2' });
    res(d).push({
      id: 'lb', kind: 'loadBalancer', name: 'lb', sku: 'Basic',
      frontends: [{ name: 'fe', publicIp: 'lbpip' }], backendPools: [{ name: 'pool' }],
      rules: [{ name: 'r', frontend: 'nofe', backendPool: 'pool', protocol: 'Tcp', frontendPort: 80, backendPort: 80 }],
      outboundRules: [{ name: 'o', frontends: ['fe'], backendPool: 'pool', allocatedOutboundPorts: 10 }],
    });
    const msgs = issuesOf(d).map((i) => `${i.code}@${i.field}`);
    expect(msgs).toContain('dangling-reference@rules[0].frontend');
    expect(msgs).toContain('outbound-rule-sku@outboundRules[0]');
    expect(msgs).toContain('ports-multiple-of-8@outboundRules[0].allocatedOutboundPorts');
  });

  it('checks traffic targets and captures', () => {
    const d = base();
    d.traffic = [
      { id: 't1', type: 'tcp', from: 'vm1', to: 'nowhere:80' },
      { id: 't2', type: 'tcp', from: 'sn', to: '1.2.3.4' },
      { id: 't3', type: 'ping', from: 'vm1', to: '1.2.3.4:80' },
    ];
    d.captures = [{ id: 'c1', node: 'ghost' }];
    const msgs = issuesOf(d).map((i) => `${i.code}@${i.resourceId}.${i.field}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        'dangling-reference@t1.to',
        'wrong-kind@t2.from',
        'target-port@t2.to',
        'target-port@t3.to',
        'dangling-reference@c1.node',
      ]),
    );
  });

  it('refuses what is not a scenario, with a sentence', () => {
    expect(issuesOf('{nope')[0]!.code).toBe('not-json');
    expect(issuesOf('[1,2]')[0]!.code).toBe('not-object');
    expect(issuesOf({ name: 'x' })[0]!.code).toBe('no-version');
    const newer = issuesOf({ netplay: 99, name: 'x' })[0]!;
    expect(newer.code).toBe('newer-version');
    expect(newer.message).toContain('newer netplay');
    expect(issuesOf('x'.repeat(9 * 1024 * 1024))[0]!.code).toBe('too-large');
  });
});

describe('migrations', () => {
  it('migrates a version 0 document (nodes, traffic target)', () => {
    const v0 = { version: 0, name: 'old', nodes: res(base()), traffic: [{ id: 't', type: 'tcp', from: 'vm1', target: '10.0.1.4:22' }] };
    const r = restoreScenario(v0);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.migrations).toHaveLength(1);
    expect(r.scenario.traffic[0]!.to).toBe('10.0.1.4:22');
    expect(r.scenario.resources).toHaveLength(4);
  });

  it('chains steps and refuses a gap instead of guessing', () => {
    const steps: Migration[] = [
      { from: 0, describe: 'a', up: (d) => ({ ...d, netplay: 1, a: true }) },
      { from: 1, describe: 'b', up: (d) => ({ ...d, netplay: 2, b: true }) },
    ];
    const r = migrate({ netplay: 0 }, steps, 2);
    expect(r.ok && r.doc).toEqual({ netplay: 2, a: true, b: true });
    const gap = migrate({ netplay: 0 }, [steps[1]!], 2);
    expect(gap.ok).toBe(false);
    expect(!gap.ok && gap.issue.code).toBe('no-migration');
  });
});

describe('JSON Schema', () => {
  it('the checked-in scenario.schema.json is the one the validator generates (run `npm run schema`)', () => {
    const onDisk = JSON.parse(readFileSync(new URL('./scenario.schema.json', import.meta.url), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });

  it('carries address patterns, enums and defaults', () => {
    const text = JSON.stringify(scenarioJsonSchema());
    expect(text).toContain('"pattern"');
    expect(text).toContain('"Gateway"');
    expect(text).toContain('"allocatedOutboundPorts"');
  });
});

import { describe, expect, it } from 'vitest';
import { restoreScenario } from './restore.ts';
import { nextFreePublicIp } from './derive.ts';
import type { ScenarioIssue } from './issues.ts';

type Doc = Record<string, unknown> & { resources: Record<string, unknown>[] };

/** A client subnet routed to a Linux router with one uplink: valid as written. */
function doc(): Doc {
  return {
    netplay: 1,
    name: 'routing checks',
    resources: [
      { id: 'vnet', kind: 'vnet', name: 'vnet', addressSpace: ['10.0.0.0/16'] },
      { id: 'sn', kind: 'subnet', name: 'sn', vnet: 'vnet', addressPrefix: '10.0.1.0/24', routeTable: 'rt' },
      { id: 'rt', kind: 'routeTable', name: 'rt', routes: [{ name: 'to-router', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.10' }] },
      { id: 'vm', kind: 'vm', name: 'vm' },
      { id: 'vm-nic', kind: 'nic', name: 'vm-nic', vm: 'vm', subnet: 'sn', ipConfigs: [{ name: 'c', privateIp: '10.0.1.4' }] },
      {
        id: 'r',
        kind: 'linuxRouter',
        name: 'r',
        uplinks: [{ address: '203.0.113.5' }],
        routes: ['10.9.0.0/16 via 10.0.1.20'],
        iptables: ['-t nat -A POSTROUTING -o eth1 -j MASQUERADE'],
      },
      { id: 'r-nic', kind: 'nic', name: 'r-nic', vm: 'r', subnet: 'sn', enableIpForwarding: true, ipConfigs: [{ name: 'c', privateIp: '10.0.1.10' }] },
      { id: 'web', kind: 'internetHost', name: 'web', address: '198.51.100.10' },
    ],
  };
}

function issues(d: Doc): ScenarioIssue[] {
  const r = restoreScenario(d);
  return r.ok ? [...r.warnings] : [...r.issues];
}

const res = (d: Doc, id: string) => d.resources.find((r) => r.id === id)!;

describe('route table and Linux router checks', () => {
  it('accepts a routed subnet and a router with IP forwarding, a route and a rule', () => {
    expect(issues(doc())).toEqual([]);
  });

  it('reports an iptables line the way iptables refuses it, at iptables[j]', () => {
    const d = doc();
    res(d, 'r').iptables = ['-t nat -A POSTROUTING -o eth1 -j MASQUERADE', '-t nat -A PREROUTING -j SNAT --to-source 1.2.3.4', '-A FORWARD -j BOGUS'];
    const found = issues(d).filter((i) => i.code === 'iptables');
    expect(found.map((i) => i.field)).toEqual(['iptables[1]', 'iptables[2]']);
    expect(found[0]!.resourceId).toBe('r');
    expect(found[0]!.message).toMatch(/^iptables v1\.8\.9 \(nf_tables\): .*SNAT/);
  });

  it('reports a route ip would refuse, at routes[j]', () => {
    const d = doc();
    res(d, 'r').routes = ['default via 192.168.7.1', '10.2.0.0/24 dev eth7', 'default via 10.0.1.1'];
    const found = issues(d).filter((i) => i.code === 'route');
    expect(found.map((i) => i.field)).toEqual(['routes[0]', 'routes[1]']);
    expect(found[0]!.message).toContain('Nexthop has invalid gateway');
    expect(found[1]!.message).toContain('Cannot find device "eth7"');
  });

  it("requires IP forwarding on a router's NICs", () => {
    const d = doc();
    res(d, 'r-nic').enableIpForwarding = false;
    const found = issues(d).filter((i) => i.code === 'ip-forwarding');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ resourceId: 'r-nic', field: 'enableIpForwarding', severity: 'error' });
  });

  it('checks next hops: VirtualAppliance needs an address inside the VNet, the others none', () => {
    const d = doc();
    res(d, 'rt').routes = [
      { name: 'a', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance' },
      { name: 'b', addressPrefix: '10.5.0.0/16', nextHopType: 'None', nextHopIpAddress: '10.0.1.10' },
      { name: 'c', addressPrefix: '10.6.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: '172.16.0.4' },
    ];
    const found = issues(d).filter((i) => i.code === 'next-hop');
    expect(found.map((i) => [i.field, i.severity])).toEqual([
      ['routes[0].nextHopIpAddress', 'error'],
      ['routes[1].nextHopIpAddress', 'error'],
      ['routes[2].nextHopIpAddress', 'warning'],
    ]);
    expect(found[2]!.message).toContain("outside the address space of virtual network 'vnet'");
  });

  it('warns of a VirtualAppliance next hop no NIC holds, and of one whose NIC does not forward', () => {
    const d = doc();
    d.resources.push({ id: 'fw', kind: 'vm', name: 'fw' }, { id: 'fw-nic', kind: 'nic', name: 'fw-nic', vm: 'fw', subnet: 'sn', ipConfigs: [{ name: 'c', privateIp: '10.0.1.30' }] });
    res(d, 'rt').routes = [
      { name: 'to-router', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.10' },
      { name: 'nobody', addressPrefix: '10.5.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.99' },
      { name: 'no-forwarding', addressPrefix: '10.6.0.0/16', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.30' },
    ];
    const found = issues(d).filter((i) => i.code === 'next-hop');
    expect(found.map((i) => [i.resourceId, i.field, i.severity])).toEqual([
      ['rt', 'routes[1].nextHopIpAddress', 'warning'],
      ['rt', 'routes[2].nextHopIpAddress', 'warning'],
    ]);
    expect(found[0]!.message).toBe("route 'nobody': no NIC in the document has the private IP 10.0.1.99, so Azure has nowhere to send this traffic and drops it");
    expect(found[1]!.message).toBe("route 'no-forwarding': next hop 10.0.1.30 is NIC 'fw-nic', which has enableIpForwarding off: Azure drops every packet routed to it for another address");
    res(d, 'fw-nic').enableIpForwarding = true;
    expect(issues(d).filter((i) => i.code === 'next-hop').map((i) => i.field)).toEqual(['routes[1].nextHopIpAddress']);
  });

  it("refuses a router gateway that is not on-link on its dev as ip does, and warns of one on-link only through a device route", () => {
    const d = doc();
    res(d, 'r').routes = ['10.9.0.0/16 via 10.0.1.20 dev eth0', '10.8.0.0/16 via 192.0.2.1 dev eth0', '10.7.0.0/16 via 10.0.1.20 dev eth1', '10.5.0.0/16 dev eth0', '10.4.0.0/16 via 10.5.0.1 dev eth0'];
    const found = issues(d).filter((i) => i.code === 'route');
    expect(found.map((i) => [i.resourceId, i.field, i.severity])).toEqual([
      ['r', 'routes[1]', 'error'],
      ['r', 'routes[2]', 'error'],
      ['r', 'routes[4]', 'warning'],
    ]);
    expect(found[0]!.message).toBe("ip route add 10.8.0.0/16 via 192.0.2.1 dev eth0: Error: Nexthop has invalid gateway. (192.0.2.1 is not on-link on eth0: it is in none of eth0's subnets, 10.0.1.0/24)");
    expect(found[1]!.message).toContain('(10.0.1.20 is not on-link on eth1');
    expect(found[2]!.message).toContain("gateway 10.5.0.1 is in none of eth0's subnets (10.0.1.0/24); Linux takes it as on-link through routes[3]");
  });

  it('finds an uplink address used by something else', () => {
    const d = doc();
    res(d, 'r').uplinks = [{ address: '198.51.100.10' }, { address: '203.0.113.6', proxyArp: ['203.0.113.6'] }];
    const found = issues(d).filter((i) => i.code === 'duplicate-ip');
    expect(found.map((i) => i.field)).toEqual(['uplinks[0].address', 'uplinks[1].proxyArp[0]']);
    expect(found[0]!.message).toContain("internetHost 'web'");
  });

  it('hands out public addresses that no uplink holds', () => {
    const d = doc();
    res(d, 'r').uplinks = [{ address: '20.48.0.10', secondaryAddresses: ['20.48.0.11'] }];
    const r = restoreScenario(d);
    expect(r.ok).toBe(true);
    if (r.ok) expect(nextFreePublicIp(r.scenario, '20.48.0.0/16')).toBe('20.48.0.12');
  });
});

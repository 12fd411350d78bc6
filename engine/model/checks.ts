/**
 * Semantic checks on a structurally valid document: ids, references, addressing, and the rules
 * of each resource kind. Every issue names the resource and the field that cause it.
 */
import { cidrContains, cidrSize, cidrsOverlap, ipv4ToString, parseCidr, parseIpv4, type Cidr } from '../wire/addr.ts';
import { fieldPath, type ScenarioIssue } from './issues.ts';
import { ResourceIndex, referencesOf } from './references.ts';
import { capacityInputOf, outboundCapacityProblem } from './snat-capacity.ts';
import type { Resource, Scenario } from './scenario.ts';
import { compileCaptureFilter } from '../dissect/filter/index.ts';
import { checkRouting } from './checks-routing.ts';

type Report = (
  code: string,
  message: string,
  at: { index?: number; resourceId?: string; path?: (string | number)[]; top?: string },
  severity?: 'error' | 'warning',
) => void;

export function checkScenario(s: Scenario): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const position = new Map<Resource, number>();
  s.resources.forEach((r, i) => position.set(r, i));
  const report: Report = (code, message, at, severity = 'error') => {
    const inner = at.path ?? [];
    const path = at.top !== undefined ? [at.top, at.index ?? 0, ...inner] : at.index !== undefined ? ['resources', at.index, ...inner] : inner;
    const issue: ScenarioIssue = {
      severity,
      code,
      message,
      path,
      ...(at.resourceId !== undefined ? { resourceId: at.resourceId } : {}),
      ...(inner.length ? { field: fieldPath(inner) } : {}),
    };
    issues.push(issue);
  };
  const at = (r: Resource, path?: (string | number)[]) => ({ index: position.get(r)!, resourceId: r.id, ...(path ? { path } : {}) });
  const idx = new ResourceIndex(s);

  checkIds(s, report, at);
  checkReferences(s, idx, report, at);
  checkAddressing(s, idx, report, at);
  checkLoadBalancers(s, idx, report, at);
  checkRouting(idx, report, at);
  checkTrafficAndCaptures(s, idx, report);
  return issues;
}

type At = (r: Resource, path?: (string | number)[]) => { index: number; resourceId: string; path?: (string | number)[] };

function checkIds(s: Scenario, report: Report, at: At): void {
  const seen = new Map<string, string>();
  const claim = (id: string, what: string, where: Parameters<Report>[2]) => {
    const prev = seen.get(id);
    if (prev) report('duplicate-id', `the id '${id}' is used twice (${prev} and ${what}); ids must be unique`, where);
    else seen.set(id, what);
  };
  for (const r of s.resources) claim(r.id, `a ${r.kind}`, { ...at(r, ['id']) });
  s.traffic.forEach((t, i) => claim(t.id, 'a traffic generator', { top: 'traffic', index: i, resourceId: t.id, path: ['id'] }));
  s.captures.forEach((c, i) => claim(c.id, 'a capture point', { top: 'captures', index: i, resourceId: c.id, path: ['id'] }));
}

function checkReferences(s: Scenario, idx: ResourceIndex, report: Report, at: At): void {
  for (const r of s.resources) {
    for (const ref of referencesOf(r)) {
      if (ref.part) {
        const [lbId, name] = ref.target.split('/') as [string, string];
        const target = idx.byId.get(lbId);
        if (!target) {
          report('dangling-reference', `refers to '${lbId}', which does not exist`, at(r, [...ref.path]));
        } else if (target.kind !== 'loadBalancer') {
          report('wrong-kind', `refers to '${lbId}' as a load balancer, but it is a ${target.kind}`, at(r, [...ref.path]));
        } else if (!idx.part(ref.target, ref.part)) {
          const names = (ref.part === 'frontend' ? target.frontends : target.backendPools).map((p) => p.name);
          report(
            'dangling-reference',
            `load balancer '${lbId}' has no ${ref.part === 'frontend' ? 'frontend' : 'backend pool'} named '${name}' (it has: ${names.join(', ') || 'none'})`,
            at(r, [...ref.path]),
          );
        }
        continue;
      }
      const target = idx.byId.get(ref.target);
      if (!target) report('dangling-reference', `refers to '${ref.target}', which does not exist`, at(r, [...ref.path]));
      else if (!ref.kinds.includes(target.kind))
        report('wrong-kind', `refers to '${ref.target}', a ${target.kind}, where a ${ref.kinds.join(' or ')} is expected`, at(r, [...ref.path]));
    }
  }
}

/** Azure keeps the first four addresses and the last one of every subnet. */
function reservedInSubnet(c: Cidr, ip: number): boolean {
  const offset = (ip - c.base) >>> 0;
  return offset < 4 || offset === cidrSize(c) - 1;
}

function checkAddressing(s: Scenario, idx: ResourceIndex, report: Report, at: At): void {
  // VNet address spaces must not overlap inside one VNet.
  for (const v of idx.ofKind('vnet')) {
    const spaces = v.addressSpace.map((t) => parseCidr(t)!);
    for (let i = 0; i < spaces.length; i++)
      for (let j = i + 1; j < spaces.length; j++)
        if (cidrsOverlap(spaces[i]!, spaces[j]!))
          report('overlapping-cidr', `address prefixes ${v.addressSpace[i]} and ${v.addressSpace[j]} overlap`, at(v, ['addressSpace', j]));
  }
  // Subnets: inside their VNet's space, not overlapping each other.
  const subnetsByVnet = new Map<string, { r: Resource & { kind: 'subnet' }; c: Cidr }[]>();
  for (const sn of idx.ofKind('subnet')) {
    const c = parseCidr(sn.addressPrefix)!;
    const vnet = idx.get(sn.vnet, 'vnet');
    if (vnet && !vnet.addressSpace.some((t) => { const v = parseCidr(t)!; return v.prefix <= c.prefix && cidrContains(v, c.base); }))
      report('outside-address-space', `${sn.addressPrefix} is not inside the address space of vnet '${vnet.id}' (${vnet.addressSpace.join(', ')})`, at(sn, ['addressPrefix']));
    if (c.prefix > 29) report('subnet-too-small', `${sn.addressPrefix} is smaller than /29, the smallest subnet Azure allows`, at(sn, ['addressPrefix']));
    const list = subnetsByVnet.get(sn.vnet) ?? [];
    for (const other of list)
      if (cidrsOverlap(other.c, c))
        report('overlapping-cidr', `${sn.addressPrefix} overlaps subnet '${other.r.id}' (${other.r.addressPrefix}) in vnet '${sn.vnet}'`, at(sn, ['addressPrefix']));
    list.push({ r: sn, c });
    subnetsByVnet.set(sn.vnet, list);
  }
  // Private IPs: inside their subnet, not reserved, unique per VNet.
  const privateOwners = new Map<string, string>();
  for (const nic of idx.ofKind('nic')) {
    const sn = idx.get(nic.subnet, 'subnet');
    nic.ipConfigs.forEach((cfg, i) => {
      const ip = parseIpv4(cfg.privateIp)!;
      const path = ['ipConfigs', i, 'privateIp'];
      if (sn) {
        const c = parseCidr(sn.addressPrefix)!;
        if (!cidrContains(c, ip)) report('ip-outside-subnet', `${cfg.privateIp} is not inside subnet '${sn.id}' (${sn.addressPrefix})`, at(nic, path));
        else if (reservedInSubnet(c, ip))
          report('reserved-ip', `${cfg.privateIp} is reserved by Azure in ${sn.addressPrefix} (the first four addresses and the last one)`, at(nic, path));
        const key = `${sn.vnet}|${cfg.privateIp}`;
        const owner = privateOwners.get(key);
        if (owner) report('duplicate-ip', `${cfg.privateIp} is already used by ${owner} in vnet '${sn.vnet}'`, at(nic, path));
        else privateOwners.set(key, `nic '${nic.id}'`);
      }
    });
    if (nic.ipConfigs.filter((c) => c.primary).length !== 1)
      report('primary-ipconfig', `a NIC needs exactly one primary IP configuration (it has ${nic.ipConfigs.filter((c) => c.primary).length})`, at(nic, ['ipConfigs']));
  }
  for (const lb of idx.ofKind('loadBalancer'))
    lb.frontends.forEach((f, i) => {
      if (!f.privateIp) return;
      const sn = idx.get(f.subnet, 'subnet');
      if (!sn) return;
      const c = parseCidr(sn.addressPrefix)!;
      const ip = parseIpv4(f.privateIp)!;
      const path = ['frontends', i, 'privateIp'];
      if (!cidrContains(c, ip)) report('ip-outside-subnet', `${f.privateIp} is not inside subnet '${sn.id}' (${sn.addressPrefix})`, at(lb, path));
      const key = `${sn.vnet}|${f.privateIp}`;
      const owner = privateOwners.get(key);
      if (owner) report('duplicate-ip', `${f.privateIp} is already used by ${owner} in vnet '${sn.vnet}'`, at(lb, path));
      else privateOwners.set(key, `load balancer '${lb.id}' frontend '${f.name}'`);
    });
  // Public addresses: unique across the document (public IPs, prefixes, Internet hosts).
  const publicBlocks: { c: Cidr; owner: string }[] = [];
  const claimPublic = (r: Resource, c: Cidr, path: (string | number)[], text: string) => {
    const clash = publicBlocks.find((b) => cidrsOverlap(b.c, c));
    if (clash) report(c.prefix === 32 ? 'duplicate-ip' : 'overlapping-cidr', `${text} is already used by ${clash.owner}`, at(r, path));
    else publicBlocks.push({ c, owner: `${r.kind} '${r.id}'` });
  };
  for (const r of s.resources) {
    if (r.kind === 'publicIp' || r.kind === 'internetHost') claimPublic(r, { base: parseIpv4(r.address)!, prefix: 32 }, ['address'], r.address);
    else if (r.kind === 'publicIpPrefix') claimPublic(r, parseCidr(r.prefix)!, ['prefix'], r.prefix);
  }
  // A public IP serves one thing at a time.
  const pipUsers = new Map<string, string>();
  const usePip = (pip: string | undefined, user: string, r: Resource, path: (string | number)[]) => {
    if (!pip || !idx.get(pip, 'publicIp')) return;
    const prev = pipUsers.get(pip);
    if (prev) report('public-ip-in-use', `public IP '${pip}' is already associated with ${prev}`, at(r, path));
    else pipUsers.set(pip, user);
  };
  for (const nic of idx.ofKind('nic')) nic.ipConfigs.forEach((c, i) => usePip(c.publicIp, `nic '${nic.id}'`, nic, ['ipConfigs', i, 'publicIp']));
  for (const lb of idx.ofKind('loadBalancer')) lb.frontends.forEach((f, i) => usePip(f.publicIp, `load balancer '${lb.id}'`, lb, ['frontends', i, 'publicIp']));
  for (const ng of idx.ofKind('natGateway')) ng.publicIps.forEach((p, i) => usePip(p, `NAT gateway '${ng.id}'`, ng, ['publicIps', i]));
  for (const ng of idx.ofKind('awsNatGateway')) ng.publicIps.forEach((p, i) => usePip(p, `AWS NAT gateway '${ng.id}'`, ng, ['publicIps', i]));
  for (const cn of idx.ofKind('gcpCloudNat')) {
    cn.natIps.forEach((p, i) => usePip(p, `Cloud NAT '${cn.id}'`, cn, ['natIps', i]));
    if (cn.enableDynamicPortAllocation && cn.enableEndpointIndependentMapping)
      report('invalid-config', `Cloud NAT '${cn.id}': endpoint-independent mapping and dynamic port allocation cannot be on together`, at(cn, ['enableEndpointIndependentMapping']));
    if (cn.maxPortsPerVm !== undefined && !cn.enableDynamicPortAllocation)
      report('invalid-config', `Cloud NAT '${cn.id}': maxPortsPerVm applies only with dynamic port allocation`, at(cn, ['maxPortsPerVm']), 'warning');
  }
  for (const ng of idx.ofKind('awsNatGateway'))
    if (ng.publicIps.length === 0) report('invalid-config', `AWS NAT gateway '${ng.id}' needs at least one Elastic IP`, at(ng, ['publicIps']));
  // Hosts have at least one NIC to be reachable.
  const nicsByHost = new Set(idx.ofKind('nic').map((n) => n.vm));
  for (const r of s.resources)
    if ((r.kind === 'vm' || r.kind === 'nva') && !nicsByHost.has(r.id))
      report('no-nic', `${r.kind} '${r.id}' has no NIC, so it is on no network`, at(r), 'warning');
  void ipv4ToString;
}

function checkLoadBalancers(s: Scenario, idx: ResourceIndex, report: Report, at: At): void {
  for (const lb of idx.ofKind('loadBalancer')) {
    const fe = new Set(lb.frontends.map((f) => f.name));
    const pools = new Set(lb.backendPools.map((p) => p.name));
    const probes = new Set(lb.probes.map((p) => p.name));
    const dupes = (names: string[], what: string, key: string) => {
      const seen = new Set<string>();
      names.forEach((n, i) => {
        if (seen.has(n)) report('duplicate-name', `two ${what} are named '${n}'`, at(lb, [key, i, 'name']));
        seen.add(n);
      });
    };
    dupes(lb.frontends.map((f) => f.name), 'frontends', 'frontends');
    dupes(lb.backendPools.map((p) => p.name), 'backend pools', 'backendPools');
    dupes(lb.rules.map((p) => p.name), 'rules', 'rules');
    lb.frontends.forEach((f, i) => {
      const isPublic = f.publicIp !== undefined || f.publicIpPrefix !== undefined;
      const isPrivate = f.subnet !== undefined;
      if (isPublic === isPrivate)
        report('frontend-kind', `frontend '${f.name}' needs either a public IP (or prefix) or a subnet, not ${isPublic ? 'both' : 'neither'}`, at(lb, ['frontends', i]));
      if (lb.sku === 'Gateway' && isPublic) report('gateway-frontend', `a gateway load balancer has private frontends only`, at(lb, ['frontends', i]));
      if (isPrivate && !f.privateIp) report('frontend-ip', `internal frontend '${f.name}' needs a privateIp`, at(lb, ['frontends', i, 'privateIp']));
    });
    lb.rules.forEach((r, i) => {
      if (!fe.has(r.frontend)) report('dangling-reference', `rule '${r.name}' names frontend '${r.frontend}', which this load balancer does not have`, at(lb, ['rules', i, 'frontend']));
      if (!pools.has(r.backendPool)) report('dangling-reference', `rule '${r.name}' names backend pool '${r.backendPool}', which this load balancer does not have`, at(lb, ['rules', i, 'backendPool']));
      if (r.probe !== undefined && !probes.has(r.probe)) report('dangling-reference', `rule '${r.name}' names probe '${r.probe}', which this load balancer does not have`, at(lb, ['rules', i, 'probe']));
      if ((r.frontendPort === 0 || r.backendPort === 0) && !(r.protocol === 'All' && r.frontendPort === 0 && r.backendPort === 0))
        report('ha-ports', `rule '${r.name}': port 0 is only for HA-ports rules (protocol All, frontend and backend port 0)`, at(lb, ['rules', i]));
    });
    lb.outboundRules.forEach((o, i) => {
      if (lb.sku !== 'Standard') report('outbound-rule-sku', `outbound rules need a Standard load balancer; '${lb.id}' is ${lb.sku}`, at(lb, ['outboundRules', i]));
      o.frontends.forEach((f, j) => {
        if (!fe.has(f)) report('dangling-reference', `outbound rule '${o.name}' names frontend '${f}', which this load balancer does not have`, at(lb, ['outboundRules', i, 'frontends', j]));
      });
      if (!pools.has(o.backendPool)) report('dangling-reference', `outbound rule '${o.name}' names backend pool '${o.backendPool}', which this load balancer does not have`, at(lb, ['outboundRules', i, 'backendPool']));
      if (o.allocatedOutboundPorts % 8 !== 0)
        report('ports-multiple-of-8', `outbound rule '${o.name}': allocatedOutboundPorts ${o.allocatedOutboundPorts} is not a multiple of 8 (Azure allocates SNAT ports in blocks of 8)`, at(lb, ['outboundRules', i, 'allocatedOutboundPorts']));
      else {
        const problem = outboundCapacityProblem(capacityInputOf(lb, o, (id) => prefixSize(idx, id), poolSizeOf(idx, lb.id, o.backendPool)));
        if (problem) report('snat-capacity', `outbound rule '${o.name}': ${problem}`, at(lb, ['outboundRules', i, 'allocatedOutboundPorts']));
      }
    });
  }
  void s;
}

function checkTrafficAndCaptures(s: Scenario, idx: ResourceIndex, report: Report): void {
  s.traffic.forEach((t, i) => {
    const where = (path: (string | number)[]) => ({ top: 'traffic', index: i, resourceId: t.id, path });
    const from = idx.byId.get(t.from);
    if (!from) report('dangling-reference', `traffic '${t.id}' starts from '${t.from}', which does not exist`, where(['from']));
    else if (!['vm', 'nva', 'internetHost'].includes(from.kind))
      report('wrong-kind', `traffic '${t.id}' starts from '${t.from}', a ${from.kind}; traffic starts from a VM, NVA or Internet host`, where(['from']));
    const [host, port] = t.to.split(':') as [string, string | undefined];
    if (parseIpv4(host) === null && !idx.byId.has(host))
      report('dangling-reference', `traffic '${t.id}' goes to '${host}', which is neither an address nor a resource id`, where(['to']));
    if (t.type === 'ping' && port !== undefined) report('target-port', `ping has no port: write '${host}'`, where(['to']));
    if (t.type !== 'ping') {
      const n = port === undefined ? NaN : Number(port);
      if (!(n >= 1 && n <= 65535)) report('target-port', `traffic '${t.id}' needs a destination port 1-65535, as in '${host}:80'`, where(['to']));
    }
    if (t.type === 'tcp' && t.bind !== undefined && parseIpv4(t.bind) === null)
      report('bind-address', `traffic '${t.id}' binds '${t.bind}', which is not an IPv4 address`, where(['bind']));
  });
  s.captures.forEach((c, i) => {
    if (!idx.byId.has(c.node))
      report('dangling-reference', `capture '${c.id}' is on '${c.node}', which does not exist`, { top: 'captures', index: i, resourceId: c.id, path: ['node'] });
    // tcpdump refuses to start with a filter it cannot compile; so does a capture point.
    const f = c.filter?.trim() ? compileCaptureFilter(c.filter) : null;
    if (f && !f.ok)
      report('capture-filter', `capture '${c.id}' has a filter tcpdump would refuse: ${f.error.message} (at character ${f.error.offset + 1})`, { top: 'captures', index: i, resourceId: c.id, path: ['filter'] });
  });
  s.timeline.forEach((e, i) => checkTimelineEntry(e, i, idx, report));
}

/** Backend instances of a pool: primary ipconfigs that name it (outbound SNAT is per primary ipconfig). */
function poolSizeOf(idx: ResourceIndex, lbId: string, pool: string): number {
  const ref = `${lbId}/${pool}`;
  let n = 0;
  for (const nic of idx.ofKind('nic')) for (const c of nic.ipConfigs) if (c.primary && c.loadBalancerBackendPools.includes(ref)) n++;
  return n;
}

function prefixSize(idx: ResourceIndex, id: string): number {
  const c = parseCidr(idx.get(id, 'publicIpPrefix')?.prefix ?? '');
  return c ? cidrSize(c) : 0;
}

function checkTimelineEntry(e: Scenario['timeline'][number], i: number, idx: ResourceIndex, report: Report): void {
  const where = (path: string) => ({ top: 'timeline', index: i, path: [path] });
  switch (e.action) {
    case 'stopService':
    case 'startService':
      if (!idx.byId.has(e.host)) report('dangling-reference', `timeline entry ${i} acts on '${e.host}', which does not exist`, where('host'));
      return;
    case 'redeploy': {
      const vm = idx.byId.get(e.vm);
      if (!vm) report('dangling-reference', `timeline entry ${i} redeploys '${e.vm}', which does not exist`, where('vm'));
      else if (vm.kind !== 'vm') report('wrong-kind', `timeline entry ${i} redeploys '${e.vm}', a ${vm.kind}; only a VM can be redeployed`, where('vm'));
      return;
    }
    case 'updateOutboundRule': {
      const lb = idx.byId.get(e.lb);
      if (!lb) return report('dangling-reference', `timeline entry ${i} updates load balancer '${e.lb}', which does not exist`, where('lb'));
      if (lb.kind !== 'loadBalancer') return report('wrong-kind', `timeline entry ${i} updates '${e.lb}', a ${lb.kind}, as a load balancer`, where('lb'));
      const o = lb.outboundRules.find((r) => r.name === e.rule);
      if (!o)
        return report(
          'dangling-reference',
          `load balancer '${e.lb}' has no outbound rule named '${e.rule}' (it has: ${lb.outboundRules.map((r) => r.name).join(', ') || 'none'})`,
          where('rule'),
        );
      const ports = e.allocatedOutboundPorts ?? o.allocatedOutboundPorts;
      if (ports % 8 !== 0) return report('ports-multiple-of-8', `timeline entry ${i}: allocatedOutboundPorts ${ports} is not a multiple of 8 (Azure allocates SNAT ports in blocks of 8)`, where('allocatedOutboundPorts'));
      const problem = outboundCapacityProblem(capacityInputOf(lb, o, (id) => prefixSize(idx, id), poolSizeOf(idx, lb.id, o.backendPool), ports));
      if (problem) report('snat-capacity', `timeline entry ${i} (outbound rule '${o.name}'): ${problem}`, where('allocatedOutboundPorts'));
      return;
    }
  }
}

/**
 * Connecting two handles creates the reference the connection means, or refuses with the reason
 * a person needs: which pairs make sense comes from Azure (cloud-nat-lb.md): a public IP goes to
 * a NIC ipconfig, a load balancer frontend or a NAT gateway; a NIC joins a backend pool or chains
 * to a gateway LB frontend; a frontend chains to a gateway LB frontend; a subnet uses one NAT
 * gateway.
 */
import type { ResourceOf, Scenario } from '../../../engine/model/scenario.ts';
import { addRouterInterface } from './create.ts';
import { describeEndpoint, type Endpoint } from './endpoints.ts';
import { findOfKind, findResource, replaceResource } from './resources.ts';

export type ConnectResult = { ok: true; doc: Scenario } | { ok: false; reason: string };

const refuse = (reason: string): ConnectResult => ({ ok: false, reason });

/** Connects two endpoints in either order. */
export function connect(doc: Scenario, a: Endpoint, b: Endpoint): ConnectResult {
  for (const [x, y] of [[a, b], [b, a]] as const) {
    if (x.type === 'pip' && y.type === 'ipc') return pipToNic(doc, x.id, y);
    if (x.type === 'pip' && y.type === 'fe') return pipToFrontend(doc, x.id, y);
    if (x.type === 'pip' && y.type === 'natgw') return pipToNatGateway(doc, x.id, y.id);
    if (x.type === 'prefix' && y.type === 'natgw') return prefixToNatGateway(doc, x.id, y.id);
    if (x.type === 'ipc' && y.type === 'pool') return nicToPool(doc, x, y);
    if (x.type === 'ipc' && y.type === 'fe') return nicToGateway(doc, x, y);
    if (x.type === 'subnet' && y.type === 'natgw') return subnetToNatGateway(doc, x.id, y.id);
    if (x.type === 'subnet' && y.type === 'routeTable') return subnetToRouteTable(doc, x.id, y.id);
    if (x.type === 'subnet' && y.type === 'router') return subnetToRouter(doc, x.id, y.id);
  }
  if (a.type === 'fe' && b.type === 'fe') return frontendToGateway(doc, a, b);
  return refuse(`${cap(describeEndpoint(a))} cannot connect to ${describeEndpoint(b)}: ${hint(a, b)}`);
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function hint(a: Endpoint, b: Endpoint): string {
  const t = a.type === 'pip' ? a : b.type === 'pip' ? b : a;
  switch (t.type) {
    case 'pip':
      return 'a public IP goes to a NIC, a load balancer frontend or a NAT gateway.';
    case 'ipc':
      return 'a NIC joins a backend pool or chains to a gateway load balancer frontend.';
    case 'subnet':
      return 'a subnet connects to a NAT gateway, a route table or a Linux router.';
    case 'routeTable':
      return 'a route table is used by subnets.';
    case 'router':
      return 'connect a subnet to a Linux router to give it another interface.';
    case 'pool':
      return 'a backend pool holds NICs.';
    default:
      return 'that pair has no meaning in Azure.';
  }
}

/** Who already uses a public IP, if anyone: a public IP serves one thing at a time. */
function pipUser(doc: Scenario, pipId: string): string | undefined {
  for (const r of doc.resources) {
    if (r.kind === 'nic' && r.ipConfigs.some((c) => c.publicIp === pipId)) return `NIC '${r.name}'`;
    if (r.kind === 'loadBalancer' && r.frontends.some((f) => f.publicIp === pipId)) return `load balancer '${r.name}'`;
    if (r.kind === 'natGateway' && r.publicIps.includes(pipId)) return `NAT gateway '${r.name}'`;
    if (r.kind === 'awsNatGateway' && r.publicIps.includes(pipId)) return `AWS NAT gateway '${r.name}'`;
    if (r.kind === 'gcpCloudNat' && r.natIps.includes(pipId)) return `Cloud NAT '${r.name}'`;
  }
  return undefined;
}

function pipToNic(doc: Scenario, pipId: string, e: Extract<Endpoint, { type: 'ipc' }>): ConnectResult {
  const nic = findOfKind(doc, e.nicId, 'nic');
  const pip = findOfKind(doc, pipId, 'publicIp');
  const cfg = nic?.ipConfigs[e.index];
  if (!nic || !pip || !cfg) return refuse('That NIC or public IP no longer exists.');
  const user = pipUser(doc, pipId);
  if (user) return refuse(`Public IP '${pip.name}' is already associated with ${user}; a public IP serves one thing at a time.`);
  const ipConfigs = nic.ipConfigs.map((c, i) => (i === e.index ? { ...c, publicIp: pipId } : c));
  return { ok: true, doc: replaceResource(doc, { ...nic, ipConfigs }) };
}

function pipToFrontend(doc: Scenario, pipId: string, e: Extract<Endpoint, { type: 'fe' }>): ConnectResult {
  const lb = findOfKind(doc, e.id, 'loadBalancer');
  const pip = findOfKind(doc, pipId, 'publicIp');
  const fe = lb?.frontends[e.index];
  if (!lb || !pip || !fe) return refuse('That frontend or public IP no longer exists.');
  if (lb.sku === 'Gateway') return refuse(`'${lb.name}' is a gateway load balancer: its frontends are private only.`);
  if (pip.sku !== lb.sku)
    return refuse(`A ${pip.sku} public IP cannot be used with a ${lb.sku} load balancer: the SKUs must match.`);
  if (fe.subnet !== undefined) return refuse(`Frontend '${fe.name}' is internal (in subnet '${fe.subnet}'); add a new frontend for a public IP.`);
  const user = pipUser(doc, pipId);
  if (user) return refuse(`Public IP '${pip.name}' is already associated with ${user}; a public IP serves one thing at a time.`);
  const frontends = lb.frontends.map((f, i) => (i === e.index ? { ...f, publicIp: pipId } : f));
  return { ok: true, doc: replaceResource(doc, { ...lb, frontends }) };
}

function pipToNatGateway(doc: Scenario, pipId: string, natId: string): ConnectResult {
  const other = findResource(doc, natId);
  if (other && (other.kind === 'awsNatGateway' || other.kind === 'gcpCloudNat')) {
    const pip = findOfKind(doc, pipId, 'publicIp');
    if (!pip) return refuse('That public IP no longer exists.');
    const user = pipUser(doc, pipId);
    if (user) return refuse(`Public IP '${pip.name}' is already associated with ${user}; a public IP serves one thing at a time.`);
    if (other.kind === 'awsNatGateway') {
      if (other.publicIps.length >= 8) return refuse('An AWS NAT gateway takes at most 8 IPv4 addresses.');
      return { ok: true, doc: replaceResource(doc, { ...other, publicIps: [...other.publicIps, pipId] }) };
    }
    return { ok: true, doc: replaceResource(doc, { ...other, natIps: [...other.natIps, pipId] }) };
  }
  const ng = findOfKind(doc, natId, 'natGateway');
  const pip = findOfKind(doc, pipId, 'publicIp');
  if (!ng || !pip) return refuse('That NAT gateway or public IP no longer exists.');
  if (pip.sku !== 'Standard') return refuse(`A NAT gateway takes Standard public IPs only; '${pip.name}' is Basic.`);
  if (ng.publicIps.length >= 16) return refuse('A NAT gateway takes at most 16 public IPs.');
  const user = pipUser(doc, pipId);
  if (user) return refuse(`Public IP '${pip.name}' is already associated with ${user}; a public IP serves one thing at a time.`);
  return { ok: true, doc: replaceResource(doc, { ...ng, publicIps: [...ng.publicIps, pipId] }) };
}

function prefixToNatGateway(doc: Scenario, prefixId: string, natId: string): ConnectResult {
  const ng = findOfKind(doc, natId, 'natGateway');
  if (!ng) return refuse('That NAT gateway no longer exists.');
  if (ng.publicIpPrefixes.includes(prefixId)) return refuse('That prefix is already on this NAT gateway.');
  return { ok: true, doc: replaceResource(doc, { ...ng, publicIpPrefixes: [...ng.publicIpPrefixes, prefixId] }) };
}

function nicToPool(doc: Scenario, e: Extract<Endpoint, { type: 'ipc' }>, p: Extract<Endpoint, { type: 'pool' }>): ConnectResult {
  const nic = findOfKind(doc, e.nicId, 'nic');
  const lb = findOfKind(doc, p.id, 'loadBalancer');
  const pool = lb?.backendPools[p.index];
  const cfg = nic?.ipConfigs[e.index];
  if (!nic || !lb || !pool || !cfg) return refuse('That NIC or backend pool no longer exists.');
  const ref = `${lb.id}/${pool.name}`;
  if (cfg.loadBalancerBackendPools.includes(ref)) return refuse(`NIC '${nic.name}' is already in backend pool '${pool.name}'.`);
  const other = otherLbOfSameSku(doc, cfg.loadBalancerBackendPools, lb);
  if (other) return refuse(`NIC '${nic.name}' is already in a pool of ${lb.sku} load balancer '${other}'; an ipconfig joins one load balancer of each kind.`);
  const ipConfigs = nic.ipConfigs.map((c, i) => (i === e.index ? { ...c, loadBalancerBackendPools: [...c.loadBalancerBackendPools, ref] } : c));
  return { ok: true, doc: replaceResource(doc, { ...nic, ipConfigs }) };
}

function otherLbOfSameSku(doc: Scenario, refs: string[], lb: ResourceOf<'loadBalancer'>): string | undefined {
  for (const ref of refs) {
    const other = findOfKind(doc, ref.split('/')[0] ?? '', 'loadBalancer');
    if (other && other.id !== lb.id && other.sku === lb.sku) return other.name;
  }
  return undefined;
}

function nicToGateway(doc: Scenario, e: Extract<Endpoint, { type: 'ipc' }>, f: Extract<Endpoint, { type: 'fe' }>): ConnectResult {
  const nic = findOfKind(doc, e.nicId, 'nic');
  const lb = findOfKind(doc, f.id, 'loadBalancer');
  const fe = lb?.frontends[f.index];
  if (!nic || !lb || !fe) return refuse('That NIC or frontend no longer exists.');
  if (lb.sku !== 'Gateway')
    return refuse(`A NIC does not connect to a frontend of ${lb.sku} load balancer '${lb.name}': connect it to a backend pool, or chain it to a gateway load balancer.`);
  const ipConfigs = nic.ipConfigs.map((c, i) => (i === e.index ? { ...c, gatewayLoadBalancer: `${lb.id}/${fe.name}` } : c));
  return { ok: true, doc: replaceResource(doc, { ...nic, ipConfigs }) };
}

function frontendToGateway(doc: Scenario, a: Extract<Endpoint, { type: 'fe' }>, b: Extract<Endpoint, { type: 'fe' }>): ConnectResult {
  const la = findOfKind(doc, a.id, 'loadBalancer');
  const lb = findOfKind(doc, b.id, 'loadBalancer');
  if (!la || !lb) return refuse('That load balancer no longer exists.');
  if (la.sku === 'Gateway' && lb.sku === 'Gateway') return refuse('Two gateway load balancers cannot be chained to each other.');
  const [src, srcIdx, gw, gwIdx] = la.sku === 'Gateway' ? [lb, b.index, la, a.index] : [la, a.index, lb, b.index];
  if (gw.sku !== 'Gateway') return refuse('A frontend chains only to a gateway load balancer frontend; neither of these is a gateway load balancer.');
  if (src.sku !== 'Standard') return refuse(`Only a Standard load balancer chains to a gateway load balancer; '${src.name}' is ${src.sku}.`);
  const fe = src.frontends[srcIdx];
  const gfe = gw.frontends[gwIdx];
  if (!fe || !gfe) return refuse('That frontend no longer exists.');
  if (fe.publicIp === undefined) return refuse(`Frontend '${fe.name}' is internal; only a public frontend chains to a gateway load balancer.`);
  const frontends = src.frontends.map((f, i) => (i === srcIdx ? { ...f, gatewayLoadBalancer: `${gw.id}/${gfe.name}` } : f));
  return { ok: true, doc: replaceResource(doc, { ...src, frontends }) };
}

function subnetToNatGateway(doc: Scenario, subnetId: string, natId: string): ConnectResult {
  const sn = findOfKind(doc, subnetId, 'subnet');
  const found = findResource(doc, natId);
  const ng = found && (found.kind === 'natGateway' || found.kind === 'awsNatGateway' || found.kind === 'gcpCloudNat') ? found : undefined;
  if (!sn || !ng) return refuse('That subnet or NAT gateway no longer exists.');
  if (sn.natGateway === natId) return refuse(`Subnet '${sn.name}' already uses NAT gateway '${ng.name}'.`);
  if (sn.natGateway !== undefined)
    return refuse(`Subnet '${sn.name}' already uses NAT gateway '${sn.natGateway}'; a subnet has at most one NAT gateway.`);
  return { ok: true, doc: replaceResource(doc, { ...sn, natGateway: natId }) };
}

/** A subnet uses at most one route table (Azure: "a subnet can have zero or one route table"). */
function subnetToRouteTable(doc: Scenario, subnetId: string, tableId: string): ConnectResult {
  const sn = findOfKind(doc, subnetId, 'subnet');
  const rt = findOfKind(doc, tableId, 'routeTable');
  if (!sn || !rt) return refuse('That subnet or route table no longer exists.');
  if (sn.routeTable === tableId) return refuse(`Subnet '${sn.name}' already uses route table '${rt.name}'.`);
  if (sn.routeTable !== undefined)
    return refuse(`Subnet '${sn.name}' already uses route table '${sn.routeTable}'; a subnet has at most one route table.`);
  return { ok: true, doc: replaceResource(doc, { ...sn, routeTable: tableId }) };
}

/** Connecting a subnet to a Linux router gives the router a new interface (NIC) in it. */
function subnetToRouter(doc: Scenario, subnetId: string, routerId: string): ConnectResult {
  const r = addRouterInterface(doc, routerId, subnetId);
  return r.ok ? { ok: true, doc: r.doc } : refuse(r.reason);
}

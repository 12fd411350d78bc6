/**
 * Creating resources from the palette with sensible defaults: a unique name, the next free IP of
 * the subnet it is dropped into, a fresh public address. Hosts must be dropped into a subnet and
 * subnets into a VNet; anywhere else the drop is refused with the reason.
 */
import {
  nextFreeIp,
  nextFreePublicIp,
  nextFreeSubnetPrefix,
  nextFreeVnetSpace,
  uniqueName,
} from '../../../engine/model/derive.ts';
import type { Resource, ResourceOf, Scenario } from '../../../engine/model/scenario.ts';
import { StackSchema } from '../../../engine/model/kinds/network.ts';
import { absoluteBox, containerAt } from '../geometry.ts';
import { addResources } from './resources.ts';

export type PaletteKind =
  | 'vnet'
  | 'subnet'
  | 'vm'
  | 'publicIp'
  | 'loadBalancer'
  | 'gatewayLoadBalancer'
  | 'natGateway'
  | 'awsNatGateway'
  | 'gcpCloudNat'
  | 'nva'
  | 'linuxRouter'
  | 'routeTable'
  | 'internetHost';

export const PUBLIC_IP_BLOCK = '20.48.0.0/16';
export const INTERNET_BLOCK = '13.107.0.0/16';

export type CreateResult = { ok: true; doc: Scenario; ids: string[] } | { ok: false; reason: string };

type Point = { x: number; y: number };

/** Creates a resource of `kind` dropped at `at` (absolute flow coordinates). */
export function createResource(doc: Scenario, kind: PaletteKind, at: Point): CreateResult {
  switch (kind) {
    case 'vnet':
      return createVnet(doc, at);
    case 'subnet':
      return createSubnet(doc, at);
    case 'vm':
    case 'nva':
      return createHost(doc, kind, at);
    case 'publicIp':
      return createPublicIp(doc, at);
    case 'loadBalancer':
      return createLoadBalancer(doc, at);
    case 'gatewayLoadBalancer':
      return createGatewayLoadBalancer(doc, at);
    case 'natGateway': {
      const id = uniqueName(doc, 'natgw');
      const r: Resource = { id, kind: 'natGateway', name: id, publicIps: [], publicIpPrefixes: [], idleTimeoutInMinutes: 4 };
      return done(addResources(doc, [r], { [id]: at }), [id]);
    }
    case 'awsNatGateway': {
      const id = uniqueName(doc, 'aws-natgw');
      const r: Resource = { id, kind: 'awsNatGateway', name: id, publicIps: [] };
      return done(addResources(doc, [r], { [id]: at }), [id]);
    }
    case 'gcpCloudNat': {
      const id = uniqueName(doc, 'cloud-nat');
      const r: Resource = {
        id,
        kind: 'gcpCloudNat',
        name: id,
        natIps: [],
        enableDynamicPortAllocation: false,
        enableEndpointIndependentMapping: false,
        tcpEstablishedIdleTimeoutSec: 1200,
        tcpTransitoryIdleTimeoutSec: 30,
        tcpTimeWaitTimeoutSec: 120,
        udpIdleTimeoutSec: 30,
        icmpIdleTimeoutSec: 30,
      };
      return done(addResources(doc, [r], { [id]: at }), [id]);
    }
    case 'internetHost':
      return createInternetHost(doc, at);
    case 'linuxRouter':
      return createRouter(doc, at);
    case 'routeTable': {
      const id = uniqueName(doc, 'rt');
      const r: Resource = { id, kind: 'routeTable', name: id, routes: [] };
      return done(addResources(doc, [r], { [id]: at }), [id]);
    }
  }
}

const done = (doc: Scenario, ids: string[]): CreateResult => ({ ok: true, doc, ids });

function relative(doc: Scenario, containerId: string, at: Point): Point {
  const b = absoluteBox(doc, containerId);
  return b ? { x: Math.max(10, at.x - b.x), y: Math.max(40, at.y - b.y) } : at;
}

function createVnet(doc: Scenario, at: Point): CreateResult {
  const id = uniqueName(doc, 'vnet');
  const r: Resource = { id, kind: 'vnet', name: id, addressSpace: [nextFreeVnetSpace(doc)] };
  return done(addResources(doc, [r], { [id]: { ...at, width: 560, height: 380 } }), [id]);
}

function createSubnet(doc: Scenario, at: Point): CreateResult {
  const vnet = containerAt(doc, at, 'vnet');
  if (!vnet) return { ok: false, reason: 'A subnet belongs to a virtual network: drop it inside a VNet.' };
  const prefix = nextFreeSubnetPrefix(doc, vnet.id);
  if (!prefix) return { ok: false, reason: `VNet '${vnet.name}' has no free /24 left for another subnet.` };
  const id = uniqueName(doc, 'subnet');
  const r: Resource = { id, kind: 'subnet', name: id, vnet: vnet.id, addressPrefix: prefix, defaultOutboundAccess: true };
  return done(addResources(doc, [r], { [id]: { ...relative(doc, vnet.id, at), width: 480, height: 260 } }), [id]);
}

function createHost(doc: Scenario, kind: 'vm' | 'nva', at: Point): CreateResult {
  const subnet = containerAt(doc, at, 'subnet');
  const what = kind === 'vm' ? 'A VM' : 'An NVA';
  if (!subnet) return { ok: false, reason: `${what} needs a network: drop it inside a subnet (inside a VNet).` };
  const ip = nextFreeIp(doc, subnet.id);
  if (!ip) return { ok: false, reason: `Subnet '${subnet.name}' has no free address left.` };
  const id = uniqueName(doc, kind);
  const nicId = uniqueName(doc, `${id}-nic`, new Set([id]));
  const stack = StackSchema.parse({});
  const host: Resource =
    kind === 'vm'
      ? { id, kind: 'vm', name: id, services: [], stack, loopbackIps: [] }
      : { id, kind: 'nva', name: id, healthPort: 8080, firewall: [], stack };
  const nic: ResourceOf<'nic'> = {
    id: nicId,
    kind: 'nic',
    name: nicId,
    vm: id,
    subnet: subnet.id,
    primary: true,
    enableIpForwarding: kind === 'nva',
    ipConfigs: [{ name: 'ipconfig1', privateIp: ip, primary: true, loadBalancerBackendPools: [] }],
  };
  return done(addResources(doc, [host, nic], { [id]: relative(doc, subnet.id, at) }), [id, nicId]);
}

function createPublicIp(doc: Scenario, at: Point): CreateResult {
  const address = nextFreePublicIp(doc, PUBLIC_IP_BLOCK);
  if (!address) return { ok: false, reason: 'No free public address is left in 20.48.0.0/16.' };
  const id = uniqueName(doc, 'pip');
  const r: Resource = { id, kind: 'publicIp', name: id, address, sku: 'Standard' };
  return done(addResources(doc, [r], { [id]: at }), [id]);
}

function createInternetHost(doc: Scenario, at: Point): CreateResult {
  const address = nextFreePublicIp(doc, INTERNET_BLOCK);
  if (!address) return { ok: false, reason: 'No free address is left in 13.107.0.0/16.' };
  const id = uniqueName(doc, 'host');
  const r: Resource = {
    id,
    kind: 'internetHost',
    name: id,
    address,
    services: [{ type: 'http-echo', port: 80, stopped: false }],
    stack: StackSchema.parse({}),
  };
  return done(addResources(doc, [r], { [id]: at }), [id]);
}

/** A public Standard load balancer comes with its public IP, a backend pool and no rules yet. */
function createLoadBalancer(doc: Scenario, at: Point): CreateResult {
  const address = nextFreePublicIp(doc, PUBLIC_IP_BLOCK);
  if (!address) return { ok: false, reason: 'No free public address is left for the load balancer frontend.' };
  const id = uniqueName(doc, 'lb');
  const pipId = uniqueName(doc, `${id}-pip`, new Set([id]));
  const pip: Resource = { id: pipId, kind: 'publicIp', name: pipId, address, sku: 'Standard' };
  const lb: Resource = {
    id,
    kind: 'loadBalancer',
    name: id,
    sku: 'Standard',
    frontends: [{ name: 'frontend1', publicIp: pipId }],
    backendPools: [{ name: 'pool1', tunnelInterfaces: [] }],
    probes: [],
    rules: [],
    outboundRules: [],
    noHealthyBackendsBehavior: 'AllProbedDown',
  };
  return done(addResources(doc, [lb, pip], { [id]: at, [pipId]: { x: at.x - 220, y: at.y } }), [id, pipId]);
}

/**
 * A gateway load balancer: a private frontend in the first subnet, a pool with the default VXLAN
 * tunnel interfaces (internal 10800/800, external 10801/801) and an HA-ports rule.
 */
function createGatewayLoadBalancer(doc: Scenario, at: Point): CreateResult {
  const subnet = containerAt(doc, at, 'subnet') ?? doc.resources.find((r) => r.kind === 'subnet');
  if (!subnet) return { ok: false, reason: "A gateway load balancer's frontend has a private IP in a subnet: add a VNet and a subnet first." };
  const ip = nextFreeIp(doc, subnet.id);
  if (!ip) return { ok: false, reason: `Subnet '${subnet.name}' has no free address for the gateway frontend.` };
  const id = uniqueName(doc, 'gwlb');
  const lb: Resource = {
    id,
    kind: 'loadBalancer',
    name: id,
    sku: 'Gateway',
    frontends: [{ name: 'frontend1', subnet: subnet.id, privateIp: ip }],
    backendPools: [
      {
        name: 'nvapool',
        tunnelInterfaces: [
          { type: 'Internal', protocol: 'VXLAN', port: 10800, identifier: 800 },
          { type: 'External', protocol: 'VXLAN', port: 10801, identifier: 801 },
        ],
      },
    ],
    probes: [{ name: 'health', protocol: 'Tcp', port: 8080, intervalInSeconds: 5, numberOfProbes: 2, probeThreshold: 1 }],
    rules: [haPortsRule()],
    outboundRules: [],
    noHealthyBackendsBehavior: 'AllProbedDown',
  };
  return done(addResources(doc, [lb], { [id]: containerAt(doc, at, 'vnet') ? outside(doc, subnet.id, at) : at }), [id]);
}

function haPortsRule(): ResourceOf<'loadBalancer'>['rules'][number] {
  return {
    name: 'haports',
    frontend: 'frontend1',
    backendPool: 'nvapool',
    protocol: 'All',
    frontendPort: 0,
    backendPort: 0,
    probe: 'health',
    enableFloatingIP: false,
    loadDistribution: 'Default',
    idleTimeoutInMinutes: 4,
    enableTcpReset: false,
    disableOutboundSnat: false,
  };
}

/** Load balancers are top-level nodes: one dropped on a VNet is placed just right of it. */
function outside(doc: Scenario, subnetId: string, at: Point): Point {
  const vnet = doc.resources.find((r) => r.id === subnetId);
  const box = vnet && vnet.kind === 'subnet' ? absoluteBox(doc, vnet.vnet) : undefined;
  return box ? { x: box.x + box.width + 40, y: at.y } : at;
}

/**
 * A Linux router dropped into a subnet: the router with IP forwarding on and its eth0 there. The
 * router is a top-level node placed just right of the subnet's VNet (its interfaces may end up in
 * several subnets and VNets); an edge from each subnet to its eth row shows where it is attached.
 */
function createRouter(doc: Scenario, at: Point): CreateResult {
  const subnet = containerAt(doc, at, 'subnet');
  if (!subnet) return { ok: false, reason: 'A Linux router needs a network for its eth0: drop it inside a subnet (inside a VNet).' };
  const id = uniqueName(doc, 'router');
  const router: Resource = { id, kind: 'linuxRouter', name: id, uplinks: [], routes: [], iptables: [], ipForward: true, conntrackMax: 262_144, stack: StackSchema.parse({}) };
  const placed = addResources(doc, [router], { [id]: freeRightOf(doc, subnet.id, at) });
  const eth0 = addRouterInterface(placed, id, subnet.id);
  return eth0.ok ? done(eth0.doc, [id, ...eth0.ids]) : eth0;
}

const TOP_LEVEL = new Set<Resource['kind']>(['loadBalancer', 'linuxRouter', 'publicIp', 'publicIpPrefix', 'natGateway', 'awsNatGateway', 'gcpCloudNat', 'routeTable', 'internetHost']);

/** Just right of the subnet's VNet, moved down past any top-level node already there. */
function freeRightOf(doc: Scenario, subnetId: string, at: Point): Point {
  const spot = outside(doc, subnetId, at);
  const taken = doc.resources.filter((r) => TOP_LEVEL.has(r.kind)).flatMap((r) => (doc.layout[r.id] ? [doc.layout[r.id]!] : []));
  const busy = (p: Point) => taken.some((b) => Math.abs(b.x - p.x) < 200 && Math.abs(b.y - p.y) < 90);
  let p = spot;
  for (let i = 0; i < 12 && busy(p); i++) p = { x: spot.x, y: spot.y + (i + 1) * 100 };
  return p;
}

/**
 * Another interface for a Linux router: a NIC in `subnetId` with the subnet's next free address
 * and IP forwarding on (Azure drops forwarded packets on a NIC without it). NICs are the
 * router's eth0, eth1, ... in document order, so the new one is inserted after its last NIC.
 */
export function addRouterInterface(doc: Scenario, routerId: string, subnetId: string): CreateResult {
  const router = doc.resources.find((r) => r.id === routerId);
  const subnet = doc.resources.find((r) => r.id === subnetId);
  if (!router || router.kind !== 'linuxRouter' || !subnet || subnet.kind !== 'subnet') return { ok: false, reason: 'That router or subnet no longer exists.' };
  const nics = doc.resources.filter((r): r is ResourceOf<'nic'> => r.kind === 'nic' && r.vm === routerId);
  const eth = (i: number) => `eth${i}`;
  const already = nics.findIndex((n) => n.subnet === subnetId);
  if (already >= 0) return { ok: false, reason: `Linux router '${router.name}' already has ${eth(already)} in subnet '${subnet.name}'.` };
  const ip = nextFreeIp(doc, subnetId);
  if (!ip) return { ok: false, reason: `Subnet '${subnet.name}' has no free address left.` };
  const nicId = uniqueName(doc, `${routerId}-nic`);
  const nic: ResourceOf<'nic'> = {
    id: nicId,
    kind: 'nic',
    name: nicId,
    vm: routerId,
    subnet: subnetId,
    primary: nics.length === 0,
    enableIpForwarding: true,
    ipConfigs: [{ name: 'ipconfig1', privateIp: ip, primary: true, loadBalancerBackendPools: [] }],
  };
  const last = doc.resources.lastIndexOf(nics[nics.length - 1] ?? router);
  const resources = [...doc.resources.slice(0, last + 1), nic, ...doc.resources.slice(last + 1)];
  return done({ ...doc, resources }, [nicId]);
}

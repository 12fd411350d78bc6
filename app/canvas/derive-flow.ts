/**
 * React Flow nodes and edges, derived from the scenario document (xyflow's controlled flow): the
 * document is the truth, nodes and edges are views of it. Containers (VNet > subnet > host) are
 * parent/child nodes; NICs are drawn inside their host; every edge is one reference of
 * `referencesOf`, so deleting an edge deletes exactly that reference.
 */
import type { Edge, Node } from '@xyflow/react';
import { referencesOf, type ReferenceSpec } from '../../engine/model/references.ts';
import type { Resource, ResourceOf, Scenario } from '../../engine/model/scenario.ts';
import { absoluteBox, boxOf, parentOf } from '../state/geometry.ts';
import { handleIds } from '../state/ops/endpoints.ts';
import type { Path } from '../state/ops/paths.ts';

export interface ResourceNodeData extends Record<string, unknown> {
  readonly resource: Resource;
  /** For hosts: their NICs, drawn inside the node with one handle per ipconfig. */
  readonly nics: readonly ResourceOf<'nic'>[];
  readonly errors: number;
}

export interface ReferenceEdgeData extends Record<string, unknown> {
  readonly resourceId: string;
  readonly path: Path;
  readonly relation: string;
}

export type ResourceNode = Node<ResourceNodeData>;
export type ReferenceEdge = Edge<ReferenceEdgeData>;

const NODE_TYPE: Partial<Record<Resource['kind'], string>> = {
  vnet: 'vnet',
  subnet: 'subnet',
  vm: 'host',
  nva: 'host',
  loadBalancer: 'loadBalancer',
  publicIp: 'publicIp',
  publicIpPrefix: 'publicIpPrefix',
  natGateway: 'natGateway',
  awsNatGateway: 'natGateway',
  gcpCloudNat: 'natGateway',
  internetHost: 'internetHost',
  linuxRouter: 'linuxRouter',
  routeTable: 'routeTable',
};

const DEPTH: Partial<Record<Resource['kind'], number>> = { vnet: 0, subnet: 1, vm: 2, nva: 2 };

const EMPTY: readonly ResourceOf<'nic'>[] = [];

/** Reuses the previous node object when nothing it shows has changed, so memoised nodes skip rendering. */
const nodeCache = new Map<string, { key: unknown[]; node: ResourceNode }>();

const sameKey = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function deriveNodes(doc: Scenario, selection: ReadonlySet<string>, errorCounts: ReadonlyMap<string, number>): ResourceNode[] {
  const nicsByHost = new Map<string, ResourceOf<'nic'>[]>();
  for (const r of doc.resources) if (r.kind === 'nic') nicsByHost.set(r.vm, [...(nicsByHost.get(r.vm) ?? []), r]);
  const out: ResourceNode[] = [];
  const drawn = doc.resources.filter((r) => NODE_TYPE[r.kind] !== undefined);
  drawn.forEach((r, index) => {
    const parentId = parentOf(doc, r);
    const box = boxOf(doc, r, index);
    const nics = nicsByHost.get(r.id) ?? EMPTY;
    const selected = selection.has(r.id);
    const errors = errorCounts.get(r.id) ?? 0;
    const key = [r, doc.layout[r.id], parentId, selected, errors, index, ...nics];
    const hit = nodeCache.get(r.id);
    if (hit && sameKey(hit.key, key)) {
      out.push(hit.node);
      return;
    }
    const node: ResourceNode = {
      id: r.id,
      type: NODE_TYPE[r.kind]!,
      position: { x: box.x, y: box.y },
      data: { resource: r, nics, errors },
      selected,
      ariaLabel: `${r.kind} ${r.name}`,
      ...(parentId ? { parentId, extent: 'parent' as const } : {}),
      ...(r.kind === 'vnet' || r.kind === 'subnet' ? { width: box.width, height: box.height, dragHandle: '.container-title' } : {}),
    };
    nodeCache.set(r.id, { key, node });
    out.push(node);
  });
  // React Flow wants parents before children.
  return out.sort((a, b) => (DEPTH[a.data.resource.kind] ?? 3) - (DEPTH[b.data.resource.kind] ?? 3));
}

interface End {
  node: string;
  handle: string;
}

/** Where a reference is drawn from and to, or null when either end is not on the canvas. */
function ends(doc: Scenario, r: Resource, ref: ReferenceSpec): [End, End] | null {
  const [targetId = '', partName] = ref.target.split('/');
  const target = doc.resources.find((x) => x.id === targetId);
  if (!target) return null;
  const partIndex = (): number => {
    if (target.kind !== 'loadBalancer') return -1;
    const list = ref.part === 'frontend' ? target.frontends : target.backendPools;
    return list.findIndex((p) => p.name === partName);
  };
  const [head, i] = ref.path;
  if (r.kind === 'nic' && head === 'ipConfigs' && typeof i === 'number') {
    const own = { node: r.vm, handle: handleIds.ipc(r.id, i) };
    if (ref.path[2] === 'publicIp') return [{ node: target.id, handle: handleIds.pip }, own];
    const k = partIndex();
    if (k < 0) return null;
    return [own, { node: target.id, handle: ref.part === 'frontend' ? handleIds.fe(k) : handleIds.pool(k) }];
  }
  if (r.kind === 'loadBalancer' && head === 'frontends' && typeof i === 'number') {
    const own = { node: r.id, handle: handleIds.fe(i) };
    const field = ref.path[2];
    if (field === 'publicIp') return [{ node: target.id, handle: handleIds.pip }, own];
    if (field === 'publicIpPrefix') return [{ node: target.id, handle: handleIds.prefix }, own];
    if (field === 'subnet') return [own, { node: target.id, handle: handleIds.subnetOut }];
    const k = partIndex();
    return k < 0 ? null : [own, { node: target.id, handle: handleIds.fe(k) }];
  }
  if (r.kind === 'subnet' && head === 'routeTable') return [{ node: r.id, handle: handleIds.subnetOut }, { node: target.id, handle: routeTableHandle(doc, r.id, target.id) }];
  if (r.kind === 'nic' && head === 'subnet') return routerLeg(doc, r, target.id);
  if (r.kind === 'subnet' && head === 'natGateway') return [{ node: r.id, handle: handleIds.subnetOut }, { node: target.id, handle: handleIds.natgw }];
  if (r.kind === 'natGateway') return [{ node: r.id, handle: handleIds.natgw }, { node: target.id, handle: head === 'publicIps' ? handleIds.pip : handleIds.prefix }];
  if (r.kind === 'awsNatGateway' || r.kind === 'gcpCloudNat') return [{ node: r.id, handle: handleIds.natgw }, { node: target.id, handle: handleIds.pip }];
  return null;
}

/** A route table drawn below its subnet is entered from above, otherwise from its left. */
function routeTableHandle(doc: Scenario, subnetId: string, tableId: string): string {
  const s = absoluteBox(doc, subnetId);
  const t = absoluteBox(doc, tableId);
  return s && t && t.y > s.y + s.height && t.x < s.x + s.width ? handleIds.routeTableTop : handleIds.routeTable;
}

/**
 * A Linux router is a top-level node (its interfaces often sit in several subnets and VNets, as an
 * OpenStack router's do): each NIC is an edge from its subnet to the interface's row (eth0, eth1,
 * ...). A VM's or NVA's subnet is its container instead.
 */
function routerLeg(doc: Scenario, nic: ResourceOf<'nic'>, subnetId: string): [End, End] | null {
  const host = doc.resources.find((x) => x.id === nic.vm);
  if (!host || host.kind !== 'linuxRouter') return null;
  return [{ node: subnetId, handle: handleIds.subnetOut }, { node: host.id, handle: handleIds.routerIf(nic.id) }];
}

function relationOf(ref: ReferenceSpec): string {
  const last = ref.path.filter((p) => typeof p === 'string').pop() ?? '';
  return last === 'loadBalancerBackendPools' ? 'backend pool' : last === 'publicIps' ? 'public IP' : last.replace(/([A-Z])/g, ' $1').toLowerCase();
}

export function deriveEdges(doc: Scenario, selectedEdges: ReadonlySet<string>): ReferenceEdge[] {
  const hosts = new Set(doc.resources.filter((r) => NODE_TYPE[r.kind] !== undefined).map((r) => r.id));
  const out: ReferenceEdge[] = [];
  for (const r of doc.resources) {
    for (const ref of referencesOf(r)) {
      const e = ends(doc, r, ref);
      if (!e || !hosts.has(e[0].node) || !hosts.has(e[1].node)) continue;
      const id = `${r.id}::${ref.path.join('.')}`;
      const relation = relationOf(ref);
      out.push({
        id,
        source: e[0].node,
        sourceHandle: e[0].handle,
        target: e[1].node,
        targetHandle: e[1].handle,
        selected: selectedEdges.has(id),
        className: `edge-${relation.replace(/\s+/g, '-')}`,
        ariaLabel: `${r.name} ${relation} ${ref.target}`,
        data: { resourceId: r.id, path: ref.path, relation },
      });
    }
  }
  return out;
}

/** Errors per resource id, for the badge on each node. */
export function errorCountsOf(issues: readonly { resourceId?: string; severity: string }[], doc: Scenario): Map<string, number> {
  const hostOfNic = new Map(doc.resources.filter((r) => r.kind === 'nic').map((r) => [r.id, r.kind === 'nic' ? r.vm : '']));
  const out = new Map<string, number>();
  for (const i of issues) {
    if (i.severity !== 'error' || !i.resourceId) continue;
    const id = hostOfNic.get(i.resourceId) ?? i.resourceId;
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

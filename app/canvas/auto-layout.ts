/**
 * Auto-layout with ELK (layered, left to right), loaded on demand so it stays out of the initial
 * bundle. Containers are laid out hierarchically (VNet > subnet > hosts); ELK returns positions
 * relative to the parent, which is exactly how `document.layout` stores them.
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { Scenario } from '../../engine/model/scenario.ts';
import { parentOf } from '../state/geometry.ts';
import type { ReferenceEdge, ResourceNode } from './derive-flow.ts';

const RANK: Partial<Record<string, number>> = { vnet: 0, subnet: 0, vm: 0, nva: 0, loadBalancer: 1, natGateway: 1, awsNatGateway: 1, gcpCloudNat: 1, linuxRouter: 1, routeTable: 1, publicIp: 2, publicIpPrefix: 2, internetHost: 3 };

const CONTAINER_OPTIONS = {
  'elk.padding': '[top=48,left=20,bottom=20,right=20]',
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.spacing.nodeNode': '30',
};

/** Builds the ELK graph from the document and the measured nodes. */
export function toElkGraph(doc: Scenario, nodes: readonly ResourceNode[], edges: readonly ReferenceEdge[]): ElkNode {
  const byId = new Map<string, ElkNode>();
  const root: ElkNode = {
    id: '__root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '40',
    },
    children: [],
    edges: [],
  };
  for (const n of nodes) {
    const container = n.type === 'vnet' || n.type === 'subnet';
    byId.set(n.id, {
      id: n.id,
      width: container ? 220 : (n.measured?.width ?? 200),
      height: container ? 120 : (n.measured?.height ?? 60),
      ...(container ? { layoutOptions: CONTAINER_OPTIONS, children: [] } : {}),
      ...(n.type === 'internetHost' ? { layoutOptions: { 'elk.layered.layering.layerConstraint': 'LAST' } } : {}),
    });
  }
  for (const n of nodes) {
    const elk = byId.get(n.id)!;
    const parent = parentOf(doc, n.data.resource);
    const holder = parent ? byId.get(parent) : undefined;
    (holder ?? root).children!.push(elk);
  }
  // Orient every edge from the inside out (hosts -> load balancers -> public IPs) so that ELK
  // puts the VNets left and the Internet right, whichever way the reference points.
  const rankOf = (id: string) => RANK[doc.resources.find((r) => r.id === id)?.kind ?? 'vm'] ?? 0;
  root.edges = edges.map((e): ElkExtendedEdge => {
    const [a, b] = rankOf(e.source) <= rankOf(e.target) ? [e.source, e.target] : [e.target, e.source];
    return { id: e.id, sources: [a], targets: [b] };
  });
  return root;
}

/** Writes ELK's positions (and container sizes) into the document's layout. */
export function applyElkLayout(doc: Scenario, graph: ElkNode): Scenario {
  const layout = { ...doc.layout };
  const containers = new Set(doc.resources.filter((r) => r.kind === 'vnet' || r.kind === 'subnet').map((r) => r.id));
  const visit = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      const container = containers.has(c.id);
      layout[c.id] = {
        x: Math.round(c.x ?? 0),
        y: Math.round(c.y ?? 0),
        ...(container ? { width: Math.round(c.width ?? 220), height: Math.round(c.height ?? 120) } : {}),
      };
      visit(c);
    }
  };
  visit(graph);
  return { ...doc, layout };
}

export async function autoLayout(doc: Scenario, nodes: readonly ResourceNode[], edges: readonly ReferenceEdge[]): Promise<Scenario> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const graph = await elk.layout(toElkGraph(doc, nodes, edges));
  return applyElkLayout(doc, graph);
}

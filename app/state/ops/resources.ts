/** Small immutable helpers over the document's resources and layout. */
import type { Resource, ResourceKind, ResourceOf, Scenario } from '../../../engine/model/scenario.ts';

export function findResource(doc: Scenario, id: string): Resource | undefined {
  return doc.resources.find((r) => r.id === id);
}

export function findOfKind<K extends ResourceKind>(doc: Scenario, id: string, kind: K): ResourceOf<K> | undefined {
  const r = findResource(doc, id);
  return r && r.kind === kind ? (r as ResourceOf<K>) : undefined;
}

export function replaceResource(doc: Scenario, next: Resource): Scenario {
  return { ...doc, resources: doc.resources.map((r) => (r.id === next.id ? next : r)) };
}

export function addResources(doc: Scenario, added: Resource[], layout: Scenario['layout'] = {}): Scenario {
  return { ...doc, resources: [...doc.resources, ...added], layout: { ...doc.layout, ...layout } };
}

/** The NICs attached to a VM or NVA. */
export function nicsOf(doc: Scenario, hostId: string): ResourceOf<'nic'>[] {
  return doc.resources.filter((r): r is ResourceOf<'nic'> => r.kind === 'nic' && r.vm === hostId);
}

/** Moves (and optionally resizes) a resource on the canvas; positions are relative to its container. */
export function setLayout(doc: Scenario, id: string, box: { x?: number; y?: number; width?: number; height?: number }): Scenario {
  const prev = doc.layout[id] ?? { x: 0, y: 0 };
  const next = { ...prev, ...box };
  next.x = Math.round(next.x);
  next.y = Math.round(next.y);
  if (next.width !== undefined) next.width = Math.round(next.width);
  if (next.height !== undefined) next.height = Math.round(next.height);
  return { ...doc, layout: { ...doc.layout, [id]: next } };
}

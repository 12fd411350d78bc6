/**
 * Where things sit on the canvas, derived from the document: which container a resource lives
 * in (VNet > subnet > VM/NVA), default sizes, and absolute positions. Positions in
 * `document.layout` are relative to the container, as React Flow's parent/child nodes are.
 */
import type { Resource, Scenario } from '../../engine/model/scenario.ts';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export const DEFAULT_SIZE: Record<string, { width: number; height: number }> = {
  vnet: { width: 560, height: 380 },
  subnet: { width: 500, height: 280 },
};

/** The container a resource is drawn inside: a subnet's VNet, a host's (primary NIC's) subnet. */
export function parentOf(doc: Scenario, r: Resource): string | undefined {
  if (r.kind === 'subnet') return exists(doc, r.vnet, 'vnet') ? r.vnet : undefined;
  if (r.kind === 'vm' || r.kind === 'nva') {
    const nics = doc.resources.filter((n) => n.kind === 'nic' && n.vm === r.id);
    const nic = nics.find((n) => n.kind === 'nic' && n.primary) ?? nics[0];
    return nic && nic.kind === 'nic' && exists(doc, nic.subnet, 'subnet') ? nic.subnet : undefined;
  }
  return undefined;
}

function exists(doc: Scenario, id: string, kind: Resource['kind']): boolean {
  return doc.resources.some((r) => r.id === id && r.kind === kind);
}

export function isContainer(kind: Resource['kind']): boolean {
  return kind === 'vnet' || kind === 'subnet';
}

/** The layout box of a resource, relative to its container. */
export function boxOf(doc: Scenario, r: Resource, index = 0): Box {
  const l = doc.layout[r.id];
  const size = DEFAULT_SIZE[r.kind];
  return {
    x: l?.x ?? 40 + (index % 4) * 240,
    y: l?.y ?? 40 + Math.floor(index / 4) * 160,
    width: l?.width ?? size?.width ?? 0,
    height: l?.height ?? size?.height ?? 0,
  };
}

/** Absolute position of a resource (sum of its containers' positions). */
export function absoluteBox(doc: Scenario, id: string): Box | undefined {
  const r = doc.resources.find((x) => x.id === id);
  if (!r) return undefined;
  const own = boxOf(doc, r);
  const parent = parentOf(doc, r);
  const p = parent ? absoluteBox(doc, parent) : undefined;
  return p ? { ...own, x: own.x + p.x, y: own.y + p.y } : own;
}

/** The innermost container of the given kind under a point (absolute flow coordinates). */
export function containerAt(doc: Scenario, point: { x: number; y: number }, kind: 'vnet' | 'subnet'): Resource | undefined {
  let best: Resource | undefined;
  for (const r of doc.resources) {
    if (r.kind !== kind) continue;
    const b = absoluteBox(doc, r.id);
    if (b && point.x >= b.x && point.x <= b.x + b.width && point.y >= b.y && point.y <= b.y + b.height) best = r;
  }
  return best;
}

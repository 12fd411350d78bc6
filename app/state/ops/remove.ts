/**
 * Deleting resources so that nothing dangles: a VNet takes its subnets, a subnet its hosts, a
 * host its NICs; every reference to a deleted resource is removed from the resources that hold
 * it (read from `referencesOf`, the same table validation uses), and so are traffic generators,
 * capture points and timeline entries that act on it.
 */
import { referencesOf } from '../../../engine/model/references.ts';
import { timelineTarget, type Resource, type Scenario } from '../../../engine/model/scenario.ts';
import { removalOrder, removeIn, type Path } from './paths.ts';

/** The ids to delete: the selection plus everything that cannot exist without it. */
export function cascade(doc: Scenario, ids: readonly string[]): Set<string> {
  const gone = new Set(ids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of doc.resources) {
      if (gone.has(r.id)) continue;
      const owner = r.kind === 'subnet' ? r.vnet : r.kind === 'nic' ? (gone.has(r.vm) ? r.vm : r.subnet) : undefined;
      if (owner !== undefined && gone.has(owner)) {
        gone.add(r.id);
        if (r.kind === 'nic') gone.add(r.vm);
        grew = true;
      }
    }
  }
  // A VM whose only NICs are gone goes too (it was inside a deleted subnet).
  for (const r of doc.resources)
    if ((r.kind === 'vm' || r.kind === 'nva' || r.kind === 'linuxRouter') && gone.has(r.id))
      for (const n of doc.resources) if (n.kind === 'nic' && n.vm === r.id) gone.add(n.id);
  return gone;
}

/** Removes the references of `r` whose target is in `gone`. */
export function pruneReferences(r: Resource, gone: ReadonlySet<string>): Resource {
  const paths: Path[] = referencesOf(r)
    .filter((ref) => gone.has(ref.target.split('/')[0] ?? ''))
    .map((ref) => ref.path);
  let out = r;
  for (const p of removalOrder(paths)) out = removeIn(out, p);
  // An internal frontend whose subnet went also loses its private IP, which lived in that subnet.
  if (out.kind === 'loadBalancer')
    out = { ...out, frontends: out.frontends.map((f) => (f.subnet === undefined && f.publicIp === undefined ? withoutPrivateIp(f) : f)) };
  return out;
}

function withoutPrivateIp<T extends { privateIp?: string }>(f: T): T {
  const { privateIp: _gone, ...rest } = f;
  return rest as T;
}

export function deleteResources(doc: Scenario, ids: readonly string[]): Scenario {
  const gone = cascade(doc, ids);
  if (!doc.resources.some((r) => gone.has(r.id))) return doc;
  const targetHost = (to: string) => to.split(':')[0] ?? '';
  const layout = { ...doc.layout };
  for (const id of gone) delete layout[id];
  return {
    ...doc,
    resources: doc.resources.filter((r) => !gone.has(r.id)).map((r) => pruneReferences(r, gone)),
    traffic: doc.traffic.filter((t) => !gone.has(t.from) && !gone.has(targetHost(t.to))),
    captures: doc.captures.filter((c) => !gone.has(c.node)),
    timeline: doc.timeline.filter((e) => !gone.has(timelineTarget(e))),
    layout,
  };
}

/**
 * Removes one reference (an edge on the canvas): `resourceId` holds it at `path`. A NIC cannot
 * live without its subnet: the edge from a Linux router's interface to another subnet removes
 * that interface (the NIC), unless it is the router's last one.
 */
export function removeReference(doc: Scenario, resourceId: string, path: Path): Scenario {
  const owner = doc.resources.find((r) => r.id === resourceId);
  if (owner?.kind === 'nic' && path.length === 1 && path[0] === 'subnet') {
    const siblings = doc.resources.filter((r) => r.kind === 'nic' && r.vm === owner.vm).length;
    return siblings > 1 ? deleteResources(doc, [resourceId]) : doc;
  }
  return { ...doc, resources: doc.resources.map((r) => (r.id === resourceId ? removeIn(r, path) : r)) };
}

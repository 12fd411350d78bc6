/**
 * Renaming a resource id rewrites every place that names it (references, layout, traffic,
 * captures, timeline), so that an id edit in the inspector never leaves anything dangling.
 */
import { referencesOf } from '../../../engine/model/references.ts';
import { retargetTimeline, timelineTarget, type Resource, type Scenario } from '../../../engine/model/scenario.ts';
import { setIn } from './paths.ts';

function renameRefs(r: Resource, from: string, to: string): Resource {
  let out = r;
  for (const ref of referencesOf(r)) {
    const [id, part] = ref.target.split('/');
    if (id !== from) continue;
    out = setIn(out, ref.path, part === undefined ? to : `${to}/${part}`);
  }
  return out;
}

export function renameId(doc: Scenario, from: string, to: string): Scenario {
  if (from === to) return doc;
  const swap = (v: string) => (v === from ? to : v);
  const swapTarget = (t: string) => {
    const [host, port] = t.split(':');
    return host === from ? (port === undefined ? to : `${to}:${port}`) : t;
  };
  const layout = { ...doc.layout };
  const box = layout[from];
  if (box) {
    delete layout[from];
    layout[to] = box;
  }
  return {
    ...doc,
    resources: doc.resources.map((r) => renameRefs(r.id === from ? { ...r, id: to } : r, from, to)),
    traffic: doc.traffic.map((t) => ({ ...t, from: swap(t.from), to: swapTarget(t.to) })),
    captures: doc.captures.map((c) => ({ ...c, node: swap(c.node) })),
    timeline: doc.timeline.map((e) => retargetTimeline(e, swap(timelineTarget(e)))),
    layout,
  };
}

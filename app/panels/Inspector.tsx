/**
 * The inspector: every field of the selected resource (a VM with its NICs), or the scenario's
 * own fields when nothing is selected. Validation messages sit next to the field they are about.
 */
import { memo } from 'react';
import { useDocumentStore } from '../state/document-store.ts';
import { useValidation } from '../state/validation.ts';
import { select, useViewStore } from '../state/view-store.ts';
import { RESOURCE_IDS_LIST } from './field-context.ts';
import { ResourceForm } from './ResourceForm.tsx';
import { ScenarioForm } from './ScenarioForm.tsx';
import { OutboundSection } from './snat/OutboundSection.tsx';
import { NatBehaviourSection } from './snat/NatBehaviourSection.tsx';
import { CaptureHere } from './capture/CaptureHere.tsx';
import { LbSection } from './lb/LbSection.tsx';
import { RouterBehaviour, RouterInterfaces } from './netfilter/RouterSection.tsx';

function ResourceIds() {
  const ids = useDocumentStore((s) => s.doc.resources);
  return (
    <datalist id={RESOURCE_IDS_LIST}>
      {ids.map((r) => (
        <option key={r.id} value={r.id}>
          {r.kind}
        </option>
      ))}
    </datalist>
  );
}

function ProblemCount() {
  const v = useValidation();
  if (!v.errors.length) return <p className="inspector-ok">No problems found.</p>;
  return (
    <p className="inspector-problems">
      {v.errors.length} problem{v.errors.length === 1 ? '' : 's'} in the scenario (marked in red on the canvas).
    </p>
  );
}

export const Inspector = memo(function Inspector() {
  const selection = useViewStore((s) => s.selection);
  const resources = useDocumentStore((s) => s.doc.resources);
  const selected = selection.map((id) => resources.find((r) => r.id === id)).filter((r) => r !== undefined);
  const one = selected.length === 1 ? selected[0] : undefined;
  const nics = one && (one.kind === 'vm' || one.kind === 'nva' || one.kind === 'linuxRouter') ? resources.filter((r) => r.kind === 'nic' && r.vm === one.id) : [];
  return (
    <aside className="inspector" aria-label="Inspector">
      <h2 className="panel-title">Inspector</h2>
      <ProblemCount />
      <ResourceIds />
      {selected.length === 0 && <ScenarioForm />}
      {one && <ResourceForm key={one.id} resourceId={one.id} {...(one.kind === 'linuxRouter' ? { intro: <RouterInterfaces router={one} /> } : {})} />}
      {nics.map((n) => (
        <ResourceForm key={n.id} resourceId={n.id} nested />
      ))}
      {one && one.kind === 'vm' && <OutboundSection vmId={one.id} />}
      {one && <NatBehaviourSection resource={one} />}
      {one && one.kind === 'linuxRouter' && <RouterBehaviour router={one} />}
      {one && one.kind === 'loadBalancer' && one.sku !== 'Gateway' && <LbSection lbId={one.id} />}
      {one && <CaptureHere nodeId={one.id} />}
      {selected.length > 1 && (
        <section className="form">
          <h3 className="form-title">{selected.length} selected</h3>
          <ul className="plain-list">
            {selected.map((r) => (
              <li key={r.id}>
                <button type="button" className="link" onClick={() => select([r.id])}>
                  {r.kind} {r.name}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </aside>
  );
});

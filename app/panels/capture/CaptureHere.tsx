/** The inspector's capture section for a node: "Capture here" and the node's capture points. */
import { useDocumentStore } from '../../state/document-store.ts';
import './capture-points.css';
import { canCapture, captureHere, capturesOn } from './capture-points.ts';
import { CaptureFilterInput } from './CaptureFilterInput.tsx';

export function CaptureHere({ nodeId }: { nodeId: string }) {
  const doc = useDocumentStore((s) => s.doc);
  if (!canCapture(doc, nodeId)) return null;
  const points = capturesOn(doc, nodeId);
  return (
    <section className="form cap-here" aria-label={`Capture on ${nodeId}`}>
      <h3 className="form-title">Capture</h3>
      {points.map((c) => (
        <CaptureFilterInput key={`${c.id}|${c.filter ?? ''}`} capture={c} />
      ))}
      <button type="button" className="btn-small" onClick={() => captureHere(nodeId)}>
        Capture here
      </button>
    </section>
  );
}

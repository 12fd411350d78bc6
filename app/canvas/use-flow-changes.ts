/**
 * React Flow's changes turned back into document actions: moves and resizes become layout edits
 * (one drag = one undo step), selection goes to the view store, connections become references.
 */
import type { Connection, EdgeChange, NodeChange } from '@xyflow/react';
import { useCallback } from 'react';
import { beginGesture, commit, endGesture, useDocumentStore } from '../state/document-store.ts';
import { connect } from '../state/ops/connect.ts';
import { parseEndpoint } from '../state/ops/endpoints.ts';
import { setLayout } from '../state/ops/resources.ts';
import { select, showStatus, useViewStore } from '../state/view-store.ts';
import type { ReferenceEdge, ResourceNode } from './derive-flow.ts';

export type Dimensions = { width: number; height: number };

function applySelection(current: readonly string[], changes: { id: string; selected: boolean }[]): string[] {
  const set = new Set(current);
  for (const c of changes) {
    if (c.selected) set.add(c.id);
    else set.delete(c.id);
  }
  return [...set];
}

export function useFlowChanges(onMeasured: (dims: Map<string, Dimensions>) => void) {
  const onNodesChange = useCallback(
    (changes: NodeChange<ResourceNode>[]) => {
      let doc = useDocumentStore.getState().doc;
      const measured = new Map<string, Dimensions>();
      const selects: { id: string; selected: boolean }[] = [];
      let resizing: boolean | undefined;
      for (const c of changes) {
        if (c.type === 'position' && c.position) doc = setLayout(doc, c.id, c.position);
        else if (c.type === 'dimensions' && c.dimensions) {
          measured.set(c.id, c.dimensions);
          if (c.resizing !== undefined) {
            resizing = c.resizing;
            if (c.resizing) doc = setLayout(doc, c.id, c.dimensions);
          }
        } else if (c.type === 'select') selects.push({ id: c.id, selected: c.selected });
      }
      if (resizing === true) beginGesture();
      commit(doc);
      if (resizing === false) endGesture();
      if (measured.size) onMeasured(measured);
      if (selects.length) {
        const v = useViewStore.getState();
        select(applySelection(v.selection, selects), v.selectedEdges);
      }
    },
    [onMeasured],
  );

  const onEdgesChange = useCallback((changes: EdgeChange<ReferenceEdge>[]) => {
    const selects = changes.flatMap((c) => (c.type === 'select' ? [{ id: c.id, selected: c.selected }] : []));
    if (!selects.length) return;
    const v = useViewStore.getState();
    select(v.selection, applySelection(v.selectedEdges, selects));
  }, []);

  const onConnect = useCallback((conn: Connection) => {
    const doc = useDocumentStore.getState().doc;
    const kindOf = (id: string) => doc.resources.find((r) => r.id === id)?.kind ?? '';
    const a = parseEndpoint(kindOf(conn.source), conn.source, conn.sourceHandle);
    const b = parseEndpoint(kindOf(conn.target), conn.target, conn.targetHandle);
    if (!a || !b) {
      showStatus('Those two handles cannot be connected.');
      return;
    }
    const r = connect(doc, a, b);
    if (!r.ok) {
      showStatus(`Connection refused: ${r.reason}`);
      return;
    }
    commit(r.doc);
    showStatus('Connected.', 'info');
  }, []);

  const onNodeDragStart = useCallback(() => beginGesture(), []);
  const onNodeDragStop = useCallback(() => endGesture(), []);

  return { onNodesChange, onEdgesChange, onConnect, onNodeDragStart, onNodeDragStop };
}

/** Dropping palette items on the canvas creates resources (or says why it cannot). */
import { useCallback, type DragEvent } from 'react';
import { edit, useDocumentStore } from '../state/document-store.ts';
import { createResource, type PaletteKind } from '../state/ops/create.ts';
import { select, showStatus } from '../state/view-store.ts';
import { getFlowApi } from './flow-api.ts';
import { PALETTE, PALETTE_MIME } from './palette-items.ts';

export function addAt(kind: PaletteKind, at: { x: number; y: number }): boolean {
  const r = createResource(useDocumentStore.getState().doc, kind, { x: Math.round(at.x), y: Math.round(at.y) });
  if (!r.ok) {
    showStatus(r.reason);
    return false;
  }
  edit(() => r.doc);
  select([r.ids[0]!]);
  const label = PALETTE.find((p) => p.kind === kind)?.label ?? kind;
  showStatus(`Added ${label} '${r.ids[0]}'.`, 'info');
  return true;
}

const isKind = (v: string): v is PaletteKind => PALETTE.some((p) => p.kind === v);

export function useDrop() {
  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(PALETTE_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);
  const onDrop = useCallback((e: DragEvent) => {
    const kind = e.dataTransfer.getData(PALETTE_MIME);
    const api = getFlowApi();
    if (!kind || !isKind(kind) || !api) return;
    e.preventDefault();
    addAt(kind, api.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  }, []);
  return { onDragOver, onDrop };
}

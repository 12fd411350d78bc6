/** Undo, redo, delete, copy, paste, select all: the editing actions of the canvas. */
import { redo, undo, edit, useDocumentStore } from '../state/document-store.ts';
import { copyResources, pasteResources, type ClipboardPayload } from '../state/ops/clipboard.ts';
import { deleteResources, removeReference } from '../state/ops/remove.ts';
import type { Path } from '../state/ops/paths.ts';
import { select, showStatus, useViewStore } from '../state/view-store.ts';
import { ctrl, type Action } from './types.ts';

let clipboard: ClipboardPayload | null = null;
let pasteCount = 0;

const key = (e: KeyboardEvent) => e.key.toLowerCase();

export const undoAction: Action = {
  name: 'undo',
  label: 'Undo',
  shortcut: 'Ctrl+Z',
  keyTest: (e) => ctrl(e) && !e.shiftKey && key(e) === 'z',
  perform: () => void undo(),
};

export const redoAction: Action = {
  name: 'redo',
  label: 'Redo',
  shortcut: 'Ctrl+Shift+Z',
  keyTest: (e) => ctrl(e) && ((e.shiftKey && key(e) === 'z') || (!e.shiftKey && key(e) === 'y')),
  perform: () => void redo(),
};

/** Deletes the selected resources (and what depends on them) and the selected references. */
export const deleteAction: Action = {
  name: 'delete',
  label: 'Delete selection',
  shortcut: 'Delete',
  keyTest: (e) => !ctrl(e) && (e.key === 'Delete' || e.key === 'Backspace'),
  perform() {
    const { selection, selectedEdges } = useViewStore.getState();
    if (!selection.length && !selectedEdges.length) return;
    edit((doc) => {
      let next = doc;
      for (const edgeId of selectedEdges) {
        const [resourceId = '', dotted = ''] = edgeId.split('::');
        const path: Path = dotted.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        next = removeReference(next, resourceId, path);
      }
      return deleteResources(next, selection);
    });
    select([]);
  },
};

export const copyAction: Action = {
  name: 'copy',
  label: 'Copy',
  shortcut: 'Ctrl+C',
  keyTest: (e) => ctrl(e) && !e.shiftKey && key(e) === 'c',
  perform() {
    const { selection } = useViewStore.getState();
    const payload = copyResources(useDocumentStore.getState().doc, selection);
    if (!payload) return;
    clipboard = payload;
    pasteCount = 0;
    showStatus(`Copied ${payload.resources.length} resource${payload.resources.length === 1 ? '' : 's'}.`, 'info');
  },
};

export const pasteAction: Action = {
  name: 'paste',
  label: 'Paste',
  shortcut: 'Ctrl+V',
  keyTest: (e) => ctrl(e) && !e.shiftKey && key(e) === 'v',
  perform() {
    if (!clipboard) return;
    const payload = clipboard;
    pasteCount += 1;
    let ids: string[] = [];
    edit((doc) => {
      const r = pasteResources(doc, payload, 40 * pasteCount);
      ids = r.ids;
      return r.doc;
    });
    const drawn = new Set(useDocumentStore.getState().doc.resources.filter((r) => r.kind !== 'nic').map((r) => r.id));
    select(ids.filter((id) => drawn.has(id)));
  },
};

export const selectAllAction: Action = {
  name: 'selectAll',
  label: 'Select all',
  shortcut: 'Ctrl+A',
  keyTest: (e) => ctrl(e) && !e.shiftKey && key(e) === 'a',
  perform() {
    select(useDocumentStore.getState().doc.resources.filter((r) => r.kind !== 'nic').map((r) => r.id));
  },
};

export const escapeAction: Action = {
  name: 'clearSelection',
  label: 'Clear selection',
  shortcut: 'Escape',
  keyTest: (e) => e.key === 'Escape',
  perform: () => select([]),
};

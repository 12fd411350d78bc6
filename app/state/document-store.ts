/**
 * The scenario document: the single source of truth of the app (design.md). Canvas, inspector,
 * keyboard, autosave, files and share URLs all read and write this one store. Every change is a
 * whole new (structurally shared) document, so history is a list of earlier documents: undo and
 * redo swap them, and a gesture (a drag, a typing session in one field) becomes one undo step by
 * remembering where it started and recording once when it ends (tldraw's mark + squash).
 */
import { create } from 'zustand';
import type { Scenario } from '../../engine/model/scenario.ts';
import { emptyScenario } from './empty.ts';

/** How many undo steps are kept; older ones are dropped. */
export const HISTORY_LIMIT = 200;

export interface DocumentState {
  readonly doc: Scenario;
  readonly past: readonly Scenario[];
  readonly future: readonly Scenario[];
  /** The document as it was when the current gesture began; null outside a gesture. */
  readonly gestureBase: Scenario | null;
}

export const useDocumentStore = create<DocumentState>(() => ({
  doc: emptyScenario(),
  past: [],
  future: [],
  gestureBase: null,
}));

const push = (past: readonly Scenario[], doc: Scenario): Scenario[] => [...past, doc].slice(-HISTORY_LIMIT);

/** Replaces the document with `next` as one undo step (or as part of the running gesture). */
export function commit(next: Scenario): void {
  const s = useDocumentStore.getState();
  if (next === s.doc) return;
  if (s.gestureBase) {
    useDocumentStore.setState({ doc: next });
    return;
  }
  useDocumentStore.setState({ doc: next, past: push(s.past, s.doc), future: [] });
}

/** Applies a function to the current document and commits the result. */
export function edit(change: (doc: Scenario) => Scenario): void {
  commit(change(useDocumentStore.getState().doc));
}

/** Marks the start of a gesture: every commit until `endGesture` is one undo step. */
export function beginGesture(): void {
  const s = useDocumentStore.getState();
  if (!s.gestureBase) useDocumentStore.setState({ gestureBase: s.doc });
}

export function endGesture(): void {
  const s = useDocumentStore.getState();
  const base = s.gestureBase;
  if (!base) return;
  if (base === s.doc) useDocumentStore.setState({ gestureBase: null });
  else useDocumentStore.setState({ gestureBase: null, past: push(s.past, base), future: [] });
}

export function undo(): boolean {
  endGesture();
  const s = useDocumentStore.getState();
  const prev = s.past[s.past.length - 1];
  if (!prev) return false;
  useDocumentStore.setState({ doc: prev, past: s.past.slice(0, -1), future: [s.doc, ...s.future] });
  return true;
}

export function redo(): boolean {
  endGesture();
  const s = useDocumentStore.getState();
  const next = s.future[0];
  if (!next) return false;
  useDocumentStore.setState({ doc: next, past: push(s.past, s.doc), future: s.future.slice(1) });
  return true;
}

/** Loads a document without history (app start): nothing to undo back to. */
export function resetDocument(doc: Scenario): void {
  useDocumentStore.setState({ doc, past: [], future: [], gestureBase: null });
}

/** Loads a document as an undoable step (gallery, import, share link). */
export function loadDocument(doc: Scenario): void {
  endGesture();
  commit(doc);
}

/** Every action, and the keyboard dispatcher that runs them. */
import { autoLayoutAction, exportJsonAction, importJsonAction } from './document-actions.ts';
import { copyAction, deleteAction, escapeAction, pasteAction, redoAction, selectAllAction, undoAction } from './edit-actions.ts';
import type { Action } from './types.ts';

export const KEYBOARD_ACTIONS: readonly Action[] = [
  redoAction,
  undoAction,
  deleteAction,
  copyAction,
  pasteAction,
  selectAllAction,
  escapeAction,
  exportJsonAction,
  importJsonAction,
  autoLayoutAction,
];

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

/** Keys inside a dialog (the gallery) belong to the dialog: Escape closes it, nothing else runs. */
function inDialog(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('dialog[open]') !== null;
}

/** Runs the first action whose key test matches; typing in a field is left to the field. */
export function handleKeyDown(e: KeyboardEvent, actions: readonly Action[] = KEYBOARD_ACTIONS): boolean {
  if (e.defaultPrevented || isEditable(e.target) || inDialog(e.target)) return false;
  const action = actions.find((a) => a.keyTest?.(e));
  if (!action) return false;
  e.preventDefault();
  void action.perform();
  return true;
}

export type { Action } from './types.ts';

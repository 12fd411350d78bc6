/** The top toolbar: scenario name, run controls, and the document actions. */
import { memo } from 'react';
import {
  autoLayoutAction,
  exportJsonAction,
  exportPngAction,
  exportSvgAction,
  galleryAction,
  importJsonAction,
  shareAction,
  themeAction,
} from '../actions/document-actions.ts';
import { redoAction, undoAction } from '../actions/edit-actions.ts';
import type { Action } from '../actions/types.ts';
import { RunControls } from '../run/RunControls.tsx';
import { beginGesture, edit, endGesture, useDocumentStore } from '../state/document-store.ts';
import { useValidation } from '../state/validation.ts';
import { select, useViewStore } from '../state/view-store.ts';

function ActionButton({ action, text, disabled }: { action: Action; text?: string; disabled?: boolean }) {
  return (
    <button
      type="button"
      className="btn"
      aria-label={action.label}
      title={action.shortcut ? `${action.label} (${action.shortcut})` : action.label}
      disabled={disabled}
      onClick={() => void action.perform()}
    >
      {text ?? action.label}
    </button>
  );
}

function ScenarioName() {
  const name = useDocumentStore((s) => s.doc.name);
  return (
    <input
      className="scenario-name"
      aria-label="Scenario name"
      value={name}
      spellCheck={false}
      onFocus={beginGesture}
      onBlur={endGesture}
      onChange={(e) => {
        const value = e.target.value;
        edit((doc) => ({ ...doc, name: value }));
      }}
    />
  );
}

/** How many errors the scenario has; clicking selects the first resource with one. */
function ErrorBadge() {
  const v = useValidation();
  const first = v.errors[0];
  if (!first) return null;
  const where = first.resourceId ? `${first.resourceId}${first.field ? `.${first.field}` : ''}: ` : '';
  return (
    <button
      type="button"
      className="btn btn-error"
      aria-label={`${v.errors.length} error${v.errors.length === 1 ? '' : 's'}: show the first`}
      title={`Run is disabled until the scenario is valid. ${where}${first.message}`}
      onClick={() => {
        const doc = useDocumentStore.getState().doc;
        const r = doc.resources.find((x) => x.id === first.resourceId);
        const host = r?.kind === 'nic' ? r.vm : r?.id;
        select(host ? [host] : []);
      }}
    >
      {v.errors.length} error{v.errors.length === 1 ? '' : 's'}
    </button>
  );
}

export const Toolbar = memo(function Toolbar() {
  const canUndo = useDocumentStore((s) => s.past.length > 0 || s.gestureBase !== null);
  const canRedo = useDocumentStore((s) => s.future.length > 0);
  const theme = useViewStore((s) => s.theme);
  return (
    <header className="toolbar" role="toolbar" aria-label="Toolbar">
      <div className="brand" aria-hidden="true">
        netplay
      </div>
      <ScenarioName />
      <RunControls />
      <ErrorBadge />
      <div className="toolbar-group" role="group" aria-label="Edit">
        <ActionButton action={undoAction} text="↶" disabled={!canUndo} />
        <ActionButton action={redoAction} text="↷" disabled={!canRedo} />
        <ActionButton action={autoLayoutAction} text="Layout" />
      </div>
      <div className="toolbar-group" role="group" aria-label="Scenario files">
        <ActionButton action={galleryAction} />
        <ActionButton action={importJsonAction} text="Import" />
        <ActionButton action={exportJsonAction} text="Export" />
        <ActionButton action={exportPngAction} text="PNG" />
        <ActionButton action={exportSvgAction} text="SVG" />
        <ActionButton action={shareAction} text="Share" />
      </div>
      <button
        type="button"
        className="btn"
        role="switch"
        aria-checked={theme === 'dark'}
        aria-label="Dark theme"
        title={themeAction.label}
        onClick={() => void themeAction.perform()}
      >
        {theme === 'dark' ? '☾' : '☀'}
      </button>
    </header>
  );
});

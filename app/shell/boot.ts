/**
 * What the app opens on: the autosaved work if there is any, else the default gallery scenario;
 * then a share link in the URL, loaded as an undoable step on top (so the autosaved work is one
 * Ctrl+Z away). A broken link only shows an error: the document stays as it was.
 */
import { fitSoon } from '../canvas/flow-api.ts';
import { decodeScenario, scenarioFromHash } from '../share/codec.ts';
import { DEFAULT_SCENARIO, loadGalleryEntry } from '../share/gallery.ts';
import { debounce, loadAutosave, saveNow } from '../share/persistence.ts';
import { loadDocument, resetDocument, useDocumentStore } from '../state/document-store.ts';
import { emptyScenario } from '../state/empty.ts';
import { showStatus } from '../state/view-store.ts';

export async function loadInitialDocument(): Promise<void> {
  const saved = loadAutosave();
  if (saved) resetDocument(saved);
  else {
    const entry = await loadGalleryEntry(DEFAULT_SCENARIO);
    resetDocument(entry.scenario ?? emptyScenario());
  }
  openSharedLink(location.hash);
}

/** Loads the scenario of a `#s=` link, or says what is wrong with it. */
export function openSharedLink(hash: string): void {
  const encoded = scenarioFromHash(hash);
  if (encoded === null) return;
  const r = decodeScenario(encoded);
  if (!r.ok) {
    showStatus(`This share link cannot be opened: ${r.error}. Your saved work is unchanged.`);
    return;
  }
  loadDocument(r.scenario);
  // The link has done its job; a reload must not replace later edits with it again.
  history.replaceState(null, '', location.pathname + location.search);
  fitSoon();
  showStatus(`Opened the shared scenario '${r.scenario.name}'. Undo (Ctrl+Z) returns to your previous work.`, 'info');
}

/** Saves the document after every change (debounced) and when the page is hidden or closed. */
export function startAutosave(): () => void {
  const saver = debounce(saveNow, 250);
  const unsubscribe = useDocumentStore.subscribe((s, prev) => {
    if (s.doc !== prev.doc) saver.push(s.doc);
  });
  const flush = () => saver.flush();
  const onHide = () => document.visibilityState === 'hidden' && flush();
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', onHide);
  const onHash = () => openSharedLink(location.hash);
  addEventListener('hashchange', onHash);
  return () => {
    unsubscribe();
    flush();
    removeEventListener('pagehide', flush);
    document.removeEventListener('visibilitychange', onHide);
    removeEventListener('hashchange', onHash);
  };
}

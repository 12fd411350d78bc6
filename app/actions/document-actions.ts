/** Actions on the whole document: files, share links, gallery, layout, images, theme. */
import { autoLayout } from '../canvas/auto-layout.ts';
import { exportCanvasImage, type ImageFormat } from '../canvas/export-image.ts';
import { getFlowApi } from '../canvas/flow-api.ts';
import { shareUrl } from '../share/codec.ts';
import { exportScenario, fileNameFor, readScenarioFile } from '../share/files.ts';
import { commit, loadDocument, useDocumentStore } from '../state/document-store.ts';
import { select, setTheme, showStatus, useViewStore } from '../state/view-store.ts';
import { ctrl, type Action } from './types.ts';

export const exportJsonAction: Action = {
  name: 'exportJson',
  label: 'Export JSON',
  shortcut: 'Ctrl+S',
  keyTest: (e) => ctrl(e) && e.key.toLowerCase() === 's',
  perform: () => exportScenario(useDocumentStore.getState().doc),
};

/** Loads a file through restoreScenario; a bad file leaves the current document as it is. */
export async function importFile(file: File): Promise<void> {
  const r = await readScenarioFile(file);
  if (!r.ok) {
    showStatus(`Import refused: ${r.error}. Your current scenario is unchanged.`);
    return;
  }
  loadDocument(r.scenario);
  select([]);
  showStatus(`Imported '${r.scenario.name}'. Undo (Ctrl+Z) brings back the previous scenario.`, 'info');
}

export const importJsonAction: Action = {
  name: 'importJson',
  label: 'Import JSON',
  shortcut: 'Ctrl+O',
  keyTest: (e) => ctrl(e) && e.key.toLowerCase() === 'o',
  perform() {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = 'application/json,.json';
    input.onchange = () => {
      const file = input.files?.[0];
      if (file) void importFile(file);
    };
    input.click();
  },
};


export const shareAction: Action = {
  name: 'share',
  label: 'Share link',
  async perform() {
    const url = shareUrl(useDocumentStore.getState().doc, location.href);
    history.replaceState(null, '', url);
    try {
      await navigator.clipboard.writeText(url);
      showStatus(`Link copied to the clipboard (${url.length} characters).`, 'info');
    } catch {
      showStatus(`The link is in the address bar (${url.length} characters); the clipboard was not available.`, 'info');
    }
    useViewStore.setState({ shareUrl: url });
  },
};

export const galleryAction: Action = {
  name: 'gallery',
  label: 'Gallery',
  perform: () => useViewStore.setState({ galleryOpen: true }),
};

export const themeAction: Action = {
  name: 'toggleTheme',
  label: 'Switch light/dark theme',
  perform: () => setTheme(useViewStore.getState().theme === 'dark' ? 'light' : 'dark'),
};

export const autoLayoutAction: Action = {
  name: 'autoLayout',
  label: 'Auto-layout',
  shortcut: 'Shift+L',
  keyTest: (e) => e.shiftKey && !ctrl(e) && e.key.toLowerCase() === 'l',
  async perform() {
    const api = getFlowApi();
    if (!api) return;
    const before = useDocumentStore.getState().doc;
    try {
      const next = await autoLayout(before, api.getNodes(), api.getEdges());
      if (useDocumentStore.getState().doc !== before) return; // edited meanwhile: do not clobber
      commit(next);
      requestAnimationFrame(() => void api.fitView({ padding: 0.1, duration: 300 }));
      showStatus('Laid out. Undo (Ctrl+Z) restores the previous positions.', 'info');
    } catch (e) {
      showStatus(`Auto-layout failed: ${(e as Error).message}`);
    }
  },
};

function imageAction(format: ImageFormat): Action {
  return {
    name: `export${format.toUpperCase()}`,
    label: `Export ${format.toUpperCase()}`,
    async perform() {
      try {
        await exportCanvasImage(format, fileNameFor(useDocumentStore.getState().doc).replace(/\.netplay\.json$/, ''));
      } catch (e) {
        showStatus(`Image export failed: ${(e as Error).message}`);
      }
    },
  };
}

export const exportPngAction = imageAction('png');
export const exportSvgAction = imageAction('svg');

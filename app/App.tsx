/**
 * The app's frame: toolbar on top, palette left, canvas in the middle, inspector right, dock at
 * the bottom. Everything else lives in its own module; this file only arranges them.
 */
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, type DragEvent } from 'react';
import { handleKeyDown } from './actions/index.ts';
import { importFile } from './actions/document-actions.ts';
import { FlowCanvas } from './canvas/FlowCanvas.tsx';
import { Palette } from './canvas/Palette.tsx';
import { Dock } from './panels/Dock.tsx';
import { Inspector } from './panels/Inspector.tsx';
import { Gallery } from './shell/Gallery.tsx';
import { ShareBox } from './shell/ShareBox.tsx';
import { StatusLine } from './shell/StatusLine.tsx';
import { Toolbar } from './shell/Toolbar.tsx';
import { startAutosave } from './shell/boot.ts';
import { isCaptureFileName, openCaptureFile } from './panels/capture/index.ts';
import { useViewStore } from './state/view-store.ts';

/** Dropping a .json file anywhere imports it (through restoreScenario, like the file picker). */
function onFileDragOver(e: DragEvent) {
  if (e.dataTransfer.types.includes('Files')) e.preventDefault();
}

function onFileDrop(e: DragEvent) {
  const file = e.dataTransfer.files[0];
  if (!file) return;
  e.preventDefault();
  // A capture (.pcap, .pcapng, gzipped too) opens in the Capture tab; anything else is a scenario.
  if (isCaptureFileName(file.name)) void openCaptureFile(file);
  else void importFile(file);
}

export function App() {
  const theme = useViewStore((s) => s.theme);
  const dockTall = useViewStore((s) => s.dockTab === 'capture' && s.dockTall);
  // The Netfilter tab's listings need more height than the other panels (not the capture's width).
  const dockMid = useViewStore((s) => s.dockTab === 'netfilter');
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => void handleKeyDown(e);
    window.addEventListener('keydown', onKey);
    const stop = startAutosave();
    return () => {
      window.removeEventListener('keydown', onKey);
      stop();
    };
  }, []);
  return (
    <ReactFlowProvider>
      <div className={dockTall ? 'app dock-tall' : dockMid ? 'app dock-mid' : 'app'} onDragOver={onFileDragOver} onDrop={onFileDrop}>
        <Toolbar />
        <ShareBox />
        <Palette />
        <main className="main" aria-label="Canvas">
          <FlowCanvas />
          <StatusLine />
        </main>
        <Inspector />
        <Dock />
        <Gallery />
      </div>
    </ReactFlowProvider>
  );
}

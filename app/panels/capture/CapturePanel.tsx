/**
 * The Capture tab: which capture (the simulation's or an imported file), import/export, Decode As,
 * the capture points of the scenario, the display filter, and Wireshark's three panes (packet
 * list, details tree, bytes). Loaded lazily: the app's first bundle does not carry it.
 */
import { useEffect, useRef, useState } from 'react';
import { useDocumentStore } from '../../state/document-store.ts';
import { useViewStore } from '../../state/view-store.ts';
import { activate, closeCapture, exportCapture, importCaptureFile, refreshStatus, setVerifyChecksums, useCaptureStore } from './capture-store.ts';
import { CaptureFilterInput } from './CaptureFilterInput.tsx';
import { DecodeAsDialog } from './DecodeAsDialog.tsx';
import { DetailsTree } from './DetailsTree.tsx';
import { FilterBar } from './FilterBar.tsx';
import { HexPane } from './HexPane.tsx';
import { PacketList } from './PacketList.tsx';
import { startSimSync } from './sim-sync.ts';
import './capture.css';

function ExportMenu() {
  const [open, setOpen] = useState(false);
  const filtered = useCaptureStore((s) => Boolean(s.status?.filter));
  const pick = (format: 'pcap' | 'pcapng', displayed: boolean) => {
    setOpen(false);
    void exportCapture(format, displayed);
  };
  return (
    <div className="cap-export">
      <button type="button" className="btn-small" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        Export ▾
      </button>
      {open && (
        <div className="cap-menu" role="menu">
          <button type="button" role="menuitem" onClick={() => pick('pcapng', false)}>All packets as pcapng</button>
          <button type="button" role="menuitem" onClick={() => pick('pcap', false)}>All packets as pcap</button>
          <button type="button" role="menuitem" disabled={!filtered} onClick={() => pick('pcapng', true)}>Displayed packets as pcapng</button>
          <button type="button" role="menuitem" disabled={!filtered} onClick={() => pick('pcap', true)}>Displayed packets as pcap</button>
        </div>
      )}
    </div>
  );
}

function Toolbar() {
  const captures = useCaptureStore((s) => s.captures);
  const active = useCaptureStore((s) => s.active);
  const opening = useCaptureStore((s) => s.opening);
  const verify = useCaptureStore((s) => s.status?.verifyChecksums ?? false);
  const tall = useViewStore((s) => s.dockTall);
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="cap-toolbar">
      <label className="cap-source">
        <span className="visually-hidden">Capture</span>
        <select aria-label="Capture shown" value={active ?? ''} onChange={(e) => void activate(e.target.value)} disabled={captures.length === 0}>
          {captures.length === 0 && <option value="">No capture open</option>}
          {captures.map((c) => (
            <option key={c.id} value={c.id}>
              {c.meta.source === 'simulation' && c.meta.name === 'Simulation' ? 'Simulation: all capture points' : c.meta.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="btn-small" onClick={() => input.current?.click()}>
        Import…
      </button>
      <input
        ref={input}
        type="file"
        hidden
        data-testid="capture-file-input"
        accept=".pcap,.pcapng,.cap,.gz"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void importCaptureFile(f);
        }}
      />
      {active && <ExportMenu />}
      {active && (
        <button type="button" className="btn-small" onClick={() => useCaptureStore.setState({ decodeOpen: true })}>
          Decode As…
        </button>
      )}
      {active && (
        <label className="cap-check">
          <input type="checkbox" checked={verify} onChange={(e) => void setVerifyChecksums(e.target.checked)} /> Verify checksums
        </label>
      )}
      {active && captures.find((c) => c.id === active)?.meta.source === 'file' && (
        <button type="button" className="btn-small" onClick={() => void closeCapture(active)}>
          Close file
        </button>
      )}
      {opening && <span className="cap-opening">Opening {opening}…</span>}
      <CapturePoints />
      <button type="button" className="btn-small cap-size" onClick={() => useViewStore.setState({ dockTall: !tall })} aria-pressed={tall}>
        {tall ? 'Smaller' : 'Taller'}
      </button>
    </div>
  );
}

function CapturePoints() {
  const points = useDocumentStore((s) => s.doc.captures);
  if (points.length === 0)
    return <p className="cap-hint">No capture points: right-click a VM, NVA or Internet host on the canvas (or use the inspector) and choose “Capture here”, then Run. Or import a pcap/pcapng file.</p>;
  return (
    <div className="cap-points" aria-label="Capture points">
      {points.map((c) => (
        <CaptureFilterInput key={`${c.id}|${c.filter ?? ''}`} capture={c} />
      ))}
    </div>
  );
}

/** How long an information notice stays (errors stay until dismissed). */
const INFO_MS = 6000;

function Notice() {
  const n = useCaptureStore((s) => s.notice);
  useEffect(() => {
    if (n?.kind !== 'info') return;
    const t = setTimeout(() => useCaptureStore.getState().notice === n && useCaptureStore.setState({ notice: null }), INFO_MS);
    return () => clearTimeout(t);
  }, [n]);
  if (!n) return null;
  return (
    <div className={`cap-notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
      {n.text}
      <button type="button" className="btn-small" aria-label="Dismiss" onClick={() => useCaptureStore.setState({ notice: null })}>
        ✕
      </button>
    </div>
  );
}

/** Polls the worker's status while it filters or walks the capture, or while frames arrive. */
function useStatusPolling() {
  const busy = useCaptureStore((s) => s.status?.busy ?? false);
  const active = useCaptureStore((s) => s.active);
  useEffect(() => {
    if (!busy || !active) return;
    const t = setInterval(() => void refreshStatus(), 200);
    return () => clearInterval(t);
  }, [busy, active]);
}

export default function CapturePanel() {
  useEffect(() => startSimSync(), []);
  useStatusPolling();
  const active = useCaptureStore((s) => s.active);
  return (
    <div className="capture-panel">
      <Toolbar />
      <Notice />
      {active ? (
        <>
          <FilterBar />
          <div className="cap-panes">
            <PacketList />
            <div className="cap-right">
              <DetailsTree />
              <HexPane />
            </div>
          </div>
        </>
      ) : (
        <p className="cap-hint">Drop a .pcap, .pcapng, .pcap.gz or .pcapng.gz file anywhere on the app to open it here.</p>
      )}
      <DecodeAsDialog />
    </div>
  );
}

/** The gallery dialog: every scenario of `scenarios/*.json`, with title and description (as text). */
import { memo, useEffect, useRef, useState } from 'react';
import { fitSoon } from '../canvas/flow-api.ts';
import { loadGallery, type GalleryEntry } from '../share/gallery.ts';
import { loadDocument } from '../state/document-store.ts';
import { select, showStatus, useViewStore } from '../state/view-store.ts';

export const Gallery = memo(function Gallery() {
  const open = useViewStore((s) => s.galleryOpen);
  const ref = useRef<HTMLDialogElement>(null);
  const [entries, setEntries] = useState<GalleryEntry[] | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      void loadGallery().then(setEntries);
    } else if (!open && d.open) d.close();
  }, [open]);
  const close = () => useViewStore.setState({ galleryOpen: false });
  const pick = (e: GalleryEntry) => {
    if (!e.scenario) return;
    loadDocument(e.scenario);
    select([]);
    close();
    fitSoon();
    showStatus(`Opened '${e.title}'. Undo (Ctrl+Z) returns to your previous scenario.`, 'info');
  };
  return (
    <dialog ref={ref} className="gallery" aria-label="Gallery" onClose={close}>
      <header className="gallery-head">
        <h2>Gallery</h2>
        <button type="button" className="btn-small" aria-label="Close gallery" onClick={close}>
          ×
        </button>
      </header>
      {!entries && <p>Loading…</p>}
      <ul className="gallery-list">
        {entries?.map((e) => (
          <li key={e.slug} className="gallery-item">
            <h3>{e.title}</h3>
            {e.error ? <p className="field-issue is-error">{e.error}</p> : <p className="gallery-desc">{e.description}</p>}
            <button type="button" className="btn" disabled={!e.scenario} aria-label={`Open ${e.title}`} onClick={() => pick(e)}>
              Open
            </button>
          </li>
        ))}
      </ul>
    </dialog>
  );
});

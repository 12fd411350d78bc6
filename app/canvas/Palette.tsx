/**
 * The palette of resource kinds. Drag an item onto the canvas (into a subnet for hosts), or
 * click it to add one at the centre of the view (or inside the selected VNet/subnet).
 */
import { memo, useCallback, type DragEvent } from 'react';
import { useDocumentStore } from '../state/document-store.ts';
import { absoluteBox } from '../state/geometry.ts';
import type { PaletteKind } from '../state/ops/create.ts';
import { useViewStore } from '../state/view-store.ts';
import { getFlowApi } from './flow-api.ts';
import { Icon } from './icons.tsx';
import { PALETTE, PALETTE_MIME } from './palette-items.ts';
import { addAt } from './use-drop.ts';

/** Where a click on the palette puts the new resource. */
function clickSpot(kind: PaletteKind): { x: number; y: number } | null {
  const doc = useDocumentStore.getState().doc;
  const wants = kind === 'subnet' ? 'vnet' : kind === 'vm' || kind === 'nva' || kind === 'linuxRouter' || kind === 'gatewayLoadBalancer' ? 'subnet' : null;
  const selected = useViewStore.getState().selection.map((id) => doc.resources.find((r) => r.id === id));
  // Inside the selected container of the right kind, else the first one in the document.
  const container = wants ? (selected.find((r) => r?.kind === wants) ?? doc.resources.find((r) => r.kind === wants)) : undefined;
  if (container) {
    const box = absoluteBox(doc, container.id);
    const inside = doc.resources.filter((r) => r.kind === (wants === 'vnet' ? 'subnet' : 'nic') && (r.kind === 'subnet' ? r.vnet === container.id : r.kind === 'nic' && r.subnet === container.id)).length;
    if (box) return { x: box.x + 30 + (inside % 2) * 230, y: box.y + 60 + Math.floor(inside / 2) * 110 };
  }
  const pane = document.querySelector('.react-flow')?.getBoundingClientRect();
  const api = getFlowApi();
  if (!pane || !api) return null;
  return freeSpot(api, api.screenToFlowPosition({ x: pane.left + pane.width / 3, y: pane.top + pane.height / 3 }));
}

/** Moves a spot down (then right) until a new node there would not cover another node. */
function freeSpot(api: NonNullable<ReturnType<typeof getFlowApi>>, at: { x: number; y: number }): { x: number; y: number } {
  for (let i = 0; i < 40; i++) {
    const spot = { x: at.x + Math.floor(i / 8) * 240, y: at.y + (i % 8) * 70 };
    const hit = api.getIntersectingNodes({ ...spot, width: 220, height: 60 }, true);
    if (!hit.length) return spot;
  }
  return at;
}

export const Palette = memo(function Palette() {
  const onDragStart = useCallback((e: DragEvent<HTMLButtonElement>, kind: PaletteKind) => {
    e.dataTransfer.setData(PALETTE_MIME, kind);
    e.dataTransfer.effectAllowed = 'copy';
  }, []);
  return (
    <nav className="palette" aria-label="Resource palette">
      <h2 className="panel-title">Add</h2>
      <ul>
        {PALETTE.map((item) => (
          <li key={item.kind}>
            <button
              type="button"
              className="palette-item"
              draggable
              data-kind={item.kind}
              aria-label={`Add ${item.label}`}
              title={`${item.hint}. Drag onto the canvas, or click.`}
              onDragStart={(e) => onDragStart(e, item.kind)}
              onClick={() => {
                const at = clickSpot(item.kind);
                if (at) addAt(item.kind, at);
              }}
            >
              <Icon name={item.icon} />
              <span>{item.label}</span>
            </button>
          </li>
        ))}
      </ul>
      <p className="palette-help">Drag a handle onto another to connect. Delete removes, Ctrl+Z undoes.</p>
    </nav>
  );
});

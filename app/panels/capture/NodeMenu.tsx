/**
 * The canvas's context menu on a node (right click): "Capture here", like `tcpdump -i` on it.
 * FlowCanvas opens it with `openNodeMenu`; Escape, a click elsewhere or a choice closes it.
 */
import { useEffect } from 'react';
import { create } from 'zustand';
import { useDocumentStore } from '../../state/document-store.ts';
import { canCapture, captureHere } from './capture-points.ts';
import './capture-points.css';

const useMenu = create<{ at: { x: number; y: number; node: string } | null }>(() => ({ at: null }));

export function openNodeMenu(e: { clientX: number; clientY: number; preventDefault(): void }, node: { id: string }): void {
  if (!canCapture(useDocumentStore.getState().doc, node.id)) return;
  e.preventDefault();
  useMenu.setState({ at: { x: e.clientX, y: e.clientY, node: node.id } });
}

const close = () => useMenu.setState({ at: null });

export function NodeMenu() {
  const at = useMenu((s) => s.at);
  useEffect(() => {
    if (!at) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    window.addEventListener('keydown', onKey);
    window.addEventListener('pointerdown', close);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('pointerdown', close);
    };
  }, [at]);
  if (!at) return null;
  return (
    <div className="node-menu" role="menu" style={{ left: at.x, top: at.y }} onPointerDown={(e) => e.stopPropagation()}>
      <button
        type="button"
        role="menuitem"
        autoFocus
        onClick={() => {
          captureHere(at.node);
          close();
        }}
      >
        Capture here
      </button>
    </div>
  );
}

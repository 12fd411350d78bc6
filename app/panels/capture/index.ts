/**
 * The Capture tab's registration. The panel itself (packet list, details, hex, filters, the
 * capture worker's client) is a separate chunk, loaded when the tab is first shown or a capture
 * file is dropped; only this file and the small capture-point helpers are in the first bundle.
 */
import { createElement, lazy, Suspense } from 'react';
import { registerPanel } from '../registry.ts';

const LazyCapturePanel = lazy(() => import('./CapturePanel.tsx'));

function CaptureTab() {
  return createElement(Suspense, { fallback: createElement('p', { className: 'planned' }, 'Loading the capture view…') }, createElement(LazyCapturePanel));
}

export function registerCapturePanel(): void {
  registerPanel({ id: 'capture', title: 'Capture', component: CaptureTab, order: 50 });
}

export function isCaptureFileName(name: string): boolean {
  return /\.(pcap|pcapng|cap|ntar)(\.gz)?$/i.test(name);
}

/** Opens a dropped capture file in the Capture tab (loading the panel's chunk first). */
export async function openCaptureFile(file: File): Promise<void> {
  const m = await import('./capture-store.ts');
  await m.importCaptureFile(file);
}

/**
 * The SNAT and Metrics tabs and the inspector's outbound section. The Metrics panel (with uPlot)
 * is a separate chunk, loaded when the tab is first shown, so the first bundle stays small.
 */
import { createElement, lazy, Suspense } from 'react';
import { registerPanel } from '../registry.ts';
import { SnatPanel } from './SnatPanel.tsx';
import { wireSnat } from './snat-store.ts';

const LazyMetrics = lazy(() => import('./MetricsPanel.tsx'));

function MetricsTab() {
  return createElement(Suspense, { fallback: createElement('p', { className: 'planned' }, 'Loading the charts…') }, createElement(LazyMetrics));
}

export function registerSnatPanels(): void {
  registerPanel({ id: 'snat', title: 'SNAT', component: SnatPanel, order: 30 });
  registerPanel({ id: 'metrics', title: 'Metrics', component: MetricsTab, order: 40 });
  wireSnat();
}

/**
 * The bottom dock's tabs. Each panel registers itself ({id, title, component}); later features
 * (Sockets and Trace from the run half, SNAT, Metrics and Capture from later issues) register or
 * replace theirs by id, and the dock shows them in `order`.
 */
import type { ComponentType } from 'react';
import { create } from 'zustand';

export interface DockPanel {
  readonly id: string;
  readonly title: string;
  readonly component: ComponentType;
  /** Position in the tab strip; Sockets and Trace use 10 and 20. */
  readonly order?: number;
}

export const useDockRegistry = create<{ panels: readonly DockPanel[] }>(() => ({ panels: [] }));

export function registerPanel(panel: DockPanel): void {
  const rest = useDockRegistry.getState().panels.filter((p) => p.id !== panel.id);
  const panels = [...rest, panel].sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
  useDockRegistry.setState({ panels });
}

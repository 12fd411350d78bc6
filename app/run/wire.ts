/** The run half of the app, connected at start: the dock's run panels and the worker playback. */
import { HopView } from '../panels/HopView.tsx';
import { registerPanel } from '../panels/registry.ts';
import { SocketsPanel } from '../panels/SocketsPanel.tsx';
import { TracePanel } from '../panels/TracePanel.tsx';
import { wirePlayback } from './playback.ts';

export function startRunHalf(): void {
  registerPanel({ id: 'sockets', title: 'Sockets', component: SocketsPanel, order: 10 });
  registerPanel({ id: 'trace', title: 'Trace', component: TracePanel, order: 20 });
  registerPanel({ id: 'hop', title: 'Hop view', component: HopView, order: 25 });
  wirePlayback();
}

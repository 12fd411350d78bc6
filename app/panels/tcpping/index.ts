/** The TCP ping tab (traffic type tcpping: ethr's handshake latency statistics). */
import { registerPanel } from '../registry.ts';
import { TcpPingPanel } from './TcpPingPanel.tsx';

export function registerTcpPingPanel(): void {
  registerPanel({ id: 'tcpping', title: 'TCP ping', component: TcpPingPanel, order: 45 });
}

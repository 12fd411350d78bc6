/** The Netfilter tab: Linux routers' and NVAs' iptables and conntrack, read from the run. */
import { NETFILTER_TAB, requestSnapshot } from '../../run/playback.ts';
import { useViewStore } from '../../state/view-store.ts';
import { registerPanel } from '../registry.ts';
import { NetfilterPanel } from './NetfilterPanel.tsx';

let wired = false;

export function registerNetfilterPanel(): void {
  registerPanel({ id: NETFILTER_TAB, title: 'Netfilter', component: NetfilterPanel, order: 35 });
  if (wired) return;
  wired = true;
  // Snapshots carry netfilter state only while the tab is open: opening it asks for one now.
  useViewStore.subscribe((s, prev) => {
    if (s.dockTab === NETFILTER_TAB && prev.dockTab !== NETFILTER_TAB) requestSnapshot();
  });
}

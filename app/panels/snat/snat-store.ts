/**
 * SNAT state for the SNAT and Metrics tabs and the VM inspector (session scope, never saved):
 * the latest SNAT report from the worker, the mappings filter, and the outbound paths. It follows
 * the run store: whenever the panels' snapshot changes (every few hundred ms while running, after
 * Step, Back, seek), it asks the worker for a fresh report. Actions (Redeploy VM, an outbound
 * rule update) go to the worker and are kept there, so Back and seek replay them.
 */
import { create } from 'zustand';
import type { OutboundPath } from '../../../engine/net/outbound-types.ts';
import type { TimelineAction } from '../../../engine/model/scenario.ts';
import type { SnatReport } from '../../../engine/sim/types.ts';
import { useDocumentStore } from '../../state/document-store.ts';
import { useSimStore } from '../../state/sim-store.ts';
import { showStatus } from '../../state/view-store.ts';
import { engineBridge } from '../../worker/bridge.ts';

export interface SnatState {
  readonly report: SnatReport | null;
  readonly filter: string;
  /** Outbound paths: of the running simulation when there is one, else of the document. */
  readonly paths: readonly OutboundPath[];
  /** What the last action did (a sentence), for the panel. */
  readonly lastAction: string | null;
}

export const useSnatStore = create<SnatState>(() => ({ report: null, filter: '', paths: [], lastAction: null }));

let inFlight = false;
let again = false;

/** Whether the worker holds a run of the current document. */
function running(): boolean {
  const s = useSimStore.getState();
  return s.status !== 'idle' && s.status !== 'loading' && s.snapshot !== null;
}

/** Fetches the SNAT report and outbound paths (one call in flight; a request meanwhile runs after it). */
export async function refreshSnat(): Promise<void> {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  try {
    if (running()) {
      const filter = useSnatStore.getState().filter;
      const [report, paths] = await engineBridge.call((e) => Promise.all([e.snat({ filter, maxMappings: 500 }), e.outboundPaths()]));
      useSnatStore.setState({ report, paths });
    } else {
      const doc = useDocumentStore.getState().doc;
      const paths = await engineBridge.call((e) => e.explainOutbound(doc));
      useSnatStore.setState({ report: null, paths: paths ?? [] });
    }
  } catch {
    // A crashed or busy worker: the run store reports it; keep what was shown.
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      void refreshSnat();
    }
  }
}

export function setSnatFilter(filter: string): void {
  useSnatStore.setState({ filter });
  void refreshSnat();
}

/** Does an action in the running simulation now (Redeploy VM, outbound rule update). */
export async function actNow(action: TimelineAction): Promise<void> {
  if (!running()) {
    showStatus('Run or Step the scenario first: actions apply to a running simulation (or add them to the scenario timeline).');
    return;
  }
  try {
    const said = await engineBridge.call((e) => e.act(action));
    useSnatStore.setState({ lastAction: said });
    showStatus(said);
  } catch (e) {
    showStatus(`The action failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  void refreshSnat();
}

let wired = false;

/** Follows the run and the document: call once at start. */
export function wireSnat(): void {
  if (wired) return;
  wired = true;
  useSimStore.subscribe((s, prev) => {
    if (s.snapshot !== prev.snapshot || s.status !== prev.status) void refreshSnat();
  });
  useDocumentStore.subscribe((s, prev) => {
    if (s.doc !== prev.doc) void refreshSnat();
  });
  void refreshSnat();
}

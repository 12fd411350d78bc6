/**
 * The capture panel's state (session scope: never saved in the scenario) and its actions. The
 * captures themselves live in the capture worker; this store holds which one is shown, the filter
 * text and its error, the selected frame and field, and messages. Rows are not kept here: the
 * packet list fetches pages itself (see PacketList.tsx).
 */
import { create } from 'zustand';
import type { CaptureMeta, CaptureStatus, FrameDetails } from '../../../engine/capture-api.ts';
import type { Field } from '../../../engine/dissect/index.ts';
import type { FilterError } from '../../../engine/dissect/filter/index.ts';
import { downloadBlob } from '../../share/files.ts';
import { useDocumentStore } from '../../state/document-store.ts';
import { useSimStore } from '../../state/sim-store.ts';
import { useViewStore } from '../../state/view-store.ts';
import { engineBridge } from '../../worker/bridge.ts';
import { captureBridge } from '../../worker/capture-bridge.ts';
import { scenarioDecodeAs } from './capture-points.ts';
import { usePacketPath, type PathHop } from './PacketPath.tsx';

export interface OpenCapture {
  readonly id: string;
  readonly meta: CaptureMeta;
  readonly openMs: number;
}

export interface Notice {
  readonly kind: 'error' | 'info';
  readonly text: string;
}

/** The field whose bytes are highlighted: its range and a key (layer index + path) for the tree. */
export interface FieldSelection {
  readonly key: string;
  readonly offset: number;
  readonly length: number;
}

export interface CaptureState {
  readonly captures: readonly OpenCapture[];
  readonly active: string | null;
  readonly status: CaptureStatus | null;
  readonly filterText: string;
  readonly filterError: FilterError | null;
  /** Frame index (0-based) selected in the list. */
  readonly selected: number | null;
  readonly details: FrameDetails | null;
  readonly field: FieldSelection | null;
  /** Collapsed tree nodes by key (layers start expanded, fields with children collapsed). */
  readonly toggled: ReadonlySet<string>;
  /** Increments when rows must be fetched again (filter, decode-as, capture switched). */
  readonly rowsVersion: number;
  readonly notice: Notice | null;
  readonly opening: string | null;
  readonly decodeOpen: boolean;
  /** The id of the simulation's capture in the worker, once frames have arrived. */
  readonly simId: string | null;
}

export const useCaptureStore = create<CaptureState>(() => ({
  captures: [],
  active: null,
  status: null,
  filterText: '',
  filterError: null,
  selected: null,
  details: null,
  field: null,
  toggled: new Set(),
  rowsVersion: 0,
  notice: null,
  opening: null,
  decodeOpen: false,
  simId: null,
}));

const set = useCaptureStore.setState;
const get = useCaptureStore.getState;
const api = () => captureBridge.api;

function fail(e: unknown): void {
  set({ notice: { kind: 'error', text: e instanceof Error ? e.message : String(e) } });
}

export function isCaptureFile(name: string): boolean {
  return /\.(pcap|pcapng|cap|ntar)(\.gz)?$/i.test(name);
}

/** Opens the Capture tab, tall enough to read. */
export function showCaptureTab(): void {
  useViewStore.setState({ dockTab: 'capture' });
}

function faultNotice(meta: CaptureMeta): Notice | null {
  if (meta.fault) return { kind: 'error', text: meta.fault.message };
  if (meta.format === null) return { kind: 'error', text: `'${meta.name}' is not a pcap or pcapng file.` };
  return null;
}

/** Imports a pcap/pcapng (optionally .gz) file: read, inflated and indexed in the capture worker. */
export async function importCaptureFile(file: File): Promise<void> {
  showCaptureTab();
  set({ opening: file.name, notice: null });
  try {
    const rules = scenarioDecodeAs(useDocumentStore.getState().doc);
    const o = await api().openFile(file, file.name, rules);
    set((s) => ({ captures: [...s.captures, o], opening: null }));
    await activate(o.id);
    const n = faultNotice(o.meta);
    set({ notice: n ?? { kind: 'info', text: `Opened '${file.name}': ${o.meta.frames.toLocaleString('en-US')} frames in ${o.openMs} ms.` } });
  } catch (e) {
    set({ opening: null });
    fail(e);
  }
}

/** Shows capture `id`: its filter is re-applied, the selection cleared. */
export async function activate(id: string): Promise<void> {
  const text = get().filterText;
  set({ active: id, selected: null, details: null, field: null });
  if (text.trim()) await api().setFilter(id, text);
  else await api().setFilter(id, '');
  const status = await api().status(id);
  set((s) => ({ status, rowsVersion: s.rowsVersion + 1 }));
}

export async function closeCapture(id: string): Promise<void> {
  await api().close(id);
  const rest = get().captures.filter((c) => c.id !== id);
  set({ captures: rest, simId: get().simId === id ? null : get().simId });
  if (get().active === id) {
    const next = rest[0];
    if (next) await activate(next.id);
    else set({ active: null, status: null, selected: null, details: null, field: null });
  }
}

/** Applies a display filter (Enter in the bar); an invalid one stays red and changes nothing. */
export async function applyFilter(text: string): Promise<boolean> {
  set({ filterText: text });
  const id = get().active;
  if (!id) return true;
  const r = await api().setFilter(id, text);
  if (!r.ok) {
    set({ filterError: r.error });
    return false;
  }
  set((s) => ({ filterError: null, status: null, rowsVersion: s.rowsVersion + 1 }));
  await refreshStatus();
  return true;
}

export function setFilterError(e: FilterError | null): void {
  set({ filterError: e });
}

export async function refreshStatus(): Promise<CaptureStatus | null> {
  const id = get().active;
  if (!id) return null;
  const status = await api().status(id);
  if (get().active === id) set({ status });
  return status;
}

export async function selectFrame(index: number): Promise<void> {
  const id = get().active;
  if (!id) return;
  set({ selected: index, field: null });
  const details = await api().details(id, index);
  if (get().selected !== index || get().active !== id) return;
  set({ details });
  // A frame the simulation made: select its packet, so the canvas, the trace and the hop view
  // follow, and draw its path (every event of the same packet id) on the canvas.
  const sim = details?.sim;
  if (!sim) {
    usePacketPath.setState({ packetId: null, hops: [] });
    return;
  }
  useSimStore.getState().actions?.selectPacket(sim.packetId, sim.node);
  try {
    const events = await engineBridge.call((e) => e.packetEvents(sim.packetId));
    if (get().selected !== index) return;
    const hops: PathHop[] = events.map((e) => ({ seq: e.seq, t: e.t, kind: e.kind, node: e.node, summary: e.summary, ...(e.to !== undefined ? { to: e.to } : {}) }));
    usePacketPath.setState({ packetId: sim.packetId, hops });
  } catch {
    // The run was reset or the worker restarted: the frame stays shown, without its path.
    usePacketPath.setState({ packetId: null, hops: [] });
  }
}

/** Selects a trace event of the followed packet (the Trace panel and hop view go there). */
export function selectTraceEvent(seq: number): void {
  useSimStore.getState().actions?.selectEvent(seq);
}

export function selectField(key: string, f: Pick<Field, 'offset' | 'length'>): void {
  set({ field: { key, offset: f.offset, length: f.length } });
}

export function toggleNode(key: string): void {
  const next = new Set(get().toggled);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  set({ toggled: next });
}

export async function setDecodeAs(rules: readonly string[]): Promise<string | null> {
  const id = get().active;
  if (!id) return 'no capture is open';
  const r = await api().setDecodeAs(id, rules);
  if (!r.ok) return `${r.rule}: ${r.error}`;
  set((s) => ({ rowsVersion: s.rowsVersion + 1 }));
  await refreshStatus();
  const sel = get().selected;
  if (sel !== null) await selectFrame(sel);
  return null;
}

export async function setVerifyChecksums(on: boolean): Promise<void> {
  const id = get().active;
  if (!id) return;
  await api().setVerifyChecksums(id, on);
  set((s) => ({ rowsVersion: s.rowsVersion + 1 }));
  await refreshStatus();
  const sel = get().selected;
  if (sel !== null) await selectFrame(sel);
}

/** "Follow TCP stream": the display filter Wireshark sets for it. */
export async function followTcpStream(stream: number): Promise<void> {
  await applyFilter(`tcp.stream eq ${stream}`);
}

export async function exportCapture(format: 'pcap' | 'pcapng', displayedOnly: boolean): Promise<void> {
  const id = get().active;
  const cap = get().captures.find((c) => c.id === id);
  if (!id || !cap) return;
  const r = await api().export(id, format, displayedOnly);
  if (!r.ok) {
    set({ notice: { kind: 'error', text: `Export refused: ${r.message}.` } });
    return;
  }
  const stem = cap.meta.name.replace(/\.(pcap|pcapng|cap|ntar)(\.gz)?$/i, '') || 'capture';
  const name = `${stem}${displayedOnly ? '-displayed' : ''}.${format}`;
  downloadBlob(new Blob([r.bytes as Uint8Array<ArrayBuffer>], { type: 'application/vnd.tcpdump.pcap' }), name);
  set({ notice: { kind: 'info', text: `Exported ${r.frames.toLocaleString('en-US')} frames as ${name}.` } });
}

captureBridge.onFail((reason) => {
  set({ captures: [], active: null, status: null, selected: null, details: null, field: null, simId: null, notice: { kind: 'error', text: `${reason}. The open captures were closed; import them again. Your scenario is unchanged.` } });
});

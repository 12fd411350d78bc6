/**
 * Fills the simulation's capture while the run plays: polls the simulation worker for the frames
 * recorded since the last poll (Engine.captureFramesSince: all capture points at one instant,
 * merged in time order) and appends them to the "Simulation" capture in the capture worker. The
 * simulation keeps every frame, so a poll after a pause or after opening the panel catches up.
 * A restarted run (reset, seek back, a new load) starts the capture over.
 */
import type { SimFrame } from '../../../engine/capture-api.ts';
import { useDocumentStore } from '../../state/document-store.ts';
import { useSimStore } from '../../state/sim-store.ts';
import { engineBridge, WorkerCrash } from '../../worker/bridge.ts';
import { captureBridge } from '../../worker/capture-bridge.ts';
import { scenarioDecodeAs } from './capture-points.ts';
import { activate, refreshStatus, useCaptureStore } from './capture-store.ts';

const POLL_MS = 250;

let run = -1;
let cursors: Record<string, number> = {};
let polling = false;
let again = false;
let timer: ReturnType<typeof setTimeout> | null = null;
let started = false;
let captureGeneration = -1;

/** Worker capture ids of each capture point's own view (like one tcpdump per point). */
let pointViews = new Map<string, string>();

/** A fresh merged capture (all points) for a new run; the per-point views start over too. */
async function openSimCapture(): Promise<string> {
  const st = useCaptureStore.getState();
  const rules = scenarioDecodeAs(useDocumentStore.getState().doc);
  const old = new Set(pointViews.values());
  for (const id of old) await captureBridge.api.close(id);
  pointViews = new Map();
  const o = await captureBridge.api.openSimulation('Simulation', rules, st.simId ?? undefined);
  const rest = st.captures.filter((c) => c.id !== st.simId && !old.has(c.id));
  useCaptureStore.setState({ simId: o.id, captures: [o, ...rest] });
  if (st.active === null || st.active === st.simId || old.has(st.active)) await activate(o.id);
  return o.id;
}

/** Appends a delta to the merged capture and to each point's own view (opened on its first frame). */
async function appendToViews(mergedId: string, frames: readonly SimFrame[]): Promise<void> {
  await captureBridge.api.appendFrames(mergedId, frames);
  const byPoint = new Map<string, SimFrame[]>();
  for (const f of frames) {
    const list = byPoint.get(f.capture);
    if (list) list.push(f);
    else byPoint.set(f.capture, [f]);
  }
  for (const [point, list] of byPoint) {
    let id = pointViews.get(point);
    if (!id) {
      const rules = scenarioDecodeAs(useDocumentStore.getState().doc);
      const o = await captureBridge.api.openSimulation(`Simulation: ${point} (${list[0]!.node})`, rules);
      id = o.id;
      pointViews.set(point, id);
      const st = useCaptureStore.getState();
      const at = st.captures.findIndex((c) => c.id === mergedId) + 1 + pointViews.size - 1;
      const next = [...st.captures];
      next.splice(at, 0, o);
      useCaptureStore.setState({ captures: next });
    }
    await captureBridge.api.appendFrames(id, list);
  }
}

async function pollOnce(): Promise<void> {
  if (useDocumentStore.getState().doc.captures.length === 0 && useCaptureStore.getState().simId === null) return;
  if (captureGeneration !== captureBridge.generation) {
    // The capture worker was replaced: its simulation capture is gone.
    captureGeneration = captureBridge.generation;
    run = -1;
  }
  for (let rounds = 0; rounds < 50; rounds++) {
    const d = await engineBridge.call((e) => e.captureFramesSince(cursors));
    let id = useCaptureStore.getState().simId;
    if (d.run !== run || id === null) {
      const restart = d.run !== run;
      run = d.run;
      cursors = {};
      id = await openSimCapture();
      if (restart) continue; // the delta was for the old cursors
    }
    if (d.frames.length) {
      const frames: SimFrame[] = d.frames;
      await appendToViews(id, frames);
      cursors = d.cursors;
      await refreshStatus();
    }
    if (!d.more) return;
  }
}

/** Polls now (coalescing calls that come in while one runs). */
export function pollSimulation(): void {
  if (polling) {
    again = true;
    return;
  }
  polling = true;
  void pollOnce()
    .catch((e: unknown) => {
      if (!(e instanceof WorkerCrash)) useCaptureStore.setState({ notice: { kind: 'error', text: `Reading the simulation's capture failed: ${e instanceof Error ? e.message : String(e)}` } });
    })
    .finally(() => {
      polling = false;
      if (again) {
        again = false;
        schedule();
      }
    });
}

function schedule(): void {
  if (timer) return;
  timer = setTimeout(() => {
    timer = null;
    pollSimulation();
  }, POLL_MS);
}

/** Starts following the simulation (idempotent): on every change of its clock or status. */
export function startSimSync(): void {
  if (started) return;
  started = true;
  useSimStore.subscribe((s, prev) => {
    if (s.total !== prev.total || s.status !== prev.status || s.clockUs !== prev.clockUs) schedule();
  });
  pollSimulation();
}

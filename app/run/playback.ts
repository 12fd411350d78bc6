/**
 * Playback: drives the worker's engine from the main thread. Run starts a requestAnimationFrame
 * loop that asks the worker to advance by (wall dt × speed) of virtual time; each answer is one
 * batch (a transferred Float64Array) that goes into the packet feed for the overlay, and the
 * clock goes into the sim store. One engine call is in flight at a time, so a slow worker makes
 * playback lag, never queue. Step, Back and the timeline go through the same serial queue.
 *
 * The document is read, never written. When it changes during a run, the run is reset: a run
 * always shows the document as it was when Run was pressed.
 */
import type { EventBatch, StepResult } from '../../engine/api.ts';
import type { Scenario } from '../../engine/model/scenario.ts';
import { useDocumentStore } from '../state/document-store.ts';
import { useSimStore, type SimActions } from '../state/sim-store.ts';
import { showStatus, useViewStore } from '../state/view-store.ts';
import { runBlocker, validate } from '../state/validation.ts';
import { engineBridge, WorkerCrash } from '../worker/bridge.ts';
import { DROP_WALL_MS, packetFeed, spanUs } from './packet-feed.ts';

/** The dock tab that wants the routers' netfilter state in snapshots (app/panels/netfilter). */
export const NETFILTER_TAB = 'netfilter';

/** How often the panels get a fresh snapshot while running. */
const SNAPSHOT_EVERY_MS = 1000;
/**
 * While running, the clock and the event count go to the store (and React) at most this often:
 * batches arrive every few ms, and each store update re-renders the toolbar and the trace panel.
 * The overlay does not wait for it: it reads the latest batch time (`latestUs`) every frame.
 */
const STORE_EVERY_MS = 200;
/** Advance calls in flight at once: the next one waits in the worker while the main thread applies the last. */
const MAX_IN_FLIGHT = 2;
/** Rows a snapshot carries while running (all of them are re-rendered each time); more when paused. */
const RUNNING_ROWS = 50;
const PAUSED_ROWS = 200;
/** Longest wall-clock step of one frame (a background tab must not ask for minutes at once). */
const MAX_FRAME_MS = 100;

let loaded: Scenario | null = null;
let queue: Promise<unknown> = Promise.resolve();
let inFlight = 0;
/** The virtual time the last advance call asked for. */
let askedUs = 0;
let lastStoreTs = 0;
/** The clock and count of the latest batch when applyBatch did not put them in the store. */
let unshown: { clockUs: number; total: number } | null = null;
let frame = 0;
let lastFrameTs = 0;
let lastSnapshotTs = 0;
let snapshotEveryMs = SNAPSHOT_EVERY_MS;
/** A running snapshot has been asked for and not yet answered. */
let snapshotPending = false;
let pausing = false;
let generation = -1;

const set = useSimStore.setState;
const get = useSimStore.getState;

/** How far back a jump (Back, the timeline) fetches events: long enough for a drop's ✕. */
function jumpWindowUs(): number {
  const speed = get().speed;
  return Math.max(spanUs(speed), DROP_WALL_MS * 1000 * Math.max(1, speed));
}

/** Runs `fn` after every earlier engine call has finished. */
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

function applyBatch(b: EventBatch): void {
  packetFeed.apply(b, spanUs(get().speed));
  packetFeed.latestUs = b.now;
  const s = get();
  const now = performance.now();
  // While running, React hears of the clock a few times a second; a stop or a jump goes at once.
  if (s.status === 'running' && !b.done && !b.restart && !pausing && now - lastStoreTs < STORE_EVERY_MS) {
    unshown = { clockUs: b.now, total: b.total };
    return;
  }
  unshown = null;
  lastStoreTs = now;
  const status = b.done && s.status === 'running' ? 'finished' : s.status;
  set({ clockUs: b.now, total: b.total, status, traceVersion: s.traceVersion + 1 });
}

/** Puts a clock that applyBatch held back into the store. */
function flushClock(): void {
  if (!unshown) return;
  lastStoreTs = performance.now();
  set({ ...unshown, traceVersion: get().traceVersion + 1 });
  unshown = null;
}

/** Loads the current document into the worker when it is not the one loaded there. */
async function ensureLoaded(): Promise<boolean> {
  const doc = useDocumentStore.getState().doc;
  if (loaded === doc && generation === engineBridge.generation) return true;
  const blocker = runBlocker(validate(doc));
  if (blocker) {
    showStatus(blocker);
    return false;
  }
  set({ status: 'loading' });
  const r = await engineBridge.call((e) => e.load(doc));
  if (!r.ok) {
    set({ status: 'idle' });
    showStatus(`The scenario cannot run: ${r.issues[0]?.message ?? 'it is not valid'}`);
    return false;
  }
  loaded = doc;
  generation = engineBridge.generation;
  packetFeed.clear();
  set({ durationUs: r.durationUs, traceLevel: r.trace, clockUs: 0, total: 0, current: null, selected: null, snapshot: null, status: 'paused' });
  return true;
}

async function refreshSnapshot(): Promise<void> {
  const filter = get().socketFilter;
  const rows = get().status === 'running' ? RUNNING_ROWS : PAUSED_ROWS;
  // Netfilter listings cost the worker a print per router: only while their tab is open.
  const netfilter = useViewStore.getState().dockTab === NETFILTER_TAB;
  const snap = await engineBridge.call((e) => e.snapshot({ filter, maxSockets: rows, maxFlows: rows, netfilter }));
  set({ snapshot: snap });
}

function onError(e: unknown): void {
  if (e instanceof WorkerCrash) return; // the crash listener has already told the person
  stopLoop();
  set({ status: 'paused' });
  showStatus(`The simulation failed: ${e instanceof Error ? e.message : String(e)}`);
}

function stopLoop(): void {
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
}

/**
 * One advance call. While the worker keeps up, calls are paced by animation frames; when it lags
 * (a dense stretch of a big run), the next call goes out as soon as the last one is answered, so
 * the worker never idles while the main thread draws. Virtual time asked for is the wall time
 * since the last call × speed: a lagging worker slows playback down instead of building a backlog.
 */
function pump(): void {
  if (inFlight >= MAX_IN_FLIGHT || pausing || get().status !== 'running') return;
  inFlight++;
  const now = performance.now();
  const dt = Math.min(MAX_FRAME_MS, lastFrameTs ? now - lastFrameTs : 0);
  lastFrameTs = now;
  const s = get();
  const reached = Math.max(packetFeed.latestUs, s.clockUs);
  const to = (askedUs = Math.max(askedUs, reached + dt * 1000 * s.speed));
  let caughtUp = true;
  // A crash replaces the worker: an answer from the old one that is applied after the crash's
  // reset (it waited in the queue behind a call the crash rejected) must not bring its clock back.
  const gen = engineBridge.generation;
  // Sent now, applied in order: with two calls in flight the worker never waits for this thread.
  const answer = engineBridge.call((e) => e.advance(to, { maxMs: 12 }));
  answer.catch(() => undefined);
  void serial(async () => {
    const b = await answer;
    if (engineBridge.generation !== gen) return;
    caughtUp = b.now >= to;
    // Lagging: the next call goes out before this batch is applied, so the worker keeps working.
    if (!caughtUp) pump();
    const wasRunning = get().status === 'running';
    applyBatch(b);
    if (b.done && wasRunning) {
      // The end: the panels get the final state (applyBatch has already said 'finished').
      stopLoop();
      await refreshSnapshot();
      return;
    }
    if (get().status !== 'running' || pausing) return; // pausing: keep what was computed, stop here
    packetFeed.prune(b.now, spanUs(get().speed));
    if (!snapshotPending && performance.now() - lastSnapshotTs > snapshotEveryMs) {
      // Not awaited here: the worker answers calls in order anyway, and Pause (which waits for
      // this queue) must not wait for a big run's snapshot.
      const t0 = performance.now();
      snapshotPending = true;
      lastSnapshotTs = t0;
      void refreshSnapshot()
        .then(() => {
          lastSnapshotTs = performance.now();
          // A big run's snapshot costs the worker time: ask for it less often then.
          snapshotEveryMs = Math.max(SNAPSHOT_EVERY_MS, 8 * (lastSnapshotTs - t0));
        })
        .catch(onError)
        .finally(() => {
          snapshotPending = false;
        });
    }
  })
    .catch(onError)
    .finally(() => {
      // The crash handler has already zeroed the count for calls to the old worker.
      if (engineBridge.generation === gen) inFlight--;
      if (!caughtUp) pump();
    });
}

function tick(): void {
  frame = requestAnimationFrame(tick);
  if (get().status !== 'running') {
    stopLoop();
    return;
  }
  if (performance.now() - lastStoreTs >= STORE_EVERY_MS) flushClock();
  pump();
}

function startLoop(): void {
  stopLoop();
  lastFrameTs = 0;
  askedUs = 0;
  frame = requestAnimationFrame(tick);
}

function afterMove(r: StepResult): void {
  applyBatch(r.batch);
  const e = r.event;
  set({
    current: e,
    selected: e && e.packetId !== undefined ? { packetId: e.packetId, node: e.node, seq: e.seq } : null,
  });
}

export const playback: SimActions = {
  run() {
    const s = get();
    if (s.status === 'running' || s.status === 'loading') return;
    void serial(async () => {
      if (!(await ensureLoaded())) return;
      if (get().status === 'finished' || get().clockUs >= get().durationUs) {
        applyBatch(await engineBridge.call((e) => e.reset()));
      }
      set({ status: 'running', current: null });
      startLoop();
    }).catch(onError);
  },

  pause() {
    if (get().status !== 'running' || pausing) return;
    // Stop asking for more at once, and show 'paused' once the call in flight has been applied,
    // so the clock does not move after it says paused.
    pausing = true;
    stopLoop();
    void serial(async () => {
      pausing = false;
      flushClock();
      if (get().status === 'running') set({ status: 'paused' });
      await refreshSnapshot();
    }).catch(onError);
  },

  step() {
    stopLoop();
    void serial(async () => {
      if (!(await ensureLoaded())) return;
      set({ status: 'paused' });
      afterMove(await engineBridge.call((e) => e.step()));
      await refreshSnapshot();
    }).catch(onError);
  },

  back() {
    stopLoop();
    void serial(async () => {
      if (!(await ensureLoaded())) return;
      set({ status: 'paused' });
      afterMove(await engineBridge.call((e) => e.back(jumpWindowUs()), 60_000));
      await refreshSnapshot();
    }).catch(onError);
  },

  reset() {
    stopLoop();
    void serial(async () => {
      packetFeed.clear();
      set({ status: 'idle', clockUs: 0, total: 0, current: null, selected: null, snapshot: null });
      if (loaded && generation === engineBridge.generation && loaded === useDocumentStore.getState().doc) {
        applyBatch(await engineBridge.call((e) => e.reset()));
        set({ status: 'idle' });
      }
    }).catch(onError);
  },

  seek(tUs: number) {
    const wasRunning = get().status === 'running';
    stopLoop();
    void serial(async () => {
      if (!(await ensureLoaded())) return;
      set({ status: 'paused', current: null });
      applyBatch(await engineBridge.call((e) => e.seek(tUs, jumpWindowUs()), 60_000));
      await refreshSnapshot();
      if (wasRunning) {
        set({ status: 'running' });
        startLoop();
      }
    }).catch(onError);
  },

  selectEvent(seq: number) {
    void serial(async () => {
      const e = await engineBridge.call((en) => en.event(seq));
      if (e) set({ current: e, selected: e.packetId !== undefined ? { packetId: e.packetId, node: e.node, seq: e.seq } : get().selected });
    }).catch(onError);
  },

  selectPacket(packetId: number, node: string | null) {
    set({ selected: { packetId, node, seq: null } });
  },
};

/** Asks for a fresh snapshot now (the Sockets filter changed). */
export function requestSnapshot(): void {
  if (!loaded) return;
  void serial(refreshSnapshot).catch(onError);
}

let wired = false;

/** Connects the run controls to the worker: call once at app start. */
export function wirePlayback(): void {
  if (wired) return;
  wired = true;
  set({ wired: true, actions: playback });
  engineBridge.onCrash((reason) => {
    stopLoop();
    inFlight = 0;
    pausing = false;
    loaded = null;
    packetFeed.clear();
    set({ status: 'idle', clockUs: 0, total: 0, current: null, selected: null, snapshot: null, traceVersion: get().traceVersion + 1 });
    showStatus(`The simulation crashed and was restarted (${reason}). Your scenario is unchanged; press Run to start again.`);
  });
  // A run shows the document as it was when Run was pressed: an edit ends it.
  useDocumentStore.subscribe((s, prev) => {
    if (s.doc === prev.doc || !loaded || s.doc === loaded) return;
    stopLoop();
    loaded = null;
    packetFeed.clear();
    set({ status: 'idle', clockUs: 0, total: 0, current: null, selected: null, snapshot: null });
  });
}

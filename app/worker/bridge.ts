/**
 * The bridge to the simulation worker: the only place in the app that knows Comlink. It owns the
 * worker's life: a worker that throws (an `error` event) or does not answer a call in time is
 * terminated and replaced by a fresh one, every pending call is rejected with `WorkerCrash`, and
 * the crash listeners are told (the run store resets the run and shows a toast). The scenario
 * document lives on the main thread and is never touched by any of this.
 */
import * as Comlink from 'comlink';
import type { WorkerEngine } from './engine.worker.ts';

export type EngineRemote = Comlink.Remote<WorkerEngine>;

/** Why a call did not complete: the worker crashed or hung and has been restarted. */
export class WorkerCrash extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WorkerCrash';
  }
}

/** How long an ordinary call may take before the worker is declared hung. */
export const CALL_TIMEOUT_MS = 20_000;

type CrashListener = (reason: string) => void;

interface Pending {
  reject(e: WorkerCrash): void;
  timer?: ReturnType<typeof setTimeout>;
}

export class EngineBridge {
  private worker: Worker | null = null;
  private remote: EngineRemote | null = null;
  private readonly pending = new Set<Pending>();
  private readonly listeners = new Set<CrashListener>();
  /** Increments on every restart, so a caller can tell its worker was replaced. */
  generation = 0;

  /** Calls the engine; rejects with WorkerCrash when the worker dies or exceeds `timeoutMs`. */
  call<T>(fn: (engine: EngineRemote) => Promise<T>, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    const remote = this.ensure();
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { reject };
      this.pending.add(entry);
      const timer = (entry.timer = setTimeout(() => {
        this.pending.delete(entry);
        this.crash(`the simulation did not answer within ${Math.round(timeoutMs / 1000)} s`);
        reject(new WorkerCrash('timeout'));
      }, timeoutMs));
      fn(remote).then(
        (v) => {
          clearTimeout(timer);
          if (!this.pending.delete(entry)) return; // already rejected by a crash
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          if (!this.pending.delete(entry)) return;
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  onCrash(listener: CrashListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Terminates the worker (tests and page teardown); the next call starts a new one. */
  terminate(): void {
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
  }

  private ensure(): EngineRemote {
    if (this.remote) return this.remote;
    const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'netplay-engine' });
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      if (worker === this.worker) this.crash(`the simulation stopped with an error${e.message ? `: ${e.message}` : ''}`);
    });
    worker.addEventListener('messageerror', () => {
      if (worker === this.worker) this.crash('the simulation sent a message that could not be read');
    });
    this.worker = worker;
    this.remote = Comlink.wrap<WorkerEngine>(worker);
    return this.remote;
  }

  private crash(reason: string): void {
    this.terminate();
    this.generation++;
    const failed = [...this.pending];
    this.pending.clear();
    for (const p of failed) {
      clearTimeout(p.timer);
      p.reject(new WorkerCrash(reason));
    }
    for (const l of this.listeners) l(reason);
  }
}

/** The app's one bridge. */
export const engineBridge = new EngineBridge();

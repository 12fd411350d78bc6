/**
 * The bridge to the capture worker (app/worker/capture.worker.ts), the one other place besides
 * bridge.ts that knows Comlink. The worker starts on first use, so an app that never opens a
 * capture never loads it. A worker that fails is replaced; its captures are gone then, and the
 * caller is told (the panel says so and offers to import again), the scenario is never touched.
 */
import * as Comlink from 'comlink';
import type { CaptureWorker } from './capture.worker.ts';

export type CaptureRemote = Comlink.Remote<CaptureWorker>;

type FailListener = (reason: string) => void;

class CaptureBridge {
  private worker: Worker | null = null;
  private remote: CaptureRemote | null = null;
  private readonly listeners = new Set<FailListener>();
  generation = 0;

  get api(): CaptureRemote {
    if (this.remote) return this.remote;
    const worker = new Worker(new URL('./capture.worker.ts', import.meta.url), { type: 'module', name: 'netplay-capture' });
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      if (worker === this.worker) this.fail(`the capture worker stopped with an error${e.message ? `: ${e.message}` : ''}`);
    });
    this.worker = worker;
    this.remote = Comlink.wrap<CaptureWorker>(worker);
    return this.remote;
  }

  onFail(l: FailListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private fail(reason: string): void {
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
    this.generation++;
    for (const l of this.listeners) l(reason);
  }
}

export const captureBridge = new CaptureBridge();

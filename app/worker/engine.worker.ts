/**
 * The simulation's Web Worker: the engine facade (engine/api.ts), exposed with Comlink. Two
 * things are added here because they need the worker, not the engine: batches' buffers are
 * transferred instead of copied, and a playback chunk is bounded by this thread's clock so that
 * the worker answers Pause within a frame even when a second of virtual time holds a million
 * events.
 */
import * as Comlink from 'comlink';
import { Engine, type AdvanceBudget, type EventBatch, type StepResult } from '../../engine/api.ts';

export interface WorkerBudget extends AdvanceBudget {
  /** Wall-clock milliseconds one advance may take (default 12). */
  readonly maxMs?: number;
}

/** Comlink transfers the buffers registered for the top-level value it returns. */
const moved = (b: EventBatch): EventBatch => (b.data.byteLength ? Comlink.transfer(b, [b.data.buffer]) : b);
const movedStep = (r: StepResult): StepResult => (r.batch.data.byteLength ? Comlink.transfer(r, [r.batch.data.buffer]) : r);

export class WorkerEngine extends Engine {
  override advance(toUs: number, budget: WorkerBudget = {}): EventBatch {
    const deadline = performance.now() + (budget.maxMs ?? 12);
    return moved(this.runChunked(toUs, budget, () => performance.now() > deadline));
  }

  override reset(): EventBatch {
    return moved(super.reset());
  }

  override seek(tUs: number, windowUs?: number): EventBatch {
    return moved(super.seek(tUs, windowUs));
  }

  override step(): StepResult {
    return movedStep(super.step());
  }

  override back(windowUs?: number): StepResult {
    return movedStep(super.back(windowUs));
  }

  override capturePcap(ids?: readonly string[], format?: 'pcap' | 'pcapng'): Uint8Array {
    const bytes = super.capturePcap(ids, format);
    return Comlink.transfer(bytes, [bytes.buffer]);
  }
}

Comlink.expose(new WorkerEngine());

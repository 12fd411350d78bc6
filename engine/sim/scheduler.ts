/**
 * The discrete-event scheduler: a binary min-heap of events ordered by (time µs, insertion seq),
 * and the virtual clock. Like smoltcp's tests/netsim.rs, time only moves when an event is taken
 * from the heap; nothing here reads a wall clock.
 *
 * Events are kept in parallel arrays indexed by a slot number (no object per event, no closure):
 * an event is (time, seq, sink, kind, payload). The heap orders slot numbers and each slot knows
 * its heap position, so cancelling removes the event at once (retransmission timers are mostly
 * cancelled: leaving them in the heap would make it large and every pop slower). A slot is
 * recycled once its event has run or been cancelled. A timer handle encodes (generation, slot), so
 * a stale handle (its event already ran, the slot reused) cancels nothing.
 */

/** Who gets an event. `kind` says what happened; the payload is whatever the scheduler was given. */
export interface EventSink<P> {
  onEvent(kind: number, payload: P): void;
}

/** A handle for cancelling a scheduled event; 0 is never a valid handle. */
export type TimerHandle = number;

const SLOT_BITS = 2 ** 24;

export class Scheduler<P> {
  /** Virtual time in integer microseconds. */
  now = 0;
  /** Events executed so far (cancelled ones are not counted). */
  executed = 0;
  private seqCounter = 0;
  private heap: Int32Array = new Int32Array(1024);
  private heapSize = 0;
  private time: Float64Array = new Float64Array(1024);
  private seq: Float64Array = new Float64Array(1024);
  private gen: Int32Array = new Int32Array(1024);
  private kinds: Int32Array = new Int32Array(1024);
  /** Heap index of each slot's event. */
  private pos: Int32Array = new Int32Array(1024);
  private sinks: (EventSink<P> | null)[] = [];
  private payloads: (P | undefined)[] = [];
  private free: number[] = [];
  private slotCount = 0;

  /** Number of events waiting (cancelled ones included until they surface). */
  get pending(): number {
    return this.heapSize;
  }

  /** Schedules `sink.onEvent(kind, payload)` at absolute time `t` (µs, never before now). */
  at(t: number, sink: EventSink<P>, kind: number, payload: P): TimerHandle {
    if (t < this.now) t = this.now;
    const slot = this.allocSlot();
    this.time[slot] = t;
    this.seq[slot] = this.seqCounter++;
    this.kinds[slot] = kind;
    this.sinks[slot] = sink;
    this.payloads[slot] = payload;
    this.push(slot);
    return this.gen[slot]! * SLOT_BITS + slot + 1;
  }

  /** Schedules after a delay in µs. */
  after(delayUs: number, sink: EventSink<P>, kind: number, payload: P): TimerHandle {
    return this.at(this.now + delayUs, sink, kind, payload);
  }

  /** Cancels a scheduled event; returns false if it already ran or was cancelled. */
  cancel(handle: TimerHandle): boolean {
    if (handle <= 0) return false;
    const slot = (handle - 1) % SLOT_BITS;
    const g = Math.floor((handle - 1) / SLOT_BITS);
    if (slot >= this.slotCount || this.gen[slot] !== g || this.sinks[slot] === null) return false;
    this.sinks[slot] = null;
    this.payloads[slot] = undefined;
    this.gen[slot] = (g + 1) | 0;
    this.removeAt(this.pos[slot]!);
    this.release(slot);
    return true;
  }

  /** Time of the next event, or Infinity when there is none. */
  peekTime(): number {
    return this.heapSize > 0 ? this.time[this.heap[0]!]! : Infinity;
  }

  /**
   * Runs the next live event if it is due at or before `limit`; returns false when there is
   * none. The clock moves to the event's time.
   */
  runNext(limit = Infinity): boolean {
    const t = this.peekTime();
    if (t > limit || this.heapSize === 0) return false;
    const slot = this.pop();
    const sink = this.sinks[slot]!;
    const kind = this.kinds[slot]!;
    const payload = this.payloads[slot] as P;
    this.now = t;
    this.sinks[slot] = null;
    this.payloads[slot] = undefined;
    this.gen[slot] = (this.gen[slot]! + 1) | 0;
    this.release(slot);
    this.executed++;
    sink.onEvent(kind, payload);
    return true;
  }

  /** Runs every event due at or before `t`, then sets the clock to `t`. */
  runUntil(t: number): void {
    while (this.runNext(t)) {
      /* keep going */
    }
    if (t > this.now && t !== Infinity) this.now = t;
  }

  private allocSlot(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const slot = this.slotCount++;
    if (slot >= this.time.length) this.grow();
    this.sinks.push(null);
    this.payloads.push(undefined);
    return slot;
  }

  private release(slot: number): void {
    this.free.push(slot);
  }

  private grow(): void {
    const n = this.time.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.time = g(this.time, (k) => new Float64Array(k));
    this.pos = g(this.pos, (k) => new Int32Array(k));
    this.seq = g(this.seq, (k) => new Float64Array(k));
    this.gen = g(this.gen, (k) => new Int32Array(k));
    this.kinds = g(this.kinds, (k) => new Int32Array(k));
    this.heap = g(this.heap, (k) => new Int32Array(k));
  }

  private less(a: number, b: number): boolean {
    const ta = this.time[a]!;
    const tb = this.time[b]!;
    return ta < tb || (ta === tb && this.seq[a]! < this.seq[b]!);
  }

  private push(slot: number): void {
    this.siftUp(this.heapSize++, slot);
  }

  private pop(): number {
    const top = this.heap[0]!;
    this.removeAt(0);
    return top;
  }

  /** Removes the event at heap index i, moving the last one into its place. */
  private removeAt(i: number): void {
    const last = this.heap[--this.heapSize]!;
    if (i === this.heapSize) return;
    if (i > 0 && this.less(last, this.heap[(i - 1) >> 1]!)) this.siftUp(i, last);
    else this.siftDown(i, last);
  }

  private siftUp(i: number, slot: number): void {
    const heap = this.heap;
    const pos = this.pos;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.less(slot, p)) break;
      heap[i] = p;
      pos[p] = i;
      i = parent;
    }
    heap[i] = slot;
    pos[slot] = i;
  }

  private siftDown(i: number, slot: number): void {
    const heap = this.heap;
    const pos = this.pos;
    const n = this.heapSize;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(heap[r]!, heap[l]!)) c = r;
      const cs = heap[c]!;
      if (!this.less(cs, slot)) break;
      heap[i] = cs;
      pos[cs] = i;
      i = c;
    }
    heap[i] = slot;
    pos[slot] = i;
  }
}

/**
 * The discrete-event scheduler: a binary min-heap of events ordered by (time µs, insertion seq),
 * and the virtual clock. Like smoltcp's tests/netsim.rs, time only moves when an event is taken
 * from the heap; nothing here reads a wall clock.
 *
 * Events are kept in parallel arrays indexed by a slot number (no object per event, no closure):
 * an event is (time, seq, sink, kind, payload). The heap holds each event's (time, seq) keys
 * inline with its slot number, and each slot knows its heap position, so cancelling removes the event at once (retransmission timers are mostly
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
  /**
   * The heap: each position holds its event's keys (time, seq) inline beside its slot, so sifting
   * compares neighbouring array entries instead of chasing slot numbers into other arrays.
   */
  private heapTime = new Float64Array(1024);
  private heapSeq = new Float64Array(1024);
  private heapSlot = new Int32Array(1024);
  private heapSize = 0;
  /** Per slot: generation (for stale handles), kind, and heap index of the slot's event. */
  private gen = new Int32Array(1024);
  private kinds = new Int32Array(1024);
  private pos = new Int32Array(1024);
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
    this.kinds[slot] = kind;
    this.sinks[slot] = sink;
    this.payloads[slot] = payload;
    if (this.heapSize >= this.heapTime.length) this.growHeap();
    this.siftUp(this.heapSize++, t, this.seqCounter++, slot);
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
    this.free.push(slot);
    return true;
  }

  /** Time of the next event, or Infinity when there is none. */
  peekTime(): number {
    return this.heapSize > 0 ? this.heapTime[0]! : Infinity;
  }

  /**
   * Runs the next live event if it is due at or before `limit`; returns false when there is
   * none. The clock moves to the event's time.
   */
  runNext(limit = Infinity): boolean {
    if (this.heapSize === 0) return false;
    const t = this.heapTime[0]!;
    if (t > limit) return false;
    const slot = this.heapSlot[0]!;
    this.removeAt(0);
    const sink = this.sinks[slot]!;
    const kind = this.kinds[slot]!;
    const payload = this.payloads[slot] as P;
    this.now = t;
    this.sinks[slot] = null;
    this.payloads[slot] = undefined;
    this.gen[slot] = (this.gen[slot]! + 1) | 0;
    this.free.push(slot);
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
    if (slot >= this.gen.length) this.growSlots();
    this.sinks.push(null);
    this.payloads.push(undefined);
    return slot;
  }

  private growSlots(): void {
    const n = this.gen.length * 2;
    this.gen = grown(this.gen, new Int32Array(n));
    this.kinds = grown(this.kinds, new Int32Array(n));
    this.pos = grown(this.pos, new Int32Array(n));
  }

  private growHeap(): void {
    const n = this.heapTime.length * 2;
    this.heapTime = grown(this.heapTime, new Float64Array(n));
    this.heapSeq = grown(this.heapSeq, new Float64Array(n));
    this.heapSlot = grown(this.heapSlot, new Int32Array(n));
  }

  /** Removes the event at heap index i, moving the last one into its place. */
  private removeAt(i: number): void {
    const last = --this.heapSize;
    if (i === last) return;
    const t = this.heapTime[last]!;
    const q = this.heapSeq[last]!;
    const slot = this.heapSlot[last]!;
    if (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.heapTime[parent]!;
      if (t < pt || (t === pt && q < this.heapSeq[parent]!)) return this.siftUp(i, t, q, slot);
    }
    this.siftDown(i, t, q, slot);
  }

  /** Moves the hole at i up until (t, q) fits, and puts the event there. */
  private siftUp(i: number, t: number, q: number, slot: number): void {
    const time = this.heapTime;
    const seq = this.heapSeq;
    const slots = this.heapSlot;
    const pos = this.pos;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = time[parent]!;
      if (t > pt || (t === pt && q > seq[parent]!)) break;
      const ps = slots[parent]!;
      time[i] = pt;
      seq[i] = seq[parent]!;
      slots[i] = ps;
      pos[ps] = i;
      i = parent;
    }
    time[i] = t;
    seq[i] = q;
    slots[i] = slot;
    pos[slot] = i;
  }

  /** Moves the hole at i down until (t, q) fits, and puts the event there. */
  private siftDown(i: number, t: number, q: number, slot: number): void {
    const time = this.heapTime;
    const seq = this.heapSeq;
    const slots = this.heapSlot;
    const pos = this.pos;
    const n = this.heapSize;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = time[c]!;
      const r = c + 1;
      if (r < n) {
        const rt = time[r]!;
        if (rt < ct || (rt === ct && seq[r]! < seq[c]!)) {
          c = r;
          ct = rt;
        }
      }
      if (t < ct || (t === ct && q < seq[c]!)) break;
      const cs = slots[c]!;
      time[i] = ct;
      seq[i] = seq[c]!;
      slots[i] = cs;
      pos[cs] = i;
      i = c;
    }
    time[i] = t;
    seq[i] = q;
    slots[i] = slot;
    pos[slot] = i;
  }
}

function grown<T extends Float64Array | Int32Array>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}

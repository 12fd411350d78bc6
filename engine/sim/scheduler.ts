/**
 * The discrete-event scheduler: events ordered by (time µs, insertion order), and the virtual
 * clock. Like smoltcp's tests/netsim.rs, time only moves when an event is taken; nothing here
 * reads a wall clock.
 *
 * A calendar of time buckets, not one heap of events. A simulated network has few distinct
 * pending times (a handful of fixed link latencies and timer lengths added to a clock that moves
 * in steps), so events are kept in one FIFO bucket per distinct time and only the bucket times
 * are in a min-heap (tens of entries, not thousands). Events at one time run in the order they
 * were scheduled, which is exactly the (time, seq) order of a heap with an insertion counter:
 * scheduling and running an event cost O(1) (a Map lookup when the small time → bucket cache
 * misses), not O(log n) sifts.
 *
 * Events are kept in parallel arrays indexed by a slot number (no object per event, no closure):
 * an event is (sink, kind, payload), linked both ways into its bucket so that cancelling unlinks
 * it at once (retransmission timers are mostly cancelled: leaving them would make the calendar
 * large). A slot is recycled once its event has run or been cancelled. A timer handle encodes
 * (generation, slot), so a stale handle (its event already ran, the slot reused) cancels nothing.
 */

/** Who gets an event. `kind` says what happened; the payload is whatever the scheduler was given. */
export interface EventSink<P> {
  onEvent(kind: number, payload: P): void;
}

/** A handle for cancelling a scheduled event; 0 is never a valid handle. */
export type TimerHandle = number;

const SLOT_BITS = 2 ** 24;
const NONE = -1;
/**
 * Room for this many events and distinct pending times before any array grows. Growing replaces
 * an array that compiled code had taken as constant, and every function that inlined the
 * scheduler is thrown away and compiled again (concurrent compilation is CPU time too): a run
 * with a few thousand connections in flight stays below these.
 */
const INITIAL_SLOTS = 4096;
const INITIAL_BUCKETS = 4096;
/**
 * A slot's first generation. Handles are generation * 2^24 + slot + 1, so from 128 on they no
 * longer fit an int32; starting above that, compiled code sees them as doubles from the first
 * event instead of assuming small integers and being deoptimized when the generations outgrow them.
 */
const FIRST_GEN = 256;
/** Generations wrap back to FIRST_GEN here: handles stay below 2^53 (exact doubles). */
const GEN_LIMIT = 2 ** 29;
/** Entries of the time → bucket cache (a power of two). */
const CACHE_SIZE = 16;

/** The cache entry a time may sit in: a multiplicative hash of its low 32 bits. */
function cacheIndex(t: number): number {
  return Math.imul(t | 0, 0x9e3779b1) >>> 28;
}

export class Scheduler<P> {
  /** Virtual time in integer microseconds. */
  now = 0;
  /** Events executed so far (cancelled ones are not counted). */
  executed = 0;
  private live = 0;
  /** Per slot: generation (for stale handles), kind, its bucket, and the links in that bucket. */
  private gen = new Int32Array(INITIAL_SLOTS);
  private kinds = new Int32Array(INITIAL_SLOTS);
  private bucketOf = new Int32Array(INITIAL_SLOTS);
  private next = new Int32Array(INITIAL_SLOTS);
  private prev = new Int32Array(INITIAL_SLOTS);
  private sinks: (EventSink<P> | null)[] = [];
  private payloads: (P | undefined)[] = [];
  /** Free slots, a stack (last freed is reused first). */
  private freeSlots = new Int32Array(INITIAL_SLOTS);
  private freeCount = 0;
  private slotCount = 0;
  /** Buckets: the time, and the first and last event (NONE when empty); time → bucket. */
  private bTime = new Float64Array(INITIAL_BUCKETS);
  private bHead = new Int32Array(INITIAL_BUCKETS);
  private bTail = new Int32Array(INITIAL_BUCKETS);
  private freeBuckets: number[] = [];
  private bucketCount = 0;
  private readonly byTime = new Map<number, number>();
  /**
   * A small direct-mapped cache in front of byTime: events are scheduled at now plus one of a
   * few fixed delays (link latencies, timer lengths), so the last bucket seen for each of them
   * is nearly always the one wanted. An entry is cleared when its bucket is dropped.
   */
  private readonly cacheTime = new Float64Array(CACHE_SIZE).fill(-1);
  private readonly cacheBucket = new Int32Array(CACHE_SIZE);
  /** Min-heap of bucket times (distinct), with each entry's bucket beside it. */
  private heapTime = new Float64Array(INITIAL_BUCKETS);
  private heapBucket = new Int32Array(INITIAL_BUCKETS);
  private heapSize = 0;

  /** Number of events waiting. */
  get pending(): number {
    return this.live;
  }

  /** Schedules `sink.onEvent(kind, payload)` at absolute time `t` (µs, never before now). */
  at(t: number, sink: EventSink<P>, kind: number, payload: P): TimerHandle {
    if (t < this.now) t = this.now;
    const slot = this.allocSlot();
    this.kinds[slot] = kind;
    this.sinks[slot] = sink;
    this.payloads[slot] = payload;
    const c = cacheIndex(t);
    let b: number;
    if (this.cacheTime[c] === t) b = this.cacheBucket[c]!;
    else {
      b = this.byTime.get(t) ?? this.newBucket(t);
      this.cacheTime[c] = t;
      this.cacheBucket[c] = b;
    }
    const tail = this.bTail[b]!;
    this.bucketOf[slot] = b;
    this.next[slot] = NONE;
    this.prev[slot] = tail;
    if (tail === NONE) this.bHead[b] = slot;
    else this.next[tail] = slot;
    this.bTail[b] = slot;
    this.live++;
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
    this.unlink(slot);
    this.release(slot);
    this.live--;
    return true;
  }

  /** Time of the next event, or Infinity when there is none. */
  peekTime(): number {
    return this.firstBucket() === NONE ? Infinity : this.heapTime[0]!;
  }

  /**
   * Runs the next event if it is due at or before `limit`; returns false when there is none.
   * The clock moves to the event's time.
   */
  runNext(limit = Infinity): boolean {
    const b = this.firstBucket();
    if (b === NONE) return false;
    const t = this.heapTime[0]!;
    if (t > limit) return false;
    const slot = this.bHead[b]!;
    const after = this.next[slot]!;
    this.bHead[b] = after;
    if (after === NONE) this.bTail[b] = NONE;
    else this.prev[after] = NONE;
    const sink = this.sinks[slot]!;
    const kind = this.kinds[slot]!;
    const payload = this.payloads[slot] as P;
    this.now = t;
    this.release(slot);
    this.live--;
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

  /** The earliest bucket that holds an event (emptied buckets are dropped here), or NONE. */
  private firstBucket(): number {
    while (this.heapSize > 0) {
      const b = this.heapBucket[0]!;
      if (this.bHead[b] !== NONE) return b;
      const t = this.bTime[b]!;
      this.byTime.delete(t);
      const c = cacheIndex(t);
      if (this.cacheTime[c] === t) this.cacheTime[c] = -1;
      this.freeBuckets.push(b);
      this.popHeap();
    }
    return NONE;
  }

  /** Takes a slot out of its bucket's list. */
  private unlink(slot: number): void {
    const b = this.bucketOf[slot]!;
    const n = this.next[slot]!;
    const p = this.prev[slot]!;
    if (p === NONE) this.bHead[b] = n;
    else this.next[p] = n;
    if (n === NONE) this.bTail[b] = p;
    else this.prev[n] = p;
  }

  /** The slot's event ran or was cancelled: its handle goes stale and the slot is reused. */
  private release(slot: number): void {
    this.sinks[slot] = null;
    this.payloads[slot] = undefined;
    // Wrap below 2^29, so generation * 2^24 + slot stays a safe integer (< 2^53) and positive.
    const g = this.gen[slot]! + 1;
    this.gen[slot] = g >= GEN_LIMIT ? FIRST_GEN : g;
    if (this.freeCount === this.freeSlots.length) this.freeSlots = grown(this.freeSlots, new Int32Array(this.freeCount * 2));
    this.freeSlots[this.freeCount++] = slot;
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    const slot = this.slotCount++;
    if (slot >= this.gen.length) {
      const n = this.gen.length * 2;
      this.gen = grown(this.gen, new Int32Array(n));
      this.kinds = grown(this.kinds, new Int32Array(n));
      this.bucketOf = grown(this.bucketOf, new Int32Array(n));
      this.next = grown(this.next, new Int32Array(n));
      this.prev = grown(this.prev, new Int32Array(n));
    }
    this.gen[slot] = FIRST_GEN;
    this.sinks.push(null);
    this.payloads.push(undefined);
    return slot;
  }

  /** An empty bucket for time `t`, registered in the map and the heap. */
  private newBucket(t: number): number {
    let b = this.freeBuckets.pop();
    if (b === undefined) {
      b = this.bucketCount++;
      if (b >= this.bTime.length) {
        const n = this.bTime.length * 2;
        this.bTime = grown(this.bTime, new Float64Array(n));
        this.bHead = grown(this.bHead, new Int32Array(n));
        this.bTail = grown(this.bTail, new Int32Array(n));
      }
    }
    this.bTime[b] = t;
    this.bHead[b] = NONE;
    this.bTail[b] = NONE;
    this.byTime.set(t, b);
    this.pushHeap(t, b);
    return b;
  }

  private pushHeap(t: number, b: number): void {
    if (this.heapSize >= this.heapTime.length) {
      const n = this.heapTime.length * 2;
      this.heapTime = grown(this.heapTime, new Float64Array(n));
      this.heapBucket = grown(this.heapBucket, new Int32Array(n));
    }
    const time = this.heapTime;
    const bucket = this.heapBucket;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (time[parent]! <= t) break;
      time[i] = time[parent]!;
      bucket[i] = bucket[parent]!;
      i = parent;
    }
    time[i] = t;
    bucket[i] = b;
  }

  private popHeap(): void {
    const n = --this.heapSize;
    if (n === 0) return;
    const time = this.heapTime;
    const bucket = this.heapBucket;
    const t = time[n]!;
    const b = bucket[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && time[c + 1]! < time[c]!) c++;
      if (t <= time[c]!) break;
      time[i] = time[c]!;
      bucket[i] = bucket[c]!;
      i = c;
    }
    time[i] = t;
    bucket[i] = b;
  }
}

function grown<T extends Float64Array | Int32Array>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}

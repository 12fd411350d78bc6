/**
 * A binary min-heap of (time, id) pairs in typed arrays: the one timer queue behind
 * SnatTable.nextDeadline(). Entries are never updated in place; the table pushes a new entry when
 * a deadline moves earlier and discards stale ones when they surface (see table.ts).
 */
export class DeadlineHeap {
  private times = new Float64Array(64);
  private ids = new Int32Array(64);
  private n = 0;

  get size(): number {
    return this.n;
  }

  get byteLength(): number {
    return this.times.byteLength + this.ids.byteLength;
  }

  topTime(): number {
    return this.n > 0 ? this.times[0]! : Infinity;
  }

  topId(): number {
    return this.n > 0 ? this.ids[0]! : -1;
  }

  push(time: number, id: number): void {
    if (this.n === this.times.length) {
      const t = new Float64Array(this.n * 2);
      t.set(this.times);
      this.times = t;
      const d = new Int32Array(this.n * 2);
      d.set(this.ids);
      this.ids = d;
    }
    const times = this.times;
    const ids = this.ids;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p]! <= time) break;
      times[i] = times[p]!;
      ids[i] = ids[p]!;
      i = p;
    }
    times[i] = time;
    ids[i] = id;
  }

  pop(): void {
    if (this.n === 0) return;
    const times = this.times;
    const ids = this.ids;
    const n = --this.n;
    if (n === 0) return;
    const time = times[n]!;
    const id = ids[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && times[c + 1]! < times[c]!) c++;
      if (times[c]! >= time) break;
      times[i] = times[c]!;
      ids[i] = ids[c]!;
      i = c;
    }
    times[i] = time;
    ids[i] = id;
  }

  clear(): void {
    this.n = 0;
  }
}

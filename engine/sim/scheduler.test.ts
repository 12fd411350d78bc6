import { describe, expect, it } from 'vitest';
import { Scheduler, type EventSink } from './scheduler.ts';

class Log implements EventSink<string> {
  readonly seen: string[] = [];
  constructor(private readonly s: Scheduler<string>) {}
  onEvent(kind: number, payload: string): void {
    this.seen.push(`${this.s.now}:${kind}:${payload}`);
  }
}

describe('Scheduler', () => {
  it('runs events by time, then by insertion order', () => {
    const s = new Scheduler<string>();
    const log = new Log(s);
    s.at(30, log, 1, 'c');
    s.at(10, log, 1, 'a');
    s.at(20, log, 1, 'b1');
    s.at(20, log, 2, 'b2');
    s.at(20, log, 3, 'b3');
    s.runUntil(100);
    expect(log.seen).toEqual(['10:1:a', '20:1:b1', '20:2:b2', '20:3:b3', '30:1:c']);
    expect(s.now).toBe(100);
  });

  it('keeps order with many events (heap property)', () => {
    const s = new Scheduler<string>();
    const times: number[] = [];
    const sink: EventSink<string> = { onEvent: () => times.push(s.now) };
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      s.at(x % 100000, sink, 0, '');
    }
    s.runUntil(Infinity);
    expect(times.length).toBe(5000);
    for (let i = 1; i < times.length; i++) expect(times[i]! >= times[i - 1]!).toBe(true);
  });

  it('lets an event schedule more events, never in the past', () => {
    const s = new Scheduler<string>();
    const seen: number[] = [];
    const sink: EventSink<string> = {
      onEvent: (kind) => {
        seen.push(s.now);
        if (kind < 3) s.after(5, sink, kind + 1, '');
        if (kind === 1) s.at(0, sink, 9, ''); // in the past: runs now
      },
    };
    s.at(10, sink, 1, '');
    s.runUntil(100);
    expect(seen).toEqual([10, 10, 15, 20]);
  });

  it('cancels timers; a cancelled or stale handle cancels nothing', () => {
    const s = new Scheduler<string>();
    const log = new Log(s);
    const a = s.at(10, log, 1, 'a');
    const b = s.at(20, log, 1, 'b');
    expect(s.cancel(a)).toBe(true);
    expect(s.cancel(a)).toBe(false);
    s.runUntil(25);
    expect(log.seen).toEqual(['20:1:b']);
    expect(s.cancel(b)).toBe(false); // already ran
    const c = s.at(30, log, 1, 'c'); // reuses a slot
    expect(s.cancel(b)).toBe(false); // b's stale handle must not cancel c
    s.runUntil(40);
    expect(log.seen).toEqual(['20:1:b', '30:1:c']);
    expect(s.cancel(c)).toBe(false);
    expect(s.cancel(0)).toBe(false);
  });

  it('runNext respects the limit and peekTime skips cancelled events', () => {
    const s = new Scheduler<string>();
    const log = new Log(s);
    const h = s.at(5, log, 1, 'x');
    s.at(50, log, 1, 'y');
    s.cancel(h);
    expect(s.peekTime()).toBe(50);
    expect(s.runNext(40)).toBe(false);
    expect(s.runNext(50)).toBe(true);
    expect(s.runNext()).toBe(false);
    expect(s.executed).toBe(1);
  });

  it('handles stay exact and cancellable when a slot has been reused for 2^29 generations (they wrap)', () => {
    const s = new Scheduler<string>();
    const log = new Log(s);
    s.at(10, log, 1, 'warm');
    s.runUntil(10);
    // Age the slot to the last generation before the wrap, as ~5×10^8 events on it would.
    (s as unknown as { gen: Int32Array }).gen[0] = 2 ** 29 - 1;
    const h1 = s.at(20, log, 1, 'old');
    expect(Number.isSafeInteger(h1) && h1 > 0).toBe(true);
    expect(s.cancel(h1)).toBe(true);
    const h2 = s.at(30, log, 1, 'wrapped');
    expect(Number.isSafeInteger(h2) && h2 > 0 && h2 !== h1).toBe(true);
    expect(s.cancel(h1)).toBe(false);
    s.runUntil(100);
    expect(log.seen).toEqual(['10:1:warm', '30:1:wrapped']);
  });
});

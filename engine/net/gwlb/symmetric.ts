/**
 * Symmetric flow hashing and the GWLB's flow table: both directions of a flow reach the same NVA
 * (§D.1 [C]: "flow stickiness and symmetry").
 *
 * The key orders the two endpoints canonically (the smaller (IP, port) first), so a packet and its
 * reply give the same key and the same hash. Entries live in a `WordMap` keyed by the canonical
 * words; one probe per packet.
 */
import { DeadlineHeap } from '../snat/deadline-heap.ts';
import { hash4, WordMap } from '../snat/word-map.ts';
import type { InnerFlow } from './tunnel.ts';

/** The canonical words of a flow: [lowIp, highIp, lowPort << 16 | highPort, proto]. */
export function canonicalWords(f: InnerFlow): [number, number, number, number] {
  const srcFirst = f.src >>> 0 < f.dst >>> 0 || (f.src >>> 0 === f.dst >>> 0 && f.sport <= f.dport);
  const [ip1, p1, ip2, p2] = srcFirst ? [f.src, f.sport, f.dst, f.dport] : [f.dst, f.dport, f.src, f.sport];
  return [ip1 >>> 0, ip2 >>> 0, ((p1 & 0xffff) << 16) | (p2 & 0xffff), f.proto];
}

/** A 32-bit hash equal for a flow and its reverse. */
export function symmetricFlowHash(f: InnerFlow, seed: number): number {
  const [a, b, c, d] = canonicalWords(f);
  return hash4(a ^ seed, b, c, d);
}

export function reverseFlow(f: InnerFlow): InnerFlow {
  return { proto: f.proto, src: f.dst, sport: f.dport, dst: f.src, dport: f.sport };
}

interface Entry {
  nva: number;
  proto: number;
  words: [number, number, number, number];
  lastSeen: number;
}

/** Flow -> NVA index, both directions, with an idle timeout. */
export class SymmetricFlowTable {
  private map = new WordMap(64);
  private entries = new Map<number, Entry>();
  private heap = new DeadlineHeap();
  private nextId = 1;

  constructor(private readonly idleUs: number) {}

  get size(): number {
    return this.entries.size;
  }

  lookup(f: InnerFlow, now: number): { id: number; nva: number } | null {
    const [a, b, c, d] = canonicalWords(f);
    const id = this.map.get(a, b, c, d);
    if (id < 0) return null;
    const e = this.entries.get(id)!;
    e.lastSeen = now;
    return { id, nva: e.nva };
  }

  insert(f: InnerFlow, nva: number, now: number): number {
    const words = canonicalWords(f);
    const id = this.nextId++;
    this.entries.set(id, { nva, proto: f.proto, words, lastSeen: now });
    this.map.set(words[0], words[1], words[2], words[3], id);
    this.heap.push(now + this.idleUs, id);
    return id;
  }

  retarget(id: number, nva: number): void {
    const e = this.entries.get(id);
    if (e) e.nva = nva;
  }

  remove(id: number): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.map.delete(e.words[0], e.words[1], e.words[2], e.words[3]);
  }

  nextDeadline(): number {
    return this.heap.topTime();
  }

  /** Removes idle flows; returns how many. */
  expire(now: number): number {
    let n = 0;
    while (this.heap.size > 0 && this.heap.topTime() <= now) {
      const id = this.heap.topId();
      this.heap.pop();
      const e = this.entries.get(id);
      if (!e) continue;
      const d = e.lastSeen + this.idleUs;
      if (d > now) this.heap.push(d, id);
      else {
        this.remove(id);
        n++;
      }
    }
    return n;
  }
}

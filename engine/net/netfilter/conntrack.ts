/**
 * The connection tracking table, shaped like gVisor's pkg/tcpip/stack/conntrack.go and the
 * kernel's nf_conntrack_core.c: each connection has an original and a reply tuple, both hashed,
 * so a packet in either direction finds it. NAT changes the reply tuple (nat.ts); replies are
 * recognised by it.
 *
 * A new entry is "unconfirmed" until the packet that created it leaves the last hook
 * (POSTROUTING, or INPUT for local delivery); only then is it inserted, and a clash with an entry
 * inserted meanwhile drops the packet (this is where the 9th SYN of an 8-port SNAT range dies).
 *
 * Timers: one deadline per entry in a heap with lazy deletion; the simulator keeps a single
 * timer at `nextDeadline()` and calls `expire(now)`. Lookups also ignore expired entries, as the
 * kernel's lookup does, so results do not depend on when expire() ran.
 */
import { tcpNew, tcpPacket, tcpStateName, DEFAULT_TCP_TIMEOUTS, type TcpTimeouts, type TcpTrack } from './tcp-conntrack.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, type NfPacket } from './types.ts';

/** A connection tuple. ICMP: `sport` is the query id, `dport` is type << 8 | code. */
export interface Tuple {
  proto: number;
  src: number;
  sport: number;
  dst: number;
  dport: number;
}

export const DIR_ORIGINAL = 0;
export const DIR_REPLY = 1;
export type Dir = 0 | 1;

// Status bits, named as in include/uapi/linux/netfilter/nf_conntrack_common.h.
export const IPS_SEEN_REPLY = 1 << 1;
export const IPS_ASSURED = 1 << 2;
export const IPS_CONFIRMED = 1 << 3;
export const IPS_SRC_NAT = 1 << 4;
export const IPS_DST_NAT = 1 << 5;
export const IPS_NAT_MASK = IPS_SRC_NAT | IPS_DST_NAT;
export const IPS_SRC_NAT_DONE = 1 << 7;
export const IPS_DST_NAT_DONE = 1 << 8;
export const IPS_DYING = 1 << 9;

export interface Conn {
  readonly id: number;
  /** [original, reply]. */
  tuple: [Tuple, Tuple];
  status: number;
  /** Absolute expiry in µs (meaningful once confirmed). */
  deadline: number;
  /** Relative timeout (µs) chosen by the last packet; becomes `deadline` at confirm. */
  timeoutUs: number;
  tcp: TcpTrack | null;
  /** UDP: after this time a two-way flow counts as a stream (2 s after creation). */
  udpStreamAfter: number;
  /** MASQUERADE: the interface the mapping belongs to (flushed when it goes down). */
  masqIface: string | null;
  created: number;
}

/** Seconds, the kernel defaults (§G.4). */
export interface ConntrackTimeouts {
  tcp: TcpTimeouts;
  udp: number;
  udp_stream: number;
  icmp: number;
  generic: number;
}

export const DEFAULT_TIMEOUTS: Readonly<ConntrackTimeouts> = {
  tcp: DEFAULT_TCP_TIMEOUTS,
  udp: 30,
  udp_stream: 120,
  icmp: 30,
  generic: 600,
};

/** The `conntrack -S` counters that this model moves. */
export interface ConntrackStats {
  found: number;
  invalid: number;
  insert: number;
  insert_failed: number;
  drop: number;
  early_drop: number;
  clash_resolve: number;
}

const SEC = 1_000_000;

export function tupleKey(t: Tuple): string {
  return `${t.proto}/${t.src}/${t.sport}/${t.dst}/${t.dport}`;
}

export function tupleEqual(a: Tuple, b: Tuple): boolean {
  return a.proto === b.proto && a.src === b.src && a.sport === b.sport && a.dst === b.dst && a.dport === b.dport;
}

/** ICMP query types and their answers (nf_conntrack_proto_icmp.c invmap). */
const ICMP_INVERSE: Readonly<Record<number, number>> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };
export const ICMP_QUERY_REQUESTS: ReadonlySet<number> = new Set([8, 13, 15, 17]);
export const ICMP_ERROR_TYPES: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);

/** nf_ct_invert_tuple. Null for an ICMP type that has no answer. */
export function invertTuple(t: Tuple): Tuple | null {
  if (t.proto === PROTO_ICMP) {
    const type = t.dport >> 8;
    const inv = ICMP_INVERSE[type];
    if (inv === undefined) return null;
    return { proto: t.proto, src: t.dst, sport: t.sport, dst: t.src, dport: (inv << 8) | (t.dport & 0xff) };
  }
  return { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
}

/** The tuple of a packet as it is now (ports for TCP/UDP, id/type/code for ICMP, none otherwise). */
export function packetTuple(p: { proto: number; src: number; dst: number; sport: number; dport: number; icmpType?: number; icmpCode?: number; icmpId?: number }): Tuple {
  if (p.proto === PROTO_ICMP) {
    return { proto: p.proto, src: p.src, sport: p.icmpId ?? 0, dst: p.dst, dport: ((p.icmpType ?? 0) << 8) | (p.icmpCode ?? 0) };
  }
  if (p.proto === PROTO_TCP || p.proto === PROTO_UDP) return { proto: p.proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport };
  return { proto: p.proto, src: p.src, sport: 0, dst: p.dst, dport: 0 };
}

interface HashEntry {
  conn: Conn;
  dir: Dir;
}

export interface ConntrackOptions {
  /** nf_conntrack_max; the kernel's default depends on RAM (≥ 1024 per §G.4), 262144 here. */
  max?: number;
  timeouts?: ConntrackTimeouts;
  /** nf_conntrack_tcp_loose (default 1): pick up connections from a bare ACK. */
  tcpLoose?: boolean;
}

export type InResult =
  | { kind: 'tracked'; conn: Conn; dir: Dir; isNew: boolean; notes: string[] }
  | { kind: 'invalid'; why: string }
  | { kind: 'full' };

export class ConntrackTable {
  readonly max: number;
  readonly timeouts: ConntrackTimeouts;
  readonly tcpLoose: boolean;
  readonly stats: ConntrackStats = { found: 0, invalid: 0, insert: 0, insert_failed: 0, drop: 0, early_drop: 0, clash_resolve: 0 };
  private readonly hash = new Map<string, HashEntry>();
  private readonly live = new Map<number, Conn>();
  /** NAT's bysource hash: original source (proto, ip, port) → entries, newest first. */
  private readonly bySource = new Map<string, Conn[]>();
  private heap: { time: number; id: number }[] = [];
  private nextId = 1;

  constructor(o: ConntrackOptions = {}) {
    this.max = o.max ?? 262144;
    this.timeouts = o.timeouts ?? DEFAULT_TIMEOUTS;
    this.tcpLoose = o.tcpLoose ?? true;
  }

  /** Confirmed, unexpired entries in insertion order. */
  entries(now: number): Conn[] {
    return [...this.live.values()].filter((c) => c.deadline > now);
  }

  get count(): number {
    return this.live.size;
  }

  /** A confirmed entry holding `t` as its original or reply tuple, ignoring expired ones. */
  find(t: Tuple, now: number): HashEntry | null {
    const e = this.hash.get(tupleKey(t));
    if (!e) return null;
    if (e.conn.deadline <= now) {
      this.remove(e.conn);
      return null;
    }
    return e;
  }

  /**
   * nf_conntrack_tuple_taken: is `t` in use by a confirmed entry other than `ignored`? Two entries
   * with the same original tuple are the same flow (left to clash resolution), not a clash.
   */
  tupleTaken(t: Tuple, ignored: Conn, now: number): boolean {
    const e = this.find(t, now);
    if (!e || e.conn === ignored) return false;
    if (tupleEqual(e.conn.tuple[0], ignored.tuple[0])) return false;
    return true;
  }

  /** Entries whose original source is (proto, ip, port), newest first (nf_nat_bysource). */
  sameSource(proto: number, src: number, sport: number): readonly Conn[] {
    return this.bySource.get(`${proto}/${src}/${sport}`) ?? [];
  }

  /** Adds an entry to the bysource list once its source NAT is decided. */
  addBySource(c: Conn): void {
    const t = c.tuple[0];
    const k = `${t.proto}/${t.src}/${t.sport}`;
    const list = this.bySource.get(k);
    if (list) list.unshift(c);
    else this.bySource.set(k, [c]);
  }

  /**
   * nf_conntrack_in for one packet: find its entry (either direction) and update the protocol
   * state, or make a new unconfirmed entry. Returns 'invalid' when the packet is not tracked.
   */
  packetIn(p: NfPacket, now: number, tuple: Tuple = packetTuple(p)): InResult {
    for (let round = 0; round < 2; round++) {
      const hit = this.find(tuple, now);
      if (hit) {
        this.stats.found++;
        const r = this.update(hit.conn, hit.dir, p, now);
        if (r === 'repeat') {
          this.kill(hit.conn);
          continue;
        }
        if (typeof r === 'string') {
          this.stats.invalid++;
          return { kind: 'invalid', why: r };
        }
        return { kind: 'tracked', conn: hit.conn, dir: hit.dir, isNew: false, notes: r };
      }
      return this.create(tuple, p, now);
    }
    return { kind: 'invalid', why: 'reopen failed' };
  }

  private create(tuple: Tuple, p: NfPacket, now: number): InResult {
    const reply = invertTuple(tuple);
    if (!reply || (p.proto === PROTO_ICMP && !ICMP_QUERY_REQUESTS.has(tuple.dport >> 8))) {
      this.stats.invalid++;
      return { kind: 'invalid', why: `icmp: can't create new conn with type ${tuple.dport >> 8}` };
    }
    let tcp: TcpTrack | null = null;
    if (p.proto === PROTO_TCP) {
      tcp = tcpNew(p, this.tcpLoose);
      if (!tcp) {
        this.stats.invalid++;
        return { kind: 'invalid', why: 'tcp: not a SYN and not a pickable ACK: cannot start a connection' };
      }
    }
    const notes: string[] = [];
    if (this.live.size >= this.max) {
      if (!this.earlyDrop(now)) {
        this.stats.drop++;
        return { kind: 'full' };
      }
      notes.push('nf_conntrack: table full, evicted one entry that was not [ASSURED] (early_drop)');
    }
    const conn: Conn = {
      id: this.nextId++,
      tuple: [tuple, reply],
      status: 0,
      deadline: Infinity,
      timeoutUs: 0,
      tcp,
      udpStreamAfter: now + 2 * SEC,
      masqIface: null,
      created: now,
    };
    const r = this.update(conn, DIR_ORIGINAL, p, now);
    if (typeof r === 'string') {
      this.stats.invalid++;
      return { kind: 'invalid', why: r };
    }
    return { kind: 'tracked', conn, dir: DIR_ORIGINAL, isNew: true, notes: [...notes, ...r] };
  }

  /** The l4 protocol's packet handler; a string is an invalid-packet reason. */
  private update(c: Conn, dir: Dir, p: NfPacket, now: number): string[] | string | 'repeat' {
    const notes: string[] = [];
    const setTimeout = (sec: number): void => {
      c.timeoutUs = sec * SEC;
      if (c.status & IPS_CONFIRMED) this.setDeadline(c, now + c.timeoutUs);
    };
    if (c.tcp) {
      const before = tcpStateName(c.tcp);
      const v = tcpPacket(c.tcp, dir, p, (c.status & IPS_SEEN_REPLY) !== 0, (c.status & IPS_ASSURED) !== 0, this.timeouts.tcp);
      if (v.kind === 'invalid') return v.why;
      if (v.kind === 'repeat') return 'repeat';
      if (v.timeout !== null) setTimeout(v.timeout);
      if (v.assured) c.status |= IPS_ASSURED;
      const after = tcpStateName(c.tcp);
      if (before !== after && before !== 'NONE') notes.push(`conntrack: tcp ${before} → ${after}`);
      if (v.kill) {
        notes.push('conntrack: the only reply is a RST: entry deleted');
        this.kill(c);
      }
    } else if (c.tuple[0].proto === PROTO_UDP) {
      // nf_conntrack_udp_packet: once seen both ways (before this packet) and still active 2 s
      // after creation, the flow is a stream: 120 s and [ASSURED]. Otherwise 30 s.
      if (c.status & IPS_SEEN_REPLY && now > c.udpStreamAfter) {
        setTimeout(this.timeouts.udp_stream);
        c.status |= IPS_ASSURED;
      } else setTimeout(this.timeouts.udp);
    } else if (c.tuple[0].proto === PROTO_ICMP) {
      setTimeout(this.timeouts.icmp);
    } else setTimeout(this.timeouts.generic);
    if (dir === DIR_REPLY && !(c.status & IPS_SEEN_REPLY)) c.status |= IPS_SEEN_REPLY;
    return notes;
  }

  /**
   * __nf_conntrack_confirm: insert an unconfirmed entry. False when one of its tuples is taken
   * (insert_failed): the caller drops the packet. UDP/ICMP may attach to an identical entry
   * (the kernel's clash resolution); that entry is returned instead.
   */
  confirm(c: Conn, now: number): { ok: true; conn: Conn } | { ok: false; clash: Conn } {
    if (c.status & IPS_CONFIRMED) return { ok: true, conn: c };
    if (c.status & IPS_DYING) return { ok: true, conn: c };
    for (const t of c.tuple) {
      const e = this.find(t, now);
      if (!e) continue;
      const other = e.conn;
      const sameFlow = tupleEqual(other.tuple[0], c.tuple[0]) && tupleEqual(other.tuple[1], c.tuple[1]);
      if (sameFlow && c.tuple[0].proto !== PROTO_TCP) {
        this.stats.clash_resolve++;
        return { ok: true, conn: other };
      }
      this.stats.insert_failed++;
      this.stats.drop++;
      return { ok: false, clash: other };
    }
    c.status |= IPS_CONFIRMED;
    this.hash.set(tupleKey(c.tuple[0]), { conn: c, dir: DIR_ORIGINAL });
    this.hash.set(tupleKey(c.tuple[1]), { conn: c, dir: DIR_REPLY });
    this.live.set(c.id, c);
    this.stats.insert++;
    this.setDeadline(c, now + c.timeoutUs);
    return { ok: true, conn: c };
  }

  /** nf_ct_kill: remove now (the packet holding it may still use its NAT binding). */
  kill(c: Conn): boolean {
    if (c.status & IPS_DYING) return false;
    c.status |= IPS_DYING;
    this.remove(c);
    return true;
  }

  private remove(c: Conn): void {
    c.status |= IPS_DYING;
    if (!this.live.delete(c.id)) return;
    for (const t of c.tuple) {
      const k = tupleKey(t);
      if (this.hash.get(k)?.conn === c) this.hash.delete(k);
    }
    const o = c.tuple[0];
    const sk = `${o.proto}/${o.src}/${o.sport}`;
    const list = this.bySource.get(sk);
    if (list) {
      const i = list.indexOf(c);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.bySource.delete(sk);
    }
  }

  /** early_drop: evict the oldest entry that is not [ASSURED]. */
  private earlyDrop(now: number): boolean {
    for (const c of this.live.values()) {
      if (c.deadline <= now || !(c.status & IPS_ASSURED)) {
        this.kill(c);
        this.stats.early_drop++;
        return true;
      }
    }
    return false;
  }

  private setDeadline(c: Conn, t: number): void {
    c.deadline = t;
    heapPush(this.heap, { time: t, id: c.id });
  }

  /** The earliest time an entry expires, or Infinity. */
  nextDeadline(): number {
    while (this.heap.length) {
      const top = this.heap[0]!;
      const c = this.live.get(top.id);
      if (c && c.deadline === top.time) return top.time;
      heapPop(this.heap);
    }
    return Infinity;
  }

  /** Removes every entry whose deadline is ≤ now; returns them (for the trace). */
  expire(now: number): Conn[] {
    const out: Conn[] = [];
    while (this.heap.length && this.heap[0]!.time <= now) {
      const top = heapPop(this.heap)!;
      const c = this.live.get(top.id);
      if (c && c.deadline === top.time) {
        this.remove(c);
        out.push(c);
      }
    }
    return out;
  }

  /** Kills every entry for which `pred` holds (conntrack -D, MASQUERADE flush). */
  killWhere(pred: (c: Conn) => boolean): Conn[] {
    const victims = [...this.live.values()].filter(pred);
    for (const c of victims) this.kill(c);
    return victims;
  }
}

function heapPush(h: { time: number; id: number }[], x: { time: number; id: number }): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]!.time <= x.time) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = x;
}

function heapPop(h: { time: number; id: number }[]): { time: number; id: number } | undefined {
  const top = h[0];
  const last = h.pop();
  if (!top || !last || h.length === 0) return top;
  let i = 0;
  const n = h.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && h[r]!.time < h[l]!.time ? r : l;
    if (h[c]!.time >= last.time) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
  return top;
}

/**
 * The SNAT mapping table, in conntrack shape (gVisor pkg/tcpip/stack/conntrack.go; Linux
 * nf_conntrack): each mapping has an original tuple (proto, privIp, privPort, dstIp, dstPort), as
 * the private host sent it, and a reply tuple (proto, dstIp, dstPort, pubIp, pubPort), as the
 * destination answers. Both are hashed (WordMap), so the lookup for every outbound and every
 * inbound packet is O(1) and allocation-free.
 *
 * Mappings live in parallel typed arrays indexed by a mapping id (struct of arrays: ~70 bytes a
 * mapping, no object per mapping). The NAT invariant — no two mappings share a reply tuple — is
 * enforced here: insert() refuses a reply tuple that is taken.
 *
 * Under EIM and ADM (types.ts) mappings also share a binding: private endpoint (+ destination IP
 * for ADM) -> public endpoint, unique on both sides, kept while any mapping uses it.
 *
 * Timers: a mapping's deadline is computed from its state, its last activity and its timer
 * profile. Packets only store `now` (O(1)); one heap holds at most one live entry per mapping,
 * re-pushed lazily when an entry surfaces before the real deadline. The simulator schedules one
 * event at nextDeadline() and calls expire(now) there.
 */
import type { Ipv4Addr } from '../../wire/addr.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import type { PortInventory } from './inventory.ts';
import {
  MODE_EIM,
  PROTO_TCP,
  PROTO_UDP,
  ST_CLOSED_RST,
  ST_COOLING,
  ST_ESTABLISHED,
  ST_FIN_BOTH,
  ST_FIN_ONE,
  ST_FREE,
  ST_SYN_SENT,
  ST_UDP,
  STATE_NAMES,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  type ExpiryEvent,
  type ExpiryReason,
  type MappingInfo,
  type SnatTimers,
} from './types.ts';
import { WordMap } from './word-map.ts';

const F_IN_ORIGINAL = 1;
const F_REPLY_SEEN = 2;
const F_FIN_OUT = 4;
const F_FIN_IN = 8;
/** Set in the reply index's value for cooling mappings, so lookupReply need not read the state. */
const COOLING_BIT = 1 << 30;

export interface SnatTableOptions {
  /** Keep a count of mappings per (proto, pubIp, dstIp, dstPort), for per-destination limits. */
  readonly countDestinations?: boolean;
  /** Initial capacity in mappings (the arrays double as needed). */
  readonly initialCapacity?: number;
}

export class SnatTable {
  private cap: number;
  private proto: Uint8Array;
  private st: Uint8Array;
  private flags: Uint8Array;
  private profile: Uint16Array;
  private privIp: Uint32Array;
  private privPort: Uint16Array;
  private dstIp: Uint32Array;
  private dstPort: Uint16Array;
  private pubIp: Uint32Array;
  private pubPort: Uint16Array;
  private inv: Int32Array;
  private slot: Int32Array;
  private bind: Int32Array;
  private last: Float64Array;
  private mark: Float64Array;
  private queued: Float64Array;
  private created: Float64Array;
  private freeIds: Int32Array;
  private nFreeIds = 0;
  private nextId = 0;
  private live = 0;

  private readonly original: WordMap;
  private readonly reply: WordMap;
  private readonly dest: WordMap | null;
  private readonly heap = new DeadlineHeap();
  private readonly profiles: SnatTimers[] = [];
  private readonly inventories: PortInventory[] = [];
  private readonly bindings = new BindingStore();

  constructor(options: SnatTableOptions = {}) {
    const cap = Math.max(16, options.initialCapacity ?? 1024);
    this.cap = cap;
    this.proto = new Uint8Array(cap);
    this.st = new Uint8Array(cap);
    this.flags = new Uint8Array(cap);
    this.profile = new Uint16Array(cap);
    this.privIp = new Uint32Array(cap);
    this.privPort = new Uint16Array(cap);
    this.dstIp = new Uint32Array(cap);
    this.dstPort = new Uint16Array(cap);
    this.pubIp = new Uint32Array(cap);
    this.pubPort = new Uint16Array(cap);
    this.inv = new Int32Array(cap);
    this.slot = new Int32Array(cap);
    this.bind = new Int32Array(cap);
    this.last = new Float64Array(cap);
    this.mark = new Float64Array(cap);
    this.queued = new Float64Array(cap);
    this.created = new Float64Array(cap);
    this.freeIds = new Int32Array(cap);
    this.original = new WordMap(cap);
    this.reply = new WordMap(cap);
    this.dest = options.countDestinations ? new WordMap(cap) : null;
  }

  /** Mappings in the table, cooling ones included. */
  get size(): number {
    return this.live;
  }

  /** Registers a timer profile; mappings made with its id live by it. */
  addProfile(timers: SnatTimers): number {
    this.profiles.push(timers);
    if (this.profiles.length > 0xffff) throw new Error('too many SNAT timer profiles');
    return this.profiles.length - 1;
  }

  timers(profile: number): SnatTimers {
    return this.profiles[profile]!;
  }

  registerInventory(inv: PortInventory): void {
    inv.id = this.inventories.length;
    this.inventories.push(inv);
  }

  inventory(id: number): PortInventory {
    return this.inventories[id]!;
  }

  // ---- per packet -------------------------------------------------------------------------

  /** The mapping an outbound packet (private source -> destination) belongs to, or -1. */
  lookupOriginal(proto: number, srcIp: Ipv4Addr, srcPort: number, dstIp: Ipv4Addr, dstPort: number): number {
    return this.original.get(srcIp, dstIp, (srcPort << 16) | dstPort, proto);
  }

  /**
   * The mapping an inbound packet (destination -> public IP:port) answers, or -1. Filtering is
   * address-and-port-dependent: only the exact reply tuple matches. Cooling mappings (kept only
   * to block their port) do not match.
   */
  lookupReply(proto: number, srcIp: Ipv4Addr, srcPort: number, dstIp: Ipv4Addr, dstPort: number): number {
    const v = this.reply.get(srcIp, dstIp, (srcPort << 16) | dstPort, proto);
    return v < COOLING_BIT ? v : -1;
  }

  /** Records an outbound packet of the mapping (TCP flags, 0 for UDP): activity and state. */
  outbound(id: number, tcpFlags: number, now: number): void {
    this.last[id] = now;
    if (this.proto[id] === PROTO_TCP) this.tcpStep(id, tcpFlags, true, now);
  }

  /** Records an inbound packet of the mapping. */
  inbound(id: number, tcpFlags: number, now: number): void {
    this.last[id] = now;
    this.flags[id]! |= F_REPLY_SEEN;
    if (this.proto[id] === PROTO_TCP) this.tcpStep(id, tcpFlags, false, now);
  }

  pubIpOf(id: number): Ipv4Addr {
    return this.pubIp[id]!;
  }
  pubPortOf(id: number): number {
    return this.pubPort[id]!;
  }
  privIpOf(id: number): Ipv4Addr {
    return this.privIp[id]!;
  }
  privPortOf(id: number): number {
    return this.privPort[id]!;
  }
  dstIpOf(id: number): Ipv4Addr {
    return this.dstIp[id]!;
  }
  dstPortOf(id: number): number {
    return this.dstPort[id]!;
  }
  protoOf(id: number): number {
    return this.proto[id]!;
  }
  stateOf(id: number): number {
    return this.st[id]!;
  }
  inventoryOf(id: number): number {
    return this.inv[id]!;
  }
  slotOf(id: number): number {
    return this.slot[id]!;
  }
  bindingOf(id: number): number {
    return this.bind[id]!;
  }

  private tcpStep(id: number, f: number, out: boolean, now: number): void {
    const s = this.st[id]!;
    if (f & TCP_RST) {
      if (s !== ST_CLOSED_RST) this.close(id, ST_CLOSED_RST, now);
      return;
    }
    if (f & TCP_SYN) {
      if (out && !(f & TCP_ACK) && (s === ST_FIN_BOTH || s === ST_CLOSED_RST)) {
        // A new SYN on a closing tuple reopens it on the same port (conntrack's TIME_WAIT reuse).
        this.st[id] = ST_SYN_SENT;
        this.flags[id]! &= F_IN_ORIGINAL;
        this.schedule(id);
        return;
      }
      if (!out && (f & TCP_ACK) && s === ST_SYN_SENT) {
        this.st[id] = ST_ESTABLISHED;
        this.inventories[this.inv[id]!]!.established++;
      }
    }
    if (f & TCP_FIN) {
      const fl = (this.flags[id]! |= out ? F_FIN_OUT : F_FIN_IN);
      const cur = this.st[id]!;
      if ((fl & (F_FIN_OUT | F_FIN_IN)) === (F_FIN_OUT | F_FIN_IN)) {
        if (cur !== ST_FIN_BOTH) this.close(id, ST_FIN_BOTH, now);
      } else if (cur === ST_ESTABLISHED || cur === ST_SYN_SENT) {
        this.st[id] = ST_FIN_ONE;
        this.schedule(id);
      }
    }
  }

  private close(id: number, state: number, now: number): void {
    this.st[id] = state;
    this.mark[id] = now;
    this.schedule(id);
  }

  // ---- timers ------------------------------------------------------------------------------

  /** When the mapping is due to be looked at by expire(). */
  deadlineOf(id: number): number {
    const t = this.profiles[this.profile[id]!]!;
    switch (this.st[id]) {
      case ST_SYN_SENT:
        return this.last[id]! + t.tcpSynSentUs;
      case ST_ESTABLISHED:
        return this.last[id]! + t.tcpEstablishedUs;
      case ST_FIN_ONE:
        return this.last[id]! + t.tcpTransitoryUs;
      case ST_FIN_BOTH:
        return this.mark[id]! + t.tcpFinReleaseUs;
      case ST_CLOSED_RST:
        return this.mark[id]! + t.tcpRstReleaseUs;
      case ST_UDP:
        return this.last[id]! + (this.proto[id] === PROTO_UDP ? t.udpIdleUs : t.otherIdleUs);
      case ST_COOLING:
        return this.mark[id]!;
      default:
        return Infinity;
    }
  }

  private schedule(id: number): void {
    const d = this.deadlineOf(id);
    if (d < this.queued[id]!) {
      this.queued[id] = d;
      this.heap.push(d, id);
    }
  }

  /** The earliest time at which expire() has something to do (Infinity when nothing). */
  nextDeadline(): number {
    const heap = this.heap;
    while (heap.size > 0) {
      const t = heap.topTime();
      const id = heap.topId();
      if (this.st[id] === ST_FREE || this.queued[id] !== t) {
        heap.pop();
        continue;
      }
      const d = this.deadlineOf(id);
      if (d > t) {
        heap.pop();
        this.queued[id] = d;
        heap.push(d, id);
        continue;
      }
      return t;
    }
    return Infinity;
  }

  /**
   * Ends every mapping whose deadline is ≤ now, in deadline order, and says why. Idle TCP
   * mappings under tcpResetOnIdle report sendRst; mappings whose profile has a cool-down become
   * cooling (reply side only) and are reported again when the cool-down ends.
   */
  expire(now: number): ExpiryEvent[] {
    const events: ExpiryEvent[] = [];
    while (this.nextDeadline() <= now) {
      const id = this.heap.topId();
      const at = this.heap.topTime();
      this.heap.pop();
      this.queued[id] = Infinity;
      events.push(this.expireOne(id, at));
    }
    return events;
  }

  private expireOne(id: number, at: number): ExpiryEvent {
    const t = this.profiles[this.profile[id]!]!;
    const s = this.st[id]!;
    const info = this.info(id);
    const inv = this.inventories[this.inv[id]!]!;
    let reason: ExpiryReason;
    let sendRst = false;
    let cooldown = 0;
    switch (s) {
      case ST_SYN_SENT:
        reason = 'half-open';
        inv.halfOpenExpiries++;
        break;
      case ST_ESTABLISHED:
      case ST_FIN_ONE:
        reason = 'idle';
        sendRst = t.tcpResetOnIdle && s === ST_ESTABLISHED;
        cooldown = t.tcpIdleCooldownUs;
        inv.idleExpiries++;
        break;
      case ST_UDP:
        reason = 'idle';
        cooldown = this.proto[id] === PROTO_UDP ? t.udpCooldownUs : 0;
        inv.idleExpiries++;
        break;
      case ST_FIN_BOTH:
        reason = 'fin-release';
        break;
      case ST_CLOSED_RST:
        reason = 'rst-release';
        break;
      default:
        reason = 'cooldown-end';
    }
    if (cooldown > 0) {
      this.unlinkOriginal(id);
      this.st[id] = ST_COOLING;
      this.reply.set(this.dstIp[id]!, this.pubIp[id]!, (this.dstPort[id]! << 16) | this.pubPort[id]!, this.proto[id]!, id | COOLING_BIT);
      this.mark[id] = at + cooldown;
      this.schedule(id);
      return { at, reason, sendRst, coolingUntil: at + cooldown, mapping: info };
    }
    this.remove(id);
    return { at, reason, sendRst, coolingUntil: -1, mapping: info };
  }

  // ---- allocator side ------------------------------------------------------------------------

  /** The mapping (cooling included) holding a reply tuple, or -1. */
  replyHolder(proto: number, dstIp: Ipv4Addr, dstPort: number, pubIp: Ipv4Addr, pubPort: number): number {
    const v = this.reply.get(dstIp, pubIp, (dstPort << 16) | pubPort, proto);
    return v < 0 ? v : v & (COOLING_BIT - 1);
  }

  /** Mappings (cooling included) from pubIp to (dstIp, dstPort); 0 unless countDestinations. */
  destinationCount(proto: number, pubIp: Ipv4Addr, dstIp: Ipv4Addr, dstPort: number): number {
    if (!this.dest) return 0;
    const c = this.dest.get(pubIp, dstIp, dstPort, proto);
    return c < 0 ? 0 : c;
  }

  /** The EIM/ADM binding of a private endpoint (dstIp ignored for EIM), or -1. */
  findBinding(mode: number, proto: number, privIp: Ipv4Addr, privPort: number, dstIp: Ipv4Addr): number {
    return this.bindings.byPriv.get(privIp, mode === MODE_EIM ? 0 : dstIp, privPort, proto | (mode << 8));
  }

  /** Whether a public endpoint is bound (toward dstIp for ADM) by some binding. */
  bindingHolder(mode: number, proto: number, pubIp: Ipv4Addr, pubPort: number, dstIp: Ipv4Addr): number {
    return this.bindings.byPub.get(pubIp, mode === MODE_EIM ? 0 : dstIp, pubPort, proto | (mode << 8));
  }

  bindingPubIp(b: number): Ipv4Addr {
    return this.bindings.pubIp[b]!;
  }
  bindingPubPort(b: number): number {
    return this.bindings.pubPort[b]!;
  }
  bindingSlot(b: number): number {
    return this.bindings.slot[b]!;
  }
  bindingInventory(b: number): number {
    return this.bindings.inv[b]!;
  }

  /** Makes an EIM/ADM binding; the caller checked both sides are free. */
  addBinding(mode: number, proto: number, privIp: Ipv4Addr, privPort: number, dstIp: Ipv4Addr, pubIp: Ipv4Addr, pubPort: number, inv: number, slot: number): number {
    return this.bindings.add(mode, proto, privIp, privPort, mode === MODE_EIM ? 0 : dstIp, pubIp, pubPort, inv, slot);
  }

  /**
   * Adds a mapping (state syn-sent for TCP, udp otherwise; the acquire counts as its first
   * outbound packet). Returns -1 when the original or reply tuple is already taken.
   */
  insert(
    proto: number,
    privIp: Ipv4Addr,
    privPort: number,
    dstIp: Ipv4Addr,
    dstPort: number,
    pubIp: Ipv4Addr,
    pubPort: number,
    inv: number,
    slot: number,
    binding: number,
    profile: number,
    now: number,
  ): number {
    const ok = (privPort << 16) | dstPort;
    const rk = (dstPort << 16) | pubPort;
    if (this.original.get(privIp, dstIp, ok, proto) >= 0 || this.reply.get(dstIp, pubIp, rk, proto) >= 0) return -1;
    const id = this.newId();
    this.proto[id] = proto;
    this.st[id] = proto === PROTO_TCP ? ST_SYN_SENT : ST_UDP;
    this.flags[id] = F_IN_ORIGINAL;
    this.profile[id] = profile;
    this.privIp[id] = privIp;
    this.privPort[id] = privPort;
    this.dstIp[id] = dstIp;
    this.dstPort[id] = dstPort;
    this.pubIp[id] = pubIp;
    this.pubPort[id] = pubPort;
    this.inv[id] = inv;
    this.slot[id] = slot;
    this.bind[id] = binding;
    this.last[id] = now;
    this.mark[id] = now;
    this.created[id] = now;
    this.queued[id] = Infinity;
    this.original.set(privIp, dstIp, ok, proto, id);
    this.reply.set(dstIp, pubIp, rk, proto, id);
    if (this.dest) {
      const c = this.dest.get(pubIp, dstIp, dstPort, proto);
      this.dest.set(pubIp, dstIp, dstPort, proto, c < 0 ? 1 : c + 1);
    }
    if (binding >= 0) this.bindings.refs[binding]!++;
    this.inventories[inv]!.retain(slot);
    this.live++;
    this.schedule(id);
    return id;
  }

  /** Ends a mapping now and returns its port to its inventory (no expiry event). */
  remove(id: number): void {
    if (this.st[id] === ST_FREE) return;
    this.unlinkOriginal(id);
    const proto = this.proto[id]!;
    const dstIp = this.dstIp[id]!;
    const dstPort = this.dstPort[id]!;
    const pubIp = this.pubIp[id]!;
    this.reply.delete(dstIp, pubIp, (dstPort << 16) | this.pubPort[id]!, proto);
    if (this.dest) {
      const c = this.dest.get(pubIp, dstIp, dstPort, proto);
      if (c <= 1) this.dest.delete(pubIp, dstIp, dstPort, proto);
      else this.dest.set(pubIp, dstIp, dstPort, proto, c - 1);
    }
    const b = this.bind[id]!;
    if (b >= 0) this.bindings.unref(b);
    this.inventories[this.inv[id]!]!.release(this.slot[id]!);
    this.st[id] = ST_FREE;
    this.queued[id] = Infinity;
    this.freeIds[this.nFreeIds++] = id;
    this.live--;
  }

  private unlinkOriginal(id: number): void {
    if (!(this.flags[id]! & F_IN_ORIGINAL)) return;
    this.flags[id]! &= ~F_IN_ORIGINAL;
    this.original.delete(this.privIp[id]!, this.dstIp[id]!, (this.privPort[id]! << 16) | this.dstPort[id]!, this.proto[id]!);
  }

  /**
   * After inventories were re-assigned (PortInventory.assign), renumbers the slots of their
   * mappings: `remaps.get(inventoryId)` maps old slot -> new slot. One pass over the table.
   */
  remapSlots(remaps: ReadonlyMap<number, Int32Array>): void {
    for (let id = 0; id < this.nextId; id++) {
      if (this.st[id] === ST_FREE) continue;
      const r = remaps.get(this.inv[id]!);
      if (r) this.slot[id] = r[this.slot[id]!]!;
    }
    this.bindings.remap(remaps);
  }

  private newId(): number {
    if (this.nFreeIds > 0) return this.freeIds[--this.nFreeIds]!;
    if (this.nextId === this.cap) {
      if (this.cap * 2 > COOLING_BIT) throw new Error('SNAT table full (2^30 mappings)');
      this.grow();
    }
    return this.nextId++;
  }

  private grow(): void {
    const cap = this.cap * 2;
    this.cap = cap;
    this.proto = growU8(this.proto, cap);
    this.st = growU8(this.st, cap);
    this.flags = growU8(this.flags, cap);
    this.profile = grow16(this.profile, cap);
    this.privPort = grow16(this.privPort, cap);
    this.dstPort = grow16(this.dstPort, cap);
    this.pubPort = grow16(this.pubPort, cap);
    this.privIp = grow32(this.privIp, cap);
    this.dstIp = grow32(this.dstIp, cap);
    this.pubIp = grow32(this.pubIp, cap);
    this.inv = growI32(this.inv, cap);
    this.slot = growI32(this.slot, cap);
    this.bind = growI32(this.bind, cap);
    this.freeIds = growI32(this.freeIds, cap);
    this.last = growF64(this.last, cap);
    this.mark = growF64(this.mark, cap);
    this.queued = growF64(this.queued, cap);
    this.created = growF64(this.created, cap);
  }

  // ---- inspection ----------------------------------------------------------------------------

  /** A snapshot of one mapping. */
  info(id: number): MappingInfo {
    const s = this.st[id]!;
    const deadlineReason: ExpiryReason =
      s === ST_SYN_SENT ? 'half-open' : s === ST_FIN_BOTH ? 'fin-release' : s === ST_CLOSED_RST ? 'rst-release' : s === ST_COOLING ? 'cooldown-end' : 'idle';
    return {
      id,
      proto: this.proto[id]!,
      state: STATE_NAMES[s]!,
      privIp: this.privIp[id]!,
      privPort: this.privPort[id]!,
      dstIp: this.dstIp[id]!,
      dstPort: this.dstPort[id]!,
      pubIp: this.pubIp[id]!,
      pubPort: this.pubPort[id]!,
      owner: this.inventories[this.inv[id]!]!.label,
      createdAt: this.created[id]!,
      lastActivity: this.last[id]!,
      deadline: this.deadlineOf(id),
      deadlineReason,
      replySeen: (this.flags[id]! & F_REPLY_SEEN) !== 0,
    };
  }

  /** Every mapping (cooling included), in id order; for panels and tests, not per packet. */
  mappings(): MappingInfo[] {
    const out: MappingInfo[] = [];
    this.forEachId((id) => out.push(this.info(id)));
    return out;
  }

  forEachId(fn: (id: number) => void): void {
    for (let id = 0; id < this.nextId; id++) if (this.st[id] !== ST_FREE) fn(id);
  }

  /** Bytes held by typed arrays (mappings, indexes, heap), for the benchmark. */
  get byteLength(): number {
    const arrays = [this.proto, this.st, this.flags, this.profile, this.privIp, this.privPort, this.dstIp, this.dstPort, this.pubIp, this.pubPort, this.inv, this.slot, this.bind, this.last, this.mark, this.queued, this.created, this.freeIds];
    let b = this.original.byteLength + this.reply.byteLength + (this.dest?.byteLength ?? 0) + this.heap.byteLength;
    for (const a of arrays) b += a.byteLength;
    for (const inv of this.inventories) b += inv.byteLength;
    return b;
  }
}

/** EIM/ADM bindings: private endpoint <-> public endpoint, reference-counted by mappings. */
class BindingStore {
  readonly byPriv = new WordMap(64);
  readonly byPub = new WordMap(64);
  privIp: number[] = [];
  privPort: number[] = [];
  dstIp: number[] = [];
  key: number[] = [];
  pubIp: number[] = [];
  pubPort: number[] = [];
  inv: number[] = [];
  slot: number[] = [];
  refs: number[] = [];
  private free: number[] = [];

  add(mode: number, proto: number, privIp: number, privPort: number, dstIp: number, pubIp: number, pubPort: number, inv: number, slot: number): number {
    const b = this.free.pop() ?? this.refs.length;
    const key = proto | (mode << 8);
    this.privIp[b] = privIp;
    this.privPort[b] = privPort;
    this.dstIp[b] = dstIp;
    this.key[b] = key;
    this.pubIp[b] = pubIp;
    this.pubPort[b] = pubPort;
    this.inv[b] = inv;
    this.slot[b] = slot;
    this.refs[b] = 0;
    this.byPriv.set(privIp, dstIp, privPort, key, b);
    this.byPub.set(pubIp, dstIp, pubPort, key, b);
    return b;
  }

  unref(b: number): void {
    if (--this.refs[b]! > 0) return;
    this.byPriv.delete(this.privIp[b]!, this.dstIp[b]!, this.privPort[b]!, this.key[b]!);
    this.byPub.delete(this.pubIp[b]!, this.dstIp[b]!, this.pubPort[b]!, this.key[b]!);
    this.free.push(b);
  }

  remap(remaps: ReadonlyMap<number, Int32Array>): void {
    for (let b = 0; b < this.refs.length; b++) {
      if (this.refs[b]! <= 0) continue;
      const r = remaps.get(this.inv[b]!);
      if (r) this.slot[b] = r[this.slot[b]!]!;
    }
  }
}

function growU8(a: Uint8Array, cap: number): Uint8Array {
  const b = new Uint8Array(cap);
  b.set(a);
  return b;
}
function grow16(a: Uint16Array, cap: number): Uint16Array {
  const b = new Uint16Array(cap);
  b.set(a);
  return b;
}
function grow32(a: Uint32Array, cap: number): Uint32Array {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}
function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
function growF64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

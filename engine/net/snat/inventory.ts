/**
 * A port inventory: the public (IP, port) pairs one owner may hand out for one protocol — a
 * backend instance's blocks on an Azure LB, a GCP VM's port ranges, or a whole NAT gateway's
 * ports. Each pair is a slot with a reference count (how many mappings use it).
 *
 * Slots are kept in one permutation array split in three regions, so that moving a slot between
 * "free" and "used", and picking a random free slot, are O(1):
 *
 *   perm: [ free (ref 0) | used (ref > 0) | retiring ]
 *          0         nFree            nActive        n
 *
 * Retiring slots are ports the owner no longer holds after a re-allocation but that still carry
 * mappings (Azure's IsAwaitingRemoval); they are never handed out again and drop at the next
 * assign() once their mappings are gone.
 */
import type { Ipv4Addr } from '../../wire/addr.ts';

/** Ports given to an inventory, as parallel arrays. */
export interface PortList {
  readonly ip: ArrayLike<number>;
  readonly port: ArrayLike<number>;
  /** Index of the public IP within its allocator (frontend IP index), for per-IP metrics. */
  readonly fe: ArrayLike<number>;
  readonly length: number;
}

export class PortInventory {
  /** Set by SnatTable.registerInventory. */
  id = -1;
  ip: Uint32Array = new Uint32Array(0);
  port: Uint16Array = new Uint16Array(0);
  fe: Uint16Array = new Uint16Array(0);
  ref: Int32Array = new Int32Array(0);
  perm: Int32Array = new Int32Array(0);
  pos: Int32Array = new Int32Array(0);
  /** Slots in the inventory (all three regions). */
  n = 0;
  nFree = 0;
  nActive = 0;
  /** Counters kept by the table for this owner (AWS/GCP style metrics). */
  established = 0;
  idleExpiries = 0;
  halfOpenExpiries = 0;

  constructor(
    readonly proto: number,
    /** The owner's name for messages and panels: "vm1", "natgw". */
    readonly label: string,
  ) {}

  /** Ports the owner holds (free + used): "Allocated SNAT ports". */
  get allocated(): number {
    return this.nActive;
  }

  /** Held ports with at least one mapping: "Used SNAT ports". */
  get used(): number {
    return this.nActive - this.nFree;
  }

  /** Ports no longer held that still carry mappings. */
  get retiring(): number {
    let c = 0;
    for (let i = this.nActive; i < this.n; i++) if (this.ref[this.perm[i]!]! > 0) c++;
    return c;
  }

  isActive(slot: number): boolean {
    return this.pos[slot]! < this.nActive;
  }

  /** A mapping starts using the slot. */
  retain(slot: number): void {
    if (this.ref[slot]!++ === 0 && this.pos[slot]! < this.nFree) this.swapTo(slot, --this.nFree);
  }

  /** A mapping stops using the slot. */
  release(slot: number): void {
    if (--this.ref[slot]! === 0 && this.pos[slot]! < this.nActive) this.swapTo(slot, this.nFree++);
  }

  private swapTo(slot: number, at: number): void {
    const from = this.pos[slot]!;
    const other = this.perm[at]!;
    this.perm[at] = slot;
    this.pos[slot] = at;
    this.perm[from] = other;
    this.pos[other] = from;
  }

  /**
   * Replaces the held ports with `ports`. Slots of ports kept keep their reference counts;
   * dropped ports that carry mappings become retiring. Returns the renumbering old slot -> new
   * slot (-1 for slots that vanished, which never carry mappings) for SnatTable.remapSlots.
   * The ordered pick hands out free ports in the order given (allocate.ts).
   */
  assign(ports: PortList): Int32Array {
    const oldN = this.n;
    const oldIndex = new Map<number, number>();
    let live = 0;
    for (let s = 0; s < oldN; s++) if (this.ref[s]! > 0) live++;
    // Only slots with mappings need carrying over: a fresh slot with ref 0 is the same thing.
    if (live > 0) for (let s = 0; s < oldN; s++) if (this.ref[s]! > 0) oldIndex.set(slotKey(this.ip[s]!, this.port[s]!), s);
    const keep = new Uint8Array(oldN);
    const remap = new Int32Array(oldN).fill(-1);
    if (oldIndex.size > 0) {
      for (let i = 0; i < ports.length; i++) {
        const old = oldIndex.get(slotKey(ports.ip[i]!, ports.port[i]!));
        if (old !== undefined) keep[old] = 1;
      }
    }
    let retiring = 0;
    for (let s = 0; s < oldN; s++) if (!keep[s] && this.ref[s]! > 0) retiring++;
    const n = ports.length + retiring;
    const ip = new Uint32Array(n);
    const port = new Uint16Array(n);
    const fe = new Uint16Array(n);
    const ref = new Int32Array(n);
    for (let i = 0; i < ports.length; i++) {
      ip[i] = ports.ip[i]!;
      port[i] = ports.port[i]!;
      fe[i] = ports.fe[i]!;
      const old = oldIndex.size > 0 ? oldIndex.get(slotKey(ip[i]!, port[i]!)) : undefined;
      if (old !== undefined) {
        ref[i] = this.ref[old]!;
        remap[old] = i;
      }
    }
    let r = ports.length;
    for (let s = 0; s < oldN; s++) {
      if (keep[s] || this.ref[s]! === 0) continue;
      ip[r] = this.ip[s]!;
      port[r] = this.port[s]!;
      fe[r] = this.fe[s]!;
      ref[r] = this.ref[s]!;
      remap[s] = r++;
    }
    this.ip = ip;
    this.port = port;
    this.fe = fe;
    this.ref = ref;
    this.n = n;
    this.nActive = ports.length;
    const distinct = new Set<number>();
    for (let i = 0; i < ports.length; i++) distinct.add(ip[i]!);
    this.addresses = [...distinct];
    this.perm = new Int32Array(n);
    this.pos = new Int32Array(n);
    // Free slots first, in reverse of the given order, so the ordered pick (which walks down
    // from the top of the free region) starts with the first port given.
    let k = 0;
    for (let i = ports.length - 1; i >= 0; i--) if (ref[i] === 0) this.place(i, k++);
    this.nFree = k;
    for (let i = 0; i < ports.length; i++) if (ref[i]! > 0) this.place(i, k++);
    for (let s = ports.length; s < n; s++) this.place(s, k++);
    return remap;
  }

  private place(slot: number, at: number): void {
    this.perm[at] = slot;
    this.pos[slot] = at;
  }

  /** Every held IP (distinct), for per-IP checks; set by assign(). */
  addresses: readonly Ipv4Addr[] = [];

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return this.ip.byteLength + this.port.byteLength + this.fe.byteLength + this.ref.byteLength + this.perm.byteLength + this.pos.byteLength;
  }
}

function slotKey(ip: number, port: number): number {
  return ip * 65536 + port;
}

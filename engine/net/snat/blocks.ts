/**
 * Port blocks over a set of public IPs, handed to owners (backend instances, VMs) in whole
 * blocks: blocks of 8 for the Azure load balancer (§A.4), power-of-two ranges for GCP Cloud NAT
 * (§F). Blocks are numbered in "consumption order": every block of the first IP, in ascending
 * port order, then the second IP's, and so on — the 2022 Azure doc's "frontend IPs are consumed
 * one at a time".
 *
 * reallocate() is stable: an owner keeps the first blocks it already has (as many as its new
 * count), gives back the rest, and new blocks come from the lowest free block numbers.
 */
import type { Ipv4Addr } from '../../wire/addr.ts';
import type { PortList } from './inventory.ts';

export class BlockPool {
  /** Global block number -> owner id, or -1 when free. */
  private readonly owner: Int32Array;
  private readonly blockIp: Uint32Array;
  private readonly blockFe: Uint16Array;
  private readonly blockStart: Uint16Array;
  private readonly owned = new Map<number, number[]>();
  private freeCount: number;

  /**
   * @param ips the public IPs, in consumption order
   * @param starts for each IP, the first port of each of its eligible blocks, ascending
   */
  constructor(
    ips: readonly Ipv4Addr[],
    starts: readonly (readonly number[])[],
    readonly blockSize: number,
  ) {
    let total = 0;
    for (const s of starts) total += s.length;
    this.owner = new Int32Array(total).fill(-1);
    this.blockIp = new Uint32Array(total);
    this.blockFe = new Uint16Array(total);
    this.blockStart = new Uint16Array(total);
    let g = 0;
    ips.forEach((ip, fe) => {
      for (const start of starts[fe] ?? []) {
        this.blockIp[g] = ip;
        this.blockFe[g] = fe;
        this.blockStart[g] = start;
        g++;
      }
    });
    this.freeCount = total;
  }

  get totalBlocks(): number {
    return this.owner.length;
  }

  get freeBlocks(): number {
    return this.freeCount;
  }

  blocksOf(owner: number): readonly number[] {
    return this.owned.get(owner) ?? [];
  }

  /**
   * Gives each owner in `order` exactly `counts[i]` blocks, and nothing to owners not listed.
   * Returns false (and changes nothing) when the blocks do not suffice.
   */
  reallocate(order: readonly number[], counts: readonly number[]): boolean {
    let need = 0;
    for (const c of counts) need += c;
    if (need > this.totalBlocks) return false;
    const listed = new Set(order);
    for (const [o, blocks] of this.owned) {
      if (listed.has(o)) continue;
      for (const g of blocks) this.owner[g] = -1;
      this.freeCount += blocks.length;
      this.owned.delete(o);
    }
    order.forEach((o, i) => {
      const blocks = this.owned.get(o) ?? [];
      const keep = counts[i] ?? 0;
      for (const g of blocks.splice(keep)) {
        this.owner[g] = -1;
        this.freeCount++;
      }
      this.owned.set(o, blocks);
    });
    let cursor = 0;
    order.forEach((o, i) => {
      const blocks = this.owned.get(o)!;
      while (blocks.length < (counts[i] ?? 0)) {
        while (this.owner[cursor] !== -1) cursor++;
        this.owner[cursor] = o;
        blocks.push(cursor);
        this.freeCount--;
      }
    });
    return true;
  }

  /** Adds up to `extra` blocks to an owner (GCP dynamic allocation); returns how many it got. */
  grow(owner: number, extra: number): number {
    const blocks = this.owned.get(owner) ?? [];
    this.owned.set(owner, blocks);
    let got = 0;
    for (let g = 0; g < this.owner.length && got < extra; g++) {
      if (this.owner[g] !== -1) continue;
      this.owner[g] = owner;
      blocks.push(g);
      got++;
    }
    this.freeCount -= got;
    return got;
  }

  /** The ports of an owner's blocks, for PortInventory.assign. */
  portsOf(owner: number): PortList {
    const blocks = this.blocksOf(owner);
    const size = this.blockSize;
    const n = blocks.length * size;
    const ip = new Uint32Array(n);
    const port = new Uint16Array(n);
    const fe = new Uint16Array(n);
    let k = 0;
    for (const g of blocks) {
      for (let p = 0; p < size; p++, k++) {
        ip[k] = this.blockIp[g]!;
        port[k] = this.blockStart[g]! + p;
        fe[k] = this.blockFe[g]!;
      }
    }
    return { ip, port, fe, length: n };
  }

  /** Which owner holds (ip, port), or -1 (tests, panels). */
  ownerOfPort(ip: Ipv4Addr, port: number): number {
    for (const [o, blocks] of this.owned) {
      for (const g of blocks) {
        if (this.blockIp[g] === ip && port >= this.blockStart[g]! && port < this.blockStart[g]! + this.blockSize) return o;
      }
    }
    return -1;
  }
}

/** An empty port list (an owner with nothing, or a protocol a rule does not cover). */
export const NO_PORTS: PortList = { ip: [], port: [], fe: [], length: 0 };

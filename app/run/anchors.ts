/**
 * Where on the canvas a trace node is: the engine names resources (a VM, a NIC, a VNet's fabric,
 * a load balancer, "internet"), the canvas draws some of them. A NIC is drawn inside its VM; a
 * name like "lb/frontend" or "vnet:fabric" belongs to the resource before the separator; the
 * Internet is the gap between the virtual networks and the Internet hosts. A container (VNet,
 * subnet) is reached at its border, on the side facing where the packet comes from or goes to.
 */
import type { Scenario } from '../../engine/model/scenario.ts';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export const INTERNET = 'internet';

/** A resolved endpoint: a drawn node's box (container or not), or a bare point. */
export interface Anchor {
  readonly box: Box;
  readonly container: boolean;
}

/** Maps a trace node id to the id of the node that draws it, or null. */
export function drawnIdOf(id: string, doc: Scenario, drawn: (id: string) => boolean): string | null {
  if (drawn(id)) return id;
  const r = doc.resources.find((x) => x.id === id);
  if (r?.kind === 'nic') return drawn(r.vm) ? r.vm : null;
  if (r?.kind === 'publicIp') {
    for (const n of doc.resources)
      if (n.kind === 'nic' && n.ipConfigs.some((c) => c.publicIp === id) && drawn(n.vm)) return n.vm;
  }
  const m = /^(.+?)[/:#@.](.*)$/.exec(id);
  if (m && m[1] !== id) return drawnIdOf(m[1]!, doc, drawn);
  return null;
}

export const center = (b: Box): Point => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });

export const contains = (b: Box, p: Point): boolean => p.x >= b.x && p.x <= b.x + b.width && p.y >= b.y && p.y <= b.y + b.height;

/** Where the segment from the box's centre towards `p` leaves the box. */
export function borderToward(b: Box, p: Point): Point {
  const c = center(b);
  const dx = p.x - c.x;
  const dy = p.y - c.y;
  if (dx === 0 && dy === 0) return { x: b.x + b.width, y: c.y };
  const sx = dx === 0 ? Infinity : b.width / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : b.height / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return { x: c.x + dx * s, y: c.y + dy * s };
}

/**
 * The Internet's point: between the right edge of the virtual networks and the Internet hosts,
 * or to the right of everything when there are no hosts.
 */
export function internetPoint(networks: readonly Box[], hosts: readonly Box[], all: readonly Box[]): Point {
  const right = (bs: readonly Box[]) => Math.max(...bs.map((b) => b.x + b.width));
  const midY = (bs: readonly Box[]) => bs.reduce((s, b) => s + b.y + b.height / 2, 0) / bs.length;
  if (networks.length && hosts.length) {
    const hx = Math.min(...hosts.map((b) => b.x));
    const nx = right(networks);
    const x = hx > nx ? (nx + hx) / 2 : nx + 80;
    return { x, y: (midY(networks) + midY(hosts)) / 2 };
  }
  if (!all.length) return { x: 0, y: 0 };
  return { x: right(all) + 120, y: midY(all) };
}

/** The point a hop leaves from or arrives at, given where the other end is. */
export function anchorPoint(a: Anchor, other: Point, internet: Point): Point {
  if (!a.container) return center(a.box);
  // A packet between a container and something inside it goes through the border that faces the
  // Internet: that is where the fabric's gateway is drawn.
  return borderToward(a.box, contains(a.box, other) ? internet : other);
}

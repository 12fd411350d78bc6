/**
 * What the hop view shows for one packet at one node, from that packet's trace events: the
 * headers as the packet arrived (the hop into the node) and as it left (the hop out of it), and
 * what the node did in between (rewrites with before/after, encapsulation, a drop). Fields that
 * differ between in and out are listed so the view can highlight them.
 */
import type { PacketView, TraceEvent } from '../../engine/sim/types.ts';

export interface HopChange {
  readonly kind: TraceEvent['kind'];
  /** Where it was recorded: the node itself or a part of it (a public IP, an LB frontend). */
  readonly node: string;
  readonly seq: number;
  readonly summary: string;
  readonly before?: PacketView;
  readonly after?: PacketView;
  readonly reason?: string;
}

export interface HopDetail {
  readonly node: string;
  /** The packet as it reached the node (absent where it started). */
  readonly in?: PacketView;
  readonly inFrom?: string;
  /** The packet as it left the node (absent where it ended). */
  readonly out?: PacketView;
  readonly outTo?: string;
  readonly changes: HopChange[];
  /** Dotted field paths ("ip.src", "tcp.srcPort", "vxlan.inner.ip.dst") that differ in → out. */
  readonly changed: ReadonlySet<string>;
}

/** The nodes the packet visited, in order (the path chips of the hop view). */
export function pathOf(events: readonly TraceEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.kind === 'send' && !out.length) out.push(e.node);
    if (e.kind === 'hop') {
      if (out[out.length - 1] !== e.node) out.push(e.node);
      if (e.to !== undefined) out.push(e.to);
    }
  }
  if (!out.length && events[0]) out.push(events[0].node);
  return out;
}

/** The detail at `node`: its last visit up to the end of `events`. */
export function hopDetail(events: readonly TraceEvent[], node: string): HopDetail {
  // The visit: from the last hop into the node (or the start) to the hop out after it.
  let inIdx = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.kind === 'hop' && e.to === node) {
      inIdx = i;
      break;
    }
  }
  let outIdx = -1;
  for (let i = inIdx + 1; i < events.length; i++) {
    const e = events[i]!;
    if (e.kind === 'hop' && e.node === node) {
      outIdx = i;
      break;
    }
  }
  const end = outIdx === -1 ? events.length : outIdx;
  const changes: HopChange[] = [];
  let startView: PacketView | undefined;
  // Between arriving and leaving, the packet is at this node, even when the event names a part of
  // it (an ILPIP's rewrite is recorded at the public IP while the packet crosses the VNet fabric).
  for (let i = inIdx + 1; i < end; i++) {
    const e = events[i]!;
    if (e.kind === 'send' && e.node === node && !startView) startView = e.packet;
    if (e.kind === 'rewrite' || e.kind === 'encap' || e.kind === 'decap' || e.kind === 'drop' || e.kind === 'deliver') {
      changes.push({
        kind: e.kind,
        node: e.node,
        seq: e.seq,
        summary: e.summary,
        ...(e.before ? { before: e.before } : {}),
        ...(e.after ? { after: e.after } : e.packet && e.kind !== 'rewrite' ? { after: e.packet } : {}),
        ...(e.reason ? { reason: e.reason } : {}),
      });
    }
  }
  const inEv = inIdx >= 0 ? events[inIdx] : undefined;
  const outEv = outIdx >= 0 ? events[outIdx] : undefined;
  const inView = inEv?.packet ?? startView;
  const outView = outEv?.packet;
  return {
    node,
    ...(inView ? { in: inView } : {}),
    ...(inEv ? { inFrom: inEv.node } : {}),
    ...(outView ? { out: outView } : {}),
    ...(outEv?.to !== undefined ? { outTo: outEv.to } : {}),
    changes,
    changed: inView && outView ? diffViews(inView, outView) : new Set(),
  };
}

/** Leaf fields of a view as dotted paths → values. */
export function flatten(v: PacketView, prefix = ''): Map<string, string | number> {
  const out = new Map<string, string | number>();
  const walk = (o: object, p: string) => {
    for (const [k, val] of Object.entries(o)) {
      const path = p ? `${p}.${k}` : k;
      if (val !== null && typeof val === 'object') walk(val as object, path);
      else if (typeof val === 'string' || typeof val === 'number') out.set(path, val);
    }
  };
  walk(v, prefix);
  return out;
}

export function diffViews(a: PacketView, b: PacketView): Set<string> {
  const fa = flatten(a);
  const fb = flatten(b);
  const out = new Set<string>();
  for (const [k, v] of fa) if (fb.get(k) !== v) out.add(k);
  for (const k of fb.keys()) if (!fa.has(k)) out.add(k);
  return out;
}

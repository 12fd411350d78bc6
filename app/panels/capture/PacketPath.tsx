/**
 * Follow on the canvas: when a frame the simulation captured is selected in the Capture panel,
 * the path of its packet (the same packet id before and after each NAT rewrite or encapsulation)
 * is drawn over the canvas, hop by hop, with the points where it was rewritten or wrapped marked.
 * Drawn in flow coordinates (ViewportPortal), so it pans and zooms with the nodes.
 */
import { useStore, ViewportPortal, type ReactFlowState } from '@xyflow/react';
import { memo } from 'react';
import { create } from 'zustand';
import { center, drawnIdOf, INTERNET, internetPoint, type Box, type Point } from '../../run/anchors.ts';
import { useDocumentStore } from '../../state/document-store.ts';

export interface PathHop {
  readonly seq: number;
  readonly t: number;
  readonly kind: string;
  readonly node: string;
  readonly to?: string;
  readonly summary: string;
}

/** The followed packet: set by the Capture panel, cleared with its selection. */
export const usePacketPath = create<{ packetId: number | null; hops: readonly PathHop[] }>(() => ({ packetId: null, hops: [] }));

const selectLookup = (s: ReactFlowState) => s.nodeLookup;

// Inline styles: this file is in the first bundle, the capture stylesheet is not.
const LINE = { stroke: 'var(--focus)', strokeWidth: 4, strokeDasharray: '10 6', strokeLinejoin: 'round', opacity: 0.9 } as const;
const POINT = { fill: 'var(--focus)', stroke: 'var(--panel)', strokeWidth: 2 } as const;
const MARK = { fill: 'var(--text)', fontSize: 12, fontWeight: 700, paintOrder: 'stroke', stroke: 'var(--panel)', strokeWidth: 3 } as const;

export const PacketPath = memo(function PacketPath() {
  const { packetId, hops } = usePacketPath();
  const lookup = useStore(selectLookup);
  const doc = useDocumentStore((s) => s.doc);
  if (packetId === null || hops.length === 0) return null;
  const boxOf = (id: string): Box | null => {
    const n = lookup.get(id);
    if (!n) return null;
    const { x, y } = n.internals.positionAbsolute;
    return { x, y, width: n.measured.width ?? n.width ?? 0, height: n.measured.height ?? n.height ?? 0 };
  };
  const boxes = doc.resources.flatMap((r) => {
    const b = boxOf(r.id);
    return b ? [{ kind: r.kind, b }] : [];
  });
  const internet = internetPoint(
    boxes.filter((x) => x.kind === 'vnet').map((x) => x.b),
    boxes.filter((x) => x.kind === 'internetHost').map((x) => x.b),
    boxes.map((x) => x.b),
  );
  const pointOf = (id: string): Point | null => {
    if (id === INTERNET) return internet;
    const drawn = drawnIdOf(id, doc, (x) => lookup.has(x));
    const kind = drawn ? doc.resources.find((r) => r.id === drawn)?.kind : undefined;
    if (!drawn || kind === 'vnet' || kind === 'subnet') return null;
    const b = boxOf(drawn);
    return b ? center(b) : null;
  };
  const points: Point[] = [];
  const marks: { p: Point; kind: string }[] = [];
  const push = (p: Point | null) => {
    if (!p) return;
    const last = points[points.length - 1];
    if (!last || last.x !== p.x || last.y !== p.y) points.push(p);
  };
  for (const h of hops) {
    if (h.kind === 'hop') {
      push(pointOf(h.node));
      if (h.to) push(pointOf(h.to));
    } else if (h.kind === 'rewrite' || h.kind === 'encap' || h.kind === 'decap' || h.kind === 'drop') {
      const p = pointOf(h.node);
      if (p) marks.push({ p, kind: h.kind });
    }
  }
  if (points.length === 0) return null;
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
  return (
    <ViewportPortal>
      <svg className="packet-path" data-testid="packet-path" data-packet={packetId} data-points={points.length} style={{ position: 'absolute', left: 0, top: 0, overflow: 'visible', pointerEvents: 'none' }} width={1} height={1} aria-hidden>
        <path d={d} fill="none" style={LINE} />
        {points.map((p, i) => (
          <circle key={i} cx={p.x} cy={p.y} r={5} style={POINT} />
        ))}
        {marks.map((m, i) => (
          <text key={`m${i}`} x={m.p.x + 8} y={m.p.y - 8 - (i % 3) * 12} style={MARK}>
            {m.kind}
          </text>
        ))}
      </svg>
    </ViewportPortal>
  );
});

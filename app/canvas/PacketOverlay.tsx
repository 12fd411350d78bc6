/**
 * Packets in flight, drawn in one <canvas> over the React Flow viewport (xyflow's advice: many
 * moving things go in one overlay layer, not in nodes). It follows the viewport's transform and
 * the nodes' absolute positions from React Flow's node lookup, and redraws only when the clock,
 * the feed, the viewport or the nodes moved. Dots are coloured by flow; each packet is one dot,
 * on the hop it is being shown on (packet-feed.ts). A drop is a red ✕ at the node that dropped it,
 * with its reason on hover or click. While paused, clicking a dot selects that packet for the hop
 * view. The canvas itself never takes the pointer: clicks are caught on the flow's DOM node.
 */
import { useStore, type ReactFlowState } from '@xyflow/react';
import { memo, useEffect, useRef, useState } from 'react';
import type { Scenario } from '../../engine/model/scenario.ts';
import { anchorPoint, drawnIdOf, internetPoint, INTERNET, type Anchor, type Box, type Point } from '../run/anchors.ts';
import { DROP_WALL_MS, flowColor, MAX_CHAIN, packetFeed, spanUs } from '../run/packet-feed.ts';
import { engineBridge } from '../worker/bridge.ts';
import { useDocumentStore } from '../state/document-store.ts';
import { useSimStore } from '../state/sim-store.ts';
import { useViewStore } from '../state/view-store.ts';

/** At most this many dots per frame; beyond it every k-th packet is drawn. */
const MAX_DOTS = 2500;
/**
 * At most this many of the newest hops are looked at per frame. At 100x a hop stays on screen
 * for 45 s of virtual time, longer than a whole run: without a bound, every frame would walk
 * every hop kept (60,000) to draw a few thousand dots.
 */
const MAX_SCAN = 4 * MAX_DOTS;
const DOT_RADIUS = 5;
const MIN_FRAME_MS = 30;
/**
 * While a run plays, at most 20 redraws a second. Without a GPU (headless Chromium, CI), every
 * canvas frame is a software upload and a commit on the main thread (tens of ms on a busy
 * 2-core machine, measured with a Chrome trace), so fewer frames leave the main thread free.
 */
const RUNNING_FRAME_MS = 50;

interface DrawnDot {
  readonly x: number;
  readonly y: number;
  readonly packetId: number;
  readonly from: string;
  readonly seq: number;
}

interface DrawnDrop {
  readonly x: number;
  readonly y: number;
  readonly seq: number;
}

const selectTransform = (s: ReactFlowState) => s.transform;
const selectLookup = (s: ReactFlowState) => s.nodeLookup;
const selectDom = (s: ReactFlowState) => s.domNode;
const selectSize = (s: ReactFlowState) => `${s.width}x${s.height}`;

type Lookup = ReactFlowState['nodeLookup'];

/** Resolves trace node ids to canvas anchors; rebuilt when the nodes or the document change. */
function makeResolver(doc: Scenario, lookup: Lookup) {
  const boxOf = (id: string): Box | null => {
    const n = lookup.get(id);
    if (!n) return null;
    const { x, y } = n.internals.positionAbsolute;
    return { x, y, width: n.measured.width ?? n.width ?? 0, height: n.measured.height ?? n.height ?? 0 };
  };
  const kindOf = (id: string) => doc.resources.find((r) => r.id === id)?.kind;
  const boxes = doc.resources.flatMap((r) => (boxOf(r.id) ? [{ r, b: boxOf(r.id)! }] : []));
  const internet = internetPoint(
    boxes.filter((x) => x.r.kind === 'vnet').map((x) => x.b),
    boxes.filter((x) => x.r.kind === 'internetHost').map((x) => x.b),
    boxes.map((x) => x.b),
  );
  const cache = new Map<string, Anchor | null>();
  const anchor = (id: string): Anchor | null => {
    let a = cache.get(id);
    if (a !== undefined) return a;
    if (id === INTERNET) a = { box: { x: internet.x, y: internet.y, width: 0, height: 0 }, container: false };
    else {
      const drawn = drawnIdOf(id, doc, (x) => lookup.has(x));
      const box = drawn ? boxOf(drawn) : null;
      const kind = drawn ? kindOf(drawn) : undefined;
      a = box ? { box, container: kind === 'vnet' || kind === 'subnet' } : null;
    }
    cache.set(id, a);
    return a;
  };
  return { anchor, internet };
}

function PacketOverlayImpl() {
  const transform = useStore(selectTransform);
  const lookup = useStore(selectLookup);
  const dom = useStore(selectDom);
  const size = useStore(selectSize);
  const doc = useDocumentStore((s) => s.doc);
  const theme = useViewStore((s) => s.theme);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const dotsRef = useRef<DrawnDot[]>([]);
  const dropsRef = useRef<DrawnDrop[]>([]);
  const [tip, setTip] = useState<{ x: number; y: number; text: string; pinned: boolean } | null>(null);
  const inputs = useRef({ transform, lookup, doc, theme, size });
  inputs.current = { transform, lookup, doc, theme, size };

  useEffect(() => {
    let raf = 0;
    let lastKey = '';
    let resolver = makeResolver(inputs.current.doc, inputs.current.lookup);
    let resolverFor: [Scenario, Lookup] = [inputs.current.doc, inputs.current.lookup];
    let clockAt = 0;
    let clockSeen = -1;
    let drawnAt = 0;
    const draw = (ts: number) => {
      raf = requestAnimationFrame(draw);
      // 30 redraws a second are enough for dots, and leave the other frames to the rest of the page.
      if (ts - drawnAt < (useSimStore.getState().status === 'running' ? RUNNING_FRAME_MS : MIN_FRAME_MS)) return;
      const canvas = canvasRef.current;
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx) return;
      const { transform: [tx, ty, zoom], lookup, doc, theme, size } = inputs.current;
      const sim = useSimStore.getState();
      // Between the worker's answers, the clock moves on at the playback speed (at most a frame ahead).
      // While running, the feed knows the latest batch's time before the store does (playback.ts).
      const base = sim.status === 'running' ? Math.max(sim.clockUs, packetFeed.latestUs) : sim.clockUs;
      if (base !== clockSeen) {
        clockSeen = base;
        clockAt = ts;
      }
      const ahead = sim.status === 'running' ? Math.min(50, ts - clockAt) * 1000 * sim.speed : 0;
      const clock = base + ahead;
      const key = `${packetFeed.version}|${clock}|${tx}|${ty}|${zoom}|${size}|${theme}|${sim.selected?.packetId}|${sim.current?.seq}`;
      if (key === lastKey && resolverFor[0] === doc && resolverFor[1] === lookup) return;
      lastKey = key;
      drawnAt = ts;
      if (resolverFor[0] !== doc || resolverFor[1] !== lookup) {
        resolver = makeResolver(doc, lookup);
        resolverFor = [doc, lookup];
      }
      const dpr = window.devicePixelRatio || 1;
      const w = canvas.clientWidth;
      const h = canvas.clientHeight;
      if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr);
        canvas.height = Math.round(h * dpr);
      }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      const toScreen = (p: Point): Point => ({ x: p.x * zoom + tx, y: p.y * zoom + ty });
      const dark = theme === 'dark';
      drawDrops(ctx, clock, sim.speed, resolver, toScreen, dropsRef);
      drawDots(ctx, clock, sim.speed, resolver, toScreen, dark, sim.selected?.packetId ?? -1, sim.current?.seq ?? -1, dotsRef);
    };
    raf = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(raf);
  }, []);

  // Clicks and hovers are caught on the flow's DOM node: the canvas never takes the pointer.
  useEffect(() => {
    if (!dom) return;
    const local = (e: PointerEvent | MouseEvent) => {
      const r = dom.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const near = <T extends { x: number; y: number }>(list: readonly T[], p: Point, radius: number): T | null => {
      let best: T | null = null;
      let bestD = radius * radius;
      for (const d of list) {
        const dd = (d.x - p.x) ** 2 + (d.y - p.y) ** 2;
        if (dd <= bestD) {
          best = d;
          bestD = dd;
        }
      }
      return best;
    };
    const reasonOf = async (seq: number) => {
      const e = await engineBridge.call((en) => en.event(seq));
      return e ? `${e.reason ?? e.summary}${e.code ? ` [${e.code}]` : ''}` : 'dropped';
    };
    const onDown = (e: PointerEvent) => {
      const p = local(e);
      const drop = near(dropsRef.current, p, 10);
      if (drop) {
        e.stopPropagation();
        e.preventDefault();
        void reasonOf(drop.seq).then((text) => setTip({ x: drop.x, y: drop.y, text, pinned: true }));
        return;
      }
      const status = useSimStore.getState().status;
      if (status === 'running' || status === 'loading') return;
      const dot = near(dotsRef.current, p, DOT_RADIUS + 5);
      if (!dot) return;
      e.stopPropagation();
      e.preventDefault();
      useSimStore.getState().actions?.selectPacket(dot.packetId, dot.from);
      useViewStore.setState({ dockTab: 'hop' });
    };
    let hoverSeq = -1;
    const onMove = (e: PointerEvent) => {
      const drop = near(dropsRef.current, local(e), 10);
      dom.style.cursor = drop || (useSimStore.getState().status !== 'running' && near(dotsRef.current, local(e), DOT_RADIUS + 5)) ? 'pointer' : '';
      if (!drop) {
        if (hoverSeq !== -1) setTip((t) => (t?.pinned ? t : null));
        hoverSeq = -1;
        return;
      }
      if (drop.seq === hoverSeq) return;
      hoverSeq = drop.seq;
      void reasonOf(drop.seq).then((text) => setTip((t) => (t?.pinned ? t : { x: drop.x, y: drop.y, text, pinned: false })));
    };
    dom.addEventListener('pointerdown', onDown, true);
    dom.addEventListener('pointermove', onMove);
    return () => {
      dom.removeEventListener('pointerdown', onDown, true);
      dom.removeEventListener('pointermove', onMove);
    };
  }, [dom]);

  return (
    <>
      <canvas ref={canvasRef} className="packet-overlay" aria-hidden="true" data-testid="packet-overlay" />
      {tip && (
        <div className="drop-tip" role="tooltip" style={{ left: tip.x + 14, top: tip.y + 10 }} onClick={() => setTip(null)}>
          <strong>Dropped</strong> {tip.text}
        </div>
      )}
    </>
  );
}

type Resolver = ReturnType<typeof makeResolver>;

function drawDots(
  ctx: CanvasRenderingContext2D,
  clock: number,
  speed: number,
  resolver: Resolver,
  toScreen: (p: Point) => Point,
  dark: boolean,
  selectedPacket: number,
  currentSeq: number,
  out: { current: DrawnDot[] },
): void {
  const f = packetFeed;
  const span = spanUs(speed);
  // Hops are sorted by when they happened; one is shown from its visual start for one span.
  const hi = f.lowerBound(clock + 1);
  const lo = Math.max(f.lowerBound(clock - (MAX_CHAIN + 1) * span), hi - MAX_SCAN);
  const seen = new Set<number>();
  const dots: DrawnDot[] = [];
  const every = Math.max(1, Math.ceil((hi - lo) / MAX_DOTS));
  // Dots of one colour are filled and stroked as one path: thousands of fill() calls per frame
  // (each parsing a colour string) cost more than the rest of the frame.
  const groups = new Map<string, Point[]>();
  let chosen: (Point & { color: string }) | null = null;
  // Newest first: a packet is drawn once, on its latest hop.
  for (let i = hi - 1; i >= lo; i--) {
    const pid = f.packet[i]!;
    const shownFor = clock - f.start[i]!;
    const isCurrent = f.seq[i] === currentSeq;
    if ((!isCurrent && (shownFor < 0 || shownFor > span)) || seen.has(pid)) continue;
    seen.add(pid);
    if (every > 1 && pid % every !== 0 && pid !== selectedPacket) continue;
    const fromId = f.nodes[f.from[i]!];
    const toId = f.nodes[f.to[i]!];
    if (fromId === undefined || toId === undefined) continue;
    const a = resolver.anchor(fromId);
    const b = resolver.anchor(toId);
    if (!a || !b) continue;
    const pa = anchorPoint(a, anchorPointGuess(b), resolver.internet);
    const pb = anchorPoint(b, anchorPointGuess(a), resolver.internet);
    // The hop Step moved to is drawn half-way, so it is visible and clickable.
    const seq = f.seq[i]!;
    const k = seq === currentSeq ? 0.5 : Math.min(1, Math.max(0, (clock - f.start[i]!) / span));
    const s = toScreen({ x: pa.x + (pb.x - pa.x) * k, y: pa.y + (pb.y - pa.y) * k });
    dots.push({ x: s.x, y: s.y, packetId: pid, from: fromId, seq });
    const color = cachedFlowColor(f.flow[i]!, dark);
    if (pid === selectedPacket) chosen = { ...s, color };
    else {
      const g = groups.get(color);
      if (g) g.push(s);
      else groups.set(color, [s]);
    }
  }
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = dark ? '#0f172a' : '#ffffff';
  for (const [color, points] of groups) {
    ctx.beginPath();
    for (const p of points) {
      ctx.moveTo(p.x + DOT_RADIUS, p.y);
      ctx.arc(p.x, p.y, DOT_RADIUS, 0, Math.PI * 2);
    }
    ctx.fillStyle = color;
    ctx.fill();
    ctx.stroke();
  }
  // The selected packet goes on top, bigger and outlined.
  const sel = chosen as (Point & { color: string }) | null;
  if (sel) {
    ctx.beginPath();
    ctx.arc(sel.x, sel.y, DOT_RADIUS + 2, 0, Math.PI * 2);
    ctx.fillStyle = sel.color;
    ctx.fill();
    ctx.lineWidth = 3;
    ctx.strokeStyle = dark ? '#fde047' : '#1d4ed8';
    ctx.stroke();
  }
  out.current = dots;
  // Where the first dots are, for tests that click a packet as a person would. Only while not
  // running: changing an attribute every frame makes the browser recalculate the styles of every
  // node on the canvas.
  if (useSimStore.getState().status !== 'running') ctx.canvas.dataset.dots = JSON.stringify(dots.slice(0, 20).map((d) => ({ x: Math.round(d.x), y: Math.round(d.y), packetId: d.packetId })));
}

const colorCache = new Map<number, string>();

/** flowColor, remembered (a flow id and the theme make one key; flow ids are small integers). */
function cachedFlowColor(flowId: number, dark: boolean): string {
  const key = flowId * 2 + (dark ? 1 : 0);
  let c = colorCache.get(key);
  if (c === undefined) {
    if (colorCache.size > 50_000) colorCache.clear();
    c = flowColor(flowId, dark);
    colorCache.set(key, c);
  }
  return c;
}

/** The centre of an anchor's box: what the other end aims at. */
function anchorPointGuess(a: Anchor): Point {
  return { x: a.box.x + a.box.width / 2, y: a.box.y + a.box.height / 2 };
}

function drawDrops(
  ctx: CanvasRenderingContext2D,
  clock: number,
  speed: number,
  resolver: Resolver,
  toScreen: (p: Point) => Point,
  out: { current: DrawnDrop[] },
): void {
  const keep = DROP_WALL_MS * 1000 * Math.max(1, speed);
  const drawn: DrawnDrop[] = [];
  const used = new Set<string>();
  const drops = packetFeed.drops;
  for (let i = drops.length - 1; i >= 0; i--) {
    const d = drops[i]!;
    if (d.t > clock) continue;
    if (d.t < clock - keep) break;
    const id = packetFeed.nodes[d.node];
    if (id === undefined || used.has(id)) continue;
    used.add(id);
    const a = resolver.anchor(id);
    if (!a) continue;
    const p = anchorPoint(a, resolver.internet, resolver.internet);
    const s = toScreen(p);
    const x = s.x + (a.container ? 0 : 14);
    const y = s.y - (a.container ? 0 : 14);
    ctx.save();
    ctx.strokeStyle = '#dc2626';
    ctx.lineWidth = 3.5;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(x - 7, y - 7);
    ctx.lineTo(x + 7, y + 7);
    ctx.moveTo(x + 7, y - 7);
    ctx.lineTo(x - 7, y + 7);
    ctx.stroke();
    ctx.restore();
    drawn.push({ x, y, seq: d.seq });
  }
  out.current = drawn;
}

export const PacketOverlay = memo(PacketOverlayImpl);

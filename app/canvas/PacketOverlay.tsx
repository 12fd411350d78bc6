/**
 * Packets in flight, drawn in one <canvas> over the React Flow viewport (xyflow's advice: many
 * moving things go in one overlay layer, not in nodes). It follows the viewport's transform and
 * the nodes' absolute positions from React Flow's node lookup, and redraws only when the clock,
 * the feed, the viewport or the nodes moved. Dots are coloured by flow; each packet is one dot,
 * on the hop it is being shown on (packet-feed.ts). A drop is a red ✕ at the node that dropped it,
 * with its reason on hover or click. While paused, clicking a dot selects that packet for the hop
 * view. The canvas itself never takes the pointer: clicks are caught on the flow's DOM node.
 *
 * Where the dots are is computed here, on the main thread, which also hit-tests them; the pixels
 * are painted by a worker that owns the canvas (transferControlToOffscreen, overlay.worker.ts):
 * without a GPU, a canvas frame committed by the main thread cost it tens of ms per frame. Where
 * there is no OffscreenCanvas, the same painter (overlay-paint.ts) runs here.
 */
import { useStore, type ReactFlowState } from '@xyflow/react';
import { memo, useEffect, useRef, useState } from 'react';
import type { Scenario } from '../../engine/model/scenario.ts';
import { anchorPoint, drawnIdOf, internetPoint, INTERNET, type Anchor, type Box, type Point } from '../run/anchors.ts';
import { DOT_RADIUS, frameBuffers, paintFrame, type OverlayFrame } from '../run/overlay-paint.ts';
import { DROP_WALL_MS, flowColor, MAX_CHAIN, packetFeed, spanUs } from '../run/packet-feed.ts';
import type { OverlayMessage } from '../worker/overlay.worker.ts';
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
const MIN_FRAME_MS = 30;
/**
 * While a run plays, at most 20 redraws a second: the painter and the compositor share a busy
 * machine with the simulation worker.
 */
const RUNNING_FRAME_MS = 50;

/** Where frames go: the overlay worker, or a painter on this thread. */
interface Painter {
  /** False while the last frame is still being painted: the caller tries again next frame. */
  ready(): boolean;
  paint(frame: OverlayFrame): void;
  dispose(): void;
}

/** The painter of each canvas: a canvas hands its control to a worker once, for good. */
const painters = new WeakMap<HTMLCanvasElement, Painter>();

function painterFor(canvas: HTMLCanvasElement): Painter | null {
  const known = painters.get(canvas);
  if (known) return known;
  let painter: Painter | null = null;
  if (typeof canvas.transferControlToOffscreen === 'function' && typeof Worker !== 'undefined') {
    try {
      const offscreen = canvas.transferControlToOffscreen();
      const worker = new Worker(new URL('../worker/overlay.worker.ts', import.meta.url), { type: 'module', name: 'netplay-overlay' });
      let busy = false;
      worker.addEventListener('message', () => {
        busy = false;
      });
      worker.addEventListener('error', () => {
        busy = false;
      });
      const init: OverlayMessage = { type: 'init', canvas: offscreen };
      worker.postMessage(init, [offscreen]);
      painter = {
        ready: () => !busy,
        paint: (frame) => {
          busy = true;
          const m: OverlayMessage = { type: 'frame', frame };
          worker.postMessage(m, frameBuffers(frame));
        },
        dispose: () => worker.terminate(),
      };
    } catch {
      painter = null;
    }
  }
  if (!painter) {
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    painter = { ready: () => true, paint: (frame) => paintFrame(ctx, frame), dispose: () => undefined };
  }
  painters.set(canvas, painter);
  return painter;
}

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
      const painter = canvas ? painterFor(canvas) : null;
      // A painter still busy with the last frame: this one is computed on a later frame.
      if (!canvas || !painter?.ready()) return;
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
      // The flow's size from React Flow's store (the canvas fills it): reading the canvas's own
      // size here would force a layout in every frame.
      const [w = 0, h = 0] = size.split('x').map(Number);
      const toScreen = (p: Point): Point => ({ x: p.x * zoom + tx, y: p.y * zoom + ty });
      const dark = theme === 'dark';
      const drops = layoutDrops(clock, sim.speed, resolver, toScreen, dropsRef);
      const dots = layoutDots(clock, sim.speed, resolver, toScreen, dark, sim.selected?.packetId ?? -1, sim.current?.seq ?? -1, dotsRef);
      painter.paint({ width: w, height: h, dpr: window.devicePixelRatio || 1, dark, drops, ...dots });
      // Where the first dots are, for tests that click a packet as a person would. Only while not
      // running: changing an attribute every frame makes the browser recalculate the styles of every
      // node on the canvas.
      if (sim.status !== 'running') {
        const shown = JSON.stringify(dotsRef.current.slice(0, 20).map((d) => ({ x: Math.round(d.x), y: Math.round(d.y), packetId: d.packetId })));
        if (canvas.dataset.dots !== shown) canvas.dataset.dots = shown;
      }
    };
    raf = requestAnimationFrame(draw);
    const canvas = canvasRef.current;
    return () => {
      cancelAnimationFrame(raf);
      // The painter stays with its canvas while the canvas is on the page (StrictMode's second
      // mount reuses it: control of a canvas goes to a worker only once).
      setTimeout(() => {
        if (canvas && !canvas.isConnected) painters.get(canvas)?.dispose();
      }, 0);
    };
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

/** Where the dots go this frame (screen coordinates), grouped by colour for the painter. */
function layoutDots(
  clock: number,
  speed: number,
  resolver: Resolver,
  toScreen: (p: Point) => Point,
  dark: boolean,
  selectedPacket: number,
  currentSeq: number,
  out: { current: DrawnDot[] },
): Pick<OverlayFrame, 'dots' | 'colors' | 'ends' | 'selected' | 'selectedColor'> {
  const f = packetFeed;
  const span = spanUs(speed);
  // Hops are sorted by when they happened; one is shown from its visual start for one span.
  const hi = f.lowerBound(clock + 1);
  const lo = Math.max(f.lowerBound(clock - (MAX_CHAIN + 1) * span), hi - MAX_SCAN);
  const seen = new Set<number>();
  const dots: DrawnDot[] = [];
  const every = Math.max(1, Math.ceil((hi - lo) / MAX_DOTS));
  const groups = new Map<string, number[]>();
  let selected = new Float32Array(0);
  let selectedColor = '';
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
    if (pid === selectedPacket) {
      selected = Float32Array.of(s.x, s.y);
      selectedColor = color;
    } else {
      const g = groups.get(color);
      if (g) g.push(s.x, s.y);
      else groups.set(color, [s.x, s.y]);
    }
  }
  out.current = dots;
  const colors = [...groups.keys()];
  const ends = new Int32Array(colors.length);
  const xy = new Float32Array(2 * (dots.length - (selected.length ? 1 : 0)));
  let n = 0;
  colors.forEach((c, gi) => {
    const points = groups.get(c)!;
    xy.set(points, 2 * n);
    n += points.length / 2;
    ends[gi] = n;
  });
  return { dots: xy, colors, ends, selected, selectedColor };
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

/** Where the drops' ✕ go this frame: one per node, the newest. */
function layoutDrops(clock: number, speed: number, resolver: Resolver, toScreen: (p: Point) => Point, out: { current: DrawnDrop[] }): Float32Array {
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
    const s = toScreen(anchorPoint(a, resolver.internet, resolver.internet));
    drawn.push({ x: s.x + (a.container ? 0 : 14), y: s.y - (a.container ? 0 : 14), seq: d.seq });
  }
  out.current = drawn;
  const xy = new Float32Array(2 * drawn.length);
  drawn.forEach((d, i) => {
    xy[2 * i] = d.x;
    xy[2 * i + 1] = d.y;
  });
  return xy;
}

export const PacketOverlay = memo(PacketOverlayImpl);

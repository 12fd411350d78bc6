/**
 * Painting one frame of the packet overlay, from screen positions computed on the main thread
 * (PacketOverlay.tsx). The same function paints in the overlay worker (an OffscreenCanvas, so
 * neither the raster nor the canvas's frame commit touches the main thread) and, where there is
 * no OffscreenCanvas, on the main thread.
 */

export const DOT_RADIUS = 5;

/** One frame: everything in CSS pixels of the canvas. */
export interface OverlayFrame {
  readonly width: number;
  readonly height: number;
  readonly dpr: number;
  readonly dark: boolean;
  /** x, y of every dot, grouped by colour: group i ends (exclusive, in dots) at `ends[i]`. */
  readonly dots: Float32Array;
  readonly colors: readonly string[];
  readonly ends: Int32Array;
  /** The selected packet's dot (x, y) and colour, drawn on top; empty when none is shown. */
  readonly selected: Float32Array;
  readonly selectedColor: string;
  /** x, y of every drop's ✕. */
  readonly drops: Float32Array;
}

/** The buffers of a frame, for postMessage's transfer list. */
export function frameBuffers(f: OverlayFrame): ArrayBuffer[] {
  return [f.dots.buffer, f.ends.buffer, f.selected.buffer, f.drops.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

export function paintFrame(ctx: Ctx2D, f: OverlayFrame): void {
  const canvas = ctx.canvas;
  const pw = Math.round(f.width * f.dpr);
  const ph = Math.round(f.height * f.dpr);
  if (canvas.width !== pw || canvas.height !== ph) {
    canvas.width = pw;
    canvas.height = ph;
  }
  ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
  ctx.clearRect(0, 0, f.width, f.height);
  // Drops: a red ✕ each.
  if (f.drops.length) {
    ctx.strokeStyle = '#dc2626';
    ctx.lineWidth = 3.5;
    ctx.lineCap = 'round';
    ctx.beginPath();
    for (let i = 0; i + 1 < f.drops.length; i += 2) {
      const x = f.drops[i]!;
      const y = f.drops[i + 1]!;
      ctx.moveTo(x - 7, y - 7);
      ctx.lineTo(x + 7, y + 7);
      ctx.moveTo(x + 7, y - 7);
      ctx.lineTo(x - 7, y + 7);
    }
    ctx.stroke();
    ctx.lineCap = 'butt';
  }
  // Dots of one colour are filled and stroked as one path: thousands of fill() calls per frame
  // (each parsing a colour string) cost more than the rest of the frame.
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = f.dark ? '#0f172a' : '#ffffff';
  let from = 0;
  for (let g = 0; g < f.ends.length; g++) {
    const to = f.ends[g]!;
    if (to <= from) continue;
    ctx.beginPath();
    for (let i = from; i < to; i++) {
      const x = f.dots[2 * i]!;
      const y = f.dots[2 * i + 1]!;
      ctx.moveTo(x + DOT_RADIUS, y);
      ctx.arc(x, y, DOT_RADIUS, 0, Math.PI * 2);
    }
    ctx.fillStyle = f.colors[g]!;
    ctx.fill();
    ctx.stroke();
    from = to;
  }
  // The selected packet goes on top, bigger and outlined.
  if (f.selected.length >= 2) {
    ctx.beginPath();
    ctx.arc(f.selected[0]!, f.selected[1]!, DOT_RADIUS + 2, 0, Math.PI * 2);
    ctx.fillStyle = f.selectedColor;
    ctx.fill();
    ctx.lineWidth = 3;
    ctx.strokeStyle = f.dark ? '#fde047' : '#1d4ed8';
    ctx.stroke();
  }
}

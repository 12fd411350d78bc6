/**
 * The packet overlay's painter: owns the overlay <canvas> through an OffscreenCanvas, so the
 * dots' raster and the canvas's frame commits happen here instead of on the main thread (without
 * a GPU, each canvas frame committed by the main thread cost it tens of ms). The main thread
 * computes where the dots are (it also hit-tests them) and posts one frame at a time; this worker
 * answers 'drawn' after each, so frames never queue up behind a busy painter.
 */
import { paintFrame, type OverlayFrame } from '../run/overlay-paint.ts';

export type OverlayMessage = { readonly type: 'init'; readonly canvas: OffscreenCanvas } | { readonly type: 'frame'; readonly frame: OverlayFrame };

let ctx: OffscreenCanvasRenderingContext2D | null = null;

self.addEventListener('message', (e: MessageEvent<OverlayMessage>) => {
  const m = e.data;
  if (m.type === 'init') {
    ctx = m.canvas.getContext('2d');
    return;
  }
  if (ctx) paintFrame(ctx, m.frame);
  self.postMessage('drawn');
});

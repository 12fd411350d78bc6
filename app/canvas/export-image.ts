/**
 * Exports the canvas as PNG or SVG, as React Flow's "download image" example does: render the
 * viewport element with html-to-image (loaded on demand) using a transform that fits all nodes.
 */
import { getNodesBounds, getViewportForBounds } from '@xyflow/react';
import { downloadUrl } from '../share/files.ts';
import { getFlowApi } from './flow-api.ts';

export type ImageFormat = 'png' | 'svg';

export async function exportCanvasImage(format: ImageFormat, fileStem: string): Promise<void> {
  const api = getFlowApi();
  const viewport = document.querySelector<HTMLElement>('.react-flow__viewport');
  if (!api || !viewport) throw new Error('the canvas is not ready');
  const nodes = api.getNodes();
  if (!nodes.length) throw new Error('the canvas is empty: nothing to export');
  const bounds = getNodesBounds(nodes);
  const width = Math.min(4096, Math.max(400, Math.ceil(bounds.width + 80)));
  const height = Math.min(4096, Math.max(300, Math.ceil(bounds.height + 80)));
  const vp = getViewportForBounds(bounds, width, height, 0.2, 2, 0.05);
  const { toPng, toSvg } = await import('html-to-image');
  const background = getComputedStyle(document.documentElement).getPropertyValue('--canvas-bg').trim() || '#ffffff';
  const options = {
    backgroundColor: background,
    width,
    height,
    style: { width: `${width}px`, height: `${height}px`, transform: `translate(${vp.x}px, ${vp.y}px) scale(${vp.zoom})` },
  };
  const url = format === 'png' ? await toPng(viewport, options) : await toSvg(viewport, options);
  downloadUrl(url, `${fileStem}.${format}`);
}

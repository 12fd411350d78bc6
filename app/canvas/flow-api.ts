/**
 * The React Flow instance, for actions that run outside the canvas component (auto-layout needs
 * measured node sizes, image export needs the nodes' bounds). Set by the canvas when it mounts.
 */
import type { ReactFlowInstance } from '@xyflow/react';
import type { ReferenceEdge, ResourceNode } from './derive-flow.ts';

export type FlowApi = ReactFlowInstance<ResourceNode, ReferenceEdge>;

let api: FlowApi | null = null;

export function setFlowApi(next: FlowApi | null): void {
  api = next;
}

export function getFlowApi(): FlowApi | null {
  return api;
}

/** Fits the view to the document after a load, once React Flow has measured the new nodes. */
export function fitSoon(): void {
  setTimeout(() => void api?.fitView({ padding: 0.15, duration: 200 }), 80);
}

/**
 * Capture points in the scenario document (`scenario.captures`): "Capture here" on a node, like
 * `tcpdump -i`, each with an optional tcpdump-syntax filter. They are document data (saved, shared,
 * undoable); the simulation records frames at them. Small on purpose: the canvas's context menu and
 * the inspector import this without pulling in the capture panel.
 */
import { uniqueName } from '../../../engine/model/derive.ts';
import type { Capture, ResourceKind, Scenario } from '../../../engine/model/scenario.ts';
import { edit, useDocumentStore } from '../../state/document-store.ts';
import { useViewStore } from '../../state/view-store.ts';

/** Resource kinds a capture point can sit on: the ones that send or forward packets. */
export const CAPTURABLE: ReadonlySet<ResourceKind> = new Set<ResourceKind>(['vm', 'nva', 'nic', 'internetHost', 'loadBalancer', 'natGateway', 'linuxRouter']);

export function canCapture(doc: Scenario, nodeId: string): boolean {
  const r = doc.resources.find((x) => x.id === nodeId);
  return r !== undefined && CAPTURABLE.has(r.kind);
}

export function capturesOn(doc: Scenario, nodeId: string): Capture[] {
  return doc.captures.filter((c) => c.node === nodeId);
}

/** Adds a capture point on `nodeId` (one undo step) and opens the Capture tab; returns its id. */
export function captureHere(nodeId: string, filter?: string): string | null {
  const doc = useDocumentStore.getState().doc;
  if (!canCapture(doc, nodeId)) return null;
  const id = uniqueName(doc, `cap-${nodeId}-`);
  const point: Capture = filter?.trim() ? { id, node: nodeId, filter: filter.trim() } : { id, node: nodeId };
  edit((d) => ({ ...d, captures: [...d.captures, point] }));
  useViewStore.setState({ dockTab: 'capture' });
  return id;
}

export function removeCapture(id: string): void {
  edit((d) => ({ ...d, captures: d.captures.filter((c) => c.id !== id) }));
}

/** Sets (or clears, with '') the capture filter of one point. */
export function setCaptureFilter(id: string, filter: string): void {
  edit((d) => ({
    ...d,
    captures: d.captures.map((c) => {
      if (c.id !== id) return c;
      const { filter: _old, ...rest } = c;
      return filter.trim() ? { ...rest, filter } : rest;
    }),
  }));
}

/**
 * The Decode As rules a scenario implies: its own `decodeAs`, plus VXLAN on every gateway load
 * balancer's tunnel ports (10800/10801 by default), as a person would set in Wireshark.
 */
export function scenarioDecodeAs(doc: Scenario): string[] {
  const rules = new Set<string>(doc.decodeAs);
  for (const r of doc.resources) {
    if (r.kind !== 'loadBalancer') continue;
    for (const pool of r.backendPools) for (const t of pool.tunnelInterfaces) rules.add(`udp.port==${t.port},vxlan`);
  }
  return [...rules];
}

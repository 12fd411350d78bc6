/**
 * The canvas: a controlled React Flow whose nodes and edges are derived from the document.
 * Minimap, zoom controls, snap to grid, background; drop palette items here.
 */
import {
  Background,
  BackgroundVariant,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  SelectionMode,
  useReactFlow,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useDocumentStore } from '../state/document-store.ts';
import { validate } from '../state/validation.ts';
import { useViewStore } from '../state/view-store.ts';
import { deriveEdges, deriveNodes, errorCountsOf, type ReferenceEdge, type ResourceNode } from './derive-flow.ts';
import { setFlowApi } from './flow-api.ts';
import { nodeTypes } from './node-types.ts';
import { PacketOverlay } from './PacketOverlay.tsx';
import { NodeMenu, openNodeMenu } from '../panels/capture/NodeMenu.tsx';
import { PacketPath } from '../panels/capture/PacketPath.tsx';
import { useDrop } from './use-drop.ts';
import { useFlowChanges, type Dimensions } from './use-flow-changes.ts';

const measuredCache = new WeakMap<ResourceNode, { dims: Dimensions; node: ResourceNode }>();

function withMeasured(nodes: ResourceNode[], measured: ReadonlyMap<string, Dimensions>): ResourceNode[] {
  return nodes.map((n) => {
    const dims = measured.get(n.id);
    if (!dims) return n;
    const hit = measuredCache.get(n);
    if (hit && hit.dims === dims) return hit.node;
    const node = { ...n, measured: dims };
    measuredCache.set(n, { dims, node });
    return node;
  });
}

const SNAP: [number, number] = [10, 10];
const MINIMAP_COLORS: Record<string, string> = {
  vnet: 'rgba(59,130,246,0.15)',
  subnet: 'rgba(16,185,129,0.18)',
  host: '#6366f1',
  loadBalancer: '#f59e0b',
  publicIp: '#0ea5e9',
  natGateway: '#ec4899',
  linuxRouter: '#0d9488',
  routeTable: '#7c3aed',
  internetHost: '#64748b',
};

export function FlowCanvas() {
  const doc = useDocumentStore((s) => s.doc);
  const selection = useViewStore((s) => s.selection);
  const selectedEdges = useViewStore((s) => s.selectedEdges);
  const theme = useViewStore((s) => s.theme);
  const [measured, setMeasured] = useState<ReadonlyMap<string, Dimensions>>(new Map());
  const onMeasured = useCallback((dims: Map<string, Dimensions>) => {
    setMeasured((prev) => {
      const next = new Map(prev);
      for (const [id, d] of dims) {
        const old = prev.get(id);
        if (!old || old.width !== d.width || old.height !== d.height) next.set(id, d);
      }
      return next;
    });
  }, []);
  const v = validate(doc);
  const errorCounts = useMemo(() => errorCountsOf(v.issues, doc), [v, doc]);
  const selSet = useMemo(() => new Set(selection), [selection]);
  const edgeSet = useMemo(() => new Set(selectedEdges), [selectedEdges]);
  const base = useMemo(() => deriveNodes(doc, selSet, errorCounts), [doc, selSet, errorCounts]);
  const nodes = useMemo(() => withMeasured(base, measured), [base, measured]);
  const edges = useMemo(() => deriveEdges(doc, edgeSet), [doc, edgeSet]);
  const handlers = useFlowChanges(onMeasured);
  const drop = useDrop();
  const api = useReactFlow<ResourceNode, ReferenceEdge>();
  useEffect(() => {
    setFlowApi(api);
    return () => setFlowApi(null);
  }, [api]);

  return (
    <div className="canvas" {...drop} aria-label="Network canvas" role="region">
      <ReactFlow<ResourceNode, ReferenceEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        {...handlers}
        onNodeContextMenu={openNodeMenu}
        colorMode={theme}
        connectionMode={ConnectionMode.Loose}
        snapToGrid
        snapGrid={SNAP}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        selectionMode={SelectionMode.Partial}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        minZoom={0.1}
        maxZoom={2.5}
        proOptions={{ hideAttribution: false }}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <MiniMap pannable zoomable ariaLabel="Minimap" nodeColor={(n) => MINIMAP_COLORS[n.type ?? ''] ?? '#94a3b8'} />
        <Controls aria-label="Zoom controls" />
        <PacketOverlay />
        <PacketPath />
      </ReactFlow>
      <NodeMenu />
    </div>
  );
}

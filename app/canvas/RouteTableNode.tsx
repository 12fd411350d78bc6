import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { Route } from '../../engine/model/kinds/routing.ts';
import { handleIds } from '../state/ops/endpoints.ts';
import type { ResourceNode } from './derive-flow.ts';
import { NodeBox, NodeHeader } from './NodeFrame.tsx';
import './routing.css';

/** "0.0.0.0/0 → VirtualAppliance 10.0.1.4", as the Azure portal lists a user-defined route. */
export function routeText(r: Route): string {
  const hop = r.nextHopType === 'VirtualAppliance' ? `VirtualAppliance ${r.nextHopIpAddress ?? '(no address)'}` : r.nextHopType;
  return `${r.addressPrefix || '(no prefix)'} → ${hop}`;
}

/** A route table: its user-defined routes; subnets connect to its handle to use it. */
export const RouteTableNode = memo(function RouteTableNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  if (r.kind !== 'routeTable') return null;
  const n = r.routes.length;
  return (
    <NodeBox kind="rt" selected={selected}>
      <Handle type="source" id={handleIds.routeTable} position={Position.Left} className="handle handle-rt" aria-label={`route table ${r.name}`} />
      <Handle type="source" id={handleIds.routeTableTop} position={Position.Top} className="handle handle-rt" aria-label={`route table ${r.name} (from above)`} />
      <NodeHeader icon="routeTable" name={r.name} errors={data.errors} sub={`Route table · ${n} route${n === 1 ? '' : 's'}`} />
      <ul className="node-rows" aria-label={`routes of ${r.name}`}>
        {r.routes.map((route, i) => (
          <li key={i} className="node-row rt-route mono" title={`${route.name}: ${routeText(route)}`}>
            {routeText(route)}
          </li>
        ))}
        {n === 0 && <li className="node-empty">no routes: system routes apply</li>}
      </ul>
    </NodeBox>
  );
});

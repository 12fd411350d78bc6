import { Handle, NodeResizer, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { handleIds } from '../state/ops/endpoints.ts';
import type { ResourceNode } from './derive-flow.ts';
import { Icon } from './icons.tsx';

/** A subnet: a container that VMs and NVAs sit inside; its handle attaches a NAT gateway. */
export const SubnetNode = memo(function SubnetNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  if (r.kind !== 'subnet') return null;
  return (
    <div className={`container container-subnet${selected ? ' is-selected' : ''}`}>
      <NodeResizer isVisible={selected} minWidth={200} minHeight={120} />
      <div className="container-title">
        <Icon name="subnet" />
        <span className="node-name">{r.name}</span>
        <span className="node-sub">{r.addressPrefix}</span>
        {r.natGateway !== undefined && <span className="node-tag">NAT</span>}
        {data.errors > 0 && <span className="node-badge">{data.errors}</span>}
      </div>
      <Handle
        type="source"
        id={handleIds.subnetOut}
        position={Position.Right}
        className="handle handle-subnet"
        style={{ top: 20 }}
        aria-label={`subnet ${r.name}: NAT gateway`}
      />
    </div>
  );
});

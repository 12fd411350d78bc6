import { NodeResizer, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ResourceNode } from './derive-flow.ts';
import { Icon } from './icons.tsx';

/** A virtual network: a container that subnets sit inside. */
export const VnetNode = memo(function VnetNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  if (r.kind !== 'vnet') return null;
  return (
    <div className={`container container-vnet${selected ? ' is-selected' : ''}`}>
      <NodeResizer isVisible={selected} minWidth={240} minHeight={160} />
      <div className="container-title">
        <Icon name="vnet" />
        <span className="node-name">{r.name}</span>
        <span className="node-sub">{r.addressSpace.join(', ')}</span>
        {data.errors > 0 && <span className="node-badge">{data.errors}</span>}
      </div>
    </div>
  );
});

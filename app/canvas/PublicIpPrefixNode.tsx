import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { handleIds } from '../state/ops/endpoints.ts';
import type { ResourceNode } from './derive-flow.ts';
import { NodeBox, NodeHeader } from './NodeFrame.tsx';

/** A public IP prefix: a block of public addresses for a NAT gateway or an outbound frontend. */
export const PublicIpPrefixNode = memo(function PublicIpPrefixNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  if (r.kind !== 'publicIpPrefix') return null;
  return (
    <NodeBox kind="pip" selected={selected}>
      <Handle type="source" id={handleIds.prefix} position={Position.Left} className="handle handle-pip" aria-label={`public IP prefix ${r.name}`} />
      <NodeHeader icon="publicIpPrefix" name={r.name} errors={data.errors} sub={r.prefix} />
    </NodeBox>
  );
});

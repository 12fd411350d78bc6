import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { handleIds } from '../state/ops/endpoints.ts';
import type { ResourceNode } from './derive-flow.ts';
import { NodeBox, NodeHeader } from './NodeFrame.tsx';

/** A public IP: connect its handle to a NIC, a load balancer frontend or a NAT gateway. */
export const PublicIpNode = memo(function PublicIpNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  if (r.kind !== 'publicIp') return null;
  return (
    <NodeBox kind="pip" selected={selected}>
      <Handle type="source" id={handleIds.pip} position={Position.Left} className="handle handle-pip" aria-label={`public IP ${r.name}`} />
      <NodeHeader icon="publicIp" name={r.name} errors={data.errors} sub={`${r.address} · ${r.sku}`} />
    </NodeBox>
  );
});

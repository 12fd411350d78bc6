import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ResourceNode } from './derive-flow.ts';
import { NodeBox, NodeHeader } from './NodeFrame.tsx';

/** A host on the Internet, e.g. an echo server that shows which source address it saw. */
export const InternetHostNode = memo(function InternetHostNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  if (r.kind !== 'internetHost') return null;
  const services = r.services.map((s) => `${s.type} :${s.port}`).join(', ');
  return (
    <NodeBox kind="inet" selected={selected}>
      <NodeHeader icon="internetHost" name={r.name} errors={data.errors} sub={r.address} />
      {services && <div className="node-foot">{services}</div>}
    </NodeBox>
  );
});

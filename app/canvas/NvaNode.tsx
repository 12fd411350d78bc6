import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ResourceNode } from './derive-flow.ts';
import { HostNics } from './HostBody.tsx';
import { NodeBox, NodeHeader } from './NodeFrame.tsx';

/** A network virtual appliance: bridges its tunnel interfaces and filters with firewall rules. */
export const NvaNode = memo(function NvaNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  if (r.kind !== 'nva') return null;
  const rules = r.firewall.length;
  return (
    <NodeBox kind="nva" selected={selected}>
      <NodeHeader icon="nva" name={r.name} errors={data.errors} sub={`health :${r.healthPort} · ${rules} firewall rule${rules === 1 ? '' : 's'}`} />
      <HostNics nics={data.nics} />
    </NodeBox>
  );
});

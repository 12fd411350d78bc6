import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ResourceNode } from './derive-flow.ts';
import { HostNics } from './HostBody.tsx';
import { NodeBox, NodeHeader } from './NodeFrame.tsx';

/** A virtual machine with its NICs (each ipconfig has a handle for public IPs and backend pools). */
export const VmNode = memo(function VmNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  if (r.kind !== 'vm') return null;
  const services = r.services.map((s) => `${s.type} :${s.port}`).join(', ');
  return (
    <NodeBox kind="vm" selected={selected}>
      <NodeHeader icon="vm" name={r.name} errors={data.errors} {...(services ? { sub: services } : {})} />
      <HostNics nics={data.nics} />
    </NodeBox>
  );
});

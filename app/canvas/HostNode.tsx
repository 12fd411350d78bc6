import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ResourceNode } from './derive-flow.ts';
import { NvaNode } from './NvaNode.tsx';
import { VmNode } from './VmNode.tsx';

/** VMs and NVAs share one node type (both sit in subnets and own NICs). */
export const HostNode = memo(function HostNode(props: NodeProps<ResourceNode>) {
  return props.data.resource.kind === 'nva' ? <NvaNode {...props} /> : <VmNode {...props} />;
});

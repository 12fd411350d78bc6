import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { handleIds } from '../state/ops/endpoints.ts';
import type { ResourceNode } from './derive-flow.ts';
import { NodeBox, NodeHeader } from './NodeFrame.tsx';

/** A NAT gateway (Azure, AWS, or GCP Cloud NAT): subnets connect to it, and it connects to its public IPs. */
export const NatGatewayNode = memo(function NatGatewayNode({ data, selected }: NodeProps<ResourceNode>) {
  const r = data.resource;
  if (r.kind === 'awsNatGateway' || r.kind === 'gcpCloudNat') {
    const ips = r.kind === 'awsNatGateway' ? r.publicIps.length : r.natIps.length;
    const sub =
      r.kind === 'awsNatGateway'
        ? `AWS · ${ips} Elastic IP${ips === 1 ? '' : 's'} · idle 350 s`
        : `GCP Cloud NAT · ${ips} NAT IP${ips === 1 ? '' : 's'} · ${r.enableEndpointIndependentMapping ? 'EIM' : 'no EIM'}${r.enableDynamicPortAllocation ? ' · dynamic ports' : ''}`;
    return (
      <NodeBox kind="natgw" selected={selected}>
        <Handle type="source" id={handleIds.natgw} position={Position.Left} className="handle handle-natgw" aria-label={`NAT gateway ${r.name}`} />
        <NodeHeader icon="natGateway" name={r.name} errors={data.errors} sub={sub} />
      </NodeBox>
    );
  }
  if (r.kind !== 'natGateway') return null;
  const n = r.publicIps.length + r.publicIpPrefixes.length;
  return (
    <NodeBox kind="natgw" selected={selected}>
      <Handle type="source" id={handleIds.natgw} position={Position.Left} className="handle handle-natgw" aria-label={`NAT gateway ${r.name}`} />
      <NodeHeader icon="natGateway" name={r.name} errors={data.errors} sub={`${n} public IP${n === 1 ? '' : 's'} · idle ${r.idleTimeoutInMinutes} min`} />
    </NodeBox>
  );
});

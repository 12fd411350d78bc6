import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ResourceOf } from '../../engine/model/scenario.ts';
import { handleIds } from '../state/ops/endpoints.ts';
import type { ResourceNode } from './derive-flow.ts';
import { NodeBox, NodeHeader } from './NodeFrame.tsx';

function frontendText(f: ResourceOf<'loadBalancer'>['frontends'][number]): string {
  if (f.publicIp !== undefined) return `pip ${f.publicIp}`;
  if (f.publicIpPrefix !== undefined) return `prefix · ${f.publicIpPrefix}`;
  if (f.privateIp !== undefined) return f.privateIp;
  return 'no IP yet';
}

/** A load balancer (Basic, Standard or Gateway): frontends, backend pools and rules. */
export const LoadBalancerNode = memo(function LoadBalancerNode({ data, selected }: NodeProps<ResourceNode>) {
  const lb = data.resource;
  if (lb.kind !== 'loadBalancer') return null;
  const gateway = lb.sku === 'Gateway';
  return (
    <NodeBox kind={gateway ? 'gwlb' : 'lb'} selected={selected}>
      <NodeHeader icon={gateway ? 'gatewayLoadBalancer' : 'loadBalancer'} name={lb.name} errors={data.errors} sub={`${lb.sku} load balancer`} />
      <div className="node-section">Frontends</div>
      <ul className="node-rows">
        {lb.frontends.map((f, i) => (
          <li key={i} className="node-row">
            <span className="row-label">{f.name}</span>
            <span className="row-value mono">{frontendText(f)}</span>
            {f.gatewayLoadBalancer !== undefined && <span className="node-tag">GWLB</span>}
            <Handle type="source" id={handleIds.fe(i)} position={Position.Right} className="handle handle-fe" aria-label={`${lb.name} frontend ${f.name}`} />
          </li>
        ))}
      </ul>
      <div className="node-section">Backend pools</div>
      <ul className="node-rows">
        {lb.backendPools.map((p, i) => (
          <li key={i} className="node-row">
            <Handle type="source" id={handleIds.pool(i)} position={Position.Left} className="handle handle-pool" aria-label={`${lb.name} backend pool ${p.name}`} />
            <span className="row-label">{p.name}</span>
            {p.tunnelInterfaces.length > 0 && <span className="row-value mono">VXLAN {p.tunnelInterfaces.map((t) => t.identifier).join('/')}</span>}
          </li>
        ))}
        {lb.backendPools.length === 0 && <li className="node-empty">none</li>}
      </ul>
      {(lb.rules.length > 0 || lb.outboundRules.length > 0) && <div className="node-section">Rules</div>}
      <ul className="node-rows">
        {lb.rules.map((r, i) => (
          <li key={i} className="node-row">
            <span className="row-label">{r.name}</span>
            <span className="row-value mono">
              {r.protocol} {r.frontendPort}→{r.backendPort}
              {r.disableOutboundSnat ? ' · no SNAT' : ''}
            </span>
          </li>
        ))}
        {lb.outboundRules.map((o, i) => (
          <li key={`o${i}`} className="node-row">
            <span className="row-label">{o.name}</span>
            <span className="row-value mono">outbound {o.allocatedOutboundPorts || 'default'} ports</span>
          </li>
        ))}
      </ul>
    </NodeBox>
  );
});

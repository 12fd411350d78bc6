import type { NodeTypes } from '@xyflow/react';
import { HostNode } from './HostNode.tsx';
import { InternetHostNode } from './InternetHostNode.tsx';
import { LinuxRouterNode } from './LinuxRouterNode.tsx';
import { LoadBalancerNode } from './LoadBalancerNode.tsx';
import { NatGatewayNode } from './NatGatewayNode.tsx';
import { PublicIpNode } from './PublicIpNode.tsx';
import { PublicIpPrefixNode } from './PublicIpPrefixNode.tsx';
import { RouteTableNode } from './RouteTableNode.tsx';
import { SubnetNode } from './SubnetNode.tsx';
import { VnetNode } from './VnetNode.tsx';

/** Defined once at module level, as React Flow asks (a new object per render remounts every node). */
export const nodeTypes: NodeTypes = {
  vnet: VnetNode,
  subnet: SubnetNode,
  host: HostNode,
  loadBalancer: LoadBalancerNode,
  publicIp: PublicIpNode,
  publicIpPrefix: PublicIpPrefixNode,
  natGateway: NatGatewayNode,
  internetHost: InternetHostNode,
  linuxRouter: LinuxRouterNode,
  routeTable: RouteTableNode,
};

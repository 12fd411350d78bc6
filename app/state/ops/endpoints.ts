/**
 * Connection endpoints: what a React Flow handle stands for in the document. Handle ids are
 * stable strings derived from the document ("pip", "ipc:nicId:0", "fe:1", "pool:0", ...), so an
 * edge derived from a reference and a connection drawn by hand speak the same language.
 */
export type Endpoint =
  | { type: 'pip'; id: string }
  | { type: 'prefix'; id: string }
  | { type: 'ipc'; hostId: string; nicId: string; index: number }
  | { type: 'fe'; id: string; index: number }
  | { type: 'pool'; id: string; index: number }
  | { type: 'subnet'; id: string }
  | { type: 'natgw'; id: string }
  | { type: 'routeTable'; id: string }
  | { type: 'router'; id: string };

export const handleIds = {
  pip: 'pip',
  prefix: 'prefix',
  subnetOut: 'natgw',
  natgw: 'natgw',
  routeTable: 'rt',
  /** The same route table, entered from above (for a table drawn below its subnets). */
  routeTableTop: 'rt-top',
  /** A Linux router's "connect a subnet here to add an interface" handle. */
  routerAttach: 'attach',
  /** Where a Linux router's interface meets its subnet (the left end of its eth row). */
  routerIf: (nicId: string) => `if:${nicId}`,
  ipc: (nicId: string, index: number) => `ipc:${nicId}:${index}`,
  fe: (index: number) => `fe:${index}`,
  pool: (index: number) => `pool:${index}`,
};

/** Reads a handle of a node back into an endpoint; null for a handle this build does not know. */
export function parseEndpoint(nodeKind: string, nodeId: string, handle: string | null | undefined): Endpoint | null {
  const h = handle ?? '';
  if (nodeKind === 'publicIp' && h === 'pip') return { type: 'pip', id: nodeId };
  if (nodeKind === 'publicIpPrefix') return { type: 'prefix', id: nodeId };
  if (nodeKind === 'subnet') return { type: 'subnet', id: nodeId };
  if (nodeKind === 'natGateway' || nodeKind === 'awsNatGateway' || nodeKind === 'gcpCloudNat') return { type: 'natgw', id: nodeId };
  if (nodeKind === 'routeTable') return { type: 'routeTable', id: nodeId };
  if (nodeKind === 'linuxRouter' && (h === handleIds.routerAttach || h.startsWith('if:'))) return { type: 'router', id: nodeId };
  const [tag, a, b] = h.split(':');
  if ((nodeKind === 'vm' || nodeKind === 'nva' || nodeKind === 'linuxRouter') && tag === 'ipc' && a && b !== undefined)
    return { type: 'ipc', hostId: nodeId, nicId: a, index: Number(b) };
  if (nodeKind === 'loadBalancer' && (tag === 'fe' || tag === 'pool') && a !== undefined)
    return { type: tag, id: nodeId, index: Number(a) };
  return null;
}

/** How a person calls each endpoint, for refusal messages. */
export function describeEndpoint(e: Endpoint): string {
  switch (e.type) {
    case 'pip':
      return 'a public IP';
    case 'prefix':
      return 'a public IP prefix';
    case 'ipc':
      return 'a NIC';
    case 'fe':
      return 'a load balancer frontend';
    case 'pool':
      return 'a backend pool';
    case 'subnet':
      return 'a subnet';
    case 'natgw':
      return 'a NAT gateway';
    case 'routeTable':
      return 'a route table';
    case 'router':
      return 'a Linux router';
  }
}

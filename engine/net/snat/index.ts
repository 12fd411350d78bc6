/**
 * SNAT machinery as a pure library (no simulator dependency): see README.md for the per-packet
 * and per-timer calls and for the policies and their sources.
 */
export * from './types.ts';
export { SnatTable, type SnatTableOptions } from './table.ts';
export { PortInventory, type PortList } from './inventory.ts';
export { BlockPool, NO_PORTS } from './blocks.ts';
export { allocate, ALLOC_DESTINATION_LIMIT, ALLOC_EIM_CONFLICT, ALLOC_EXHAUSTED, type AllocationPolicy, type FlowRequest } from './allocate.ts';
export { WordMap, hash4 } from './word-map.ts';
export { expandPublicIps, portRange } from './public-ips.ts';
export {
  AzureLbSnat,
  AZURE_LB_FIN_RELEASE_US,
  AZURE_LB_RST_RELEASE_US,
  AZURE_SNAT_BLOCK,
  AZURE_SNAT_FIRST_PORT,
  AZURE_SNAT_LAST_PORT,
  AZURE_SNAT_PORTS_PER_FRONTEND_IP,
  azureLbTimers,
  checkOutboundAllocation,
  defaultSnatPorts,
  frontendBlockStarts,
  frontendCapacity,
  type AllocationCheck,
  type AzureLbSnatMetric,
  type AzureOutboundRule,
} from './azure-lb.ts';
export {
  AzureNatGateway,
  AZURE_NATGW_DESTINATION_LIMIT,
  AZURE_NATGW_MAX_IPS,
  AZURE_NATGW_PORTS_PER_IP,
  azureNatGatewayTimers,
  checkNatGateway,
  type AzureNatGatewayConfig,
  type AzureNatGatewayMetrics,
} from './azure-nat-gateway.ts';
export { AwsNatGateway, AWS_NATGW_DESTINATION_LIMIT, AWS_NATGW_IDLE_US, awsNatGatewayTimers, type AwsNatGatewayConfig, type AwsNatGatewayMetrics } from './aws-nat-gateway.ts';
export { cloudNatPortRange, GcpCloudNat, GCP_DEFAULT_TIMEOUTS, gcpTimers, nextPowerOfTwo, type GcpCloudNatConfig, type GcpDropReason, type GcpTimeouts, type GcpVmMetrics } from './gcp-cloud-nat.ts';

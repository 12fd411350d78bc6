/** engine/net/lb: Azure Load Balancer inbound data plane (rules, distribution, probes, floating IP). See README.md. */
export * from './types.ts';
export { distributionKey, distributionLabel, pickMember } from './hash.ts';
export { RuleIndex, isHaPorts, backendPortOf, type RuleMatch } from './rules.ts';
export {
  ProbeMonitor,
  classifyHttpProbe,
  classifyTcpProbe,
  httpProbeRequest,
  probeThresholds,
  probeTimeoutUs,
  type HealthChange,
  type MemberHealth,
  type ProbeEvent,
  type ProbeRequest,
  type ProbeResult,
} from './health.ts';
export { FlowTable, FIN_LINGER_US, type FlowExpiry, type FlowState, type LbFlow } from './flows.ts';
export { LoadBalancerEngine, type FlowAction, type InboundResult, type LbEvent, type LbPacket, type LoadBalancerOptions, type ReplyResult } from './balancer.ts';
export { mappingTable, formatMappingTable, checkFloatingIpArrival, floatingIpOutbound, type GuestConfig, type MappingRow } from './floating-ip.ts';
export { checkLbRules, HTTP_PROBE_REFUSED_PORTS } from './checks.ts';

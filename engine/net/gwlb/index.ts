/** engine/net/gwlb: the gateway load balancer chain, VXLAN legs and the Linux NVA. See README.md. */
export * from './tunnel.ts';
export { canonicalWords, reverseFlow, symmetricFlowHash, SymmetricFlowTable } from './symmetric.ts';
export { GatewayLoadBalancer, type GatewaySetup, type NvaMember, type SteerResult } from './gateway.ts';
export { LinuxNva, NVA_IFACES, checkNvaFirewall, prepareFirewallLine, type NvaConfig, type NvaResult, type OuterHeaders } from './nva.ts';
export { checkChain, checkTunnels, chainHops, type ChainHop, type Consumer, type GatewayInfo } from './chain.ts';

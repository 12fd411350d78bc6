/**
 * Azure Load Balancer (Basic, Standard) and Gateway Load Balancer. Field names follow ARM
 * (enableFloatingIP, idleTimeoutInMinutes, allocatedOutboundPorts, ...) so that people who know
 * the Azure API recognise them. Reference: shared/reference/cloud-nat-lb.md §A, §C, §D.
 */
import { z } from 'zod';
import { Id, Ipv4, Name, Port, PortNonZero, Ref, SubRef } from '../primitives.ts';

export const FrontendSchema = z
  .object({
    name: Name,
    publicIp: Ref.optional().describe('public frontend: a publicIp resource'),
    publicIpPrefix: Ref.optional().describe('public frontend: a publicIpPrefix resource (outbound rules)'),
    subnet: Ref.optional().describe('internal frontend: the subnet of its private IP'),
    privateIp: Ipv4.optional(),
    gatewayLoadBalancer: SubRef.optional().describe('chain to a gateway load balancer frontend, "gwlbId/frontendName"'),
  })
  .strict();

export const TunnelInterfaceSchema = z
  .object({
    type: z.enum(['Internal', 'External']),
    protocol: z.literal('VXLAN').default('VXLAN'),
    port: PortNonZero,
    identifier: z.number().int().min(0).max(0xffffff).describe('the VXLAN network identifier (VNI)'),
  })
  .strict();

export const BackendPoolSchema = z
  .object({
    name: Name,
    tunnelInterfaces: z.array(TunnelInterfaceSchema).max(2).default([]),
  })
  .strict();

export const ProbeSchema = z
  .object({
    name: Name,
    protocol: z.enum(['Tcp', 'Http', 'Https']),
    port: PortNonZero,
    requestPath: z.string().startsWith('/').optional(),
    intervalInSeconds: z.number().int().min(5).max(2147483646).default(5),
    numberOfProbes: z.number().int().min(1).default(2),
    probeThreshold: z.number().int().min(1).max(100).default(1),
  })
  .strict();

export const Protocol = z.enum(['Tcp', 'Udp', 'All']);

export const LbRuleSchema = z
  .object({
    name: Name,
    frontend: Name.describe('a frontend of this load balancer'),
    backendPool: Name,
    protocol: Protocol,
    frontendPort: Port.describe('0 with protocol All is an HA-ports rule'),
    backendPort: Port,
    probe: Name.optional(),
    enableFloatingIP: z.boolean().default(false),
    loadDistribution: z.enum(['Default', 'SourceIP', 'SourceIPProtocol']).default('Default'),
    idleTimeoutInMinutes: z.number().int().min(4).max(120).default(4),
    enableTcpReset: z.boolean().default(false),
    disableOutboundSnat: z.boolean().default(false),
  })
  .strict();

export const OutboundRuleSchema = z
  .object({
    name: Name,
    frontends: z.array(Name).min(1, 'an outbound rule needs at least one frontend'),
    backendPool: Name,
    protocol: Protocol.default('All'),
    allocatedOutboundPorts: z
      .number()
      .int()
      .min(0)
      .max(64000)
      .default(0)
      .describe('SNAT ports per backend instance, a multiple of 8; 0 uses the default table by pool size'),
    idleTimeoutInMinutes: z.number().int().min(4).max(120).default(4),
    enableTcpReset: z.boolean().default(true),
  })
  .strict();

export const LoadBalancerSchema = z
  .object({
    id: Id,
    kind: z.literal('loadBalancer'),
    name: Name,
    sku: z.enum(['Basic', 'Standard', 'Gateway']).default('Standard'),
    frontends: z.array(FrontendSchema).min(1, 'a load balancer needs at least one frontend IP configuration'),
    backendPools: z.array(BackendPoolSchema).default([]),
    probes: z.array(ProbeSchema).default([]),
    rules: z.array(LbRuleSchema).default([]),
    outboundRules: z.array(OutboundRuleSchema).default([]),
    noHealthyBackendsBehavior: z.enum(['AllProbedDown', 'AllProbedUp']).default('AllProbedDown'),
  })
  .strict();

export type Frontend = z.output<typeof FrontendSchema>;
export type BackendPool = z.output<typeof BackendPoolSchema>;
export type Probe = z.output<typeof ProbeSchema>;
export type LbRule = z.output<typeof LbRuleSchema>;
export type OutboundRule = z.output<typeof OutboundRuleSchema>;
export type LoadBalancer = z.output<typeof LoadBalancerSchema>;
export type TunnelInterface = z.output<typeof TunnelInterfaceSchema>;

/** Virtual networks, subnets, VMs and their NICs, public IPs and hosts on the Internet. */
import { z } from 'zod';
import { Cidr, Description, Id, Ipv4, Name, PortNonZero, Ref, SubRef } from '../primitives.ts';

export const VnetSchema = z
  .object({
    id: Id,
    kind: z.literal('vnet'),
    name: Name,
    addressSpace: z.array(Cidr).min(1, 'a virtual network needs at least one address prefix'),
    description: Description.optional(),
  })
  .strict();

export const SubnetSchema = z
  .object({
    id: Id,
    kind: z.literal('subnet'),
    name: Name,
    vnet: Ref.describe('the virtual network this subnet belongs to'),
    addressPrefix: Cidr,
    natGateway: Ref.optional().describe('the NAT device its VMs leave through: an Azure natGateway, an awsNatGateway or a gcpCloudNat'),
    defaultOutboundAccess: z
      .boolean()
      .default(true)
      .describe('false makes a "private subnet": no default outbound access (Azure VNet API 2025-07-01 default)'),
    routeTable: Ref.optional().describe('a route table whose user-defined routes apply to traffic from this subnet'),
  })
  .strict();

/** What a host listens on. */
export const ServiceSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('tcp-accept'), port: PortNonZero, name: Name.optional(), stopped: z.boolean().default(false) })
    .strict()
    .describe('accepts TCP connections and holds them open (like nc -l)'),
  z
    .object({ type: z.literal('http-echo'), port: PortNonZero, name: Name.optional(), stopped: z.boolean().default(false) })
    .strict()
    .describe('answers an HTTP request with the source IP:port it saw (like ifconfig.io)'),
  z
    .object({ type: z.literal('udp-echo'), port: PortNonZero, name: Name.optional(), stopped: z.boolean().default(false) })
    .strict()
    .describe('sends every UDP datagram back to its sender'),
]);

/** The guest's TCP/IP settings, Linux defaults. */
export const StackSchema = z
  .object({
    synRetries: z.number().int().min(0).max(10).default(6).describe('net.ipv4.tcp_syn_retries'),
    synLinearTimeouts: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(0)
      .describe('net.ipv4.tcp_syn_linear_timeouts (Linux 6.5+, where it defaults to 4): that many extra SYN retransmissions 1 s apart before the timeout doubles; 0 = the classic 1, 2, 4, ... s'),
    ephemeralPortRange: z
      .tuple([z.number().int().min(1).max(65535), z.number().int().min(1).max(65535)])
      .default([32768, 60999])
      .describe('net.ipv4.ip_local_port_range'),
    answersPing: z.boolean().default(true),
    finTimeoutSeconds: z.number().int().min(1).max(600).default(60).describe('net.ipv4.tcp_fin_timeout'),
  })
  .strict();

const hostFields = {
  id: Id,
  name: Name,
  description: Description.optional(),
  services: z.array(ServiceSchema).default([]),
  stack: StackSchema.default(StackSchema.parse({})),
};

export const VmSchema = z
  .object({
    ...hostFields,
    kind: z.literal('vm'),
    loopbackIps: z
      .array(Ipv4)
      .default([])
      .describe('addresses the guest owns on a loopback interface (needed for floating IP)'),
  })
  .strict();

export const IpConfigSchema = z
  .object({
    name: Name,
    privateIp: Ipv4,
    primary: z.boolean().default(true),
    publicIp: Ref.optional().describe('an instance-level public IP (ILPIP): 1:1 NAT, no port masquerading'),
    loadBalancerBackendPools: z.array(SubRef).default([]).describe('backend pools, as "lbId/poolName"'),
    gatewayLoadBalancer: SubRef.optional().describe('a gateway load balancer frontend to chain to, "gwlbId/frontendName"'),
  })
  .strict();

export const NicSchema = z
  .object({
    id: Id,
    kind: z.literal('nic'),
    name: Name,
    vm: Ref.describe('the VM, NVA or Linux router this NIC is attached to'),
    subnet: Ref,
    primary: z.boolean().default(true),
    enableIpForwarding: z.boolean().default(false),
    ipConfigs: z.array(IpConfigSchema).min(1, 'a NIC needs at least one IP configuration'),
  })
  .strict();

export const PublicIpSchema = z
  .object({
    id: Id,
    kind: z.literal('publicIp'),
    name: Name,
    address: Ipv4,
    sku: z.enum(['Standard', 'Basic']).default('Standard'),
  })
  .strict();

export const PublicIpPrefixSchema = z
  .object({
    id: Id,
    kind: z.literal('publicIpPrefix'),
    name: Name,
    prefix: Cidr,
  })
  .strict();

export const InternetHostSchema = z
  .object({
    ...hostFields,
    kind: z.literal('internetHost'),
    address: Ipv4.describe('a public address on the Internet'),
  })
  .strict();

export type Vnet = z.output<typeof VnetSchema>;
export type Subnet = z.output<typeof SubnetSchema>;
export type Service = z.output<typeof ServiceSchema>;
export type Stack = z.output<typeof StackSchema>;
export type Vm = z.output<typeof VmSchema>;
export type IpConfig = z.output<typeof IpConfigSchema>;
export type Nic = z.output<typeof NicSchema>;
export type PublicIp = z.output<typeof PublicIpSchema>;
export type PublicIpPrefix = z.output<typeof PublicIpPrefixSchema>;
export type InternetHost = z.output<typeof InternetHostSchema>;

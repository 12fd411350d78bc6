/**
 * Routing: Azure route tables (user-defined routes on a subnet) and the Linux router node, whose
 * netfilter (nat and filter tables, conntrack) is engine/net/netfilter. Reference:
 * shared/reference/cloud-nat-lb.md §G (Linux) and Azure's "Virtual network traffic routing".
 */
import { z } from 'zod';
import { Cidr, Description, Id, Ipv4, Name } from '../primitives.ts';
import { StackSchema } from './network.ts';

export const RouteSchema = z
  .object({
    name: Name,
    addressPrefix: Cidr.describe('the destinations this route covers, e.g. 0.0.0.0/0'),
    nextHopType: z
      .enum(['VirtualAppliance', 'VnetLocal', 'Internet', 'None'])
      .describe('VirtualAppliance: to nextHopIpAddress (a NIC with IP forwarding); None: drop'),
    nextHopIpAddress: Ipv4.optional().describe('only with VirtualAppliance: the appliance NIC address'),
  })
  .strict();

/** A route table: user-defined routes for the subnets that name it (longest prefix wins; a UDR beats a system route of the same length). */
export const RouteTableSchema = z
  .object({
    id: Id,
    kind: z.literal('routeTable'),
    name: Name,
    description: Description.optional(),
    routes: z.array(RouteSchema).default([]),
  })
  .strict();

/** An interface straight on the Internet (an edge router's uplink, an OpenStack network node's external port). */
export const UplinkSchema = z
  .object({
    address: Ipv4.describe('a public address on the Internet'),
    prefix: z.number().int().min(8).max(32).default(24).describe('its on-link prefix length'),
    secondaryAddresses: z
      .array(Ipv4)
      .max(16)
      .default([])
      .describe('further addresses on this interface, /32 (a Neutron legacy router puts its floating IPs on its qg- port this way)'),
    proxyArp: z
      .array(Ipv4)
      .max(16)
      .default([])
      .describe('addresses this interface answers ARP for without owning them, so the Internet routes them here (a Neutron DVR fip namespace and its floating IPs)'),
  })
  .strict();

/**
 * A Linux router: a VM (or a bare host) with ip_forward=1 and iptables. Its NICs, in document
 * order, are eth0, eth1, ...; its uplinks come after them. Rules are typed as after "iptables".
 */
export const LinuxRouterSchema = z
  .object({
    id: Id,
    kind: z.literal('linuxRouter'),
    name: Name,
    description: Description.optional(),
    uplinks: z.array(UplinkSchema).max(4).default([]).describe('interfaces on the Internet, named after the NICs (eth<N>, eth<N+1>, ...)'),
    routes: z
      .array(z.string().min(1))
      .default([])
      .describe('ip route syntax, e.g. "default via 10.0.2.250" or "10.0.3.0/24 via 10.0.1.5 dev eth0"; connected routes are implicit, and an uplink gives a default route when none is written'),
    iptables: z
      .array(z.string().min(1))
      .default([])
      .describe('iptables commands as typed after "iptables", e.g. "-t nat -A POSTROUTING -o eth1 -j MASQUERADE"'),
    ipForward: z.boolean().default(true).describe('net.ipv4.ip_forward'),
    conntrackMax: z.number().int().min(1).max(4_194_304).default(262_144).describe('net.netfilter.nf_conntrack_max'),
    stack: StackSchema.default(StackSchema.parse({})),
  })
  .strict();

export type Route = z.output<typeof RouteSchema>;
export type RouteTable = z.output<typeof RouteTableSchema>;
export type Uplink = z.output<typeof UplinkSchema>;
export type LinuxRouter = z.output<typeof LinuxRouterSchema>;

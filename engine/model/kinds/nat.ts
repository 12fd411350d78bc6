/** NAT gateways and network virtual appliances. Reference: shared/reference/cloud-nat-lb.md §B, §D. */
import { z } from 'zod';
import { Description, Id, Name, PortNonZero, Ref } from '../primitives.ts';
import { StackSchema } from './network.ts';

export const NatGatewaySchema = z
  .object({
    id: Id,
    kind: z.literal('natGateway'),
    name: Name,
    publicIps: z.array(Ref).default([]),
    publicIpPrefixes: z.array(Ref).default([]),
    idleTimeoutInMinutes: z.number().int().min(4).max(120).default(4),
  })
  .strict();

/** A Linux network virtual appliance: bridges its tunnel interfaces and filters like iptables FORWARD. */
export const NvaSchema = z
  .object({
    id: Id,
    kind: z.literal('nva'),
    name: Name,
    description: Description.optional(),
    healthPort: PortNonZero.default(8080).describe('the port it answers the load balancer health probe on'),
    firewall: z
      .array(z.string().min(1))
      .default([])
      .describe('FORWARD rules in iptables syntax, e.g. "-A FORWARD -i ext -s 8.8.8.8 -p tcp --dport 22 -j DROP"'),
    stack: StackSchema.default(StackSchema.parse({})),
  })
  .strict();

export type NatGateway = z.output<typeof NatGatewaySchema>;
export type Nva = z.output<typeof NvaSchema>;

/**
 * NAT gateways of other clouds, for comparison with Azure's (kinds/nat.ts). Reference:
 * shared/reference/cloud-nat-lb.md §E (AWS NAT gateway) and §F (GCP Cloud NAT).
 *
 * Attachment: a subnet's `natGateway` field names the NAT device its VMs leave through, whichever
 * cloud's it is (an Azure `natGateway`, an `awsNatGateway` or a `gcpCloudNat`). That stands for
 * AWS's route table entry "0.0.0.0/0 → nat-…" of the subnet and for the subnetwork list of a GCP
 * Cloud Router's NAT configuration: one field, the same precedence as Azure's NAT gateway.
 */
import { z } from 'zod';
import { Description, Id, Name, Ref } from '../primitives.ts';

/** AWS NAT gateway (§E): 1 to 8 Elastic IPs, 55,000 connections per destination per address, idle 350 s (fixed). */
export const AwsNatGatewaySchema = z
  .object({
    id: Id,
    kind: z.literal('awsNatGateway'),
    name: Name,
    description: Description.optional(),
    publicIps: z
      .array(Ref)
      .max(8, 'an AWS NAT gateway takes at most 8 IPv4 addresses (1 primary + 7 secondary)')
      .default([])
      .describe('the Elastic IPs it leaves from, primary first (1 to 8); the idle timeout is a fixed 350 s'),
  })
  .strict();

const Seconds = z.number().int().min(1).max(86_400);

/** GCP Cloud NAT (§F): per-VM NAT IP:port ranges, translated on each VM's host. */
export const GcpCloudNatSchema = z
  .object({
    id: Id,
    kind: z.literal('gcpCloudNat'),
    name: Name,
    description: Description.optional(),
    natIps: z.array(Ref).default([]).describe('the NAT IP addresses (public IPs) it translates to'),
    minPortsPerVm: z
      .number()
      .int()
      .min(2)
      .max(65_536)
      .optional()
      .describe('ports each VM gets (default 64, or 32 with dynamic allocation); rounded up to a power of two'),
    enableDynamicPortAllocation: z.boolean().default(false).describe('grow a VM\'s ports (doubling) up to maxPortsPerVm when it runs out'),
    maxPortsPerVm: z.number().int().min(64).max(65_536).optional().describe('dynamic allocation only (default 65,536)'),
    enableEndpointIndependentMapping: z
      .boolean()
      .default(false)
      .describe('EIM: an internal IP:port keeps one NAT IP:port toward every destination (not with dynamic allocation)'),
    tcpEstablishedIdleTimeoutSec: Seconds.default(1200),
    tcpTransitoryIdleTimeoutSec: Seconds.default(30),
    tcpTimeWaitTimeoutSec: Seconds.default(120),
    udpIdleTimeoutSec: Seconds.default(30),
    icmpIdleTimeoutSec: Seconds.default(30),
  })
  .strict();

export type AwsNatGateway = z.output<typeof AwsNatGatewaySchema>;
export type GcpCloudNat = z.output<typeof GcpCloudNatSchema>;

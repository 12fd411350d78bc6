/**
 * The RFC 4787 mapping behaviour of each SNAT device of a run, with the consequence a person sees,
 * for the inspector and the SNAT table (SnatDeviceRow.behaviour). Filtering is
 * address-and-port-dependent for every device: only the exact reply tuple comes in
 * (snat/README.md "The model"). Sources: shared/reference/cloud-nat-lb.md §A.5, §B, §E, §F, §G.5;
 * the Linux router's classification is netfilter/rfc4787.ts (classifyLinuxNat).
 */
import type { Resource } from '../model/scenario.ts';
import type { SnatBehaviourRow } from '../sim/types.ts';
import type { SnatDevice } from './snat-plane.ts';

const APDF = 'Filtering: address-and-port-dependent — only a packet from the exact destination IP:port a mapping was made for comes back in.';

const LB_TEXT =
  'Azure load balancer SNAT: TCP is address-and-port-dependent — a SNAT port serves one connection per destination IP:port and is reused toward other destinations, so a second connection to the same IP:port needs another port from the instance\'s preallocated block; ' +
  'UDP is address-dependent — one port per destination IP whatever its port ("port-restricted cone"). Consequence: an instance runs out after as many connections to one destination as it has SNAT ports, however many destinations it could still reach.';

const NATGW_TEXT =
  'Azure NAT gateway: address-and-port-dependent — "a second flow to the same destination endpoint needs a different port"; ports come at random from one inventory shared by every VM of its subnets, up to 50,000 per public IP toward one destination endpoint. ' +
  'Consequence: a peer cannot predict the public port of another flow (no hole punching), and a VM fleet runs out only when the shared ports toward one destination are used up.';

const AWS_TEXT =
  'AWS NAT gateway: address-and-port-dependent — each (destination IP, port, protocol) has its own 55,000 connections per public address and source ports are reused across destinations. ' +
  'Consequence: many connections to one destination fail with ErrorPortAllocation after 55,000 per address although most ports are free toward others; adding addresses (up to 8) adds 55,000 each.';

const GCP_EIM_TEXT =
  'GCP Cloud NAT with endpoint-independent mapping: an internal IP:port keeps one NAT IP:port toward every destination (the SNAT table shows the same public endpoint for each). ' +
  'Consequence: peer-to-peer protocols can learn their public endpoint from one server and use it with another, but a VM\'s ports are tied to its internal ports, and a NAT port already used toward a destination by another mapping gives ENDPOINT_INDEPENDENT_CONFLICT drops.';

const GCP_APDM_TEXT =
  'GCP Cloud NAT without endpoint-independent mapping: a NAT IP:port is unique per destination (IP, port, protocol), so the same internal IP:port gets different NAT ports toward different destinations and one NAT port is reused toward many. ' +
  'Consequence: each VM can open as many connections to one destination as it has NAT ports (minPortsPerVm), then its packets are dropped with OUT_OF_RESOURCES while other VMs\' ports stay idle.';

type NatKind = 'lb' | 'nat-gateway' | 'aws-nat-gateway' | 'gcp-cloud-nat';

function behaviour(kind: NatKind, eim: boolean): SnatBehaviourRow {
  if (kind === 'gcp-cloud-nat') return { mapping: eim ? 'EIM' : 'APDM', filtering: 'APDF', explanation: `${eim ? GCP_EIM_TEXT : GCP_APDM_TEXT} ${APDF}` };
  if (kind === 'aws-nat-gateway') return { mapping: 'APDM', filtering: 'APDF', explanation: `${AWS_TEXT} ${APDF}` };
  if (kind === 'nat-gateway') return { mapping: 'APDM', filtering: 'APDF', explanation: `${NATGW_TEXT} ${APDF}` };
  return { mapping: 'APDM (TCP), ADM (UDP)', filtering: 'APDF', explanation: `${LB_TEXT} ${APDF}` };
}

/** The behaviour of one device of a run, as shown in the SNAT table. */
export function mappingBehaviourOf(d: SnatDevice): SnatBehaviourRow {
  if (d.gcp !== undefined) return behaviour('gcp-cloud-nat', d.gcp.eim);
  if (d.mechanism === 'aws-nat-gateway' || d.mechanism === 'gcp-cloud-nat' || d.mechanism === 'nat-gateway') return behaviour(d.mechanism, false);
  return behaviour('lb', false);
}

/** The behaviour of a NAT resource of the document (the inspector shows it before any run); null for other kinds. */
export function mappingBehaviourOfResource(r: Resource): SnatBehaviourRow | null {
  if (r.kind === 'gcpCloudNat') return behaviour('gcp-cloud-nat', r.enableEndpointIndependentMapping);
  if (r.kind === 'awsNatGateway') return behaviour('aws-nat-gateway', false);
  if (r.kind === 'natGateway') return behaviour('nat-gateway', false);
  if (r.kind === 'loadBalancer' && r.sku !== 'Gateway' && (r.outboundRules.length > 0 || r.rules.length > 0)) return behaviour('lb', false);
  return null;
}

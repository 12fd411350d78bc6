/**
 * Outbound through another cloud's NAT device named by the subnet's `natGateway` field (an AWS
 * NAT gateway or GCP Cloud NAT; model/kinds/cloud-nat.ts). It sits where Azure's NAT gateway
 * sits in the chain (outbound.ts asks this first): the subnet's default route goes through it, so
 * it wins over every other mechanism. Reference: shared/reference/cloud-nat-lb.md §E, §F.
 */
import { cloudNatPortRange, groupDigits } from './snat/index.ts';
import { publicAddresses, type Applies, type OutboundSubject } from './outbound-types.ts';

/** Ports per address: 1024-65535 (§E, §F). */
export const CLOUD_NAT_PORTS_PER_IP = 64_512;

/** The explanation when the subnet's NAT device is an AWS NAT gateway or a Cloud NAT; null when it is neither. */
export function cloudNatApplies(s: OutboundSubject): Applies | null {
  const id = s.subnet.natGateway;
  const aws = s.idx.get(id, 'awsNatGateway');
  if (aws) {
    const ips = publicAddresses(s.idx, aws.publicIps);
    return {
      explanation: {
        mechanism: 'aws-nat-gateway',
        publicIps: ips,
        protocols: ['tcp', 'udp', 'icmp'],
        resource: aws.id,
        snatPorts: ips.length * CLOUD_NAT_PORTS_PER_IP,
        ports: `ports 1024–65535 of each of its ${ips.length} address${ips.length === 1 ? '' : 'es'}, reused across destinations: up to 55,000 connections to each destination (IP, port, protocol) per address; idle timeout 350 s, then a RST`,
        snat: { kind: 'aws-nat-gateway', natGateway: aws.id },
        sentence: `its subnet '${s.subnet.name}' routes 0.0.0.0/0 to AWS NAT gateway '${aws.name}'${ips.length ? ` (${ips.join(', ')})` : ''}.`,
      },
    };
  }
  const cn = s.idx.get(id, 'gcpCloudNat');
  if (!cn) return null;
  const ips = publicAddresses(s.idx, cn.natIps);
  const { min, max } = cloudNatPortRange(cn);
  return {
    explanation: {
      mechanism: 'gcp-cloud-nat',
      publicIps: ips,
      protocols: ['tcp', 'udp', 'icmp'],
      resource: cn.id,
      snatPorts: min,
      ports: cn.enableDynamicPortAllocation
        ? `${groupDigits(min)} NAT ports to start with, doubled on demand up to ${groupDigits(max)} (dynamic port allocation)`
        : `${groupDigits(min)} NAT ports of its own (minPortsPerVm, static allocation)${cn.enableEndpointIndependentMapping ? '; endpoint-independent mapping: one NAT IP:port per internal IP:port toward every destination' : '; a NAT IP:port is reused toward other destinations'}`,
      snat: { kind: 'gcp-cloud-nat', cloudNat: cn.id },
      sentence: `its subnet '${s.subnet.name}' is served by Cloud NAT '${cn.name}'${ips.length ? ` (${ips.join(', ')})` : ''}: no NAT box is on the path, the VM's own host translates with the NAT IP:port range given to the VM.`,
    },
  };
}

import type { PaletteKind } from '../state/ops/create.ts';
import type { IconName } from './icons.tsx';

export interface PaletteItem {
  readonly kind: PaletteKind;
  readonly label: string;
  readonly icon: IconName;
  readonly hint: string;
}

export const PALETTE_MIME = 'application/x-netplay-kind';

export const PALETTE: readonly PaletteItem[] = [
  { kind: 'vnet', label: 'VNet', icon: 'vnet', hint: 'A virtual network: drop anywhere' },
  { kind: 'subnet', label: 'Subnet', icon: 'subnet', hint: 'Drop inside a VNet' },
  { kind: 'vm', label: 'VM', icon: 'vm', hint: 'A VM and its NIC: drop inside a subnet' },
  { kind: 'publicIp', label: 'Public IP', icon: 'publicIp', hint: 'Connect it to a NIC, an LB frontend or a NAT gateway' },
  { kind: 'loadBalancer', label: 'Load Balancer', icon: 'loadBalancer', hint: 'A Standard public LB with its public IP' },
  { kind: 'gatewayLoadBalancer', label: 'Gateway LB', icon: 'gatewayLoadBalancer', hint: 'A gateway LB with VXLAN tunnels' },
  { kind: 'natGateway', label: 'NAT Gateway', icon: 'natGateway', hint: 'Connect a subnet and public IPs to it' },
  { kind: 'awsNatGateway', label: 'AWS NAT GW', icon: 'natGateway', hint: 'AWS NAT gateway: connect a subnet and 1 to 8 public IPs' },
  { kind: 'gcpCloudNat', label: 'Cloud NAT', icon: 'natGateway', hint: 'GCP Cloud NAT: connect a subnet and NAT IPs (each VM\'s host translates)' },
  { kind: 'nva', label: 'NVA', icon: 'nva', hint: 'A network virtual appliance: drop inside a subnet' },
  { kind: 'linuxRouter', label: 'Linux router', icon: 'linuxRouter', hint: 'A Linux router with iptables: drop inside a subnet (eth0); connect another subnet for eth1' },
  { kind: 'routeTable', label: 'Route table', icon: 'routeTable', hint: 'User-defined routes: connect subnets to it' },
  { kind: 'internetHost', label: 'Internet host', icon: 'internetHost', hint: 'A server on the Internet (HTTP echo on :80)' },
];

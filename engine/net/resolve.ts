/**
 * Traffic targets: "web:80", "13.71.134.177:80", or for ping just "web". A resource id becomes
 * the address the source would use: a VM in the same VNet by its private IP, otherwise by its
 * public IP; an Internet host or public IP by its address; a load balancer by its first frontend.
 */
import type { ResourceIndex } from '../model/references.ts';
import { parseIpv4 } from '../wire/addr.ts';

export interface Target {
  readonly ip: number;
  readonly port: number;
  /** The name to put in an HTTP Host header. */
  readonly hostName: string;
}

/** The VNet a VM or NVA is in (its primary NIC's subnet's VNet). */
export function vnetOf(idx: ResourceIndex, hostId: string): string | undefined {
  const nic = idx.ofKind('nic').find((n) => n.vm === hostId && n.primary) ?? idx.ofKind('nic').find((n) => n.vm === hostId);
  return nic ? idx.get(nic.subnet, 'subnet')?.vnet : undefined;
}

function hostAddress(idx: ResourceIndex, hostId: string, fromVnet: string | undefined): string | undefined {
  const nics = idx.ofKind('nic').filter((n) => n.vm === hostId);
  const nic = nics.find((n) => n.primary) ?? nics[0];
  const cfg = nic?.ipConfigs.find((c) => c.primary) ?? nic?.ipConfigs[0];
  if (!nic || !cfg) return undefined;
  const vnet = idx.get(nic.subnet, 'subnet')?.vnet;
  if (vnet !== undefined && vnet === fromVnet) return cfg.privateIp;
  return idx.get(cfg.publicIp, 'publicIp')?.address ?? cfg.privateIp;
}

export function resolveTarget(idx: ResourceIndex, fromId: string, to: string): Target | string {
  const colon = to.lastIndexOf(':');
  const host = colon >= 0 ? to.slice(0, colon) : to;
  const port = colon >= 0 ? Number(to.slice(colon + 1)) : 0;
  const literal = parseIpv4(host);
  if (literal !== null) return { ip: literal, port, hostName: host };
  const r = idx.byId.get(host);
  let address: string | undefined;
  switch (r?.kind) {
    case 'internetHost':
      address = r.address;
      break;
    case 'publicIp':
      address = r.address;
      break;
    case 'vm':
    case 'nva':
      address = hostAddress(idx, r.id, vnetOf(idx, fromId));
      break;
    case 'loadBalancer': {
      const f = r.frontends[0];
      address = f?.privateIp ?? idx.get(f?.publicIp, 'publicIp')?.address;
      break;
    }
    default:
      break;
  }
  const ip = address !== undefined ? parseIpv4(address) : null;
  if (ip === null) return `'${host}' has no address to send to`;
  return { ip, port, hostName: r && 'name' in r ? r.name : host };
}

/**
 * Instance-level public IP (ILPIP): 1:1 stateless NAT between an ipconfig's private address and
 * its public IP (reference §A.1: "none (no PAT); VM owns every ephemeral port; TCP, UDP, ICMP,
 * ESP all work"). Outbound, the source address is rewritten and ports are left alone, so the far
 * end sees publicIp:<the VM's own source port>. Inbound, a packet to the public IP has its
 * destination rewritten back to the private address. No state is kept.
 */
import { ipv4ToString } from '../wire/addr.ts';
import type { NetContext } from './context.ts';
import type { Packet } from './packet.ts';
import type { OutboundMechanism } from './outbound-types.ts';

export const ilpipMechanism: OutboundMechanism = {
  kind: 'ilpip',
  simulated: true,
  applies(s) {
    const pip = s.idx.get(s.ipConfig.publicIp, 'publicIp');
    if (!pip) return { skip: `${s.ipConfig.name} has no instance-level public IP` };
    return {
      explanation: {
        mechanism: 'ilpip',
        publicIps: [pip.address],
        protocols: ['tcp', 'udp', 'icmp'],
        resource: pip.id,
        snatPorts: null,
        ports: 'every ephemeral port of the VM: 1:1 NAT, no port masquerading',
        sentence: `${s.ipConfig.name} of ${s.vmName} has instance-level public IP '${pip.name}' (${pip.address}): 1:1 NAT, the source port is kept${
          s.ipConfig.loadBalancerBackendPools.length ? '; an instance-level public IP wins over any load balancer outbound path' : ''
        }.`,
      },
    };
  },
  translate(p, d, io) {
    const before = io.ctx.beforeRewrite(p);
    const from = p.src;
    p.src = d.publicIp;
    if (io.ctx.trace.on) io.ctx.rewritten(d.path.resource ?? io.id, p, before, `SNAT ${ipv4ToString(from)} → ${ipv4ToString(d.publicIp)} (instance-level public IP)`);
    io.toInternet(p);
  },
};

/** A public IP on an ipconfig: inbound packets to it go to the private address. */
export interface IlpipBinding {
  readonly publicIpId: string;
  readonly publicIp: number;
  readonly privateIp: number;
  /** A NAT gateway carries this ipconfig's outbound: replies of flows that came in here must leave here. */
  readonly overridden?: boolean;
}

/** Inbound DNAT: rewrites the destination in place and records the rewrite. */
export function ilpipInbound(ctx: NetContext, b: IlpipBinding, p: Packet): void {
  const before = ctx.beforeRewrite(p);
  p.dst = b.privateIp;
  if (ctx.trace.on) ctx.rewritten(b.publicIpId, p, before, `DNAT ${ipv4ToString(b.publicIp)} → ${ipv4ToString(b.privateIp)} (instance-level public IP)`);
}

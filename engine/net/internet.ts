/**
 * The Internet: one node that routes by public destination address, to an Internet host's link
 * or to the VNet fabric that owns a public IP. Latency: each side's link carries half of
 * settings.internetLatencyUs, so a VNet-to-Internet-host trip costs internetLatencyUs one way.
 */
import { ipv4ToString } from '../wire/addr.ts';
import { IpMap, type Link, type LinkEnd, type NetContext, type NetNode } from './context.ts';
import type { Packet } from './packet.ts';

export const INTERNET_ID = 'internet';

export class Internet implements NetNode {
  readonly id = INTERNET_ID;
  /** Where each public address lives. */
  readonly routes = new IpMap<Link>();

  constructor(private readonly ctx: NetContext) {}

  receive(p: Packet, at: LinkEnd): void {
    const link = this.routes.get(p.dst);
    if (link === undefined) {
      this.ctx.drop(this.id, p, 'no-route', `nothing on the Internet answers for ${ipv4ToString(p.dst)}`, at.iface);
      return;
    }
    link.send(this, p);
  }
}

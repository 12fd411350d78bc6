/**
 * A host: a VM, an NVA or a host on the Internet. It owns addresses on its interfaces (one per
 * NIC, or "eth0" for an Internet host) and on a loopback, routes what its stack sends out of the
 * interface that holds the source address, and hands what arrives to TCP (tcp.ts), UDP or ICMP.
 * Services (tcp-accept, http-echo, udp-echo) and ICMP echo answers live here; see services.ts
 * for the TCP applications.
 */
import type { EventSink } from '../sim/scheduler.ts';
import type { Rng } from '../sim/rng.ts';
import type { SocketRow } from '../sim/types.ts';
import { ipv4ToString } from '../wire/addr.ts';
import type { Link, LinkEnd, NetContext, NetNode } from './context.ts';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, Packet, PROTO_ICMP, PROTO_TCP, PROTO_UDP, SYN, ACK, endpoint } from './packet.ts';
import { TcpStack, type TcpHostIo, type TcpSettings } from './tcp.ts';

export interface HostSettings extends TcpSettings {
  readonly answersPing: boolean;
}

export interface HostIface {
  readonly name: string;
  /** Addresses on this interface (a NIC's ipconfigs); the first is the primary one. */
  readonly ips: number[];
  link: Link | null;
}

/** Who gets UDP datagrams and ICMP echo replies for a client (traffic.ts). */
export interface DatagramClient {
  reply(p: Packet): void;
}

const EV_LOCAL = 1;

export class Host implements NetNode, TcpHostIo, EventSink<unknown> {
  readonly tcp: TcpStack;
  /** Interfaces, primary first, and loopback addresses: change them through addIface / addLoopback (or call addressesChanged). */
  readonly ifaces: HostIface[] = [];
  readonly loopbackIps: number[] = [];
  /** Every address the host owns, primary first (built on demand; null when it must be rebuilt). */
  private owned: number[] | null = null;
  /**
   * Built with `owned`: when the host has one interface with one address and no loopback (nearly
   * every VM and Internet host), that interface and its address as an int32, so the packet path
   * reads neither `owned` nor `ifaces` nor `ips` (a thousand hosts visited in turn: each array is a
   * cold cache line).
   */
  private soloIface: HostIface | null = null;
  private soloIp = 0;
  /** Where locally delivered packets arrive. */
  private readonly lo: LinkEnd = { node: this, iface: 'lo', mac: '00:00:00:00:00:00', taps: null, ifIndex: -1 };
  /** UDP echo services by port: the value says whether it is stopped. */
  readonly udpEcho = new Map<number, { stopped: boolean }>();
  /** Client UDP sockets by local port, ICMP echo clients by identifier. */
  readonly udpClients = new Map<number, DatagramClient>();
  readonly pingClients = new Map<number, DatagramClient>();
  private ipId: number;
  /**
   * Why a packet for an address this host does not own is dropped, when something knows better
   * than 'not-for-host' (a floating-IP rule whose frontend is not on the guest's loopback: lb-plane.ts).
   */
  foreignDestination: ((dst: number) => { code: string; reason: string } | null) | null = null;

  constructor(
    readonly ctx: NetContext,
    readonly id: string,
    readonly name: string,
    readonly kind: 'vm' | 'nva' | 'internetHost',
    readonly settings: HostSettings,
    readonly rng: Rng,
  ) {
    this.tcp = new TcpStack(this, settings, rng.stream('tcp'));
    this.ipId = rng.nextU32() & 0xffff;
  }

  /** The address traffic leaves from by default: the primary interface's primary address. */
  get primaryIp(): number {
    return this.ifaces[0]?.ips[0] ?? 0;
  }

  /** Adds an interface (first when it is the primary one). */
  addIface(iface: HostIface, primary: boolean): void {
    if (primary) this.ifaces.unshift(iface);
    else this.ifaces.push(iface);
    this.addressesChanged();
  }

  addLoopback(ip: number): void {
    this.loopbackIps.push(ip);
    this.addressesChanged();
  }

  /** The invalidation hook: call after changing `ifaces`, their `ips` or `loopbackIps` directly (a redeploy that moves addresses). */
  addressesChanged(): void {
    this.owned = null;
    this.soloIface = null;
  }

  owns(ip: number): boolean {
    // Nearly every packet a host receives is for its primary address, and a host has one or two.
    const o = this.owned ?? this.ownedAddresses();
    if (this.soloIface !== null) return (ip | 0) === this.soloIp;
    for (let i = 0; i < o.length; i++) if (o[i] === ip) return true;
    return false;
  }

  private ownedAddresses(): number[] {
    const o: number[] = [];
    for (const f of this.ifaces) for (const a of f.ips) o.push(a);
    for (const a of this.loopbackIps) o.push(a);
    this.owned = o;
    const solo = this.ifaces.length === 1 && this.ifaces[0]!.ips.length === 1 && this.loopbackIps.length === 0;
    this.soloIface = solo ? this.ifaces[0]! : null;
    this.soloIp = solo ? o[0]! | 0 : 0;
    return o;
  }

  /** Sends a packet the stack made: out of the interface holding its source address. */
  output(p: Packet): void {
    const ctx = this.ctx;
    p.ipId = this.ipId = (this.ipId + 1) & 0xffff;
    if (this.owns(p.dst)) {
      if (ctx.trace.on) ctx.packetEvent('send', this.id, p, 'lo');
      ctx.sched.after(0, this, EV_LOCAL, p);
      return;
    }
    // The last interface that holds the source address, else the primary one (owns() built soloIface).
    let out = this.soloIface ?? undefined;
    if (out === undefined) {
      const ifaces = this.ifaces;
      out = ifaces[0];
      if (ifaces.length > 1 || (out !== undefined && out.ips[0] !== p.src))
        for (let k = ifaces.length - 1; k >= 0; k--)
          if (ifaces[k]!.ips.includes(p.src)) {
            out = ifaces[k];
            break;
          }
    }
    if (out === undefined || out.link === null) {
      ctx.drop(this.id, p, 'no-route', `${this.name} has no interface to send ${ipv4ToString(p.dst)} out of`);
      return;
    }
    if (ctx.trace.on) ctx.packetEvent('send', this.id, p, out.name);
    out.link.send(this, p);
  }

  onEvent(_kind: number, payload: unknown): void {
    this.receive(payload as Packet, this.lo);
  }

  receive(p: Packet, at: LinkEnd): void {
    const ctx = this.ctx;
    if (!this.owns(p.dst)) {
      const why = this.foreignDestination !== null ? this.foreignDestination(p.dst) : null;
      if (why !== null) ctx.drop(this.id, p, why.code, why.reason, at.iface);
      else ctx.drop(this.id, p, 'not-for-host', `${this.name} does not own ${ipv4ToString(p.dst)} and does not forward packets`, at.iface);
      return;
    }
    if (ctx.trace.on) ctx.packetEvent('deliver', this.id, p, at.iface);
    if (p.proto === PROTO_TCP) {
      if ((p.flags & (SYN | ACK)) === SYN) ctx.flows.seen(p.flowId, p.src, p.srcPort);
      this.tcp.input(p);
    } else if (p.proto === PROTO_UDP) this.udpInput(p);
    else if (p.proto === PROTO_ICMP) this.icmpInput(p);
    // The stack is done with it (what it keeps, it copied): the object can carry another packet.
    ctx.recycle(p);
  }

  private udpInput(p: Packet): void {
    const client = this.udpClients.get(p.dstPort);
    if (client !== undefined) return client.reply(p);
    const svc = this.udpEcho.get(p.dstPort);
    if (svc === undefined || svc.stopped) {
      this.ctx.drop(
        this.id,
        p,
        'port-closed',
        `nothing listens on UDP port ${p.dstPort} of ${this.name} (Linux would answer ICMP port unreachable; not simulated yet)`,
      );
      return;
    }
    this.ctx.flows.seen(p.flowId, p.src, p.srcPort);
    const r = this.ctx.packet(p.flowId, PROTO_UDP, p.dst, p.src);
    r.srcPort = p.dstPort;
    r.dstPort = p.srcPort;
    r.payload = p.payload;
    this.output(r);
  }

  private icmpInput(p: Packet): void {
    if (p.icmpType === ICMP_ECHO_REQUEST) {
      if (!this.settings.answersPing) {
        this.ctx.drop(this.id, p, 'ping-ignored', `${this.name} does not answer ping (net.ipv4.icmp_echo_ignore_all)`);
        return;
      }
      this.ctx.flows.seen(p.flowId, p.src, 0);
      const r = this.ctx.packet(p.flowId, PROTO_ICMP, p.dst, p.src);
      r.icmpType = ICMP_ECHO_REPLY;
      r.icmpId = p.icmpId;
      r.icmpSeq = p.icmpSeq;
      r.payload = p.payload;
      this.output(r);
    } else if (p.icmpType === ICMP_ECHO_REPLY) this.pingClients.get(p.icmpId)?.reply(p);
  }

  /** Timeline: stop or start the service on a port (TCP listener or UDP echo). */
  setServiceStopped(port: number, stopped: boolean): boolean {
    let found = false;
    const l = this.tcp.listeners.get(port);
    if (l) {
      l.stopped = stopped;
      found = true;
    }
    const u = this.udpEcho.get(port);
    if (u) {
      u.stopped = stopped;
      found = true;
    }
    return found;
  }

  sockets(): SocketRow[] {
    const rows = this.tcp.rows();
    for (const r of this.udpRows()) rows.push(r);
    return rows;
  }

  /** How many rows sockets() would return, without building them. */
  socketCount(): number {
    let n = this.tcp.rowCount() + this.udpClients.size;
    for (const s of this.udpEcho.values()) if (!s.stopped) n++;
    return n;
  }

  /** sockets(), but only the first `limit` rows `keep` accepts, and how many it accepted in all. */
  socketsLimited(limit: number, keep: ((r: SocketRow) => boolean) | null): { rows: SocketRow[]; matches: number } {
    const out = this.tcp.rowsLimited(limit, keep);
    for (const r of this.udpRows()) {
      if (keep && !keep(r)) continue;
      out.matches++;
      if (out.rows.length < limit) out.rows.push(r);
    }
    return out;
  }

  private udpRows(): SocketRow[] {
    const rows: SocketRow[] = [];
    const udp = [...this.udpEcho.entries()].filter(([, s]) => !s.stopped).map(([port]) => port);
    udp.sort((a, b) => a - b);
    for (const port of udp) rows.push({ proto: 'udp', local: `0.0.0.0:${port}`, remote: '0.0.0.0:*', state: 'UNCONN' });
    const clients = [...this.udpClients.keys()].sort((a, b) => a - b);
    for (const port of clients) rows.push({ proto: 'udp', local: endpoint(this.primaryIp, port), remote: '0.0.0.0:*', state: 'UNCONN' });
    return rows;
  }
}

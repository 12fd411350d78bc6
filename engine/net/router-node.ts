/**
 * A Linux router (model kind `linuxRouter`) as a node of the run: engine/net/netfilter's
 * LinuxRouter behind links. Its NICs (eth0, eth1, ... in document order) are ports of their VNet's
 * fabric like a VM's NICs; its uplinks (the next ethN) are links straight to the Internet node,
 * which routes their addresses (and the addresses they answer ARP for) to them.
 *
 * A packet that arrives is converted to netfilter's NfPacket (every field conntrack and the
 * capture need is kept on the simulator's Packet, which travels on), goes PREROUTING → route →
 * FORWARD → POSTROUTING (TTL decremented), and leaves out of the interface the router's routing
 * table chose. When that route has a gateway (`via X`) that is not the subnet's Azure gateway
 * (.1), the fabric is told to deliver to X's NIC (fabric-routes.ts), as a switched network would.
 * NAT rewrites are traced with the rule that made the binding; drops carry the kernel's reason.
 * Packets for the router itself: ICMP echo is answered, TCP gets a RST and UDP a port
 * unreachable, as Linux does with nothing listening. ICMP errors quote the datagram as it arrived
 * (router-icmp.ts) and are rate limited per destination (netfilter/icmp-ratelimit.ts). One
 * scheduler timer expires conntrack.
 */
import type { EventSink, TimerHandle } from '../sim/scheduler.ts';
import { ipv4ToString } from '../wire/addr.ts';
import type { Link, LinkEnd, NetContext, NetNode } from './context.ts';
import { ACK, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, Packet, PROTO_ICMP, PROTO_TCP, PROTO_UDP, RST, SYN, FIN } from './packet.ts';
import type { LinuxRouter, RouterResult } from './netfilter/router.ts';
import { packetTuple, type Conn } from './netfilter/conntrack.ts';
import { printRule } from './netfilter/print.ts';
import type { NfPacket, Target } from './netfilter/types.ts';
import { innerOfPayload, quotedDatagram, quotedPayload } from './router-icmp.ts';
import { netfilterRow, routeLines } from './netfilter-report.ts';
import type { NetfilterRow } from '../sim/types.ts';

/** One interface of the router. */
export interface RouterPort {
  /** eth0, eth1, ... */
  readonly name: string;
  readonly link: Link;
  /** The NIC resource (absent for an uplink). */
  readonly nic?: string;
  /** The Azure gateway of the NIC's subnet (its .1), 0 for an uplink. */
  readonly gateway: number;
  /** "subnet 'clients' (10.0.1.0/24)", "the Internet". */
  readonly attached: string;
}

/** Where a router tells a fabric which NIC a forwarded packet goes to (packet id → next-hop address). */
export interface NextHopBoard {
  set(packetId: number, nextHop: number): void;
}

const EV_EXPIRE = 1;

/** What an echo reply copies from its request (netfilter's packet has no sequence number or data). */
interface Echo {
  readonly seq: number;
  readonly payload: Uint8Array | null;
}

export class RouterNode implements NetNode, EventSink<unknown> {
  readonly ports: RouterPort[] = [];
  private readonly byName = new Map<string, number>();
  /** Rule lines the document holds that iptables refused. */
  readonly errors: string[] = [];
  /**
   * The NAT rules that made each connection's bindings ("SNAT by ..."), for the trace only. Keyed
   * by the conntrack entry itself, so an entry the kernel drops any way (timeout, TIME_WAIT
   * eviction, early drop, a MASQUERADE flush) takes its label with it.
   */
  private readonly bindings = new WeakMap<Conn, string[]>();
  private timer: TimerHandle = 0;
  private timerAt = Infinity;
  /** The fabrics' next-hop boards by port index (null for uplinks). */
  readonly boards: (NextHopBoard | null)[] = [];

  constructor(
    readonly ctx: NetContext,
    readonly id: string,
    readonly name: string,
    readonly router: LinuxRouter,
  ) {}

  /** Adds an interface; its link end on this node gets the port's index. */
  addPort(port: RouterPort, board: NextHopBoard | null): void {
    port.link.endOf(this).ifIndex = this.ports.length;
    this.byName.set(port.name, this.ports.length);
    this.ports.push(port);
    this.boards.push(board);
  }

  receive(p: Packet, at: LinkEnd): void {
    const ctx = this.ctx;
    const now = ctx.now;
    const nf = toNf(p);
    const res = this.router.receive(nf, at.iface, now);
    const reply = res.verdict === 'local' ? undefined : res.reply;
    // The error quotes the datagram as it arrived (its fields as the router held it come with `inner`).
    const quote = reply?.verdict === 'forward' && reply.packet.inner !== undefined ? quotedDatagram(p) : null;
    const flowId = p.flowId;
    if (res.verdict === 'local') this.local(p, res.packet, at.iface);
    else if (res.verdict === 'drop') this.dropped(p, res.reason, res.notes, at.iface, nf);
    else this.forward(p, nf, res);
    if (res.verdict === 'drop' && reply === undefined) for (const n of res.notes) if (n.startsWith('icmp: rate limited')) ctx.note(this.id, `${this.name}: ${n.slice(6)}`);
    if (reply !== undefined) this.sendOwn(reply, flowId, null, quote);
    this.armTimer();
  }

  private forward(p: Packet, before: NfPacket, res: Extract<RouterResult, { verdict: 'forward' }>): void {
    const ctx = this.ctx;
    const after = res.packet;
    const k = this.byName.get(res.outIface);
    if (k === undefined) {
      ctx.drop(this.id, p, 'no-route', `${this.name} routed ${ipv4ToString(after.dst)} out of ${res.outIface}, which it does not have`);
      return;
    }
    const changed = after.src !== before.src || after.dst !== before.dst || after.sport !== before.sport || after.dport !== before.dport || after.icmpId !== before.icmpId;
    const view = changed ? ctx.beforeRewrite(p) : null;
    applyNf(p, after);
    if (changed && ctx.trace.on) ctx.rewritten(this.id, p, view, this.rewriteLabel(before, res.notes));
    for (const n of res.notes) if (n.startsWith('nat: no free') || n.startsWith('nat: evicted')) ctx.note(this.id, n);
    const port = this.ports[k]!;
    const board = this.boards[k];
    if (board !== null && board !== undefined && res.nextHop !== after.dst && res.nextHop !== port.gateway) board.set(p.id, res.nextHop);
    port.link.send(this, p);
  }

  /** What made the rewrite: the NAT rule(s) that bound this connection (kept per conntrack entry). */
  private rewriteLabel(before: NfPacket, notes: readonly string[]): string {
    const hit = this.router.netfilter.conntrack.find(packetTuple(before), this.ctx.now);
    const made: string[] = [];
    for (const n of notes) {
      const m = /^nat (\S+): rule (\d+) (SNAT|DNAT|MASQUERADE|REDIRECT) /.exec(n);
      if (m) made.push(`${m[3]} by iptables -t nat ${this.ruleText(m[1]!, Number(m[2]))}`);
    }
    if (hit !== null) {
      if (made.length) this.bindings.set(hit.conn, made);
      const known = this.bindings.get(hit.conn);
      if (known) return made.length ? known.join(', ') : `${hit.dir === 0 ? '' : 'reply, reversed: '}${known.join(', ')} (the connection's conntrack binding)`;
    }
    return made.length ? made.join(', ') : 'NAT (conntrack binding)';
  }

  private ruleText(chain: string, n: number): string {
    const rule = this.router.netfilter.rules.tables.nat.chains.get(chain)?.rules[n - 1]?.rule;
    return rule ? printRule(chain, rule) : `${chain} rule ${n}`;
  }

  private dropped(p: Packet, code: string, notes: readonly string[], iface: string, nf: NfPacket): void {
    this.ctx.drop(this.id, p, code, this.dropReason(code, notes, nf), iface);
  }

  /** The kernel's words for a drop, with what the notes know (rule, range, hook). */
  private dropReason(code: string, notes: readonly string[], nf: NfPacket): string {
    const flow = `${ipv4ToString(nf.src)}:${nf.sport} → ${ipv4ToString(nf.dst)}:${nf.dport}`;
    switch (code) {
      case 'conntrack-insert-failed': {
        const range = this.natRangeOf(notes);
        const bound = notes.some((n) => n.startsWith('nat: no free'));
        return bound || range !== null
          ? `nf_conntrack: insert_failed — no free port in ${range ?? 'the NAT range'} for ${flow} (every port there is taken toward this destination); ${this.name} drops the packet`
          : `nf_conntrack: insert_failed — ${flow} clashed with an existing connection; ${this.name} drops the packet`;
      }
      case 'filter-policy': {
        const hook = /filter (\S+): policy DROP/.exec(notes.join('\n'))?.[1] ?? 'FORWARD';
        return `${hook} policy DROP: no rule of the filter table's ${hook} chain accepted ${flow} on ${this.name}`;
      }
      case 'filter-drop':
      case 'filter-reject': {
        const m = /filter (\S+): rule (\d+) (DROP|REJECT)/.exec(notes.join('\n'));
        const rule = m ? this.router.netfilter.rules.tables.filter.chains.get(m[1]!)?.rules[Number(m[2]) - 1]?.rule : undefined;
        return `${rule ? `iptables ${printRule(m![1]!, rule)}` : 'a filter rule'} ${code === 'filter-drop' ? 'dropped' : 'rejected'} ${flow} on ${this.name}`;
      }
      case 'ip-forward-off':
        return `net.ipv4.ip_forward=0 on ${this.name}: ${flow} is not for it and is not forwarded`;
      case 'no-route':
        return `${this.name} has no route to ${ipv4ToString(nf.dst)} (ip route: Network is unreachable)`;
      case 'ttl-exceeded':
        return notes.some((n) => n.startsWith('icmp: rate limited'))
          ? `TTL exceeded in transit at ${this.name} (${flow}); its ICMP time exceeded to ${ipv4ToString(nf.src)} is rate limited (net.ipv4.icmp_ratelimit)`
          : `TTL exceeded in transit at ${this.name} (${flow}); it sends ICMP time exceeded to ${ipv4ToString(nf.src)}`;
      case 'conntrack-table-full':
        return `nf_conntrack: table full, dropping packet (${flow}) on ${this.name}: nf_conntrack_max is ${this.router.netfilter.conntrack.max}`;
      default:
        return `${this.name}: ${notes[notes.length - 1] ?? code} (${flow})`;
    }
  }

  /** "203.0.113.5:40000-40007": the range of the NAT rule this packet went through, from its notes. */
  private natRangeOf(notes: readonly string[]): string | null {
    for (const n of notes) {
      const m = /^nat (\S+): rule (\d+) (SNAT|DNAT|MASQUERADE)/.exec(n);
      if (!m) continue;
      const t = this.router.netfilter.rules.tables.nat.chains.get(m[1]!)?.rules[Number(m[2]) - 1]?.rule.target;
      if (t) return rangeText(t, / → (\d+\.\d+\.\d+\.\d+):/.exec(n)?.[1] ?? '');
    }
    const free = notes.find((n) => n.startsWith('nat: no free'));
    const ports = free ? /in (\d+-\d+)/.exec(free)?.[1] : undefined;
    return ports ?? null;
  }

  /** For the router itself: answer ping, RST a TCP segment, ICMP port unreachable for UDP. */
  private local(p: Packet, nf: NfPacket, iface: string): void {
    const ctx = this.ctx;
    if (ctx.trace.on) ctx.packetEvent('deliver', this.id, p, iface);
    let reply: NfPacket | null = null;
    let echo: Echo | null = null;
    let error: RouterResult | null = null;
    let quote: Uint8Array | null = null;
    if (nf.proto === PROTO_ICMP && nf.icmpType === ICMP_ECHO_REQUEST) {
      reply = { proto: PROTO_ICMP, src: nf.dst, dst: nf.src, sport: 0, dport: 0, length: nf.length, icmpType: ICMP_ECHO_REPLY, icmpCode: 0, icmpId: nf.icmpId ?? 0 };
      echo = { seq: p.icmpSeq, payload: p.payload };
    } else if (nf.proto === PROTO_TCP && !((nf.tcpFlags ?? 0) & RST)) {
      // tcp_v4_send_reset: with ACK, seq = its ack; else seq 0 and ACK of everything it carried.
      const f = nf.tcpFlags ?? 0;
      const len = (nf.payload ?? 0) + (f & SYN ? 1 : 0) + (f & FIN ? 1 : 0);
      reply =
        f & ACK
          ? { proto: PROTO_TCP, src: nf.dst, dst: nf.src, sport: nf.dport, dport: nf.sport, length: 40, tcpFlags: RST, seq: nf.ack ?? 0, ack: 0 }
          : { proto: PROTO_TCP, src: nf.dst, dst: nf.src, sport: nf.dport, dport: nf.sport, length: 40, tcpFlags: RST | ACK, seq: 0, ack: ((nf.seq ?? 0) + len) >>> 0 };
      ctx.note(this.id, `${this.name}: nothing listens on TCP port ${nf.dport} of ${ipv4ToString(nf.dst)}: RST`);
    } else if (nf.proto === PROTO_UDP) {
      // __udp4_lib_rcv: icmp_send(port unreachable), rate limited per destination like every error.
      error = this.router.icmpError(nf, 3, 3, ctx.now);
      if (error !== null) quote = quotedDatagram(p);
      ctx.note(this.id, `${this.name}: nothing listens on UDP port ${nf.dport} of ${ipv4ToString(nf.dst)}: ${error !== null ? 'ICMP port unreachable' : 'its ICMP port unreachable is rate limited (net.ipv4.icmp_ratelimit)'}`);
    }
    const flowId = p.flowId;
    ctx.recycle(p);
    if (reply !== null) this.sendOwn(this.router.output(reply, ctx.now), flowId, echo);
    else if (error !== null) this.sendOwn(error, flowId, null, quote);
  }

  /** Sends a packet the router made (REJECT, ICMP error, RST, echo reply) after its OUTPUT/POSTROUTING. */
  private sendOwn(r: RouterResult, flowId: number, echo: Echo | null = null, quote: Uint8Array | null = null): void {
    if (r.verdict !== 'forward') return;
    const nf = r.packet;
    const k = this.byName.get(r.outIface);
    if (k === undefined) return;
    const q = this.ctx.packet(flowId, nf.proto, nf.src, nf.dst);
    applyNf(q, nf);
    if (nf.proto === PROTO_TCP) {
      q.flags = nf.tcpFlags ?? 0;
      q.seq = nf.seq ?? 0;
      q.ack = nf.ack ?? 0;
    } else if (nf.proto === PROTO_ICMP) {
      q.icmpType = nf.icmpType ?? 0;
      q.icmpCode = nf.icmpCode ?? 0;
      if (nf.inner !== undefined) q.payload = quotedPayload(nf.inner, quote);
      else if (echo !== null) {
        q.icmpSeq = echo.seq;
        q.payload = echo.payload;
      }
    }
    if (this.ctx.trace.on) this.ctx.packetEvent('send', this.id, q, r.outIface);
    const port = this.ports[k]!;
    const board = this.boards[k];
    if (board !== null && board !== undefined && r.nextHop !== nf.dst && r.nextHop !== port.gateway) board.set(q.id, r.nextHop);
    port.link.send(this, q);
  }

  /** Its iptables, conntrack and routes now, as the report shows them. */
  row(now: number): NetfilterRow {
    const interfaces = this.ports.map((port) => {
      const i = this.router.interfaces.get(port.name);
      const addresses = (i?.addresses ?? []).map((a) => `${ipv4ToString(a.address)}/${a.prefix}`);
      return { name: port.name, addresses, ...(port.nic !== undefined ? { nic: port.nic } : {}), attached: port.attached };
    });
    return netfilterRow({ node: this.id, name: this.name, kind: 'linuxRouter', interfaces, routes: routeLines(this.router), errors: this.errors }, this.router.netfilter, now);
  }

  /** One timer for every conntrack entry: at the earliest deadline. */
  private armTimer(): void {
    const t = this.router.netfilter.nextDeadline();
    if (!(t < this.timerAt)) return;
    if (this.timer !== 0) this.ctx.sched.cancel(this.timer);
    this.timerAt = t;
    this.timer = this.ctx.sched.at(Math.max(t, this.ctx.now), this, EV_EXPIRE, null);
  }

  onEvent(_kind: number, _payload: unknown): void {
    this.timer = 0;
    this.timerAt = Infinity;
    const gone = this.router.netfilter.expire(this.ctx.now);
    if (gone.length > 0) this.ctx.note(this.id, `${this.name}: ${gone.length} conntrack entr${gone.length === 1 ? 'y' : 'ies'} timed out`);
    this.armTimer();
  }
}

/** The fields netfilter needs from a packet (everything else stays on the Packet, which travels on). */
export function toNf(p: Packet): NfPacket {
  const nf: NfPacket = { proto: p.proto, src: p.src, dst: p.dst, sport: 0, dport: 0, length: p.ipLength, ttl: p.ttl, ipId: p.ipId };
  if (p.proto === PROTO_TCP) {
    nf.sport = p.srcPort;
    nf.dport = p.dstPort;
    nf.tcpFlags = p.flags;
    nf.seq = p.seq;
    nf.ack = p.ack;
    nf.window = p.window;
    nf.payload = p.payloadLength;
  } else if (p.proto === PROTO_UDP) {
    nf.sport = p.srcPort;
    nf.dport = p.dstPort;
  } else if (p.proto === PROTO_ICMP) {
    nf.icmpType = p.icmpType;
    nf.icmpCode = p.icmpCode;
    nf.icmpId = p.icmpId;
    const inner = p.icmpType === 3 || p.icmpType === 11 ? innerOfPayload(p.payload) : null;
    if (inner !== null) nf.inner = inner;
  }
  return nf;
}

/** Writes what netfilter may have changed (addresses, ports, ICMP id, TTL, a quoted packet) back. */
export function applyNf(p: Packet, nf: NfPacket): void {
  p.src = nf.src;
  p.dst = nf.dst;
  if (nf.ttl !== undefined) p.ttl = nf.ttl;
  if (nf.proto === PROTO_TCP || nf.proto === PROTO_UDP) {
    p.srcPort = nf.sport;
    p.dstPort = nf.dport;
  } else if (nf.proto === PROTO_ICMP) {
    if (nf.icmpId !== undefined) p.icmpId = nf.icmpId;
    if (nf.inner !== undefined && p.payload !== null && (p.icmpType === 3 || p.icmpType === 11)) p.payload = quotedPayload(nf.inner, p.payload);
  }
}

/** A NAT target's range as iptables writes it: "203.0.113.5:40000-40007". */
function rangeText(t: Target, boundAddress: string): string | null {
  const ports = (r: { lo: number; hi: number } | undefined) => (r === undefined ? '' : r.lo === r.hi ? `:${r.lo}` : `:${r.lo}-${r.hi}`);
  if (t.kind === 'SNAT' || t.kind === 'DNAT') {
    const a = t.to.addr;
    const addr = a === undefined ? '' : a.lo === a.hi ? ipv4ToString(a.lo) : `${ipv4ToString(a.lo)}-${ipv4ToString(a.hi)}`;
    return `${addr}${ports(t.to.ports) || ':1024-65535'}`;
  }
  if (t.kind === 'MASQUERADE') return `${boundAddress}${ports(t.ports) || ':1024-65535'}`;
  return null;
}

/**
 * The netfilter hooks of one network namespace: what the simulator calls for each packet at each
 * hook, in the kernel's priority order within the hook:
 *
 *   PREROUTING   conntrack (-200) → nat, destination NAT (-100)
 *   INPUT        filter (0) → nat, source NAT (100) → conntrack confirm (last)
 *   FORWARD      filter (0)
 *   OUTPUT       conntrack (-200) → nat, destination NAT (-100) → filter (0)
 *   POSTROUTING  nat, source NAT (100) → conntrack confirm (last)
 *
 * nf_nat_inet_fn: the nat table is walked only for the first packet of a connection (ctinfo NEW
 * or RELATED) and only until the binding for that manip type is made; if no rule binds it, a
 * null binding is made. Every packet then gets the rewrite the binding says (nf_nat_packet).
 *
 * The packet state between hooks (the kernel's skb->_nfct) is the `SkbState` the caller passes
 * from one hook to the next.
 */
import {
  ConntrackTable,
  ICMP_ERROR_TYPES,
  IPS_CONFIRMED,
  IPS_DST_NAT,
  IPS_SEEN_REPLY,
  IPS_SRC_NAT,
  invertTuple,
  packetTuple,
  type Conn,
  type ConntrackOptions,
  type Dir,
} from './conntrack.ts';
import { formatConntrackList } from './conntrack-print.ts';
import {
  Nat,
  NF_NAT_RANGE_MAP_IPS,
  NF_NAT_RANGE_PERSISTENT,
  NF_NAT_RANGE_PROTO_RANDOM,
  NF_NAT_RANGE_PROTO_RANDOM_FULLY,
  NF_NAT_RANGE_PROTO_SPECIFIED,
  manipIcmpError,
  manipPacket,
  natInitialized,
  needsManip,
  tupleText,
  type ManipType,
  type NatRange,
  type RandomSource,
} from './nat.ts';
import { Ruleset, type ApplyResult, type MatchContext } from './ruleset.ts';
import { clonePacket, PROTO_ICMP, type CtStateName, type HookName, type NfPacket, type RejectWith, type Target } from './types.ts';

export type CtInfo = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID';

/** What a packet carries from hook to hook (skb->_nfct and ctinfo). */
export interface SkbState {
  conn: Conn | null;
  dir: Dir;
  info: CtInfo;
}

/** The interfaces a packet is at. `outAddress` is what MASQUERADE uses, `inAddress` REDIRECT. */
export interface HookIfaces {
  in?: string;
  out?: string;
  physIn?: string;
  physOut?: string;
  inAddress?: number;
  outAddress?: number;
}

export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT';

export interface HookResult {
  verdict: Verdict;
  /** The packet after this hook (a copy; rewritten by NAT when `rewritten`). */
  packet: NfPacket;
  skb: SkbState;
  rewritten: boolean;
  /** One sentence per thing that happened, for the trace. */
  notes: string[];
  /** Why the packet was dropped or rejected (a short code for the drop table). */
  reason?: string;
  rejectWith?: RejectWith;
}

export interface NetfilterOptions extends ConntrackOptions {
  /** Randomness for port selection (get_random_u16); pass a seeded stream. */
  rng: RandomSource;
}

export class Netfilter {
  readonly rules = new Ruleset();
  readonly conntrack: ConntrackTable;
  readonly nat: Nat;

  constructor(o: NetfilterOptions) {
    this.conntrack = new ConntrackTable(o);
    this.nat = new Nat(this.conntrack, o.rng);
  }

  /** One iptables command line (`-t nat -A POSTROUTING -o eth1 -j MASQUERADE`). */
  iptables(line: string): ApplyResult {
    return this.rules.run(line);
  }

  /** `conntrack -L` at time `now`. */
  conntrackList(now: number): string {
    return formatConntrackList(this.conntrack.entries(now), now);
  }

  nextDeadline(): number {
    return this.conntrack.nextDeadline();
  }

  expire(now: number): Conn[] {
    return this.conntrack.expire(now);
  }

  /** The interface went down: MASQUERADE's entries through it are deleted (masq_device_event). */
  ifaceDown(name: string): Conn[] {
    return this.conntrack.killWhere((c) => c.masqIface === name);
  }

  /** An address was removed from an interface: MASQUERADE's entries using it are deleted. */
  addressRemoved(name: string, address: number): Conn[] {
    return this.conntrack.killWhere((c) => c.masqIface === name && c.tuple[1].dst === address);
  }

  /**
   * Runs one hook for one packet. Pass the `skb` returned by the previous hook of the same
   * packet; without it, the hook starts tracking (as PREROUTING/OUTPUT do).
   */
  hook(hook: HookName, packet: NfPacket, ifaces: HookIfaces, now: number, skb?: SkbState): HookResult {
    const res: HookResult = {
      verdict: 'ACCEPT',
      packet: clonePacket(packet),
      skb: skb ?? { conn: null, dir: 0, info: 'INVALID' },
      rewritten: false,
      notes: [],
    };
    if (!skb) {
      if (!this.track(res, now)) return res;
    }
    switch (hook) {
      case 'PREROUTING':
        this.natHook(res, 'PREROUTING', 'DST', ifaces, now);
        break;
      case 'OUTPUT':
        if (this.natHook(res, 'OUTPUT', 'DST', ifaces, now)) this.filter(res, 'OUTPUT', ifaces);
        break;
      case 'FORWARD':
        this.filter(res, 'FORWARD', ifaces);
        break;
      case 'INPUT':
        if (this.filter(res, 'INPUT', ifaces) && this.natHook(res, 'INPUT', 'SRC', ifaces, now)) this.confirm(res, now);
        break;
      case 'POSTROUTING':
        if (this.natHook(res, 'POSTROUTING', 'SRC', ifaces, now)) this.confirm(res, now);
        break;
    }
    return res;
  }

  private drop(res: HookResult, reason: string, note: string): false {
    res.verdict = 'DROP';
    res.reason = reason;
    res.notes.push(note);
    return false;
  }

  /** nf_conntrack_in. */
  private track(res: HookResult, now: number): boolean {
    const p = res.packet;
    if (p.proto === PROTO_ICMP && ICMP_ERROR_TYPES.has(p.icmpType ?? -1)) {
      // icmp_error_message: an error about one of our connections is RELATED to it.
      const inner = p.inner;
      const inv = inner ? invertTuple(packetTuple(inner)) : null;
      const hit = inv ? this.conntrack.find(inv, now) : null;
      if (!hit) {
        res.skb = { conn: null, dir: 0, info: 'INVALID' };
        res.notes.push('conntrack: ICMP error about no known connection: INVALID');
        return true;
      }
      res.skb = { conn: hit.conn, dir: hit.dir, info: 'RELATED' };
      res.notes.push(`conntrack: ICMP error RELATED to ${tupleText(hit.conn.tuple[0])}`);
      return true;
    }
    const r = this.conntrack.packetIn(p, now);
    if (r.kind === 'full') return this.drop(res, 'conntrack-table-full', 'nf_conntrack: table full, dropping packet');
    if (r.kind === 'invalid') {
      res.skb = { conn: null, dir: 0, info: 'INVALID' };
      res.notes.push(`conntrack: INVALID (${r.why}); the packet is not tracked and not NATed`);
      return true;
    }
    const c = r.conn;
    // resolve_normal_ct: replies, and anything once a reply was seen, are ESTABLISHED.
    const info: CtInfo = r.dir === 1 || c.status & IPS_SEEN_REPLY ? 'ESTABLISHED' : 'NEW';
    res.skb = { conn: c, dir: r.dir, info };
    if (r.isNew) res.notes.push(`conntrack: new ${protoLabel(c)} connection ${tupleText(c.tuple[0])}${c.tcp ? ` (${stateLabel(c)})` : ''}`);
    res.notes.push(...r.notes);
    return true;
  }

  private context(res: HookResult, ifaces: HookIfaces): MatchContext {
    const states: CtStateName[] = [res.skb.info];
    const c = res.skb.conn;
    if (c && c.status & IPS_SRC_NAT) states.push('SNAT');
    if (c && c.status & IPS_DST_NAT) states.push('DNAT');
    const ctx: MatchContext = { ctStates: states };
    if (ifaces.in !== undefined) ctx.inIface = ifaces.in;
    if (ifaces.out !== undefined) ctx.outIface = ifaces.out;
    if (ifaces.physIn !== undefined) ctx.physIn = ifaces.physIn;
    if (ifaces.physOut !== undefined) ctx.physOut = ifaces.physOut;
    return ctx;
  }

  /** The filter table at INPUT/FORWARD/OUTPUT. */
  private filter(res: HookResult, hook: HookName, ifaces: HookIfaces): boolean {
    const r = this.rules.traverse('filter', hook, res.packet, this.context(res, ifaces));
    if (r.kind === 'policy') {
      if (r.policy === 'DROP') return this.drop(res, 'filter-policy', `filter ${hook}: policy DROP`);
      return true;
    }
    const t = r.target;
    if (t.kind === 'DROP') return this.drop(res, 'filter-drop', `filter ${r.chain}: rule ${r.ruleNumber} DROP`);
    if (t.kind === 'REJECT') {
      res.verdict = 'REJECT';
      res.reason = 'filter-reject';
      res.rejectWith = t.with;
      res.notes.push(`filter ${r.chain}: rule ${r.ruleNumber} REJECT --reject-with ${t.with}`);
      return false;
    }
    if (t.kind === 'ACCEPT') res.notes.push(`filter ${r.chain}: rule ${r.ruleNumber} ACCEPT`);
    return true;
  }

  /** nf_nat_inet_fn for one hook. */
  private natHook(res: HookResult, hook: HookName, manip: ManipType, ifaces: HookIfaces, now: number): boolean {
    const c = res.skb.conn;
    if (!c) return true;
    const { info, dir } = res.skb;
    if ((info === 'NEW' || info === 'RELATED') && !natInitialized(c, manip)) {
      const r = this.rules.traverse('nat', hook, res.packet, this.context(res, ifaces));
      if (r.kind === 'target' && r.target.kind !== 'ACCEPT') {
        const range = this.rangeFor(r.target, hook, ifaces);
        if (!range) {
          return this.drop(res, 'nat-no-address', `nat ${r.chain}: rule ${r.ruleNumber} ${r.target.kind}: the interface has no address, packet dropped`);
        }
        const notes: string[] = [];
        this.nat.setupInfo(c, range, manip, now, notes);
        if (r.target.kind === 'MASQUERADE' && ifaces.out !== undefined) c.masqIface = ifaces.out;
        res.notes.push(`nat ${r.chain}: rule ${r.ruleNumber} ${r.target.kind} → ${tupleText(invertTuple(c.tuple[1])!)}`, ...notes);
      }
      if (!natInitialized(c, manip)) {
        const notes: string[] = [];
        const moved = this.nat.nullBinding(c, manip, now, notes);
        res.notes.push(...notes);
        if (moved) res.notes.push(`nat ${hook}: no rule; null binding had to move the ${manip === 'SRC' ? 'source' : 'destination'} to ${tupleText(invertTuple(c.tuple[1])!)}`);
      }
    } else if (hook === 'POSTROUTING' && dir === 0 && c.masqIface !== null && ifaces.out !== undefined && ifaces.out !== c.masqIface) {
      // nf_nat_oif_changed: a masqueraded connection now routed out of another interface.
      this.conntrack.kill(c);
      return this.drop(res, 'masquerade-oif-changed', `nat: MASQUERADE entry was bound to ${c.masqIface}, route now uses ${ifaces.out}: entry deleted, packet dropped`);
    }
    const p = res.packet;
    if (info === 'RELATED' && p.inner) {
      if (manipIcmpError(p, c, dir, manip)) {
        res.rewritten = true;
        res.notes.push(`nat ${hook}: ICMP error and its quoted packet rewritten`);
      }
      return true;
    }
    if (needsManip(c, dir, manip)) {
      const before = `${ip(p.src)}:${p.sport} → ${ip(p.dst)}:${p.dport}`;
      manipPacket(p, c, dir, manip);
      res.rewritten = true;
      res.notes.push(`nat ${hook}: ${manip === 'SRC' ? 'source' : 'destination'} rewritten ${before} ⇒ ${ip(p.src)}:${p.sport} → ${ip(p.dst)}:${p.dport}`);
    }
    return true;
  }

  /** The nf_nat_range2 a NAT target asks for. Null when MASQUERADE/REDIRECT has no address. */
  private rangeFor(t: Target, hook: HookName, ifaces: HookIfaces): NatRange | null {
    const r: NatRange = { flags: 0, minAddr: 0, maxAddr: 0, minPort: 0, maxPort: 0 };
    const ports = (lo: number, hi: number): void => {
      r.flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
      r.minPort = lo;
      r.maxPort = hi;
    };
    const addr = (lo: number, hi: number): void => {
      r.flags |= NF_NAT_RANGE_MAP_IPS;
      r.minAddr = lo;
      r.maxAddr = hi;
    };
    switch (t.kind) {
      case 'SNAT':
      case 'DNAT':
        if (t.to.addr) addr(t.to.addr.lo, t.to.addr.hi);
        if (t.to.ports) ports(t.to.ports.lo, t.to.ports.hi);
        if (t.random) r.flags |= NF_NAT_RANGE_PROTO_RANDOM;
        if (t.kind === 'SNAT' && t.randomFully) r.flags |= NF_NAT_RANGE_PROTO_RANDOM_FULLY;
        if (t.persistent) r.flags |= NF_NAT_RANGE_PERSISTENT;
        return r;
      case 'MASQUERADE':
        if (ifaces.outAddress === undefined) return null;
        addr(ifaces.outAddress, ifaces.outAddress);
        if (t.ports) ports(t.ports.lo, t.ports.hi);
        if (t.random) r.flags |= NF_NAT_RANGE_PROTO_RANDOM;
        if (t.randomFully) r.flags |= NF_NAT_RANGE_PROTO_RANDOM_FULLY;
        return r;
      case 'REDIRECT': {
        // To the primary address of the incoming interface, or 127.0.0.1 for local packets.
        const to = hook === 'OUTPUT' ? 0x7f000001 : ifaces.inAddress;
        if (to === undefined) return null;
        addr(to, to);
        if (t.ports) ports(t.ports.lo, t.ports.hi);
        if (t.random) r.flags |= NF_NAT_RANGE_PROTO_RANDOM;
        return r;
      }
      default:
        return r;
    }
  }

  /** nf_confirm at the end of POSTROUTING/INPUT. */
  private confirm(res: HookResult, now: number): void {
    const c = res.skb.conn;
    if (!c || c.status & IPS_CONFIRMED) return;
    const r = this.conntrack.confirm(c, now);
    if (r.ok) {
      if (r.conn !== c) {
        res.skb = { ...res.skb, conn: r.conn };
        res.notes.push('conntrack: same flow already confirmed: packet attached to it (clash resolved)');
      }
      return;
    }
    res.skb = { ...res.skb, conn: null };
    this.drop(
      res,
      'conntrack-insert-failed',
      `conntrack: cannot confirm ${tupleText(c.tuple[0])}: its reply tuple ${tupleText(c.tuple[1])} belongs to another connection (insert_failed): packet dropped`,
    );
  }
}

function protoLabel(c: Conn): string {
  const p = c.tuple[0].proto;
  return p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 1 ? 'icmp' : `proto ${p}`;
}

function stateLabel(c: Conn): string {
  return c.tcp ? (['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'][c.tcp.state] ?? '') : '';
}

function ip(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/**
 * The load balancer's flow table: established flows stick to the backend they were given.
 *
 * Each flow is indexed twice, like a conntrack entry (gVisor's original/reply tuples):
 *   original  (client IP, frontend IP, client port | frontend port, proto)  - packets coming in
 *   reply     (address at the VM, client IP, port at the VM | client port, proto) - the VM's answers
 * The address at the VM is the member's DIP, or the frontend IP with floating IP. Both lookups are
 * one `WordMap` probe and allocate nothing.
 *
 * Timers: one deadline heap, entries never updated in place. A packet only stores `lastSeen`; when
 * an entry surfaces, the flow's real deadline is recomputed and re-pushed if it moved (the same
 * lazy scheme as engine/net/snat/table.ts), so `nextDeadline()` is exact.
 */
import { DeadlineHeap } from '../snat/deadline-heap.ts';
import { WordMap } from '../snat/word-map.ts';
import { PROTO_TCP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from './types.ts';

/** After FIN both ways the flow lingers this long for the last ACKs [U: Azure does not say]. */
export const FIN_LINGER_US = 10_000_000;

export type FlowState = 'opening' | 'established' | 'fin-one' | 'fin-both' | 'closed';

export interface LbFlow {
  id: number;
  proto: number;
  clientIp: number;
  clientPort: number;
  frontendIp: number;
  frontendPort: number;
  /** Index into setup.rules. */
  rule: number;
  /** Index into the rule's pool members. */
  member: number;
  /** Destination at the VM (DIP, or the frontend IP with floating IP) and port. */
  vmIp: number;
  vmPort: number;
  state: FlowState;
  /** FIN seen from the client (1) and from the VM (2). */
  finMask: number;
  created: number;
  lastSeen: number;
  idleUs: number;
  /** Rule's enableTcpReset: an idle-expired established TCP flow is reset at both ends. */
  tcpReset: boolean;
  packetsIn: number;
  packetsOut: number;
}

export interface FlowExpiry {
  flow: LbFlow;
  reason: 'idle' | 'closed';
  /** Send a RST to both ends (enableTcpReset and the flow was established). */
  sendRst: boolean;
}

export class FlowTable {
  private byOriginal = new WordMap(64);
  private byReply = new WordMap(64);
  private flows = new Map<number, LbFlow>();
  private heap = new DeadlineHeap();
  private nextId = 1;

  get size(): number {
    return this.flows.size;
  }

  lookupOriginal(proto: number, clientIp: number, clientPort: number, feIp: number, fePort: number): LbFlow | null {
    const id = this.byOriginal.get(clientIp, feIp, (clientPort << 16) | fePort, proto);
    return id < 0 ? null : (this.flows.get(id) ?? null);
  }

  lookupReply(proto: number, vmIp: number, vmPort: number, clientIp: number, clientPort: number): LbFlow | null {
    const id = this.byReply.get(vmIp, clientIp, (vmPort << 16) | clientPort, proto);
    return id < 0 ? null : (this.flows.get(id) ?? null);
  }

  insert(f: Omit<LbFlow, 'id' | 'state' | 'finMask' | 'lastSeen' | 'packetsIn' | 'packetsOut'>): LbFlow {
    const flow: LbFlow = { ...f, id: this.nextId++, state: 'opening', finMask: 0, lastSeen: f.created, packetsIn: 0, packetsOut: 0 };
    this.flows.set(flow.id, flow);
    this.byOriginal.set(flow.clientIp, flow.frontendIp, (flow.clientPort << 16) | flow.frontendPort, flow.proto, flow.id);
    this.byReply.set(flow.vmIp, flow.clientIp, (flow.vmPort << 16) | flow.clientPort, flow.proto, flow.id);
    this.heap.push(deadlineOf(flow), flow.id);
    return flow;
  }

  /** Moves a flow to another member (a UDP flow whose backend went down). */
  retarget(flow: LbFlow, member: number, vmIp: number): void {
    this.byReply.delete(flow.vmIp, flow.clientIp, (flow.vmPort << 16) | flow.clientPort, flow.proto);
    flow.member = member;
    flow.vmIp = vmIp;
    this.byReply.set(flow.vmIp, flow.clientIp, (flow.vmPort << 16) | flow.clientPort, flow.proto, flow.id);
  }

  remove(flow: LbFlow): void {
    if (!this.flows.delete(flow.id)) return;
    this.byOriginal.delete(flow.clientIp, flow.frontendIp, (flow.clientPort << 16) | flow.frontendPort, flow.proto);
    this.byReply.delete(flow.vmIp, flow.clientIp, (flow.vmPort << 16) | flow.clientPort, flow.proto);
  }

  /** A packet of the flow, from the client (`inbound`) or from the VM. Returns false if it ended it. */
  touch(flow: LbFlow, inbound: boolean, tcpFlags: number, now: number): boolean {
    flow.lastSeen = now;
    if (inbound) flow.packetsIn++;
    else flow.packetsOut++;
    if (flow.proto !== PROTO_TCP) {
      flow.state = 'established';
      return true;
    }
    if (tcpFlags & TCP_RST) {
      flow.state = 'closed';
      this.remove(flow);
      return false;
    }
    if (!inbound && (tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && flow.state === 'opening') flow.state = 'established';
    if (inbound && flow.state === 'opening' && !(tcpFlags & TCP_SYN)) flow.state = 'established';
    if (tcpFlags & TCP_FIN) {
      flow.finMask |= inbound ? 1 : 2;
      const before = flow.state;
      flow.state = flow.finMask === 3 ? 'fin-both' : 'fin-one';
      if (flow.state === 'fin-both' && before !== 'fin-both') this.heap.push(deadlineOf(flow), flow.id);
    }
    return true;
  }

  nextDeadline(): number {
    return this.heap.topTime();
  }

  expire(now: number): FlowExpiry[] {
    const out: FlowExpiry[] = [];
    while (this.heap.size > 0 && this.heap.topTime() <= now) {
      const id = this.heap.topId();
      this.heap.pop();
      const f = this.flows.get(id);
      if (!f) continue;
      const d = deadlineOf(f);
      if (d > now) {
        this.heap.push(d, id);
        continue;
      }
      this.remove(f);
      const closing = f.state === 'fin-both';
      out.push({ flow: f, reason: closing ? 'closed' : 'idle', sendRst: !closing && f.tcpReset && f.proto === PROTO_TCP && f.state === 'established' });
    }
    return out;
  }

  all(): IterableIterator<LbFlow> {
    return this.flows.values();
  }
}

function deadlineOf(f: LbFlow): number {
  return f.state === 'fin-both' ? f.lastSeen + FIN_LINGER_US : f.lastSeen + f.idleUs;
}

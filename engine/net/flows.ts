/**
 * The flow registry: one record per connection (or datagram exchange) a traffic generator
 * started, kept as numbers while the run goes, turned into FlowRows (strings) only when asked.
 * The far end fills in what it saw as the source (seenAs): packets carry their flowId, so the
 * server side learns which flow a SYN belongs to without looking anything up.
 */
import type { FlowOutcome, FlowRow } from '../sim/types.ts';
import { endpoint } from './packet.ts';
import { ipv4ToString } from '../wire/addr.ts';

export class FlowRecord {
  outcome: FlowOutcome = 'pending';
  localIp = 0;
  localPort = 0;
  seenIp = -1;
  seenPort = 0;
  endedAt = -1;
  rttUs = -1;
  response: string | null = null;
  error: string | null = null;

  constructor(
    readonly flowId: number,
    readonly traffic: string | null,
    readonly proto: 'tcp' | 'udp' | 'icmp',
    readonly from: string,
    readonly remoteIp: number,
    readonly remotePort: number,
    readonly startedAt: number,
  ) {}

  toRow(): FlowRow {
    const portless = this.proto === 'icmp';
    const row: { -readonly [K in keyof FlowRow]: FlowRow[K] } = {
      flowId: this.flowId,
      proto: this.proto,
      from: this.from,
      local: portless ? ipv4ToString(this.localIp) : endpoint(this.localIp, this.localPort),
      remote: portless ? ipv4ToString(this.remoteIp) : endpoint(this.remoteIp, this.remotePort),
      outcome: this.outcome,
      startedAt: this.startedAt,
    };
    if (this.traffic !== null) row.traffic = this.traffic;
    if (this.seenIp >= 0) row.seenAs = portless ? ipv4ToString(this.seenIp) : endpoint(this.seenIp, this.seenPort);
    if (this.endedAt >= 0) row.endedAt = this.endedAt;
    if (this.rttUs >= 0) row.rttUs = this.rttUs;
    if (this.response !== null) row.response = this.response;
    if (this.error !== null) row.error = this.error;
    return row;
  }
}

export class FlowTable {
  private readonly records: FlowRecord[] = [];
  private nextId = 1;

  /** A fresh flow id for traffic that is not a generator's (a service's own packets, a probe). */
  allocateId(): number {
    return this.nextId++;
  }

  open(traffic: string | null, proto: 'tcp' | 'udp' | 'icmp', from: string, remoteIp: number, remotePort: number, now: number): FlowRecord {
    const rec = new FlowRecord(this.nextId++, traffic, proto, from, remoteIp, remotePort, now);
    this.records.push(rec);
    return rec;
  }

  /** The record for a flow a generator opened; undefined for flows nobody registered. */
  get(flowId: number): FlowRecord | undefined {
    // Records are pushed in id order but ids are shared with allocateId: search from a guess.
    const recs = this.records;
    let lo = 0;
    let hi = recs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = recs[mid]!;
      if (r.flowId === flowId) return r;
      if (r.flowId < flowId) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** The far end saw this flow's packet come from ip:port. */
  seen(flowId: number, ip: number, port: number): void {
    const r = this.get(flowId);
    if (r && r.seenIp < 0) {
      r.seenIp = ip;
      r.seenPort = port;
    }
  }

  get size(): number {
    return this.records.length;
  }

  rows(): FlowRow[] {
    return this.records.map((r) => r.toRow());
  }
}

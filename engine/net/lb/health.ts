/**
 * Health probes as a per-(probe, backend) state machine that the simulator drives (§C.2).
 *
 * The library decides *when* a probe is sent and *what a result means*; the simulator sends the
 * probe packets (from 168.63.129.16 to the member's DIP, never to a floating IP), runs the TCP
 * handshake or the HTTP GET against the VM's sockets, and reports each answer back.
 *
 *   - TCP probe: a 3-way handshake, then a 4-way close. A SYN+ACK is a success; a RST, or no
 *     answer before the timeout, is a failure [C].
 *   - HTTP/HTTPS probe: GET on `requestPath`; only status 200 is a success [C]. HTTPS is treated as
 *     HTTP (TLS is not modelled).
 *   - Timeout: 30 s or the interval if shorter [C for HTTP; I for TCP].
 *   - Counting (`ProbeCounting`, README): by default `probeThreshold` consecutive failures take a
 *     member out and as many consecutive successes bring it back [C]; with `numberOfProbes`
 *     counting, that many failures take it out and one success brings it back [C: "one success
 *     after boot marks the instance up"].
 *   - Start: a member is `probing` (not in rotation) until its first success [I: the doc says new
 *     instances are marked up by one success]; every target is first probed at the start time,
 *     then every `intervalInSeconds`. The flapping hold-down the doc mentions has no documented
 *     length and is not modelled [U].
 *
 * One timer for every target: `nextDeadline()` then `expire(now)`, which returns the probes to send
 * and the transitions caused by timeouts. `nextDeadline` scans the targets (a handful per LB); the
 * per-packet path never touches this.
 */
import { ipv4ToString } from '../../wire/addr.ts';
import { PROBE_SOURCE_IP, US_PER_SECOND, type LbMember, type LbSetup, type Probe, type ProbeCounting } from './types.ts';

export type MemberHealth = 'probing' | 'up' | 'down';

/** What the simulator sends: one probe, to be answered with `report(id, ...)`. */
export interface ProbeRequest {
  id: number;
  target: number;
  probe: string;
  protocol: Probe['protocol'];
  member: string;
  src: number;
  dst: number;
  port: number;
  /** HTTP(S) only: the request line's path. */
  path?: string;
  /** The answer must come before this time or the probe failed. */
  deadline: number;
}

export interface HealthChange {
  probe: string;
  member: string;
  dip: number;
  from: MemberHealth;
  to: MemberHealth;
  at: number;
  /** One sentence for the trace: "vm1 is down for probe 'hp': 2 consecutive failures (RST)". */
  message: string;
}

export type ProbeEvent = { kind: 'send'; request: ProbeRequest } | { kind: 'change'; change: HealthChange };

/** The result of one probe, from the simulator's point of view. */
export interface ProbeResult {
  ok: boolean;
  /** Short words for the trace: "SYN+ACK", "RST", "HTTP 503", "timeout". */
  detail: string;
}

interface Target {
  probe: Probe;
  member: LbMember;
  state: MemberHealth;
  okRun: number;
  failRun: number;
  nextSend: number;
  outstanding: number;
  outstandingDeadline: number;
  lastDetail: string;
}

const HTTP_TIMEOUT_US = 30 * US_PER_SECOND;

export function probeTimeoutUs(p: Probe): number {
  return Math.min(HTTP_TIMEOUT_US, p.intervalInSeconds * US_PER_SECOND);
}

/** How many consecutive failures take a member out, and successes bring it back. */
export function probeThresholds(p: Probe, counting: ProbeCounting): { down: number; up: number } {
  return counting === 'numberOfProbes' ? { down: p.numberOfProbes, up: 1 } : { down: p.probeThreshold, up: p.probeThreshold };
}

/** TCP probe answer from the flags of the segment the VM sent back. */
export function classifyTcpProbe(tcpFlags: number): ProbeResult {
  if (tcpFlags & 0x04) return { ok: false, detail: 'RST' };
  if ((tcpFlags & 0x12) === 0x12) return { ok: true, detail: 'SYN+ACK' };
  return { ok: false, detail: `unexpected flags 0x${tcpFlags.toString(16)}` };
}

/** HTTP probe answer: only 200 is up (§C.2 [C]). */
export function classifyHttpProbe(status: number): ProbeResult {
  return { ok: status === 200, detail: `HTTP ${status}` };
}

/** The request bytes of an HTTP probe [I: Azure's exact headers are not documented]. */
export function httpProbeRequest(path: string, dip: number): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${ipv4ToString(dip)}\r\nConnection: close\r\n\r\n`;
}

export class ProbeMonitor {
  private targets: Target[] = [];
  private byKey = new Map<string, number>();
  private nextId = 1;
  private readonly counting: ProbeCounting;

  constructor(setup: LbSetup, start: number) {
    this.counting = setup.probeCounting ?? 'probeThreshold';
    const probes = new Map(setup.probes.map((p) => [p.name, p]));
    const pools = new Map(setup.pools.map((p) => [p.name, p]));
    for (const r of setup.rules) {
      const probe = r.probe ? probes.get(r.probe) : undefined;
      const pool = pools.get(r.backendPool);
      if (!probe || !pool) continue;
      for (const m of pool.members) {
        const key = `${probe.name}|${m.dip}`;
        if (this.byKey.has(key)) continue;
        this.byKey.set(key, this.targets.length);
        this.targets.push({ probe, member: m, state: 'probing', okRun: 0, failRun: 0, nextSend: start, outstanding: 0, outstandingDeadline: Infinity, lastDetail: '' });
      }
    }
  }

  /** The member's state under a probe; a rule without a probe sees every member up. */
  health(probe: string | undefined, dip: number): MemberHealth {
    if (probe === undefined) return 'up';
    const i = this.byKey.get(`${probe}|${dip}`);
    return i === undefined ? 'up' : this.targets[i]!.state;
  }

  /** Rows for the inspector: every (probe, member) with its state and counters. */
  status(): { probe: string; member: string; dip: number; state: MemberHealth; okRun: number; failRun: number; last: string }[] {
    return this.targets.map((t) => ({ probe: t.probe.name, member: t.member.name, dip: t.member.dip, state: t.state, okRun: t.okRun, failRun: t.failRun, last: t.lastDetail }));
  }

  nextDeadline(): number {
    let d = Infinity;
    for (const t of this.targets) d = Math.min(d, t.nextSend, t.outstandingDeadline);
    return d;
  }

  /** Timeouts first (a probe not answered in time failed), then the probes now due. */
  expire(now: number): ProbeEvent[] {
    const out: ProbeEvent[] = [];
    this.targets.forEach((t, i) => {
      if (t.outstanding !== 0 && t.outstandingDeadline <= now) {
        t.outstanding = 0;
        t.outstandingDeadline = Infinity;
        const c = this.apply(t, { ok: false, detail: 'timeout' }, now);
        if (c) out.push({ kind: 'change', change: c });
      }
      if (t.nextSend <= now) {
        const id = this.nextId++;
        const deadline = now + probeTimeoutUs(t.probe);
        if (t.outstanding === 0) {
          t.outstanding = id;
          t.outstandingDeadline = deadline;
        }
        t.nextSend = now + t.probe.intervalInSeconds * US_PER_SECOND;
        const request: ProbeRequest = {
          id,
          target: i,
          probe: t.probe.name,
          protocol: t.probe.protocol,
          member: t.member.name,
          src: PROBE_SOURCE_IP,
          dst: t.member.dip,
          port: t.probe.port,
          deadline,
        };
        if (t.probe.protocol !== 'Tcp') request.path = t.probe.requestPath ?? '/';
        out.push({ kind: 'send', request });
      }
    });
    return out;
  }

  /** The answer to probe `id`. Late answers (after the timeout counted) are ignored: null. */
  report(request: ProbeRequest, result: ProbeResult, now: number): HealthChange | null {
    const t = this.targets[request.target];
    if (!t || t.outstanding !== request.id) return null;
    t.outstanding = 0;
    t.outstandingDeadline = Infinity;
    return this.apply(t, result, now);
  }

  private apply(t: Target, r: ProbeResult, now: number): HealthChange | null {
    t.lastDetail = r.detail;
    const th = probeThresholds(t.probe, this.counting);
    const from = t.state;
    if (r.ok) {
      t.okRun++;
      t.failRun = 0;
      // One success after boot marks a new instance up, whatever the threshold (§C.2).
      if (t.state === 'probing' || (t.state === 'down' && t.okRun >= th.up)) t.state = 'up';
    } else {
      t.failRun++;
      t.okRun = 0;
      if (t.state !== 'down' && t.failRun >= th.down) t.state = 'down';
    }
    if (t.state === from) return null;
    const runs = r.ok ? t.okRun : t.failRun;
    const what = t.state === 'up' ? 'up' : 'down';
    const message =
      `${t.member.name} (${ipv4ToString(t.member.dip)}) is ${what} for probe '${t.probe.name}': ` +
      `${runs} consecutive ${r.ok ? 'success' : 'failure'}${runs === 1 ? '' : r.ok ? 'es' : 's'} (last: ${r.detail})`;
    return { probe: t.probe.name, member: t.member.name, dip: t.member.dip, from, to: t.state, at: now, message };
  }
}

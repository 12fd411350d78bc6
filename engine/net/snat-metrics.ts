/**
 * Azure Monitor-like SNAT metrics (reference §A.7), sampled once per virtual minute: Allocated
 * SNAT Ports and Used SNAT Ports (gauges, "Average") and SNAT Connection Count split by
 * ConnectionState (counters, "Total" over the minute: the difference of the devices' cumulative
 * counts). One series per device × frontend IP × backend instance × protocol. A NAT gateway
 * counts connections per gateway, not per VM or IP: its counts are on its "(all IPs)" series.
 */
import type { SnatSeries } from '../sim/types.ts';
import { ipv4ToString } from '../wire/addr.ts';
import type { SnatDevice } from './snat-plane.ts';

/** A series being filled: the published shape plus the counts at the previous sample. */
interface MutableSeries extends SnatSeries {
  /** Cumulative counts at the previous sample. */
  lastOk: number;
  lastFailed: number;
}

export const ALL_IPS = '(all IPs)';
export const ALL_VMS = '(all VMs)';

export class SnatMetrics {
  private readonly byKey = new Map<string, MutableSeries>();

  private row(device: string, frontendIp: string, instance: string, protocol: 'TCP' | 'UDP'): MutableSeries {
    const key = `${device}|${frontendIp}|${instance}|${protocol}`;
    let s = this.byKey.get(key);
    if (!s) {
      s = { device, frontendIp, instance, protocol, t: [], allocated: [], used: [], successful: [], failed: [], lastOk: 0, lastFailed: 0 };
      this.byKey.set(key, s);
    }
    return s;
  }

  private push(s: MutableSeries, t: number, allocated: number, used: number, ok: number, failed: number): void {
    // A series that starts late gets zeros for the minutes before it (charts share one x axis).
    const first = s.t.length === 0 ? this.samples : 0;
    for (let i = 0; i < first; i++) {
      s.t.push(this.times[i]!);
      s.allocated.push(0);
      s.used.push(0);
      s.successful.push(0);
      s.failed.push(0);
    }
    s.t.push(t);
    s.allocated.push(allocated);
    s.used.push(used);
    s.successful.push(ok - s.lastOk);
    s.failed.push(failed - s.lastFailed);
    s.lastOk = ok;
    s.lastFailed = failed;
  }

  private samples = 0;
  private readonly times: number[] = [];

  /**
   * `gcpOk` gives a Cloud NAT VM's successful translations so far (GCP has no such metric; the
   * series puts them beside its dropped_sent_packets_count). An AWS NAT gateway has one series:
   * used = ActiveConnectionCount, failed = ErrorPortAllocation, successful = the other attempts.
   */
  sample(t: number, devices: readonly SnatDevice[], gcpOk: (device: string, vm: string) => number = () => 0): void {
    const seen = new Set<MutableSeries>();
    for (const d of devices) {
      if (d.lb) {
        for (const m of d.lb.metrics()) {
          const s = this.row(d.id, ipv4ToString(m.frontendIp), m.backendInstance, m.protocol);
          this.push(s, t, m.allocatedSnatPorts, m.usedSnatPorts, m.snatConnectionsSuccessful, m.snatConnectionsFailed);
          seen.add(s);
        }
      } else if (d.gw) {
        const g = d.gw.metrics();
        for (const u of g.usedPorts) {
          const s = this.row(d.id, ipv4ToString(u.publicIp), ALL_VMS, u.protocol);
          this.push(s, t, u.allocated, u.used, 0, 0);
          seen.add(s);
        }
        const all = this.row(d.id, ALL_IPS, ALL_VMS, 'TCP');
        const used = g.usedPorts.reduce((n, u) => n + u.used, 0);
        const allocated = g.usedPorts.filter((u) => u.protocol === 'TCP').reduce((n, u) => n + u.allocated, 0);
        this.push(all, t, allocated, used, g.snatConnectionsSuccessful, g.snatConnectionsFailed);
        seen.add(all);
      } else if (d.aws) {
        const m = d.aws.metrics();
        const s = this.row(d.id, ALL_IPS, ALL_VMS, 'TCP');
        this.push(s, t, 64_512 * d.publicIps.length, m.ActiveConnectionCount, m.ConnectionAttemptCount - m.ErrorPortAllocation, m.ErrorPortAllocation);
        seen.add(s);
      } else if (d.gcp) {
        const ips = d.publicIps.map(ipv4ToString).join(', ');
        for (const m of d.gcp.metrics()) {
          const s = this.row(d.id, ips, m.vm, 'TCP');
          this.push(s, t, m.allocatedPorts, m.usedPorts.tcp, gcpOk(d.id, m.vm), m.droppedSentPackets.OUT_OF_RESOURCES + m.droppedSentPackets.ENDPOINT_INDEPENDENT_CONFLICT);
          seen.add(s);
        }
      }
    }
    // Series with nothing to report this minute (a rule whose instance lost its ports) get zeros.
    for (const s of this.byKey.values()) if (!seen.has(s)) this.push(s, t, 0, 0, s.lastOk, s.lastFailed);
    this.times.push(t);
    this.samples++;
  }

  series(): SnatSeries[] {
    return [...this.byKey.values()].map((s) => ({
      device: s.device,
      frontendIp: s.frontendIp,
      instance: s.instance,
      protocol: s.protocol,
      t: s.t.slice(),
      allocated: s.allocated.slice(),
      used: s.used.slice(),
      successful: s.successful.slice(),
      failed: s.failed.slice(),
    }));
  }
}

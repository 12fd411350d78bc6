/**
 * TCP ping as `ethr -c <server> -p tcp -t pi` does it, with its statistics and its output, from
 * microsoft/ethr (MIT):
 *
 *   client.go   clientRunPingTest   one connect per gap (default 1 s), warm-up pings first
 *                                   (default 1, not counted); a block is printed every 1,000
 *                                   received and at the end
 *               tcpRunPing          latency = time until Dial returns (the SYN+ACK); the
 *                                   connection is then closed with SO_LINGER 0 (a RST)
 *               calcAndPrintLatency the statistics below
 *               printConnectionLatencyResults   the block layout
 *   ethr.go     ethrDialEx          dialer.Timeout = time.Second: a ping not answered in 1 s is lost
 *   clientui.go emitLatencyHdr / emitLatencyResults: "%9s" columns and an 89-dash rule
 *               (commit 46d0e62; older versions used "%8s" and 59 dashes)
 *   utils.go    durationToString    3 decimals in ns / us / ms / s
 *
 * calcAndPrintLatency, for n received latencies sorted ascending (Go, integer arithmetic):
 *   avg   = sum(ns) / n                        (integer division)
 *   min   = l[0],  max = l[n-1]
 *   m     = n, or 2 when n == 1 ("prevents negative index")
 *   p50   = l[(m*50)/100 - 1]    p90 = l[(m*90)/100 - 1]    p95 = l[(m*95)/100 - 1]
 *   p99   = l[(m*99)/100 - 1]
 *   p99.9 = l[uint64(m*99.9/100 - 1)]          p99.99 = l[uint64(m*99.99/100 - 1)] (float, truncated)
 * With n = 60 (the article): p50 = l[29], p90 = l[53], p95 = l[56], p99 = p99.9 = p99.99 = l[58],
 * max = l[59] — which is why the article's three top percentiles are equal and below Max.
 */

export interface EthrLatencyStats {
  /** All in nanoseconds (Go's time.Duration). */
  avg: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
}

/** ethr's calcAndPrintLatency over handshake latencies in ns (at least one). */
export function ethrLatencyStats(latenciesNs: readonly number[]): EthrLatencyStats {
  const n = latenciesNs.length;
  if (n === 0) throw new RangeError('ethrLatencyStats needs at least one latency (ethr prints none when nothing was received)');
  const l = [...latenciesNs].sort((a, b) => a - b);
  let sum = 0;
  for (const d of l) sum += d;
  const m = n === 1 ? 2 : n;
  const at = (i: number): number => l[i]!;
  return {
    avg: Math.trunc(sum / n),
    min: at(0),
    max: at(n - 1),
    p50: at(Math.trunc((m * 50) / 100) - 1),
    p90: at(Math.trunc((m * 90) / 100) - 1),
    p95: at(Math.trunc((m * 95) / 100) - 1),
    p99: at(Math.trunc((m * 99) / 100) - 1),
    p999: at(Math.trunc((m * 99.9) / 100 - 1)),
    p9999: at(Math.trunc((m * 99.99) / 100 - 1)),
  };
}

/** utils.go durationToString: "966.721us", "1.469ms"; Go's Duration.String from one minute up. */
export function durationToString(ns: number): string {
  if (ns < 0) return goDuration(ns);
  if (ns < 60e9) {
    if (ns < 1e3) return `${ns.toFixed(3)}ns`;
    if (ns < 1e6) return `${(ns / 1e3).toFixed(3)}us`;
    if (ns < 1e9) return `${(ns / 1e6).toFixed(3)}ms`;
    return `${(ns / 1e9).toFixed(3)}s`;
  }
  return goDuration(ns);
}

/** Go's time.Duration.String for whole-nanosecond durations of a minute or more: "1h2m3.5s". */
function goDuration(ns: number): string {
  const neg = ns < 0;
  let rest = Math.abs(Math.trunc(ns));
  const h = Math.floor(rest / 3600e9);
  rest -= h * 3600e9;
  const min = Math.floor(rest / 60e9);
  rest -= min * 60e9;
  const secs = Math.floor(rest / 1e9);
  const frac = rest - secs * 1e9;
  const fracText = frac === 0 ? '' : `.${String(frac).padStart(9, '0').replace(/0+$/, '')}`;
  return `${neg ? '-' : ''}${h > 0 ? `${h}h` : ''}${h > 0 || min > 0 ? `${min}m` : ''}${secs}${fracText}s`;
}

const RULE = '-'.repeat(89);
const col = (s: string): string => s.padStart(9);

/** The header and value lines of emitLatencyHdr / emitLatencyResults. */
export function formatEthrLatencyTable(s: EthrLatencyStats): string[] {
  const head = ['Avg', 'Min', '50%', '90%', '95%', '99%', '99.9%', '99.99%', 'Max'];
  const vals = [s.avg, s.min, s.p50, s.p90, s.p95, s.p99, s.p999, s.p9999, s.max].map(durationToString);
  return [head.map(col).join(' '), vals.map(col).join(' ')];
}

export interface PingCounts {
  sent: number;
  received: number;
  lost: number;
}

/** printConnectionLatencyResults: the block ethr prints at the end (and every 1,000 received). */
export function formatEthrPingSummary(dialAddr: string, c: PingCounts, latenciesNs: readonly number[]): string {
  const lines = [RULE, `TCP connect statistics for ${dialAddr}:`, `  Sent = ${c.sent}, Received = ${c.received}, Lost = ${c.lost}`];
  if (c.received > 0) lines.push(RULE, ...formatEthrLatencyTable(ethrLatencyStats(latenciesNs)), RULE);
  return lines.join('\n') + '\n';
}

/** ethr's dial address: "[10.7.0.4]:8888". */
export function ethrDialAddr(ip: string, port: number): string {
  return `[${ip}]:${port}`;
}

/** tcpRunPing's line for one ping (prefix "[warmup] " for warm-up pings). */
export function formatPingLine(local: string, localPort: number, remote: string, remotePort: number, ns: number, warmup = false): string {
  return `[tcp] ${warmup ? '[warmup] ' : ''}Connection from [${local}]:${localPort} to [${remote}]:${remotePort}: ${durationToString(ns)}`;
}

/** tcpRunPing's line for a ping that timed out (Go's dial error text). */
export function formatPingTimeout(dialAddr: string, warmup = false): string {
  return `[tcp] ${warmup ? '[warmup] ' : ''}Connection to ${dialAddr}: Timed out (dial tcp ${dialAddr.replace(/^\[(.*)\]/, '$1')}: i/o timeout)`;
}

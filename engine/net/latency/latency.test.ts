import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DIRECT_PATH,
  GWLB_PATH,
  LatencyModel,
  TcpPingRun,
  durationToString,
  ethrDialAddr,
  ethrLatencyStats,
  formatEthrLatencyTable,
  formatEthrPingSummary,
  type EthrLatencyStats,
} from './index.ts';

// Seed 001, ethr -p tcp -t pi -d 60s, East US, client VM -> server ILPIP (avg, ms).
const MEASURED_WITHOUT_GWLB_MS = 1.469;
const MEASURED_WITH_GWLB_MS = 6.078;

describe('latency model calibration', () => {
  const m = new LatencyModel();
  const direct = m.handshake(DIRECT_PATH) / 1000;
  const gwlb = m.handshake(GWLB_PATH) / 1000;

  it('reproduces the measured handshake latencies within 2 %', () => {
    expect(Math.abs(direct - MEASURED_WITHOUT_GWLB_MS) / MEASURED_WITHOUT_GWLB_MS).toBeLessThan(0.02);
    expect(Math.abs(gwlb - MEASURED_WITH_GWLB_MS) / MEASURED_WITH_GWLB_MS).toBeLessThan(0.02);
  });

  it('keeps the proportion: the chain multiplies the handshake by about 4.1 and adds about 4.6 ms', () => {
    const measuredRatio = MEASURED_WITH_GWLB_MS / MEASURED_WITHOUT_GWLB_MS;
    expect(Math.abs(gwlb / direct - measuredRatio) / measuredRatio).toBeLessThan(0.03);
    expect(gwlb - direct).toBeGreaterThan(4);
    expect(gwlb - direct).toBeLessThan(5); // the article: "4 ms ~ 5 ms increase"
  });

  it('the NVA itself is about 0.1 ms, a small part of what the chain adds', () => {
    expect(m.hop('nvaProcessing')).toBe(100);
    expect((2 * m.hop('nvaProcessing')) / ((gwlb - direct) * 1000)).toBeLessThan(0.05);
  });

  it('settings and single links can be changed; jitter is driven by the caller draw', () => {
    const slow = new LatencyModel({ gwlbProcessingUs: 1000 }, new Map([['link-7', 5]]));
    expect(slow.handshake(GWLB_PATH) - m.handshake(GWLB_PATH)).toBe(4 * (1000 - 430));
    expect(slow.link('link-7', 'vnetHop')).toBe(5);
    expect(slow.link('link-8', 'vnetHop')).toBe(625);
    const j = new LatencyModel({ jitter: 0.2 });
    expect(j.sample(1000, 0)).toBe(800);
    expect(j.sample(1000, 0.5)).toBe(1000);
    fc.assert(fc.property(fc.double({ min: 0, max: 0.9999, noNaN: true }), (u) => j.sample(1000, u) >= 800 && j.sample(1000, u) <= 1200));
    expect(m.sample(1000, 0.9)).toBe(1000);
  });
});

describe("ethr's statistics (client.go calcAndPrintLatency)", () => {
  const ms = (x: number): number => x * 1_000_000;

  it('60 samples 1..60 ms: hand-computed indexes 29, 53, 56, 58, 58, 58, 59', () => {
    const shuffled = Array.from({ length: 60 }, (_, i) => ms(((i * 37) % 60) + 1));
    expect(ethrLatencyStats(shuffled)).toEqual({
      avg: ms(30.5),
      min: ms(1),
      p50: ms(30),
      p90: ms(54),
      p95: ms(57),
      p99: ms(59),
      p999: ms(59),
      p9999: ms(59),
      max: ms(60),
    });
  });

  it('10 samples: p50 = l[4], p90 = p95 = p99 = l[8], p99.9 = l[8] (truncated 8.99), max = l[9]', () => {
    const s = ethrLatencyStats([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect([s.p50, s.p90, s.p95, s.p99, s.p999, s.p9999, s.max, s.avg]).toEqual([50, 90, 90, 90, 90, 90, 100, 55]);
  });

  it('1 sample: ethr counts it as 2 to avoid a negative index', () => {
    const s = ethrLatencyStats([1234]);
    expect(Object.values(s).every((v) => v === 1234)).toBe(true);
  });

  it('1,000 samples: p99.9 = l[998], p99.99 = l[998]', () => {
    const s = ethrLatencyStats(Array.from({ length: 1000 }, (_, i) => i));
    expect([s.p50, s.p90, s.p99, s.p999, s.p9999, s.max]).toEqual([499, 899, 989, 998, 998, 999]);
  });

  it('the average is integer nanoseconds (Go integer division)', () => {
    expect(ethrLatencyStats([1, 2]).avg).toBe(1);
  });

  it('percentiles are ordered and drawn from the samples (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1e9 }), { minLength: 1, maxLength: 300 }), (l) => {
        const s = ethrLatencyStats(l);
        const order = [s.min, s.p50, s.p90, s.p95, s.p99, s.p999, s.p9999, s.max];
        return order.every((v, i) => i === 0 || order[i - 1]! <= v) && order.every((v) => l.includes(v));
      }),
    );
  });
});

describe("ethr's output", () => {
  it('durationToString: 3 decimals in ns, us, ms, s; Go format from a minute up', () => {
    expect(durationToString(500)).toBe('500.000ns');
    expect(durationToString(966_721)).toBe('966.721us');
    expect(durationToString(1_469_000)).toBe('1.469ms');
    expect(durationToString(11_396_000)).toBe('11.396ms');
    expect(durationToString(1_500_000_000)).toBe('1.500s');
    expect(durationToString(90e9)).toBe('1m30s');
  });

  it("prints the article's tables byte for byte", () => {
    const without: EthrLatencyStats = { avg: 1_469_000, min: 966_721, p50: 1_308_000, p90: 1_908_000, p95: 2_101_000, p99: 2_190_000, p999: 2_190_000, p9999: 2_190_000, max: 3_892_000 };
    expect(formatEthrLatencyTable(without)).toEqual([
      '      Avg       Min       50%       90%       95%       99%     99.9%    99.99%       Max',
      '  1.469ms 966.721us   1.308ms   1.908ms   2.101ms   2.190ms   2.190ms   2.190ms   3.892ms',
    ]);
    const withGwlb: EthrLatencyStats = { avg: 6_078_000, min: 5_208_000, p50: 5_756_000, p90: 6_537_000, p95: 8_263_000, p99: 9_835_000, p999: 9_835_000, p9999: 9_835_000, max: 11_396_000 };
    expect(formatEthrLatencyTable(withGwlb)[1]).toBe('  6.078ms   5.208ms   5.756ms   6.537ms   8.263ms   9.835ms   9.835ms   9.835ms  11.396ms');
  });

  it('the summary block of printConnectionLatencyResults', () => {
    const text = formatEthrPingSummary(ethrDialAddr('20.62.1.10', 8888), { sent: 3, received: 2, lost: 1 }, [1_000_000, 2_000_000]);
    const rule = '-'.repeat(89);
    expect(text).toBe(
      [
        rule,
        'TCP connect statistics for [20.62.1.10]:8888:',
        '  Sent = 3, Received = 2, Lost = 1',
        rule,
        '      Avg       Min       50%       90%       95%       99%     99.9%    99.99%       Max',
        '  1.500ms   1.000ms   1.000ms   1.000ms   1.000ms   1.000ms   1.000ms   1.000ms   2.000ms',
        rule,
        '',
      ].join('\n'),
    );
    expect(formatEthrPingSummary('[1.2.3.4]:8888', { sent: 2, received: 0, lost: 2 }, [])).toBe(`${rule}\nTCP connect statistics for [1.2.3.4]:8888:\n  Sent = 2, Received = 0, Lost = 2\n`);
  });
});

describe('a TCP-ping run', () => {
  function run(durationUs: number, latencyUs: (i: number) => number | null): ReturnType<TcpPingRun['finish']> {
    const p = new TcpPingRun({ dialAddr: '[20.62.1.10]:8888', durationUs });
    let t: number | null = p.start(0);
    let i = 0;
    while (t !== null) {
      const b = p.begin(t);
      const l = latencyUs(i++);
      t = l === null ? p.complete({ ok: false }, b.giveUpAt) : p.complete({ ok: true, latencyUs: l, local: '10.0.0.4', localPort: 50000 + i, remote: '20.62.1.10', remotePort: 8888 }, t + l);
    }
    return p.finish();
  }

  it('-d 60s at the default 1 s gap: one warm-up ping, then Sent = 60 (as in the article)', () => {
    const r = run(60_000_000, () => 1470);
    expect([r.sent, r.received, r.lost]).toEqual([60, 60, 0]);
    expect(r.stats?.avg).toBe(1_470_000);
    expect(r.text.split('\n')[0]).toBe('[tcp] [warmup] Connection from [10.0.0.4]:50001 to [20.62.1.10]:8888: 1.470ms');
    expect(r.text).toContain('  Sent = 60, Received = 60, Lost = 0');
  });

  it('lost pings time out after 1 s and are counted', () => {
    const r = run(10_000_000, (i) => (i % 3 === 0 && i > 0 ? null : 6000));
    expect(r.lost).toBeGreaterThan(0);
    expect(r.sent).toBe(r.received + r.lost);
    expect(r.text).toContain('[tcp] Connection to [20.62.1.10]:8888: Timed out (dial tcp 20.62.1.10:8888: i/o timeout)');
  });
});

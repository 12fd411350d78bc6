/**
 * The Metrics tab (lazy-loaded with uPlot): Azure Monitor's SNAT metrics over virtual time,
 * sampled once per virtual minute (reference §A.7): Allocated SNAT Ports and Used SNAT Ports
 * (Average), and SNAT Connection Count split by ConnectionState (Total per minute), per frontend
 * IP and backend instance. Each chart has an accessible name, and the table below it gives the
 * latest values as text.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SnatSeries } from '../../../engine/sim/types.ts';
import { useViewStore } from '../../state/view-store.ts';
import { useSnatStore } from './snat-store.ts';
import './snat.css';

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#dc2626'];

interface Line {
  readonly label: string;
  readonly values: number[];
  readonly color: string;
  readonly dash?: number[];
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

function Chart({ title, device, xs, lines, yLabel }: { title: string; device: string; xs: number[]; lines: Line[]; yLabel: string }) {
  const host = useRef<HTMLDivElement>(null);
  const theme = useViewStore((s) => s.theme);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const text = cssVar('--text', '#1a2130');
    const grid = cssVar('--border', '#cfd6e2');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      title,
      width: Math.max(320, Math.min(560, el.clientWidth || 480)),
      height: 150,
      scales: { x: { time: false } },
      axes: [
        { ...axis, label: 'virtual minutes', values: (_u, ticks) => ticks.map((t) => `${t}`) },
        { ...axis, label: yLabel },
      ],
      series: [{ label: 'minute' }, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, ...(l.dash ? { dash: l.dash } : {}), points: { show: true, size: 5 } }))],
      legend: { show: true },
    };
    const data: uPlot.AlignedData = [xs, ...lines.map((l) => l.values)];
    const plot = new uPlot(opts, data, el);
    const title_ = el.querySelector('.u-title');
    if (title_ instanceof HTMLElement) title_.style.color = text;
    return () => plot.destroy();
  }, [title, xs, lines, yLabel, theme]);
  return (
    <figure className="metrics-chart" role="img" aria-label={`${title} of ${device}: chart of ${lines.map((l) => l.label).join(', ')} per virtual minute`}>
      <div ref={host} />
    </figure>
  );
}

function seriesLabel(s: SnatSeries): string {
  return `${s.instance} via ${s.frontendIp} ${s.protocol}`;
}

function DeviceMetrics({ device, series }: { device: string; series: SnatSeries[] }) {
  const xs = useMemo(() => (series[0]?.t ?? []).map((t) => t / 60e6), [series]);
  const ports = useMemo<Line[]>(
    () =>
      series.flatMap((s, i) => [
        { label: `Allocated · ${seriesLabel(s)}`, values: s.allocated, color: PALETTE[i % PALETTE.length]!, dash: [6, 4] },
        { label: `Used · ${seriesLabel(s)}`, values: s.used, color: PALETTE[i % PALETTE.length]! },
      ]),
    [series],
  );
  const conns = useMemo<Line[]>(
    () =>
      series.flatMap((s, i) => [
        { label: `Successful · ${seriesLabel(s)}`, values: s.successful, color: PALETTE[i % PALETTE.length]! },
        { label: `Failed · ${seriesLabel(s)}`, values: s.failed, color: '#dc2626', dash: [2, 3] },
      ]),
    [series],
  );
  if (!xs.length) return <p className="panel-empty">No sample yet: metrics are sampled once per virtual minute.</p>;
  return (
    <>
      <div className="metrics-grid">
        <Chart title="Allocated and Used SNAT Ports" device={device} xs={xs} lines={ports} yLabel="ports" />
        <Chart title="SNAT Connection Count" device={device} xs={xs} lines={conns} yLabel="per minute" />
      </div>
      <table className="grid-table mono" aria-label={`Latest SNAT metrics of ${device}`}>
        <caption className="muted">Latest sample (minute {xs[xs.length - 1]})</caption>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Frontend IP</th>
            <th scope="col">Proto</th>
            <th scope="col">Allocated SNAT Ports</th>
            <th scope="col">Used SNAT Ports</th>
            <th scope="col">Successful (last minute)</th>
            <th scope="col">Failed (last minute)</th>
            <th scope="col">Failed (all)</th>
          </tr>
        </thead>
        <tbody>
          {series.map((s) => (
            <tr key={seriesLabel(s)}>
              <td>{s.instance}</td>
              <td>{s.frontendIp}</td>
              <td>{s.protocol}</td>
              <td>{s.allocated[s.allocated.length - 1]}</td>
              <td>{s.used[s.used.length - 1]}</td>
              <td>{s.successful[s.successful.length - 1]}</td>
              <td>{s.failed[s.failed.length - 1]}</td>
              <td>{s.failed.reduce((a, b) => a + b, 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function MetricsPanel() {
  const report = useSnatStore((s) => s.report);
  const [picked, setPicked] = useState<string>('');
  if (!report)
    return <p className="panel-empty">Press Run: SNAT metrics (Allocated and Used SNAT Ports, SNAT Connection Count) are sampled once per virtual minute.</p>;
  const devices = report.devices.filter((d) => report.series.some((s) => s.device === d.id));
  const current = devices.find((d) => d.id === picked) ?? devices[0];
  return (
    <div className="metrics-panel">
      <div className="metrics-controls">
        <label>
          Device{' '}
          <select aria-label="Metrics device" value={current?.id ?? ''} onChange={(e) => setPicked(e.target.value)}>
            {report.devices.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">one sample per virtual minute · Azure Monitor names (§A.7)</span>
      </div>
      {current ? (
        <DeviceMetrics device={current.name} series={report.series.filter((s) => s.device === current.id)} />
      ) : (
        <p className="panel-empty">No sample yet: metrics are sampled once per virtual minute.</p>
      )}
    </div>
  );
}

export default memo(MetricsPanel);

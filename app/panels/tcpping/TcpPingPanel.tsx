/**
 * The TCP ping tab: each `tcpping` traffic run (ethr -p tcp -t pi) with ethr's counters and
 * handshake latency statistics (avg, min, p50 … max) and the text ethr prints.
 */
import { memo } from 'react';
import { durationToString } from '../../../engine/net/latency/ethr.ts';
import type { TcpPingResult } from '../../../engine/sim/types.ts';
import { useSimStore } from '../../state/sim-store.ts';

const COLUMNS: readonly [string, keyof NonNullable<TcpPingResult['stats']>][] = [
  ['Avg', 'avg'],
  ['Min', 'min'],
  ['50%', 'p50'],
  ['90%', 'p90'],
  ['95%', 'p95'],
  ['99%', 'p99'],
  ['99.9%', 'p999'],
  ['99.99%', 'p9999'],
  ['Max', 'max'],
];

function PingRun({ r }: { r: TcpPingResult }) {
  return (
    <section className="tcpping-run" aria-label={`TCP ping ${r.traffic}`}>
      <h3>
        {r.traffic}: {r.from} → {r.dialAddr}
      </h3>
      {!r.finished && <p className="panel-note">Running: ethr prints its statistics when the run is over.</p>}
      {r.finished && (
        <p className="mono" aria-label="Ping counts">
          Sent = {r.sent}, Received = {r.received}, Lost = {r.lost}
        </p>
      )}
      {r.stats && (
        <table className="grid-table mono" aria-label={`Handshake latency of ${r.traffic}`}>
          <thead>
            <tr>
              {COLUMNS.map(([h]) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              {COLUMNS.map(([h, k]) => (
                <td key={h}>{durationToString(r.stats![k])}</td>
              ))}
            </tr>
          </tbody>
        </table>
      )}
      {r.text && (
        <details>
          <summary>ethr output</summary>
          <pre className="mono">{r.text}</pre>
        </details>
      )}
    </section>
  );
}

export const TcpPingPanel = memo(function TcpPingPanel() {
  const runs = useSimStore((s) => s.snapshot?.tcpping);
  if (!runs || runs.length === 0) return <p className="panel-note">No TCP ping in this scenario: add traffic of type tcpping (like ethr -p tcp -t pi) and run.</p>;
  return (
    <div className="tcpping-panel">
      {runs.map((r) => (
        <PingRun key={r.traffic} r={r} />
      ))}
    </div>
  );
});

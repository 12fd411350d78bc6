/**
 * Sockets, per host, like `netstat -tan`: proto, local, foreign address, state. The rows come
 * from the latest snapshot (the worker filters and limits them, so 100,000 sockets cost a few
 * hundred rows here). Below, the connections with their outcome: what a socket became after it
 * left the table (timed out, reset, closed) and what the far end saw as its source.
 */
import { memo, useDeferredValue } from 'react';
import { requestSnapshot } from '../run/playback.ts';
import { FilterInput } from './FilterInput.tsx';
import { setSocketFilter, useSimStore, type SimState } from '../state/sim-store.ts';

type Snapshot = SimState['snapshot'];

function commitSocketFilter(text: string): void {
  setSocketFilter(text);
  requestSnapshot();
}

function FilterBox() {
  const filter = useSimStore((s) => s.socketFilter);
  return <FilterInput value={filter} onCommit={commitSocketFilter} label="Filter sockets" placeholder="Filter: host, address, port or state (e.g. SYN_SENT)" />;
}

const SocketTables = memo(function SocketTables({ snap }: { snap: Snapshot }) {
  if (!snap) return <p className="panel-empty">Press Run or Step: every host's sockets appear here, like netstat.</p>;
  const hosts = Object.entries(snap.sockets);
  const shown = hosts.reduce((n, [, rows]) => n + rows.length, 0);
  return (
    <>
      {shown < snap.socketMatches && (
        <p className="panel-note">
          Showing {shown.toLocaleString('en-US')} of {snap.socketMatches.toLocaleString('en-US')} matching sockets: filter to narrow down.
        </p>
      )}
      {hosts.map(([host, rows]) => (
        <section key={host} className="netstat" aria-label={`Sockets of ${host}`}>
          <h3>
            {host} <span className="muted">netstat -tan · {(snap.socketCounts[host] ?? 0).toLocaleString('en-US')} sockets</span>
          </h3>
          {rows.length ? (
            <table className="grid-table mono">
              <thead>
                <tr>
                  <th scope="col">Proto</th>
                  <th scope="col">Local Address</th>
                  <th scope="col">Foreign Address</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    <td>{r.proto}</td>
                    <td>{r.local}</td>
                    <td>{r.remote}</td>
                    <td className={`sock-state sock-${r.state.toLowerCase()}`}>{r.state}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="panel-empty">(no sockets{snap.socketCounts[host] ? ' match the filter' : ''})</p>
          )}
        </section>
      ))}
    </>
  );
});

const FlowTable = memo(function FlowTable({ snap }: { snap: Snapshot }) {
  if (!snap || !snap.flows.length) return null;
  return (
    <section className="flows" aria-label="Connections">
      <h3>
        Connections <span className="muted">{snap.flowCount.toLocaleString('en-US')} in all</span>
      </h3>
      <table className="grid-table mono">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">From</th>
            <th scope="col">Local</th>
            <th scope="col">Remote</th>
            <th scope="col">Outcome</th>
            <th scope="col">Seen as</th>
          </tr>
        </thead>
        <tbody>
          {snap.flows.map((f) => (
            <tr key={f.flowId}>
              <td>{f.flowId}</td>
              <td>{f.from}</td>
              <td>{f.local}</td>
              <td>{f.remote}</td>
              <td className={`flow-outcome flow-${f.outcome}`}>{f.outcome}</td>
              <td>{f.seenAs ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
});

export const SocketsPanel = memo(function SocketsPanel() {
  // The tables render a new snapshot at a lower priority, in slices: a snapshot of a big run
  // (hundreds of rows) must not hold the main thread in one long task while a run plays.
  const snap = useDeferredValue(useSimStore((s) => s.snapshot));
  return (
    <div className="sockets-panel">
      <FilterBox />
      <SocketTables snap={snap} />
      <FlowTable snap={snap} />
    </div>
  );
});

/**
 * The inspector's "Load balancing" section for a load balancer: the full mapping table (rule,
 * frontend IP, protocol, port, destination, port — the documentation's floating IP table), the
 * health probes' view of each backend, and how many new flows each backend got. Filled by a run.
 */
import { memo } from 'react';
import { useSimStore } from '../../state/sim-store.ts';

export const LbSection = memo(function LbSection({ lbId }: { lbId: string }) {
  const lb = useSimStore((s) => s.snapshot?.loadBalancers?.find((r) => r.id === lbId));
  return (
    <section className="form lb-section" aria-label="Load balancing">
      <h3 className="form-title">Load balancing</h3>
      {lb === undefined && <p className="panel-note">Run the scenario to see the mapping table, the health probes and where flows go.</p>}
      {lb !== undefined && (
        <>
          <table className="grid-table" aria-label="Mapping table">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Frontend IP</th>
                <th>Protocol</th>
                <th>Port</th>
                <th>Destination</th>
                <th>Port</th>
              </tr>
            </thead>
            <tbody>
              {lb.mapping.map((m) => (
                <tr key={`${m.rule}/${m.frontendIp}`}>
                  <td>{m.rule}</td>
                  <td className="mono">{m.frontendIp}</td>
                  <td>{m.protocol}</td>
                  <td className="mono">{m.port === 0 ? 'all (HA ports)' : m.port}</td>
                  <td className="mono">{m.destination}</td>
                  <td className="mono">{m.destinationPort}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {lb.probes.length > 0 && (
            <table className="grid-table" aria-label="Health probes">
              <thead>
                <tr>
                  <th>Probe</th>
                  <th>Backend</th>
                  <th>State</th>
                  <th>Last answer</th>
                </tr>
              </thead>
              <tbody>
                {lb.probes.map((p) => (
                  <tr key={`${p.probe}/${p.dip}`}>
                    <td>{p.probe}</td>
                    <td className="mono">
                      {p.member} ({p.dip})
                    </td>
                    <td>{p.state}</td>
                    <td>{p.last || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <table className="grid-table" aria-label="Backends">
            <thead>
              <tr>
                <th>Pool</th>
                <th>Backend</th>
                <th>New flows</th>
              </tr>
            </thead>
            <tbody>
              {lb.backends.map((b) => (
                <tr key={`${b.pool}/${b.dip}`}>
                  <td>{b.pool}</td>
                  <td className="mono">
                    {b.member} ({b.dip})
                  </td>
                  <td className="mono">{b.newFlows}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {lb.warnings.map((w) => (
            <p key={w} className="panel-note">
              {w}
            </p>
          ))}
        </>
      )}
    </section>
  );
});

/**
 * The inspector's "Outbound" section for a VM: which mechanism carries each ipconfig to the
 * Internet (as the document decides it, before any run), the public IPs it leaves from, the SNAT
 * ports it gets, and which other mechanisms it overrides and why; and the "Redeploy VM" action.
 */
import { memo } from 'react';
import { MECHANISM_LABEL } from '../../../engine/net/outbound-types.ts';
import { useSimStore } from '../../state/sim-store.ts';
import { actNow, useSnatStore } from './snat-store.ts';
import './snat.css';

function portsText(snatPorts: number | null | undefined, ports: string | undefined): string {
  if (ports) return ports;
  if (snatPorts === null) return 'every ephemeral port (1:1 NAT)';
  if (snatPorts === undefined) return 'none';
  return snatPorts.toLocaleString('en-US');
}

export const OutboundSection = memo(function OutboundSection({ vmId }: { vmId: string }) {
  const paths = useSnatStore((s) => s.paths).filter((p) => p.vm === vmId);
  const status = useSimStore((s) => s.status);
  const live = status !== 'idle' && status !== 'loading';
  return (
    <section className="form outbound-path" aria-label="Outbound path">
      <h3 className="form-title">Outbound</h3>
      {paths.length === 0 && <p className="panel-note">No NIC: this VM has no outbound path.</p>}
      {paths.map((p) => (
        <div key={`${p.nic}/${p.ipConfig}`} aria-label={`Outbound path of ${p.ipConfig}`}>
          <p>
            <span className="mono">
              {p.nic}/{p.ipConfig} ({p.privateIp})
            </span>{' '}
            → <span className="ob-winner">{MECHANISM_LABEL[p.mechanism]}</span>
          </p>
          <dl className="ob-facts">
            <dt>Leaves from</dt>
            <dd className="mono">{p.publicIps.length ? p.publicIps.join(', ') : p.mechanism === 'none' ? 'nowhere: no outbound' : p.mechanism === 'default-outbound' ? 'an address from the regional pool (drawn at run time)' : '—'}</dd>
            <dt>SNAT ports</dt>
            <dd>{portsText(p.snatPorts, p.ports)}</dd>
            <dt>Protocols</dt>
            <dd>{p.protocols.length ? p.protocols.join(', ').toUpperCase() : 'none'}</dd>
          </dl>
          <p className="panel-note">Why: {p.explanation}</p>
          {p.overrides.length > 0 && (
            <>
              <p className="panel-note">It overrides:</p>
              <ul aria-label="Overridden outbound mechanisms">
                {p.overrides.map((o) => (
                  <li key={o.mechanism} className="ob-overridden">
                    <strong>{MECHANISM_LABEL[o.mechanism]}</strong>: {o.why}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      ))}
      <button
        type="button"
        disabled={!live}
        title={live ? 'Redeploy the VM now: default outbound access gives it another public IP' : 'Run or Step first: Redeploy acts on the running simulation'}
        onClick={() => void actNow({ action: 'redeploy', vm: vmId })}
      >
        Redeploy VM
      </button>
    </section>
  );
});

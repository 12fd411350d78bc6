/**
 * The SNAT tab: every SNAT device of the run (outbound rules, load-balancing-rule SNAT, NAT
 * gateways, default outbound access) with its configuration, ports per frontend IP and per
 * backend instance (allocated, used, connections), and every mapping with its private and public
 * 5-tuples and its remaining idle time. An outbound rule can be changed while running, as
 * `az network lb outbound-rule update` would.
 */
import { memo, useEffect, useState, type FormEvent } from 'react';
import type { SnatDeviceRow, SnatReport } from '../../../engine/sim/types.ts';
import { actNow, setSnatFilter, useSnatStore } from './snat-store.ts';
import { FilterInput } from '../FilterInput.tsx';
import './snat.css';

const n = (x: number) => x.toLocaleString('en-US');

/** "3:58" for µs left (minutes:seconds), "12.5 s" under a minute. */
export function formatRemaining(us: number): string {
  const s = us / 1e6;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

const THEN: Record<string, string> = {
  idle: 'idle timeout',
  'half-open': 'no reply: ends',
  'fin-release': 'port released (FIN)',
  'rst-release': 'port released (RST)',
  'cooldown-end': 'cool-down ends',
};

function RuleEditor({ d }: { d: SnatDeviceRow }) {
  const [ports, setPorts] = useState(String(d.allocatedOutboundPorts ?? 0));
  const [idle, setIdle] = useState(String(d.idleTimeoutInMinutes));
  const [reset, setReset] = useState(d.enableTcpReset);
  const [protocol, setProtocol] = useState(d.protocol);
  useEffect(() => {
    setPorts(String(d.allocatedOutboundPorts ?? 0));
    setIdle(String(d.idleTimeoutInMinutes));
    setReset(d.enableTcpReset);
    setProtocol(d.protocol);
  }, [d.allocatedOutboundPorts, d.idleTimeoutInMinutes, d.enableTcpReset, d.protocol]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void actNow({
      action: 'updateOutboundRule',
      lb: d.resource,
      rule: d.rule ?? '',
      allocatedOutboundPorts: Number(ports),
      idleTimeoutInMinutes: Number(idle),
      enableTcpReset: reset,
      protocol,
    });
  };
  return (
    <form className="snat-rule-form" aria-label={`Update outbound rule ${d.rule ?? ''}`} onSubmit={submit} noValidate>
      <span className="muted mono">az network lb outbound-rule update</span>
      <label>
        --outbound-ports <input type="number" min={0} max={64000} step={8} value={ports} onChange={(e) => setPorts(e.target.value)} aria-label="Ports per instance" />
      </label>
      <label>
        --idle-timeout <input type="number" min={4} max={120} value={idle} onChange={(e) => setIdle(e.target.value)} aria-label="Idle timeout (minutes)" />
      </label>
      <label>
        <input type="checkbox" checked={reset} onChange={(e) => setReset(e.target.checked)} /> --enable-tcp-reset
      </label>
      <label>
        --protocol{' '}
        <select value={protocol} onChange={(e) => setProtocol(e.target.value as SnatDeviceRow['protocol'])} aria-label="Protocol">
          <option value="Tcp">Tcp</option>
          <option value="Udp">Udp</option>
          <option value="All">All</option>
        </select>
      </label>
      <button type="submit">Update outbound rule</button>
    </form>
  );
}

function Device({ d, report }: { d: SnatDeviceRow; report: SnatReport }) {
  const frontends = report.frontends.filter((f) => f.device === d.id);
  const instances = report.instances.filter((i) => i.device === d.id);
  return (
    <section className="snat-device" aria-label={`SNAT device ${d.name}`}>
      <h3>
        {d.name} <span className="muted">→ {d.publicIps.join(', ') || 'no public IP'}</span>
      </h3>
      <p className="panel-note">
        Protocol {d.protocol}
        {d.portsPerInstance !== undefined ? ` · ${n(d.portsPerInstance)} ports per instance${d.allocatedOutboundPorts === 0 ? ' (default table)' : ''}` : ' · ports on demand'}
        {d.mechanism === 'aws-nat-gateway'
          ? ' · idle timeout 350 s, then a RST on the next packet'
          : ` · idle timeout ${d.idleTimeoutInMinutes} min · TCP reset ${d.enableTcpReset ? 'on' : 'off'}`}
        {d.translatedBy !== undefined && ` · translated by ${d.translatedBy}`}
      </p>
      {d.behaviour && (
        <p className="panel-note snat-behaviour" aria-label={`Mapping behaviour of ${d.name}`}>
          <strong>
            RFC 4787 mapping: {d.behaviour.mapping} · filtering: {d.behaviour.filtering}
          </strong>
          . {d.behaviour.explanation}
        </p>
      )}
      {d.error && <p className="snat-error">{d.error}</p>}
      {d.mechanism === 'lb-outbound-rule' && <RuleEditor d={d} />}
      <div className="snat-tables">
        <table className="grid-table mono" aria-label={`Ports per frontend IP of ${d.name}`}>
          <caption>Per frontend IP</caption>
          <thead>
            <tr>
              <th scope="col">Frontend IP</th>
              <th scope="col">Proto</th>
              <th scope="col">Allocated</th>
              <th scope="col">Used</th>
            </tr>
          </thead>
          <tbody>
            {frontends.map((f) => (
              <tr key={`${f.frontendIp}-${f.protocol}`}>
                <td>{f.frontendIp}</td>
                <td>{f.protocol}</td>
                <td>{n(f.allocated)}</td>
                <td>{n(f.used)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {instances.length > 0 && (
          <table className="grid-table mono" aria-label={`Ports per instance of ${d.name}`}>
            <caption>Per backend instance</caption>
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Frontend IP</th>
                <th scope="col">Proto</th>
                <th scope="col">Allocated</th>
                <th scope="col">Used</th>
                <th scope="col">Awaiting removal</th>
                <th scope="col">Successful</th>
                <th scope="col">Failed</th>
              </tr>
            </thead>
            <tbody>
              {instances.map((i) => (
                <tr key={`${i.instance}-${i.frontendIp}-${i.protocol}`}>
                  <td>{i.instance}</td>
                  <td>{i.frontendIp}</td>
                  <td>{i.protocol}</td>
                  <td>{n(i.allocated)}</td>
                  <td>{n(i.used)}</td>
                  <td>{n(i.awaitingRemoval)}</td>
                  <td>{n(i.successful)}</td>
                  <td className={i.failed ? 'snat-failed' : ''}>{n(i.failed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <CloudMetrics d={d} report={report} />
      </div>
    </section>
  );
}

/** AWS CloudWatch counters and Cloud NAT drops by reason, for those devices. */
function CloudMetrics({ d, report }: { d: SnatDeviceRow; report: SnatReport }) {
  const aws = report.aws?.find((a) => a.device === d.id);
  const gcp = report.gcp?.filter((g) => g.device === d.id) ?? [];
  if (aws)
    return (
      <table className="grid-table mono" aria-label={`CloudWatch metrics of ${d.name}`}>
        <caption>CloudWatch (since the start)</caption>
        <tbody>
          {(['ActiveConnectionCount', 'ConnectionAttemptCount', 'ConnectionEstablishedCount', 'ErrorPortAllocation', 'IdleTimeoutCount', 'PacketsDropCount'] as const).map((k) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td className={k === 'ErrorPortAllocation' && aws[k] ? 'snat-failed' : ''}>{n(aws[k])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  if (gcp.length === 0) return null;
  return (
    <table className="grid-table mono" aria-label={`Dropped sent packets of ${d.name}`}>
      <caption>dropped_sent_packets_count per VM</caption>
      <thead>
        <tr>
          <th scope="col">VM</th>
          <th scope="col">NAT ports</th>
          <th scope="col">OUT_OF_RESOURCES</th>
          <th scope="col">ENDPOINT_INDEPENDENT_CONFLICT</th>
        </tr>
      </thead>
      <tbody>
        {gcp.map((g) => (
          <tr key={g.vm}>
            <td>{g.vm}</td>
            <td>{n(g.allocatedPorts)}</td>
            <td className={g.OUT_OF_RESOURCES ? 'snat-failed' : ''}>{n(g.OUT_OF_RESOURCES)}</td>
            <td className={g.ENDPOINT_INDEPENDENT_CONFLICT ? 'snat-failed' : ''}>{n(g.ENDPOINT_INDEPENDENT_CONFLICT)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MappingFilter() {
  const filter = useSnatStore((s) => s.filter);
  return <FilterInput value={filter} onCommit={setSnatFilter} label="Filter SNAT mappings" placeholder="Filter: instance, address, port or state (e.g. established)" />;
}

function Mappings({ report }: { report: SnatReport }) {
  const devices = new Map(report.devices.map((d) => [d.id, d.name]));
  const behaviour = new Map(report.devices.map((d) => [d.id, d.behaviour?.mapping ?? '']));
  return (
    <section aria-label="SNAT mappings">
      <h3>
        Mappings <span className="muted">{n(report.mappingCount)} in all</span>
      </h3>
      <MappingFilter />
      {report.mappings.length < report.mappingCount && (
        <p className="panel-note">
          Showing {n(report.mappings.length)} of {n(report.mappingCount)}: filter to narrow down.
        </p>
      )}
      {report.mappings.length ? (
        <table className="grid-table mono">
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Proto</th>
              <th scope="col">Private source</th>
              <th scope="col">Public source</th>
              <th scope="col">Destination</th>
              <th scope="col">State</th>
              <th scope="col">Remaining</th>
              <th scope="col">Then</th>
              <th scope="col">Device</th>
              <th scope="col" title="RFC 4787 mapping behaviour of the device: EIM keeps one public endpoint per private endpoint; ADM/APDM give one per destination">
                Mapping
              </th>
            </tr>
          </thead>
          <tbody>
            {report.mappings.map((m) => (
              <tr key={`${m.proto}-${m.private}-${m.remote}-${m.public}`}>
                <td>{m.instance}</td>
                <td>{m.proto}</td>
                <td>{m.private}</td>
                <td>{m.public}</td>
                <td>{m.remote}</td>
                <td className={`snat-state snat-${m.state}`}>{m.state}</td>
                <td>{formatRemaining(m.remainingUs)}</td>
                <td>{THEN[m.then] ?? m.then}</td>
                <td>{devices.get(m.device) ?? m.device}</td>
                <td>{behaviour.get(m.device)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="panel-empty">(no mappings{report.mappingCount ? ' match the filter' : ''})</p>
      )}
    </section>
  );
}

export const SnatPanel = memo(function SnatPanel() {
  const report = useSnatStore((s) => s.report);
  const last = useSnatStore((s) => s.lastAction);
  if (!report)
    return (
      <p className="panel-empty">
        Press Run or Step: the SNAT devices of the run (outbound rules, load-balancing-rule SNAT, NAT gateways, default outbound access) appear here with their ports and mappings. An
        instance-level public IP is 1:1 and keeps no table.
      </p>
    );
  return (
    <div className="snat-panel">
      {last && <p className="panel-note">Last action: {last}</p>}
      {report.devices.map((d) => (
        <Device key={d.id} d={d} report={report} />
      ))}
      <Mappings report={report} />
    </div>
  );
});

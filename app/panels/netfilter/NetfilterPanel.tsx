/**
 * The Netfilter tab: for each Linux router and NVA of the run, what a person would type on the
 * box and read back — `ip addr` (interfaces), `ip route`, `iptables -t nat -L -v -n`,
 * `iptables -L -v -n`, `iptables -S`, `conntrack -L` and `conntrack -S` — with the RFC 4787
 * behaviour of its NAT rules and the rule lines iptables refused. Filled from the snapshot
 * (engine/api.ts asks the simulation for it only while this tab is open).
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useRef, useState, type KeyboardEvent } from 'react';
import type { NetfilterRow } from '../../../engine/sim/types.ts';
import { useSimStore } from '../../state/sim-store.ts';
import { useDocumentStore } from '../../state/document-store.ts';
import './netfilter.css';

const VIEWS = [
  { id: 'nat', label: 'nat table', command: 'iptables -t nat -L -v -n' },
  { id: 'filter', label: 'filter table', command: 'iptables -L -v -n' },
  { id: 'rules', label: 'rules', command: 'iptables -S; iptables -t nat -S' },
  { id: 'conntrack', label: 'conntrack', command: 'conntrack -L' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];
const commandOf = (id: ViewId) => VIEWS.find((v) => v.id === id)!.command;

function CopyButton({ text, what }: { text: string; what: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn-small nf-copy"
      aria-label={`Copy ${what}`}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => {
            setDone(true);
            setTimeout(() => setDone(false), 1200);
          },
          () => undefined,
        );
      }}
    >
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}

/** One command and its output, as a terminal shows it. */
function Output({ command, text, label }: { command: string; text: string; label: string }) {
  return (
    <figure className="nf-output">
      <figcaption>
        <code className="nf-prompt"># {command}</code>
        <CopyButton text={text} what={`${command} output`} />
      </figcaption>
      <pre className="mono" aria-label={label} tabIndex={0}>
        {text || '(empty)'}
      </pre>
    </figure>
  );
}

const CT_ROW = 18;

/** conntrack -L: virtualised, since a busy router holds thousands of entries; wrapped rows are measured. */
function ConntrackList({ lines, name, wrap }: { lines: readonly string[]; name: string; wrap: boolean }) {
  const scroll = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: lines.length, getScrollElement: () => scroll.current, estimateSize: () => (wrap ? 2 * CT_ROW : CT_ROW), overscan: 15 });
  const text = lines.join('\n');
  return (
    <figure className="nf-output">
      <figcaption>
        <code className="nf-prompt"># conntrack -L</code>
        <CopyButton text={text} what="conntrack -L output" />
      </figcaption>
      <div
        ref={scroll}
        className="nf-ct mono"
        role="list"
        aria-label={`conntrack entries of ${name}`}
        tabIndex={0}
        style={{ height: Math.max(1, lines.length) * (wrap ? 2 : 1) * CT_ROW + 14 }}
      >
        <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
          {virt.getVirtualItems().map((it) => (
            <div
              key={it.key}
              ref={wrap ? virt.measureElement : undefined}
              data-index={it.index}
              role="listitem"
              className="nf-ct-row"
              style={{ position: 'absolute', top: 0, left: 0, ...(wrap ? { right: 0 } : { height: CT_ROW }), transform: `translateY(${it.start}px)` }}
            >
              {lines[it.index]}
            </div>
          ))}
        </div>
        {lines.length === 0 && <p className="muted">No entries.</p>}
      </div>
      <p className="muted mono nf-ct-summary">
        conntrack v1.4.7 (conntrack-tools): {lines.length} flow entr{lines.length === 1 ? 'y has' : 'ies have'} been shown.
      </p>
    </figure>
  );
}

function Stats({ row }: { row: NetfilterRow }) {
  const s = row.conntrackStats;
  const cells: [string, number | string][] = [
    ['entries', `${s.entries} / ${s.max}`],
    ['insert_failed', s.insertFailed],
    ['drop', s.drop],
    ['early_drop', s.earlyDrop],
  ];
  return (
    <ul className="mono nf-stats" aria-label={`Conntrack statistics of ${row.name}`}>
      {cells.map(([k, v]) => (
        <li key={k}>
          <span className="muted">{k}</span> <strong className={k !== 'entries' && v !== 0 ? 'nf-bad' : undefined}>{v}</strong>
        </li>
      ))}
    </ul>
  );
}

function Interfaces({ row }: { row: NetfilterRow }) {
  return (
    <table className="grid-table nf-ifaces" aria-label={`Interfaces of ${row.name}`}>
      <thead>
        <tr>
          <th scope="col">Interface</th>
          <th scope="col">Addresses</th>
          <th scope="col">Attached to</th>
        </tr>
      </thead>
      <tbody>
        {row.interfaces.map((i) => (
          <tr key={i.name}>
            <td className="mono">{i.name}</td>
            <td className="mono">{i.addresses.join(', ') || '—'}</td>
            <td>
              {i.attached}
              {i.nic ? <span className="muted"> (NIC {i.nic})</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Device({ row }: { row: NetfilterRow }) {
  const [view, setView] = useState<ViewId>('nat');
  const [wrap, setWrap] = useState(false);
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = VIEWS.findIndex((v) => v.id === view);
    const next = VIEWS[(i + (e.key === 'ArrowRight' ? 1 : VIEWS.length - 1)) % VIEWS.length]!;
    setView(next.id);
  };
  const tabId = (id: string) => `nf-${row.node}-${id}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    <section className="nf-device" aria-label={`Netfilter of ${row.name}`}>
      <div className="nf-side">
        <h3>
          {row.name} <span className="muted">({row.kind === 'nva' ? 'NVA' : 'Linux router'})</span>
        </h3>
        <Interfaces row={row} />
        <Output command="ip route" text={row.routes.join('\n')} label={`ip route of ${row.name}`} />
        <h4>conntrack -S</h4>
        <Stats row={row} />
        <section className="nf-behaviour" aria-label={`NAT behaviour of ${row.name}`}>
          <h4>RFC 4787 behaviour</h4>
          <p>
            Mapping: <strong>{row.behaviour.mapping}</strong> · filtering: <strong>{row.behaviour.filtering}</strong>
          </p>
          <p className="panel-note">{row.behaviour.explanation}</p>
        </section>
        {row.errors.length > 0 && (
          <section aria-label={`Refused rules of ${row.name}`}>
            <h4 className="nf-bad">Rules iptables refused</h4>
            <ul className="plain-list mono nf-errors">
              {row.errors.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
          </section>
        )}
      </div>
      <div className="nf-main">
        <div className="nf-tabbar">
          <div role="tablist" aria-label={`Tables of ${row.name}`} className="nf-tabs" onKeyDown={onKey}>
            {VIEWS.map((v) => (
              <button
                key={v.id}
                type="button"
                role="tab"
                id={tabId(v.id)}
                aria-selected={view === v.id}
                aria-controls={`${tabId(v.id)}-panel`}
                tabIndex={view === v.id ? 0 : -1}
                className={view === v.id ? 'chip chip-on' : 'chip'}
                onClick={() => setView(v.id)}
              >
                {v.label}
                {v.id === 'conntrack' ? ` (${row.conntrack.length})` : ''}
              </button>
            ))}
          </div>
          <label className="nf-wrap">
            <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} /> Wrap long lines
          </label>
        </div>
        <div role="tabpanel" id={`${tabId(view)}-panel`} aria-labelledby={tabId(view)} className={wrap ? 'nf-view nf-wrapped' : 'nf-view'}>
          {view === 'nat' && <Output command={commandOf('nat')} text={row.natTable} label={`nat table of ${row.name}`} />}
          {view === 'filter' && <Output command={commandOf('filter')} text={row.filterTable} label={`filter table of ${row.name}`} />}
          {view === 'rules' && <Output command={commandOf('rules')} text={row.rules} label={`rules of ${row.name}`} />}
          {view === 'conntrack' && <ConntrackList key={String(wrap)} lines={row.conntrack} name={row.name} wrap={wrap} />}
        </div>
      </div>
    </section>
  );
}

export const NetfilterPanel = memo(function NetfilterPanel() {
  const rows = useSimStore((s) => s.snapshot?.netfilter);
  const status = useSimStore((s) => s.status);
  const routers = useDocumentStore((s) => s.doc.resources.filter((r) => r.kind === 'linuxRouter' || r.kind === 'nva').length);
  const [picked, setPicked] = useState<string | null>(null);
  if (!rows || rows.length === 0) {
    return (
      <p className="panel-note">
        {routers === 0
          ? 'No Linux router or NVA in this scenario: add one from the palette, then run.'
          : status === 'idle' || status === 'loading'
            ? 'Press Run or Step: each Linux router and NVA shows its interfaces, routes, iptables tables and conntrack entries here.'
            : 'Waiting for the routers\u2019 state…'}
      </p>
    );
  }
  const row = rows.find((r) => r.node === picked) ?? rows[0]!;
  return (
    <div className="nf-panel">
      <label className="nf-pick">
        Router{' '}
        <select aria-label="Router or NVA" value={row.node} onChange={(e) => setPicked(e.target.value)}>
          {rows.map((r) => (
            <option key={r.node} value={r.node}>
              {r.name} ({r.kind === 'nva' ? 'NVA' : 'Linux router'})
            </option>
          ))}
        </select>
        <span className="muted"> {rows.length} with netfilter in this run</span>
      </label>
      <Device key={row.node} row={row} />
    </div>
  );
});

/**
 * The hop view: for the selected packet at the selected node, its headers as they came in and
 * as they went out, and what the node changed (a rewrite's before and after, highlighted; an
 * encapsulation shown as a packet nested in another). The packet's path is a row of node chips:
 * pick another node to see that hop.
 */
import { memo, useEffect, useState } from 'react';
import type { PacketView, TraceEvent } from '../../engine/sim/types.ts';
import { diffViews, hopDetail, pathOf, type HopDetail } from '../run/hop-detail.ts';
import { useSimStore } from '../state/sim-store.ts';
import { engineBridge } from '../worker/bridge.ts';

const PROTO: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP' };

function Field({ name, value, path, changed }: { name: string; value: string | number; path: string; changed: ReadonlySet<string> }) {
  const hot = changed.has(path);
  return (
    <div className={hot ? 'hop-field hop-field-changed' : 'hop-field'} data-field={path}>
      <span className="hop-field-name">{name}</span>
      <span className="hop-field-value">{value}</span>
    </div>
  );
}

/** One packet's headers, layer by layer; a VXLAN packet holds its inner packet as a nested box. */
export function Headers({ view, changed, prefix = '' }: { view: PacketView; changed: ReadonlySet<string>; prefix?: string }) {
  const p = (s: string) => `${prefix}${s}`;
  return (
    <div className="hop-headers">
      {view.eth && (
        <section aria-label="Ethernet">
          <h4>Ethernet</h4>
          <Field name="src" value={view.eth.src} path={p('eth.src')} changed={changed} />
          <Field name="dst" value={view.eth.dst} path={p('eth.dst')} changed={changed} />
        </section>
      )}
      <section aria-label="IPv4">
        <h4>IPv4</h4>
        <Field name="src" value={view.ip.src} path={p('ip.src')} changed={changed} />
        <Field name="dst" value={view.ip.dst} path={p('ip.dst')} changed={changed} />
        <Field name="ttl" value={view.ip.ttl} path={p('ip.ttl')} changed={changed} />
        <Field name="protocol" value={`${PROTO[view.ip.protocol] ?? view.ip.protocol} (${view.ip.protocol})`} path={p('ip.protocol')} changed={changed} />
        <Field name="id" value={view.ip.id} path={p('ip.id')} changed={changed} />
        <Field name="length" value={view.ip.length} path={p('ip.length')} changed={changed} />
      </section>
      {view.tcp && (
        <section aria-label="TCP">
          <h4>TCP</h4>
          <Field name="src port" value={view.tcp.srcPort} path={p('tcp.srcPort')} changed={changed} />
          <Field name="dst port" value={view.tcp.dstPort} path={p('tcp.dstPort')} changed={changed} />
          <Field name="flags" value={view.tcp.flags} path={p('tcp.flags')} changed={changed} />
          <Field name="seq" value={view.tcp.seq} path={p('tcp.seq')} changed={changed} />
          <Field name="ack" value={view.tcp.ack} path={p('tcp.ack')} changed={changed} />
          <Field name="window" value={view.tcp.window} path={p('tcp.window')} changed={changed} />
          <Field name="len" value={view.tcp.len} path={p('tcp.len')} changed={changed} />
        </section>
      )}
      {view.udp && (
        <section aria-label="UDP">
          <h4>UDP</h4>
          <Field name="src port" value={view.udp.srcPort} path={p('udp.srcPort')} changed={changed} />
          <Field name="dst port" value={view.udp.dstPort} path={p('udp.dstPort')} changed={changed} />
          <Field name="len" value={view.udp.len} path={p('udp.len')} changed={changed} />
        </section>
      )}
      {view.icmp && (
        <section aria-label="ICMP">
          <h4>ICMP</h4>
          <Field name="type" value={view.icmp.type} path={p('icmp.type')} changed={changed} />
          <Field name="code" value={view.icmp.code} path={p('icmp.code')} changed={changed} />
          {view.icmp.id !== undefined && <Field name="id" value={view.icmp.id} path={p('icmp.id')} changed={changed} />}
          {view.icmp.seq !== undefined && <Field name="seq" value={view.icmp.seq} path={p('icmp.seq')} changed={changed} />}
        </section>
      )}
      {view.vxlan && (
        <section aria-label="VXLAN" className="hop-encap">
          <h4>VXLAN (VNI {view.vxlan.vni})</h4>
          <Field name="vni" value={view.vxlan.vni} path={p('vxlan.vni')} changed={changed} />
          <div className="hop-inner">
            <Headers view={view.vxlan.inner} changed={changed} prefix={p('vxlan.inner.')} />
          </div>
        </section>
      )}
    </div>
  );
}

function Change({ c }: { c: HopDetail['changes'][number] }) {
  const changed = c.before && c.after ? diffViews(c.before, c.after) : new Set<string>();
  return (
    <li className={`hop-change hop-change-${c.kind}`}>
      <div className="hop-change-title">
        <span className={`trace-kind trace-kind-${c.kind}`}>{c.kind}</span> <span className="mono">{c.node}</span>: {c.summary}
        {c.reason && <div className="hop-reason">{c.reason}</div>}
      </div>
      {c.before && c.after && (
        <div className="hop-beforeafter">
          <div>
            <h5>before</h5>
            <Headers view={c.before} changed={changed} />
          </div>
          <div>
            <h5>after</h5>
            <Headers view={c.after} changed={changed} />
          </div>
        </div>
      )}
      {!c.before && c.after && (c.kind === 'encap' || c.kind === 'decap') && <Headers view={c.after} changed={new Set()} />}
    </li>
  );
}

function HopViewImpl() {
  const selected = useSimStore((s) => s.selected);
  const total = useSimStore((s) => s.total);
  const traceLevel = useSimStore((s) => s.traceLevel);
  const [events, setEvents] = useState<TraceEvent[]>([]);
  const [node, setNode] = useState<string | null>(null);

  useEffect(() => {
    setNode(selected?.node ?? null);
  }, [selected]);

  useEffect(() => {
    if (!selected) {
      setEvents([]);
      return;
    }
    let live = true;
    engineBridge
      .call((e) => e.packetEvents(selected.packetId, Math.max(0, total - 1)))
      .then((evs) => live && setEvents(evs))
      .catch(() => live && setEvents([]));
    return () => {
      live = false;
    };
  }, [selected, total]);

  if (!selected) return <p className="panel-empty">Pause and click a packet on the canvas, or pick an event in the Trace panel, to see its headers hop by hop.</p>;
  const path = pathOf(events);
  const at = node ?? path[0] ?? '';
  const detail = hopDetail(events, at);
  return (
    <div className="hop-view" aria-label={`Hop view of packet ${selected.packetId}`}>
      <div className="hop-path" role="toolbar" aria-label="Nodes the packet visited">
        <span>Packet #{selected.packetId}:</span>
        {path.map((n, i) => (
          <button key={`${n}-${i}`} type="button" aria-pressed={n === at} className={n === at ? 'chip chip-on' : 'chip'} onClick={() => setNode(n)}>
            {n}
          </button>
        ))}
      </div>
      {traceLevel !== 'full' && <p className="panel-note">This run is large, so the trace keeps one-line summaries only: headers are shown for runs up to 5,000 connections.</p>}
      <div className="hop-io">
        <div className="hop-col" aria-label="In">
          <h3>In{detail.inFrom ? ` from ${detail.inFrom}` : ''}</h3>
          {detail.in ? <Headers view={detail.in} changed={detail.changed} /> : <p className="panel-empty">It started here.</p>}
        </div>
        <div className="hop-col" aria-label="Out">
          <h3>Out{detail.outTo ? ` to ${detail.outTo}` : ''}</h3>
          {detail.out ? <Headers view={detail.out} changed={detail.changed} /> : <p className="panel-empty">It went no further (yet).</p>}
        </div>
      </div>
      {detail.changes.length > 0 && (
        <div className="hop-changes">
          <h3>What {at} did</h3>
          <ul>
            {detail.changes.map((c) => (
              <Change key={c.seq} c={c} />
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

export const HopView = memo(HopViewImpl);

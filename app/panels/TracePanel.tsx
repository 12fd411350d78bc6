/**
 * The trace: every event of the run in time order, like a packet list. The list is virtualised
 * and its rows live in the worker: this panel asks for the page it shows (filtered there by node,
 * flow and kind), so a run with millions of events costs the rows on screen. Clicking an event
 * selects its packet: the canvas highlights it and the hop view shows it.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { TRACE_KINDS, type TraceQuery, type TraceRow } from '../../engine/api.ts';
import type { TraceKind } from '../../engine/sim/types.ts';
import { useDocumentStore } from '../state/document-store.ts';
import { setTraceQuery, useSimStore } from '../state/sim-store.ts';
import { engineBridge } from '../worker/bridge.ts';

const ROW_HEIGHT = 24;
const PAGE = 200;
/** While running, the list refetches at most this often. */
const REFRESH_MS = 250;

function Filters() {
  const q = useSimStore((s) => s.traceQuery);
  const resources = useDocumentStore((s) => s.doc.resources);
  const nodes = useMemo(() => ['internet', ...resources.filter((r) => r.kind !== 'nic').map((r) => r.id)].sort(), [resources]);
  const [flowText, setFlowText] = useState(q.flow?.toString() ?? '');
  const set = (patch: Partial<TraceQuery>) => {
    const next: { node?: string; flow?: number; kinds?: readonly TraceKind[] } = { ...q, ...patch };
    for (const k of ['node', 'flow', 'kinds'] as const) if (next[k] === undefined) delete next[k];
    setTraceQuery(next);
  };
  const kinds = q.kinds ?? [];
  return (
    <div className="trace-filters" role="group" aria-label="Trace filters">
      <label>
        Node{' '}
        <select aria-label="Filter by node" value={q.node ?? ''} onChange={(e) => set({ node: e.target.value || undefined })}>
          <option value="">all</option>
          {nodes.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Flow{' '}
        <input
          aria-label="Filter by flow"
          inputMode="numeric"
          size={5}
          placeholder="#"
          value={flowText}
          onChange={(e) => {
            setFlowText(e.target.value);
            const n = Number(e.target.value);
            set({ flow: e.target.value.trim() && Number.isInteger(n) ? n : undefined });
          }}
        />
      </label>
      <span className="trace-kinds" role="group" aria-label="Filter by kind">
        {TRACE_KINDS.map((k) => {
          const on = kinds.includes(k);
          return (
            <button
              key={k}
              type="button"
              className={on ? 'chip chip-on' : 'chip'}
              aria-pressed={on}
              onClick={() => {
                const next = on ? kinds.filter((x) => x !== k) : [...kinds, k];
                set({ kinds: next.length ? next : undefined });
              }}
            >
              {k}
            </button>
          );
        })}
      </span>
    </div>
  );
}

const seconds = (us: number) => (us / 1e6).toFixed(6);

function TraceList() {
  const query = useSimStore((s) => s.traceQuery);
  const version = useSimStore((s) => s.traceVersion);
  const running = useSimStore((s) => s.status === 'running');
  const currentSeq = useSimStore((s) => s.current?.seq ?? -1);
  const actions = useSimStore((s) => s.actions);
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = useRef(new Map<number, TraceRow>());
  const [total, setTotal] = useState(0);
  const [range, setRange] = useState<[number, number]>([0, 60]);
  const [follow, setFollow] = useState(true);
  const [, bump] = useState(0);
  const lastFetch = useRef(0);
  const totalRef = useRef(0);

  const virt = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });
  const items = virt.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    setRange((r) => (r[0] === first && r[1] === last ? r : [first, last]));
  }, [first, last]);

  useEffect(() => {
    rows.current.clear();
  }, [query]);

  useEffect(() => {
    let live = true;
    const wait = running ? Math.max(0, REFRESH_MS - (performance.now() - lastFetch.current)) : 0;
    const t = setTimeout(() => {
      lastFetch.current = performance.now();
      const wantTail = follow && running;
      const from = wantTail ? Number.MAX_SAFE_INTEGER : Math.max(0, range[0] - 20);
      engineBridge
        .call((e) => e.trace(query, from, PAGE))
        .then(async (page) => {
          let p = page;
          if (wantTail) p = await engineBridge.call((e) => e.trace(query, Math.max(0, page.total - 80), 80));
          if (!live) return;
          if (p.total < totalRef.current) rows.current.clear();
          totalRef.current = p.total;
          p.rows.forEach((r, i) => rows.current.set(p.offset + i, r));
          setTotal(p.total);
          bump((n) => n + 1);
        })
        .catch(() => undefined);
    }, wait);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [query, version, range[0], range[1], follow, running]);

  useEffect(() => {
    if (follow && running && total > 0) virt.scrollToIndex(total - 1, { align: 'end' });
  }, [follow, running, total, virt]);

  return (
    <>
      <div className="trace-head">
        <span className="muted" aria-live="off">
          {total.toLocaleString('en-US')} events
        </span>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow while running
        </label>
      </div>
      <div ref={scrollRef} className="trace-scroll" role="list" aria-label="Trace events">
        <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const r = rows.current.get(it.index);
            return (
              <div
                key={it.key}
                role="listitem"
                className={`trace-row trace-${r?.kind ?? 'loading'}${r && r.seq === currentSeq ? ' trace-current' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${it.start}px)` }}
                aria-current={r && r.seq === currentSeq ? 'true' : undefined}
                data-seq={r?.seq}
                onClick={() => r && actions?.selectEvent(r.seq)}
              >
                {r ? (
                  <>
                    <span className="trace-t mono">{seconds(r.t)}</span>
                    <span className={`trace-kind trace-kind-${r.kind}`}>{r.kind}</span>
                    <span className="trace-node mono">
                      {r.node}
                      {r.to ? ` → ${r.to}` : ''}
                    </span>
                    <span className="trace-summary mono" title={r.reason ?? r.summary}>
                      {r.flowId !== undefined ? `#${r.flowId} ` : ''}
                      {r.summary}
                      {r.code ? ` [${r.code}]` : ''}
                      {r.reason ? ` — ${r.reason}` : ''}
                    </span>
                  </>
                ) : (
                  <span className="muted">…</span>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}

export const TracePanel = memo(function TracePanel() {
  const status = useSimStore((s) => s.status);
  const total = useSimStore((s) => s.total);
  return (
    <div className="trace-panel">
      <Filters />
      {status === 'idle' && total === 0 ? <p className="panel-empty">Press Run or Step: every hop, rewrite, delivery and drop is listed here in time order.</p> : <TraceList />}
    </div>
  );
});

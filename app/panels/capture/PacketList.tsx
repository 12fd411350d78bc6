/**
 * The packet list: No., Time, Source, Destination, Protocol, Length, Info, coloured by Wireshark's
 * default rules. Virtualised (only the visible rows are in the DOM) and paged: rows come from the
 * capture worker PAGE at a time and are cached here, so a million frames cost a few pages.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { PacketRow } from '../../../engine/capture-api.ts';
import { captureBridge } from '../../worker/capture-bridge.ts';
import { selectFrame, useCaptureStore } from './capture-store.ts';

export const ROW_HEIGHT = 20;
const PAGE = 200;
const rowHeight = (): number => ROW_HEIGHT;

interface Page {
  readonly rows: PacketRow[];
  /** Displayed count when fetched: a short last page is fetched again when the list grows. */
  readonly total: number;
  readonly seen: number;
}

function usePages(id: string | null, version: number, total: number, seen: number) {
  const cache = useRef(new Map<number, Page>());
  const inflight = useRef(new Set<number>());
  const key = useRef('');
  const [, bump] = useState(0);
  const k = `${id}|${version}`;
  if (key.current !== k) {
    key.current = k;
    cache.current = new Map();
    inflight.current = new Set();
  }
  const fetchPage = useCallback(
    (p: number) => {
      if (!id || inflight.current.has(p)) return;
      const have = cache.current.get(p);
      const stale = have && ((have.rows.length < PAGE && total > have.total) || have.rows.some((r) => r.provisional && r.index < seen));
      if (have && !stale) return;
      inflight.current.add(p);
      const myKey = key.current;
      void captureBridge.api
        .rows(id, p * PAGE, PAGE)
        .then((r) => {
          if (key.current !== myKey) return;
          cache.current.set(p, { rows: r.rows, total: r.total, seen });
          bump((n) => n + 1);
        })
        .finally(() => inflight.current.delete(p));
    },
    // k: a new row set (filter, Decode As) must fetch again even when the counts are equal.
    [id, total, seen, k],
  );
  const rowAt = (i: number): PacketRow | undefined => cache.current.get(Math.floor(i / PAGE))?.rows[i % PAGE];
  return { fetchPage, rowAt };
}

const Row = memo(function Row({ row, selected, top, onPick }: { row: PacketRow; selected: boolean; top: number; onPick: (row: PacketRow) => void }) {
  return (
    <div
      role="row"
      aria-selected={selected}
      aria-rowindex={row.no}
      data-frame={row.no}
      className={`cap-row${row.colour >= 0 ? ` cap-c${row.colour}` : ''}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      onMouseDown={() => onPick(row)}
    >
      <span role="gridcell" className="c-no">{row.no}</span>
      <span role="gridcell" className="c-time">{row.time}</span>
      <span role="gridcell" className="c-src">{row.src}</span>
      <span role="gridcell" className="c-dst">{row.dst}</span>
      <span role="gridcell" className="c-proto">{row.protocol}</span>
      <span role="gridcell" className="c-len">{row.length}</span>
      <span role="gridcell" className="c-info">{row.info}</span>
    </div>
  );
});

export const PacketList = memo(function PacketList() {
  const id = useCaptureStore((s) => s.active);
  const version = useCaptureStore((s) => s.rowsVersion);
  const total = useCaptureStore((s) => s.status?.displayed ?? 0);
  const seen = useCaptureStore((s) => s.status?.seen ?? 0);
  const selected = useCaptureStore((s) => s.selected);
  const scrollRef = useRef<HTMLDivElement>(null);
  const { fetchPage, rowAt } = usePages(id, version, total, seen);
  const getScrollElement = useCallback(() => scrollRef.current, []);
  const v = useVirtualizer({ count: total, getScrollElement, estimateSize: rowHeight, overscan: 12 });
  const items = v.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (last < 0) return;
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) fetchPage(p);
  }, [first, last, fetchPage]);

  /** Position of the selection among the displayed rows (kept here so fast key presses add up). */
  const cursor = useRef(-1);
  const pick = useCallback((row: PacketRow, pos?: number) => {
    if (pos !== undefined) cursor.current = pos;
    void selectFrame(row.index);
  }, []);

  // After a new filter, keep the selected frame in view when it is still displayed.
  useEffect(() => {
    const sel = useCaptureStore.getState().selected;
    cursor.current = -1;
    if (!id || sel === null) return;
    void captureBridge.api.positionOf(id, sel).then((pos) => {
      cursor.current = pos;
      if (pos >= 0) v.scrollToIndex(pos, { align: 'center' });
    });
  }, [id, version]);

  const onKey = (e: KeyboardEvent) => {
    if (!id || total === 0 || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End')) return;
    e.preventDefault();
    const pos = selected === null ? -1 : cursor.current;
    let next = e.key === 'Home' ? 0 : e.key === 'End' ? total - 1 : pos < 0 ? 0 : pos + (e.key === 'ArrowDown' ? 1 : -1);
    next = Math.max(0, Math.min(total - 1, next));
    cursor.current = next;
    v.scrollToIndex(next);
    const row = rowAt(next);
    if (row) pick(row);
    else void captureBridge.api.rows(id, next, 1).then((r) => r.rows[0] && cursor.current === next && pick(r.rows[0]));
  };

  return (
    <div className="cap-list" role="grid" aria-label="Packet list" aria-rowcount={total} tabIndex={0} onKeyDown={onKey}>
      <div className="cap-row cap-head" role="row">
        <span role="columnheader" className="c-no">No.</span>
        <span role="columnheader" className="c-time">Time</span>
        <span role="columnheader" className="c-src">Source</span>
        <span role="columnheader" className="c-dst">Destination</span>
        <span role="columnheader" className="c-proto">Protocol</span>
        <span role="columnheader" className="c-len">Length</span>
        <span role="columnheader" className="c-info">Info</span>
      </div>
      <div className="cap-scroll" ref={scrollRef} data-testid="packet-scroll">
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const row = rowAt(it.index);
            if (!row)
              return (
                <div key={it.key} className="cap-row cap-loading" style={{ transform: `translateY(${it.start}px)` }}>
                  <span className="c-no">…</span>
                </div>
              );
            return <Row key={it.key} row={row} top={it.start} selected={row.index === selected} onPick={(r) => pick(r, it.index)} />;
          })}
        </div>
      </div>
    </div>
  );
});

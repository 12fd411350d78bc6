/** The bottom dock: a tab strip over the registered panels (ARIA tabs pattern). */
import { memo, type KeyboardEvent } from 'react';
import { useViewStore } from '../state/view-store.ts';
import { useDockRegistry } from './registry.ts';

export const Dock = memo(function Dock() {
  const panels = useDockRegistry((s) => s.panels);
  const wanted = useViewStore((s) => s.dockTab);
  const active = panels.find((p) => p.id === wanted) ?? panels[0];
  const open = (id: string) => useViewStore.setState({ dockTab: id });
  const onKey = (e: KeyboardEvent) => {
    if (!active || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return;
    const i = panels.indexOf(active);
    const next = panels[(i + (e.key === 'ArrowRight' ? 1 : panels.length - 1)) % panels.length];
    if (next) open(next.id);
  };
  const Active = active?.component;
  return (
    <section className="dock" aria-label="Panels">
      <div role="tablist" aria-label="Panels" className="tabs" onKeyDown={onKey}>
        {panels.map((p) => (
          <button
            key={p.id}
            role="tab"
            type="button"
            id={`tab-${p.id}`}
            aria-selected={p === active}
            aria-controls={`tabpanel-${p.id}`}
            tabIndex={p === active ? 0 : -1}
            className="tab"
            onClick={() => open(p.id)}
          >
            {p.title}
          </button>
        ))}
      </div>
      {active && Active && (
        <div role="tabpanel" id={`tabpanel-${active.id}`} aria-labelledby={`tab-${active.id}`} className="tabpanel">
          <Active />
        </div>
      )}
    </section>
  );
});

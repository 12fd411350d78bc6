/**
 * The details pane: one line per layer (collapsible), its fields below, sub-fields (flags, options)
 * collapsed until opened, as in Wireshark. Clicking a line highlights its bytes in the hex pane.
 * A VXLAN frame's inner Ethernet/IP/TCP layers follow the VXLAN layer, as in Wireshark's tree.
 */
import { memo, type KeyboardEvent } from 'react';
import type { Field, Layer } from '../../../engine/dissect/index.ts';
import type { FrameDetails } from '../../../engine/capture-api.ts';
import { fieldKey, layerKey } from './field-tree.ts';
import { followTcpStream, selectField, selectTraceEvent, toggleNode, useCaptureStore } from './capture-store.ts';
import { usePacketPath } from './PacketPath.tsx';

/** Layers start open and fields with children start closed; `toggled` flips that per node. */
const isOpen = (key: string, isLayer: boolean, toggled: ReadonlySet<string>): boolean => (isLayer ? !toggled.has(key) : toggled.has(key));

function keyActivate(e: KeyboardEvent, run: () => void): void {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    run();
  }
}

function FieldLine({ f, k, depth }: { f: Field; k: string; depth: number }) {
  const toggled = useCaptureStore((s) => s.toggled);
  const selected = useCaptureStore((s) => s.field?.key === k);
  const kids = f.children ?? [];
  const open = kids.length > 0 && isOpen(k, false, toggled);
  const onClick = () => {
    selectField(k, f);
    if (kids.length) toggleNode(k);
  };
  return (
    <li role="treeitem" aria-expanded={kids.length ? open : undefined} aria-selected={selected}>
      <div
        className={`cap-line${selected ? ' selected' : ''}${f.malformed ? ' malformed' : ''}${f.generated ? ' generated' : ''}`}
        style={{ paddingLeft: 8 + depth * 14 }}
        tabIndex={-1}
        title={f.name}
        data-field={f.name}
        onClick={onClick}
        onKeyDown={(e) => keyActivate(e, onClick)}
      >
        <span className="cap-twisty" aria-hidden>{kids.length ? (open ? '▾' : '▸') : ''}</span>
        {f.label}
      </div>
      {open && (
        <ul role="group">
          {kids.map((c, i) => (
            <FieldLine key={i} f={c} k={fieldKey(k, i, c)} depth={depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}

function LayerNode({ layer, li }: { layer: Layer; li: number }) {
  const k = layerKey(li, layer);
  const toggled = useCaptureStore((s) => s.toggled);
  const selected = useCaptureStore((s) => s.field?.key === k);
  const open = isOpen(k, true, toggled);
  const onClick = () => {
    selectField(k, layer);
    toggleNode(k);
  };
  return (
    <li role="treeitem" aria-expanded={open} aria-selected={selected} data-layer={layer.protocol}>
      <div className={`cap-line cap-layer${selected ? ' selected' : ''}${layer.malformed ? ' malformed' : ''}`} tabIndex={0} onClick={onClick} onKeyDown={(e) => keyActivate(e, onClick)}>
        <span className="cap-twisty" aria-hidden>{open ? '▾' : '▸'}</span>
        {layer.label}
      </div>
      {open && (
        <ul role="group">
          {layer.fields.map((f, i) => (
            <FieldLine key={i} f={f} k={fieldKey(k, i, f)} depth={1} />
          ))}
        </ul>
      )}
    </li>
  );
}

function FrameLine({ d }: { d: FrameDetails }) {
  const bits = (n: number) => `${n} bytes (${n * 8} bits)`;
  const stream = findStream(d.layers);
  return (
    <div className="cap-frame-line">
      <span>
        Frame {d.no}: {bits(d.originalLength)} on wire, {bits(d.capturedLength)} captured{d.interfaceName ? ` on ${d.interfaceName}` : ''} · {d.absTime}
      </span>
      {d.sim && (
        <span className="cap-sim">
          packet #{d.sim.packetId} · {d.sim.direction === 'in' ? 'arriving at' : 'leaving'} {d.sim.node} ({d.sim.capture})
        </span>
      )}
      {stream !== null && (
        <button type="button" className="btn-small" onClick={() => void followTcpStream(stream)}>
          Follow TCP stream {stream}
        </button>
      )}
    </div>
  );
}

function findStream(layers: readonly Layer[]): number | null {
  for (let i = layers.length - 1; i >= 0; i--) {
    const f = layers[i]!.fields.find((x) => x.name === 'tcp.stream');
    if (f && typeof f.value === 'number') return f.value;
  }
  return null;
}

/** The followed packet's trace events: where it went, and where it was rewritten or wrapped. */
function PathEvents() {
  const hops = usePacketPath((s) => s.hops);
  if (!hops.length) return null;
  return (
    <details className="cap-path" open>
      <summary>Trace of this packet ({hops.length} events, drawn on the canvas)</summary>
      <ol aria-label="Trace events of this packet">
        {hops.map((h) => (
          <li key={h.seq} className={`cap-path-${h.kind}`}>
            <button type="button" className="link" onClick={() => selectTraceEvent(h.seq)}>
              {(h.t / 1e6).toFixed(6)} s · {h.kind} · {h.node}
              {h.to ? ` → ${h.to}` : ''} · {h.summary}
            </button>
          </li>
        ))}
      </ol>
    </details>
  );
}

export const DetailsTree = memo(function DetailsTree() {
  const d = useCaptureStore((s) => s.details);
  if (!d) return <div className="cap-details cap-empty">Select a packet to see its layers and fields.</div>;
  return (
    <div className="cap-details" aria-label="Packet details">
      <FrameLine d={d} />
      <ul role="tree" aria-label={`Frame ${d.no} layers`}>
        {d.layers.map((l, i) => (
          <LayerNode key={i} layer={l} li={i} />
        ))}
      </ul>
      {d.malformed && <p className="cap-malformed">[Malformed Packet: {d.malformed}]</p>}
      {d.sim && <PathEvents />}
    </div>
  );
});

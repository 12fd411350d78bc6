/**
 * The bytes pane: offset, 16 bytes in hex, and their ASCII, as in Wireshark. The selected field's
 * bytes are highlighted; clicking a byte selects the smallest field that covers it (and opens the
 * tree down to it).
 */
import { memo, useEffect, useRef } from 'react';
import { hitAt } from './field-tree.ts';
import { selectField, useCaptureStore } from './capture-store.ts';

const hex2 = (b: number) => b.toString(16).padStart(2, '0');
const ascii = (b: number) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');

function pickByte(byte: number): void {
  const d = useCaptureStore.getState().details;
  if (!d) return;
  const hit = hitAt(d.layers, byte);
  if (!hit) return;
  const toggled = new Set(useCaptureStore.getState().toggled);
  // Layers are open unless toggled; fields are closed unless toggled.
  hit.ancestors.forEach((k, i) => (i === 0 ? toggled.delete(k) : toggled.add(k)));
  useCaptureStore.setState({ toggled });
  selectField(hit.key, hit);
}

export const HexPane = memo(function HexPane() {
  const d = useCaptureStore((s) => s.details);
  const field = useCaptureStore((s) => s.field);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('.hl')?.scrollIntoView({ block: 'nearest' });
  }, [field]);
  if (!d) return <div className="cap-hex cap-empty" />;
  const bytes = d.bytes;
  const lo = field ? field.offset : -1;
  const hi = field ? field.offset + field.length : -1;
  const lines = [];
  for (let o = 0; o < bytes.length; o += 16) {
    const hexCells = [];
    const asciiCells = [];
    for (let i = o; i < Math.min(o + 16, bytes.length); i++) {
      const cls = i >= lo && i < hi ? 'hl' : undefined;
      const b = bytes[i]!;
      hexCells.push(
        <span key={i} className={cls} data-byte={i} onClick={() => pickByte(i)}>
          {hex2(b)}
        </span>,
      );
      if (i - o === 7) hexCells.push(<span key={`g${i}`} className="gap"> </span>);
      asciiCells.push(
        <span key={i} className={cls} onClick={() => pickByte(i)}>
          {ascii(b)}
        </span>,
      );
    }
    lines.push(
      <div key={o} className="cap-hexline">
        <span className="off">{o.toString(16).padStart(4, '0')}</span>
        <span className="hx">{hexCells}</span>
        <span className="as">{asciiCells}</span>
      </div>,
    );
  }
  return (
    <div className="cap-hex" ref={ref} aria-label="Packet bytes">
      {lines}
    </div>
  );
});

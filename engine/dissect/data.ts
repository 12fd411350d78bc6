/** Bytes no dissector claims: Wireshark's "data" protocol (data.data, data.len). */
import { field, gfield, view } from './util.ts';
import { openLayer, type Walk } from './walk.ts';

function hexPrefix(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length && i < 24; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

export function dissectData(w: Walk, off: number, end: number): number {
  const n = end - off;
  if (n <= 0) return off;
  const layer = w.tree ? openLayer(w, 'data', () => `Data (${n} byte${n === 1 ? '' : 's'})`, off, n) : null;
  if (layer) {
    const bytes = view(w.data, off, end);
    layer.fields.push(field('data.data', () => `Data: ${hexPrefix(bytes)}${n > 24 ? '…' : ''}`, bytes, off, n), gfield('data.len', 'Length', n, off, n));
  }
  return end;
}

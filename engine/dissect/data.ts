/** Bytes no dissector claims: Wireshark's "data" protocol (data.data, data.len). */
import { field, generated } from './util.ts';
import { openLayer, type Walk } from './walk.ts';

export function dissectData(w: Walk, off: number, end: number): number {
  const n = end - off;
  if (n <= 0) return off;
  const layer = w.tree ? openLayer(w, 'data', `Data (${n} byte${n === 1 ? '' : 's'})`, off, n) : null;
  if (layer) {
    const bytes = w.data.slice(off, end);
    let shown = '';
    for (let i = 0; i < bytes.length && i < 24; i++) shown += bytes[i]!.toString(16).padStart(2, '0');
    layer.fields.push(field('data.data', `Data: ${shown}${n > 24 ? '…' : ''}`, bytes, off, n), generated('data.len', `[Length: ${n}]`, n, off, n));
  }
  return end;
}

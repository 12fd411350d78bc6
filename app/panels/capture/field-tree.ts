/**
 * Pure helpers over a dissection's layers for the details tree and the hex pane: stable keys for
 * tree nodes, and which field a clicked byte belongs to (the smallest one that covers it, as
 * Wireshark picks in its bytes pane).
 */
import type { Field, Layer } from '../../../engine/dissect/index.ts';

export const layerKey = (li: number, l: Layer): string => `${li}:${l.protocol}`;
export const fieldKey = (parent: string, fi: number, f: Field): string => `${parent}/${fi}:${f.name}`;

export interface FieldHit {
  readonly key: string;
  readonly offset: number;
  readonly length: number;
  /** Keys of the tree nodes that must be open for it to show (its layer and parent fields). */
  readonly ancestors: readonly string[];
}

/** The smallest field (or layer) whose bytes include `byte`; generated fields do not count. */
export function hitAt(layers: readonly Layer[], byte: number): FieldHit | null {
  let best: FieldHit | null = null;
  const consider = (key: string, offset: number, length: number, ancestors: string[]) => {
    if (length <= 0 || byte < offset || byte >= offset + length) return;
    if (!best || length < best.length || (length === best.length && ancestors.length > best.ancestors.length)) best = { key, offset, length, ancestors };
  };
  const walk = (fields: readonly Field[], parent: string, ancestors: string[]) => {
    fields.forEach((f, fi) => {
      const key = fieldKey(parent, fi, f);
      if (!f.generated) consider(key, f.offset, f.length, ancestors);
      if (f.children) walk(f.children, key, [...ancestors, key]);
    });
  };
  layers.forEach((l, li) => {
    const key = layerKey(li, l);
    consider(key, l.offset, l.length, []);
    walk(l.fields, key, [key]);
  });
  return best;
}

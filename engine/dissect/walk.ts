/**
 * The state of one walk over a frame: the bytes, the layers built so far (when a tree is wanted),
 * the packet-list columns, and what the network layer told the transport layer (addresses for the
 * pseudo header, TTL for ICMP's Info). The same walk serves the full tree (`tree: true`) and the
 * fast summary path (`tree: false`), so both always agree on the columns.
 *
 * Address columns are recorded as (kind, offsets) and formatted once at the end: a VXLAN frame
 * sets them twice and the outer pair is never turned into strings.
 */
import type { DecodeAs, Field, Layer, LayerProtocol } from './types.ts';
import type { DissectSession } from './session.ts';
import { ipv4At, ipv6ToString, macColumn } from './util.ts';
import { macFromBytes } from '../wire/addr.ts';

export const ADDR_NONE = 0;
export const ADDR_MAC = 1;
export const ADDR_IP4 = 2;
export const ADDR_IP6 = 3;

export interface Walk {
  data: Uint8Array;
  tree: boolean;
  layers: Layer[];
  decodeAs: DecodeAs;
  session: DissectSession | undefined;
  frame: number;
  verify: boolean;
  protocol: string;
  info: string;
  malformed: string | undefined;
  /** >0 inside an ICMP error's quoted datagram: no columns, no session, truncation is normal. */
  quote: number;
  srcKind: number;
  srcOff: number;
  dstKind: number;
  dstOff: number;
  /** Network layer seen last: 4 or 6 (0 = none), where its addresses are, and its TTL/hop limit. */
  ipVersion: number;
  ipSrcOff: number;
  ipDstOff: number;
  ttl: number;
  /** Nesting guard (VXLAN in VXLAN, ICMP quoting ICMP ...). */
  depth: number;
}

export function newWalk(data: Uint8Array, tree: boolean, decodeAs: DecodeAs, session: DissectSession | undefined, frame: number, verify: boolean): Walk {
  return {
    data, tree, layers: [], decodeAs, session, frame, verify,
    protocol: '', info: '', malformed: undefined, quote: 0,
    srcKind: ADDR_NONE, srcOff: 0, dstKind: ADDR_NONE, dstOff: 0,
    ipVersion: 0, ipSrcOff: 0, ipDstOff: 0, ttl: 0, depth: 0,
  };
}

/** Starts a layer (tree mode only; returns null otherwise so callers skip field building). */
export function openLayer(w: Walk, protocol: LayerProtocol, label: string, offset: number, length: number): Layer | null {
  if (!w.tree) return null;
  const layer: Layer = { protocol, label, offset, length, fields: [] };
  w.layers.push(layer);
  return layer;
}

/** Marks the frame (and the layer, if any) malformed; the first reason wins for the frame. */
export function malformed(w: Walk, layer: Layer | null, reason: string, offset?: number, length?: number): void {
  if (w.quote > 0) return;
  if (w.malformed === undefined) w.malformed = reason;
  if (layer) {
    if (layer.malformed === undefined) layer.malformed = reason;
    if (offset !== undefined) {
      const f: Field = { name: '_ws.malformed', label: `[Malformed Packet: ${reason}]`, value: reason, offset, length: length ?? 0, malformed: reason, generated: true };
      layer.fields.push(f);
    }
  }
}

/** A layer for bytes that end before a header does: shows what is there and why it stops. */
export function truncatedLayer(w: Walk, protocol: LayerProtocol, name: string, offset: number, end: number, need: number): void {
  const reason = `${name} header needs ${need} bytes, only ${Math.max(0, end - offset)} captured`;
  const layer = openLayer(w, protocol, `${name} [truncated]`, offset, Math.max(0, end - offset));
  if (layer) {
    layer.fields.push({ name: `${protocol}.truncated`, label: `[${reason}]`, value: w.data.subarray(offset, Math.max(offset, end)), offset, length: Math.max(0, end - offset), malformed: reason });
  }
  malformed(w, layer, reason);
  if (w.quote === 0 && w.info === '') w.protocol = name;
}

export function setAddresses(w: Walk, kind: number, srcOff: number, dstOff: number): void {
  if (w.quote > 0) return;
  w.srcKind = kind;
  w.srcOff = srcOff;
  w.dstKind = kind;
  w.dstOff = dstOff;
}

export function addressColumn(w: Walk, kind: number, off: number): string {
  switch (kind) {
    case ADDR_MAC: return macColumn(macFromBytes(w.data, off));
    case ADDR_IP4: return ipv4At(w.data, off);
    case ADDR_IP6: return ipv6ToString(w.data, off);
    default: return '';
  }
}

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
import { field, generated, ipv4At, ipv6ToString, type LabelSource, macAt, macColumn, withMalformed, view } from './util.ts';
import type { DissectSession } from './session.ts';

/** A layer whose label (e.g. 'Internet Protocol Version 4, Src: ..., Dst: ...') is built when read. */
export class LazyLayer implements Layer {
  protocol: LayerProtocol;
  offset: number;
  length: number;
  fields: Field[] = [];
  malformed: string | undefined = undefined;
  private lab: LabelSource;

  constructor(protocol: LayerProtocol, label: LabelSource, offset: number, length: number) {
    this.protocol = protocol;
    this.lab = label;
    this.offset = offset;
    this.length = length;
  }

  get label(): string {
    if (typeof this.lab !== 'string') this.lab = this.lab();
    return this.lab;
  }
}

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
  /** Time since the first frame in integer ns (0 when the caller gives none): TCP analysis. */
  timeNs: number;
  verify: boolean;
  protocol: string;
  info: string;
  malformed: string | undefined;
  /**
   * Set when the frame was cut by the capture's snapshot length (an IP length field reaches past
   * the captured bytes): tshark's "Packet size limited during capture", not a malformed packet.
   */
  short: string | undefined;
  /** True when a dissector needed bytes cut by the snaplen (tshark's BoundsError): Info gets the suffix. */
  shortInfo: boolean;
  /**
   * End of the current IP datagram by its length field (IPv4 total length, IPv6 payload length),
   * which may lie beyond the captured end; set by the IP layer just before it hands on its payload.
   */
  reportedEnd: number;
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
  /** Filter fast path: only layers of these protocols are built (null = all). */
  only: ReadonlySet<string> | null;
}

export function newWalk(data: Uint8Array, tree: boolean, decodeAs: DecodeAs, session: DissectSession | undefined, frame: number, verify: boolean, timeNs = 0): Walk {
  return {
    data, tree, layers: [], decodeAs, session, frame, timeNs, verify,
    protocol: '', info: '', malformed: undefined, short: undefined, shortInfo: false, reportedEnd: 0, quote: 0,
    srcKind: ADDR_NONE, srcOff: 0, dstKind: ADDR_NONE, dstOff: 0,
    ipVersion: 0, ipSrcOff: 0, ipDstOff: 0, ttl: 0, depth: 0, only: null,
  };
}

/** Starts a layer (tree mode only; returns null otherwise so callers skip field building). */
export function openLayer(w: Walk, protocol: LayerProtocol, label: LabelSource, offset: number, length: number): Layer | null {
  if (!w.tree || (w.only !== null && !w.only.has(protocol))) return null;
  const layer = new LazyLayer(protocol, label, offset, length);
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
      layer.fields.push(withMalformed(generated('_ws.malformed', `[Malformed Packet: ${reason}]`, reason, offset, length ?? 0), reason));
    }
  }
}

/**
 * The frame was cut by the snapshot length (not malformed). `needed`: a dissector needed the
 * missing bytes (tshark then appends "[Packet size limited during capture]" to Info).
 */
export function packetShort(w: Walk, reason: string, needed: boolean): void {
  if (w.quote > 0) return;
  if (w.short === undefined) w.short = reason;
  if (needed) w.shortInfo = true;
}

/** A layer for bytes that end before a header does: shows what is there and why it stops. */
export function truncatedLayer(w: Walk, protocol: LayerProtocol, name: string, offset: number, end: number, need: number): void {
  const reason = `${name} header needs ${need} bytes, only ${Math.max(0, end - offset)} captured`;
  const layer = openLayer(w, protocol, `${name} [truncated]`, offset, Math.max(0, end - offset));
  if (layer) {
    layer.fields.push(withMalformed(field(`${protocol}.truncated`, `[${reason}]`, view(w.data, offset, Math.max(offset, end)), offset, Math.max(0, end - offset)), reason));
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
    case ADDR_MAC: return macColumn(macAt(w.data, off));
    case ADDR_IP4: return ipv4At(w.data, off);
    case ADDR_IP6: return ipv6ToString(w.data, off);
    default: return '';
  }
}

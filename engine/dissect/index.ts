/**
 * engine/dissect: bytes -> a Wireshark-like tree of layers and fields, and the packet-list
 * columns (Protocol, Source, Destination, Info) as `tshark -r` prints them.
 *
 * `dissect` builds the full tree; `summarize` walks the same code with tree building switched
 * off (no labels, no field objects) for the packet list and bulk decoding. Neither ever throws:
 * a malformed frame is shown as far as it goes, with `malformed` saying why it stops.
 * See README.md for what matches tshark and what does not.
 */
import { dissectEthernet, dissectSll } from './link.ts';
import { dissectIpv4, dissectIpv6 } from './ip.ts';
import { dissectData } from './data.ts';
import type { DecodeAs, DissectContext, Dissection, Field, Layer, Summary } from './types.ts';
import { materializeField } from './util.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW } from './types.ts';
import { addressColumn, newWalk, truncatedLayer, type Walk } from './walk.ts';

export type * from './types.ts';
export { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW } from './types.ts';
export { DissectSession, type TcpFrameState } from './session.ts';
export { defaultDecodeAs, parseDecodeAsRule, withDecodeAs, type DecodeAsParse } from './decode-as.ts';
export { tcpFlagsText } from './tcp.ts';

const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;

function walkFrame(w: Walk, linkType: number): void {
  const d = w.data;
  const end = d.length;
  switch (linkType) {
    case LINKTYPE_ETHERNET: dissectEthernet(w, 0, end); return;
    case LINKTYPE_LINUX_SLL: dissectSll(w, 0, end, false); return;
    case LINKTYPE_LINUX_SLL2: dissectSll(w, 0, end, true); return;
    case LINKTYPE_IPV4: dissectIpv4(w, 0, end); return;
    case LINKTYPE_IPV6: dissectIpv6(w, 0, end); return;
    case LINKTYPE_RAW: {
      // The version nibble tells IPv4 from IPv6 (LINKTYPE_RAW has no other header).
      if (end === 0) { truncatedLayer(w, 'ip', 'Raw IP', 0, 0, 1); return; }
      const v = d[0]! >> 4;
      if (v === 6) dissectIpv6(w, 0, end);
      else if (v === 4) dissectIpv4(w, 0, end);
      else {
        dissectData(w, 0, end);
        w.protocol = 'Raw';
        w.info = `Raw packet data, IP version ${v}`;
        w.malformed = `IP version ${v} is neither 4 nor 6`;
      }
      return;
    }
    default:
      dissectData(w, 0, end);
      w.protocol = 'Unknown';
      w.info = `Link type ${linkType} is not supported`;
  }
}

function runWalk(data: Uint8Array, linkType: number, decodeAs: DecodeAs, ctx: DissectContext | undefined, tree: boolean, only: ReadonlySet<string> | null = null): Walk {
  const session = ctx?.session;
  const frame = session ? session.frameNumber(ctx?.frameNumber) : ctx?.frameNumber ?? 0;
  const t = ctx?.timeRelative;
  // Integer nanoseconds: RTTs are differences of these, exact like Wireshark's nstime arithmetic.
  const timeNs = t !== undefined && Number.isFinite(t) ? Math.round(t * 1e9) : 0;
  const w = newWalk(data, tree, decodeAs, session, frame, ctx?.verifyChecksums === true, timeNs);
  w.only = only;
  try {
    walkFrame(w, linkType);
  } catch (e) {
    // Not expected (the fuzz tests look for it); kept so one bad frame never breaks a capture view.
    w.malformed = `dissector bug: ${e instanceof Error ? e.message : String(e)}`;
  }
  return w;
}

function infoOf(w: Walk): string {
  const info = w.info;
  if (w.malformed === undefined) return w.shortInfo ? `${info}[Packet size limited during capture]` : info;
  return info ? `${info} [Malformed Packet]` : '[Malformed Packet]';
}

function columns(w: Walk): Summary {
  const s: Summary = {
    protocol: w.protocol,
    src: addressColumn(w, w.srcKind, w.srcOff),
    dst: addressColumn(w, w.dstKind, w.dstOff),
    info: infoOf(w),
    length: w.data.length,
  };
  if (w.malformed !== undefined) s.malformed = w.malformed;
  if (w.short !== undefined) s.short = w.short;
  return s;
}

/** The full tree. Never throws. */
export function dissect(data: Uint8Array, linkType: number, decodeAs: DecodeAs, ctx?: DissectContext): Dissection {
  const w = runWalk(data, linkType, decodeAs, ctx, true);
  const d: Dissection = {
    protocol: w.protocol,
    src: addressColumn(w, w.srcKind, w.srcOff),
    dst: addressColumn(w, w.dstKind, w.dstOff),
    info: infoOf(w),
    length: w.data.length,
    layers: w.layers,
  };
  if (w.malformed !== undefined) d.malformed = w.malformed;
  if (w.short !== undefined) d.short = w.short;
  return d;
}

/** Only the packet-list columns (no field tree): the fast path. Never throws. */
export function summarize(data: Uint8Array, linkType: number, decodeAs: DecodeAs, ctx?: DissectContext): Summary {
  return columns(runWalk(data, linkType, decodeAs, ctx, false));
}

const layerSets = new WeakMap<ReadonlySet<string>, ReadonlySet<string> | null>();

/**
 * The layer protocols that can hold the named fields (null: every layer). A layer's fields are
 * named after its protocol (`tcp.*` in tcp), except `ip.version` in IPv6 layers and
 * `_ws.malformed`, which any layer can hold.
 */
function layersFor(names: ReadonlySet<string>): ReadonlySet<string> | null {
  const hit = layerSets.get(names);
  if (hit !== undefined) return hit;
  let out: Set<string> | null = new Set<string>();
  for (const n of names) {
    if (n.startsWith('_ws.')) { out = null; break; }
    const dot = n.indexOf('.');
    const p = dot < 0 ? n : n.slice(0, dot);
    out.add(p);
    if (p === 'ip') out.add('ipv6');
  }
  layerSets.set(names, out);
  return out;
}

/**
 * The filter fast path: `fieldsByName(dissect(...), names)` without building the layers that
 * cannot hold any of `names` (pass the same Set each time; it is analysed once). Same session
 * effects as `dissect`. Never throws.
 */
export function dissectFields(data: Uint8Array, linkType: number, decodeAs: DecodeAs, names: ReadonlySet<string>, ctx?: DissectContext): Map<string, Field[]> {
  if (names.size === 0) {
    runWalk(data, linkType, decodeAs, ctx, false);
    return new Map();
  }
  const w = runWalk(data, linkType, decodeAs, ctx, true, layersFor(names));
  const out = new Map<string, Field[]>();
  for (let i = 0; i < w.layers.length; i++) collect(w.layers[i]!.fields, out, names);
  return out;
}

/**
 * Every field (children included) by filter name, in tree order: outer layers first. With `names`
 * (e.g. a display filter's `fields`), only those names are collected: the filter fast path.
 */
export function fieldsByName(d: Dissection, names?: Iterable<string>): Map<string, Field[]> {
  const out = new Map<string, Field[]>();
  const only = names === undefined ? null : names instanceof Set ? (names as ReadonlySet<string>) : new Set(names);
  if (only !== null && only.size === 0) return out;
  const layers = d.layers;
  for (let i = 0; i < layers.length; i++) collect(layers[i]!.fields, out, only);
  return out;
}

function collect(fields: readonly Field[], out: Map<string, Field[]>, only: ReadonlySet<string> | null): void {
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (only === null || only.has(f.name)) {
      const list = out.get(f.name);
      if (list) list.push(f);
      else out.set(f.name, [f]);
    }
    if (f.children !== undefined) collect(f.children, out, only);
  }
}

/**
 * Plain-object copies of layers with every label built and byte values copied: what crosses a
 * worker boundary (structured clone drops the lazy label getters) or is kept after the frame's
 * bytes may change.
 */
export function materializeLayers(layers: readonly Layer[]): Layer[] {
  return layers.map((l) => {
    const out: Layer = { protocol: l.protocol, label: l.label, offset: l.offset, length: l.length, fields: l.fields.map(materializeField) };
    if (l.malformed !== undefined) out.malformed = l.malformed;
    return out;
  });
}

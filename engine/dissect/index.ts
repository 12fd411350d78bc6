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
import type { DecodeAs, DissectContext, Dissection, Field, Summary } from './types.ts';
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

function runWalk(data: Uint8Array, linkType: number, decodeAs: DecodeAs, ctx: DissectContext | undefined, tree: boolean): Walk {
  const session = ctx?.session;
  const frame = session ? session.frameNumber(ctx?.frameNumber) : ctx?.frameNumber ?? 0;
  const w = newWalk(data, tree, decodeAs, session, frame, ctx?.verifyChecksums === true);
  try {
    walkFrame(w, linkType);
  } catch (e) {
    // Not expected (the fuzz tests look for it); kept so one bad frame never breaks a capture view.
    w.malformed = `dissector bug: ${e instanceof Error ? e.message : String(e)}`;
  }
  return w;
}

function columns(w: Walk): Summary {
  let info = w.info;
  if (w.malformed !== undefined) info = info ? `${info} [Malformed Packet]` : '[Malformed Packet]';
  const s: Summary = {
    protocol: w.protocol,
    src: addressColumn(w, w.srcKind, w.srcOff),
    dst: addressColumn(w, w.dstKind, w.dstOff),
    info,
    length: w.data.length,
  };
  if (w.malformed !== undefined) s.malformed = w.malformed;
  return s;
}

/** The full tree. Never throws. */
export function dissect(data: Uint8Array, linkType: number, decodeAs: DecodeAs, ctx?: DissectContext): Dissection {
  const w = runWalk(data, linkType, decodeAs, ctx, true);
  return { ...columns(w), layers: w.layers };
}

/** Only the packet-list columns (no field tree): the fast path. Never throws. */
export function summarize(data: Uint8Array, linkType: number, decodeAs: DecodeAs, ctx?: DissectContext): Summary {
  return columns(runWalk(data, linkType, decodeAs, ctx, false));
}

/** Every field (children included) by filter name, in tree order: outer layers first. */
export function fieldsByName(d: Dissection): Map<string, Field[]> {
  const out = new Map<string, Field[]>();
  const visit = (fields: readonly Field[]): void => {
    for (const f of fields) {
      const list = out.get(f.name);
      if (list) list.push(f);
      else out.set(f.name, [f]);
      if (f.children) visit(f.children);
    }
  };
  for (const layer of d.layers) visit(layer.fields);
  return out;
}

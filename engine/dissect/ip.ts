/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) with its extension headers. Each dissector shows what is
 * there and stops at the first inconsistency (marking the layer malformed), never reading past
 * the captured bytes. Fragments other than a whole datagram are shown as data, as Wireshark does
 * when it cannot reassemble ("Fragmented IP protocol ...").
 */
import { finishChecksum, sumWords } from '../wire/checksum.ts';
import { dissectData } from './data.ts';
import { dissectIcmp, dissectIcmpv6 } from './icmp.ts';
import { dissectTcp } from './tcp.ts';
import { dissectUdp } from './udp.ts';
import type { Field, Layer } from './types.ts';
import {
  bitField, bitLine, bitsField, CHECKSUM_BAD, CHECKSUM_GOOD, CHECKSUM_UNVERIFIED, checksumStatusField, field,
  flagField, hex, ipProtoDisplay, ipProtoName, ipv4At, ipv6ToString, pfield, u16, u32, withChildren, withDisplay,
  withMalformed, view,
} from './util.ts';
import { ADDR_IP4, ADDR_IP6, malformed, openLayer, packetShort, setAddresses, truncatedLayer, type Walk } from './walk.ts';

/** Hands an IP payload to its transport dissector. */
function dispatchIpProto(w: Walk, proto: number, off: number, end: number): void {
  if (w.depth > 8) {
    dissectData(w, off, end);
    return;
  }
  w.depth++;
  switch (proto) {
    case 6: dissectTcp(w, off, end); break;
    case 17: dissectUdp(w, off, end); break;
    case 1: dissectIcmp(w, off, end); break;
    case 58: dissectIcmpv6(w, off, end); break;
    case 4: dissectIpv4(w, off, end); break;
    case 41: dissectIpv6(w, off, end); break;
    default:
      dissectData(w, off, end);
      if (w.quote === 0 && w.info === '') w.info = `${ipProtoName(proto)} (${proto})`;
  }
  w.depth--;
}

export function dissectIpv4(w: Walk, off: number, end: number): number {
  const d = w.data;
  if (end - off < 20) {
    truncatedLayer(w, 'ip', 'IPv4', off, end, 20);
    return end;
  }
  const version = d[off]! >> 4;
  const hl = (d[off]! & 15) * 4;
  const totalLen = u16(d, off + 2);
  const layer = w.tree ? openLayer(w, 'ip', () => `Internet Protocol Version 4, Src: ${ipv4At(d, off + 12)}, Dst: ${ipv4At(d, off + 16)}`, off, Math.min(hl, end - off)) : null;
  if (w.quote === 0) w.protocol = 'IPv4';
  setAddresses(w, ADDR_IP4, off + 12, off + 16);
  if (layer) ipv4Fields(w, layer, off, hl, totalLen);
  if (version !== 4) {
    malformed(w, layer, `Bogus IP version (${version})`, off, 1);
    return end;
  }
  if (hl < 20 || off + hl > end) {
    malformed(w, layer, `Bogus IP header length (${hl}, must be at least 20 and within the ${end - off} captured bytes)`, off, 1);
    return end;
  }
  if (layer && hl > 20) layer.fields.push(ipv4Options(w, off + 20, off + hl));
  let stop = off + totalLen;
  if (totalLen < hl) {
    malformed(w, layer, `Bogus IP length (${totalLen}, less than header length ${hl})`, off + 2, 2);
    return end;
  }
  // Captured fewer bytes than the header claims: the snapshot length cut it (tshark: "Packet size
  // limited during capture"); the transport layer takes its lengths from the total length.
  const reportedEnd = stop;
  if (stop > end) {
    packetShort(w, `IPv4 total length ${totalLen} exceeds the ${end - off} bytes captured`, false);
    stop = end;
  }
  const proto = d[off + 9]!;
  const flagsFrag = u16(d, off + 6);
  const fragOffset = (flagsFrag & 0x1fff) * 8;
  const prevTtl = w.ttl;
  w.ipVersion = 4; w.ipSrcOff = off + 12; w.ipDstOff = off + 16; w.ttl = d[off + 8]!;
  w.reportedEnd = reportedEnd;
  if (fragOffset > 0 || (flagsFrag & 0x2000) !== 0) {
    dissectData(w, off + hl, stop);
    if (w.quote === 0) w.info = `Fragmented IP protocol (proto=${ipProtoName(proto)} ${proto}, off=${fragOffset}, ID=${hex(u16(d, off + 4), 4).slice(2)})`;
  } else {
    dispatchIpProto(w, proto, off + hl, stop);
  }
  if (w.quote > 0) w.ttl = prevTtl;
  return stop;
}

function ipv4Fields(w: Walk, layer: Layer, off: number, hl: number, totalLen: number): void {
  const d = w.data;
  const f = layer.fields;
  const b0 = d[off]!;
  const ds = d[off + 1]!;
  const flagsFrag = u16(d, off + 6);
  const flags = flagsFrag >> 13;
  const id = u16(d, off + 4);
  const proto = d[off + 9]!;
  const checksum = u16(d, off + 10);
  const src = ipv4At(d, off + 12);
  const dst = ipv4At(d, off + 16);
  f.push(
    bitsField('ip.version', 'Version', b0 >> 4, b0, 8, off, 1, 0xf0),
    bitField('ip.hdr_len', () => `${bitLine(b0, 0x0f, 8)} = Header Length: ${hl} bytes (${hl / 4})`, hl, off, 1, 0x0f),
    withChildren(field('ip.dsfield', () => `Differentiated Services Field: ${hex(ds, 2)} (DSCP: ${ds >> 2}, ECN: ${ds & 3})`, ds, off + 1, 1), [
      bitsField('ip.dsfield.dscp', 'Differentiated Services Codepoint', ds >> 2, ds, 8, off + 1, 1, 0xfc),
      bitsField('ip.dsfield.ecn', 'Explicit Congestion Notification', ds & 3, ds, 8, off + 1, 1, 0x03),
    ]),
    pfield('ip.len', 'Total Length', totalLen, off + 2, 2),
    field('ip.id', () => `Identification: ${hex(id, 4)} (${id})`, id, off + 4, 2),
    withChildren(bitField('ip.flags', () => `${bitLine(d[off + 6]!, 0xe0, 8)} = Flags: ${hex(flags, 1)}${flags & 2 ? ", Don't fragment" : ''}${flags & 1 ? ', More fragments' : ''}`, flags, off + 6, 1, 0xe0), [
      flagField('ip.flags.rb', 'Reserved bit', d[off + 6]!, 0x80, 8, off + 6, 1),
      flagField('ip.flags.df', "Don't fragment", d[off + 6]!, 0x40, 8, off + 6, 1),
      flagField('ip.flags.mf', 'More fragments', d[off + 6]!, 0x20, 8, off + 6, 1),
    ]),
    bitsField('ip.frag_offset', 'Fragment Offset', (flagsFrag & 0x1fff) * 8, flagsFrag, 16, off + 6, 2, 0x1fff),
    pfield('ip.ttl', 'Time to Live', d[off + 8]!, off + 8, 1),
    withDisplay(field('ip.proto', () => `Protocol: ${ipProtoName(proto)} (${proto})`, proto, off + 9, 1), ipProtoDisplay(proto)),
  );
  let status = CHECKSUM_UNVERIFIED;
  let text = ' [validation disabled]';
  if (w.verify && hl >= 20 && off + hl <= d.length) {
    const computed = finishChecksum(sumWords(d, off, off + hl));
    status = computed === 0 ? CHECKSUM_GOOD : CHECKSUM_BAD;
    text = status === CHECKSUM_GOOD ? ' [correct]' : ' [incorrect]';
  }
  f.push(
    field('ip.checksum', () => `Header Checksum: ${hex(checksum, 4)}${text}`, checksum, off + 10, 2),
    checksumStatusField('ip.checksum.status', 'Header checksum status', status, off + 10),
    pfield('ip.src', 'Source Address', src, off + 12, 4),
    pfield('ip.dst', 'Destination Address', dst, off + 16, 4),
    pfield('ip.addr', 'Source or Destination Address', src, off + 12, 4),
    pfield('ip.addr', 'Source or Destination Address', dst, off + 16, 4),
  );
}

const IPV4_OPTIONS: Readonly<Record<number, readonly [string, string]>> = {
  0: ['eol', 'End of Options List (EOL)'], 1: ['nop', 'No-Operation (NOP)'], 7: ['record_route', 'Record Route'],
  68: ['timestamp', 'Time Stamp'], 130: ['security', 'Security'], 131: ['route', 'Loose Source Route'], 136: ['sid', 'Stream ID'],
  137: ['source_route', 'Strict Source Route'], 148: ['routeralert', 'Router Alert'],
};

/** IPv4 options (RFC 791 §3.1): each as `ip.options.<kind>` with its type and length inside. */
function ipv4Options(w: Walk, off: number, end: number): Field {
  const d = w.data;
  const children: Field[] = [];
  const block = withChildren(field('ip.options', () => `Options: (${end - off} bytes)`, view(d, off, end), off, end - off), children);
  let o = off;
  while (o < end) {
    const type = d[o]!;
    const [slug, name] = IPV4_OPTIONS[type] ?? ['unknown', `Unknown (0x${type.toString(16).padStart(2, '0')})`];
    const typeField = pfield('ip.opt.type', 'Type', type, o, 1);
    if (type === 0 || type === 1) {
      children.push(withChildren(field(`ip.options.${slug}`, () => `IP Option - ${name}`, view(d, o, o + 1), o, 1), [typeField]));
      o++;
      if (type === 0) break;
      continue;
    }
    const len = o + 1 < end ? d[o + 1]! : 0;
    if (len < 2 || o + len > end) {
      const reason = o + 1 >= end ? 'option length missing' : `bogus option length ${len}`;
      children.push(withMalformed(withChildren(field(`ip.options.${slug}`, () => `IP Option - ${name} [${reason}]`, view(d, o, end), o, end - o), [typeField]), reason));
      block.malformed = reason;
      break;
    }
    children.push(withChildren(field(`ip.options.${slug}`, () => `IP Option - ${name} (${len} bytes)`, view(d, o, o + len), o, len), [typeField, pfield('ip.opt.len', 'Length', len, o + 1, 1)]));
    o += len;
  }
  return block;
}

const IPV6_EXT = new Set([0, 43, 44, 60]);

export function dissectIpv6(w: Walk, off: number, end: number): number {
  const d = w.data;
  if (end - off < 40) {
    truncatedLayer(w, 'ipv6', 'IPv6', off, end, 40);
    return end;
  }
  const word = u32(d, off);
  const version = word >>> 28;
  const plen = u16(d, off + 4);
  let nxt = d[off + 6]!;
  const nxt0 = nxt;
  const layer = w.tree ? openLayer(w, 'ipv6', () => `Internet Protocol Version 6, Src: ${ipv6ToString(d, off + 8)}, Dst: ${ipv6ToString(d, off + 24)}`, off, 40) : null;
  if (w.quote === 0) w.protocol = 'IPv6';
  setAddresses(w, ADDR_IP6, off + 8, off + 24);
  if (layer) {
    const src = ipv6ToString(d, off + 8);
    const dst = ipv6ToString(d, off + 24);
    const tc = (word >>> 20) & 0xff;
    const flow = word & 0xfffff;
    layer.fields.push(
      bitsField('ip.version', 'Version', version, d[off]!, 8, off, 1, 0xf0),
      withChildren(bitField('ipv6.tclass', () => `Traffic Class: ${hex(tc, 2)} (DSCP: ${tc >> 2}, ECN: ${tc & 3})`, tc, off, 4, 0x0ff00000), [
        bitField('ipv6.tclass.dscp', () => `Differentiated Services Codepoint: ${tc >> 2}`, tc >> 2, off, 4, 0x0fc00000),
        bitField('ipv6.tclass.ecn', () => `Explicit Congestion Notification: ${tc & 3}`, tc & 3, off, 4, 0x00300000),
      ]),
      bitField('ipv6.flow', () => `Flow Label: ${hex(flow, 5)}`, flow, off + 1, 3, 0xfffff),
      pfield('ipv6.plen', 'Payload Length', plen, off + 4, 2),
      withDisplay(field('ipv6.nxt', () => `Next Header: ${ipProtoName(nxt0)} (${nxt0})`, nxt, off + 6, 1), ipProtoDisplay(nxt)),
      pfield('ipv6.hlim', 'Hop Limit', d[off + 7]!, off + 7, 1),
      pfield('ipv6.src', 'Source Address', src, off + 8, 16),
      pfield('ipv6.dst', 'Destination Address', dst, off + 24, 16),
      pfield('ipv6.addr', 'Source or Destination Address', src, off + 8, 16),
      pfield('ipv6.addr', 'Source or Destination Address', dst, off + 24, 16),
    );
  }
  if (version !== 6) {
    malformed(w, layer, `Bogus IPv6 version (${version})`, off, 1);
    return end;
  }
  let stop = off + 40 + plen;
  const reportedEnd = stop;
  if (stop > end) {
    packetShort(w, `IPv6 payload length ${plen} exceeds the ${end - off - 40} bytes captured`, false);
    stop = end;
  }
  const prevTtl = w.ttl;
  w.ipVersion = 6; w.ipSrcOff = off + 8; w.ipDstOff = off + 24; w.ttl = d[off + 7]!;
  let o = off + 40;
  let fragmented = false;
  let count = 0;
  while (IPV6_EXT.has(nxt) && !fragmented) {
    if (count++ > 16 || o + 8 > stop) {
      malformed(w, layer, `IPv6 extension header (${ipProtoName(nxt)}) runs past the payload`, o, Math.max(0, stop - o));
      return stop;
    }
    const hdrLen = nxt === 44 ? 8 : (d[o + 1]! + 1) * 8;
    if (o + hdrLen > stop) {
      malformed(w, layer, `IPv6 ${ipProtoName(nxt)} length ${hdrLen} runs past the payload`, o, stop - o);
      return stop;
    }
    if (layer) layer.fields.push(ipv6ExtField(w, nxt, o, hdrLen));
    if (layer) layer.length = o + hdrLen - off;
    if (nxt === 44) fragmented = (u16(d, o + 2) & 0xfff9) !== 0;
    nxt = d[o]!;
    o += hdrLen;
  }
  if (fragmented) {
    dissectData(w, o, stop);
    if (w.quote === 0) w.info = `IPv6 fragment (off=${u16(d, o - 6) & 0xfff8} more=${(u16(d, o - 6) & 1) === 1} ident=${hex(u32(d, o - 4), 8)} nxt=${nxt})`;
  } else if (nxt !== 59) {
    w.reportedEnd = reportedEnd;
    dispatchIpProto(w, nxt, o, stop);
  } else if (o < stop) {
    dissectData(w, o, stop);
  }
  if (w.quote > 0) w.ttl = prevTtl;
  return stop;
}

function ipv6ExtField(w: Walk, type: number, o: number, len: number): Field {
  const d = w.data;
  const nxt = d[o]!;
  const prefix = type === 0 ? 'ipv6.hopopts' : type === 43 ? 'ipv6.routing' : type === 44 ? 'ipv6.fraghdr' : 'ipv6.dstopts';
  const children: Field[] = [field(`${prefix}.nxt`, () => `Next Header: ${ipProtoName(nxt)} (${nxt})`, nxt, o, 1)];
  if (type === 44) {
    const w16 = u16(d, o + 2);
    children.push(
      bitField('ipv6.fraghdr.offset', () => `${bitLine(w16, 0xfff8, 16)} = Offset: ${w16 >> 3} (${w16 & 0xfff8} bytes)`, w16 >> 3, o + 2, 2, 0xfff8),
      flagField('ipv6.fraghdr.more', 'More Fragments', w16, 1, 16, o + 2, 2),
      field('ipv6.fraghdr.ident', () => `Identification: ${hex(u32(d, o + 4), 8)}`, u32(d, o + 4), o + 4, 4),
    );
  } else {
    children.push(field(`${prefix}.len`, () => `Length: ${d[o + 1]} (${len} bytes)`, d[o + 1]!, o + 1, 1));
    if (type === 43) {
      children.push(
        pfield('ipv6.routing.type', 'Type', d[o + 2]!, o + 2, 1),
        pfield('ipv6.routing.segleft', 'Segments Left', d[o + 3]!, o + 3, 1),
      );
    }
  }
  return withChildren(field(prefix, () => `${ipProtoName(type)}`, view(d, o, o + len), o, len), children);
}

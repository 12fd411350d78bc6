/**
 * UDP (RFC 768) and VXLAN (RFC 7348 §5). A UDP payload goes to the decoder the Decode-As table
 * names for one of its ports (the lower port is tried first, as Wireshark does), else to data.
 * VXLAN's inner Ethernet frame is dissected fully and its layers continue the list.
 */
import { dissectData } from './data.ts';
import { dissectEthernet } from './link.ts';
import { transportChecksumOk } from './tcp.ts';
import type { Layer } from './types.ts';
import {
  bitField, bitLine, CHECKSUM_BAD, CHECKSUM_GOOD, CHECKSUM_ILLEGAL, CHECKSUM_NOT_PRESENT, CHECKSUM_UNVERIFIED,
  checksumStatusField, field, flagField, hex, pfield, u16, u24, withChildren, view,
} from './util.ts';
import { malformed, openLayer, truncatedLayer, type Walk } from './walk.ts';

export function dissectUdp(w: Walk, off: number, end: number): void {
  const d = w.data;
  // The datagram's end by the IP length (beyond `end` when the snaplen cut the frame).
  const repEnd = w.reportedEnd > end ? w.reportedEnd : end;
  if (end - off < 8) {
    truncatedLayer(w, 'udp', 'UDP', off, end, 8);
    return;
  }
  const sport = u16(d, off);
  const dport = u16(d, off + 2);
  const len = u16(d, off + 4);
  const layer = w.tree ? openLayer(w, 'udp', () => `User Datagram Protocol, Src Port: ${sport}, Dst Port: ${dport}`, off, 8) : null;
  if (w.quote === 0) w.protocol = 'UDP';
  let stop = end;
  if (len < 8) {
    malformed(w, layer, `Bad length value ${len} < 8`, off + 4, 2);
  } else if (off + len > repEnd) {
    malformed(w, layer, `Bad length value ${len} > IP payload length ${repEnd - off}`, off + 4, 2);
  } else {
    stop = Math.min(off + len, end);
  }
  if (layer) udpFields(w, layer, off, stop, len);
  if (stop > off + 8) {
    const low = Math.min(sport, dport);
    const high = Math.max(sport, dport);
    const decoder = w.decodeAs.udp.get(low) ?? w.decodeAs.udp.get(high) ?? 'data';
    if (decoder === 'vxlan' && w.depth < 8) dissectVxlan(w, off + 8, stop);
    else dissectData(w, off + 8, stop);
  }
  if (w.quote === 0 && w.info === '') w.info = `${sport} → ${dport} Len=${len >= 8 ? len - 8 : len}`;
}

function udpFields(w: Walk, layer: Layer, off: number, stop: number, len: number): void {
  const d = w.data;
  const sport = u16(d, off);
  const dport = u16(d, off + 2);
  const checksum = u16(d, off + 6);
  let status = CHECKSUM_UNVERIFIED;
  if (checksum === 0) status = w.ipVersion === 6 ? CHECKSUM_ILLEGAL : CHECKSUM_NOT_PRESENT;
  else if (w.verify && w.ipVersion !== 0 && len >= 8 && off + len === stop) {
    status = transportChecksumOk(w, 17, off, stop) ? CHECKSUM_GOOD : CHECKSUM_BAD;
  }
  layer.fields.push(
    pfield('udp.srcport', 'Source Port', sport, off, 2),
    pfield('udp.dstport', 'Destination Port', dport, off + 2, 2),
    pfield('udp.port', 'Source or Destination Port', sport, off, 2),
    pfield('udp.port', 'Source or Destination Port', dport, off + 2, 2),
    pfield('udp.length', 'Length', len, off + 4, 2),
    field('udp.checksum', () => `Checksum: ${hex(checksum, 4)}${checksum === 0 ? ' [zero-value ignored]' : ''}`, checksum, off + 6, 2),
    checksumStatusField('udp.checksum.status', 'Checksum Status', status, off + 6),
  );
  if (stop > off + 8) layer.fields.push(field('udp.payload', () => `UDP payload (${len - 8} bytes)`, view(d, off + 8, stop), off + 8, stop - off - 8));
}

export function dissectVxlan(w: Walk, off: number, end: number): void {
  const d = w.data;
  if (end - off < 8) {
    truncatedLayer(w, 'vxlan', 'VXLAN', off, end, 8);
    return;
  }
  const flags = u16(d, off);
  const vni = u24(d, off + 4);
  const layer = w.tree ? openLayer(w, 'vxlan', 'Virtual eXtensible Local Area Network', off, 8) : null;
  if (w.quote === 0) w.protocol = 'VXLAN';
  if (layer) {
    const gbp = (flags & 0x8000) !== 0;
    layer.fields.push(
      withChildren(field('vxlan.flags', () => `Flags: ${hex(flags, 4)}${flags & 0x0800 ? ', VXLAN Network ID (VNI)' : ''}`, flags, off, 2), [
        flagField('vxlan.flag_g', 'GBP Extension', flags, 0x8000, 16, off, 2),
        flagField('vxlan.flag_i', 'VXLAN Network ID (VNI)', flags, 0x0800, 16, off, 2),
        flagField('vxlan.flag_d', "Don't Learn", flags, 0x0040, 16, off, 2),
        flagField('vxlan.flag_a', 'Policy Applied', flags, 0x0008, 16, off, 2),
        bitField('vxlan.flags_reserved', () => `${bitLine(flags, 0x77b7, 16)} = Reserved(R): ${hex(flags & 0x77b7, 4)}`, flags & 0x77b7, off, 2, 0x77b7),
      ]),
      gbp
        ? pfield('vxlan.gbp', 'Group Policy ID', u16(d, off + 2), off + 2, 2)
        : pfield('vxlan.reserved_16', 'Reserved', u16(d, off + 2), off + 2, 2),
      pfield('vxlan.vni', 'VXLAN Network Identifier (VNI)', vni, off + 4, 3),
      pfield('vxlan.reserved8', 'Reserved', d[off + 7]!, off + 7, 1),
    );
  }
  if (w.quote === 0) w.info = '';
  if (off + 8 < end) {
    w.depth++;
    dissectEthernet(w, off + 8, end);
    w.depth--;
  }
  if (w.quote === 0 && w.info === '') w.info = `VXLAN VNI ${vni}`;
}

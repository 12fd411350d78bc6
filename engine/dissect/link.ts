/**
 * Link layers: Ethernet II (+ 802.1Q), Linux cooked capture v1/v2, and ARP.
 * Ethernet: IEEE 802.3 §3.2; 802.1Q tag: IEEE 802.1Q §9.6; SLL: tcpdump.org/linktypes/LINKTYPE_LINUX_SLL(2).html;
 * ARP: RFC 826 (Info wording from Wireshark's packet-arp.c).
 */
import { dissectIpv4, dissectIpv6 } from './ip.ts';
import { dissectData } from './data.ts';
import type { Field, Layer } from './types.ts';
import {
  bitField, bitLine, bitsField, ethertypeDisplay, ethertypeName, field, hex, ipv4At, macAt, pfield, u16, u32,
  withChildren, withDisplay, view,
} from './util.ts';
import { ADDR_MAC, malformed, openLayer, setAddresses, truncatedLayer, type Walk } from './walk.ts';

/** Dissects the payload of an EtherType and returns the end of what that protocol claimed. */
export function dispatchEthertype(w: Walk, type: number, off: number, end: number): number {
  switch (type) {
    case 0x0800: return dissectIpv4(w, off, end);
    case 0x86dd: return dissectIpv6(w, off, end);
    case 0x0806: return dissectArp(w, off, end);
    case 0x8100:
    case 0x88a8: return dissectVlan(w, off, end);
    default:
      if (w.quote === 0) {
        w.protocol = hex(type, 4);
        if (w.info === '') w.info = `Ethernet II, EtherType ${hex(type, 4)}`;
      }
      if (off < end) dissectData(w, off, end);
      return end;
  }
}

function macField(w: Walk, name: string, text: string, off: number): Field {
  const mac = macAt(w.data, off);
  const word = (w.data[off]! << 16) | (w.data[off + 1]! << 8) | w.data[off + 2]!;
  const lg = (word & 0x20000) !== 0;
  const ig = (word & 0x10000) !== 0;
  return withChildren(pfield(name, text, mac, off, 6), [
    pfield('eth.addr', 'Address', mac, off, 6),
    bitField(`${name}.lg`, () => `${bitLine(word >> 16, 0x02, 8)} = LG bit: ${lg ? 'Locally administered address' : 'Globally unique address (factory default)'}`, lg, off, 3, 0x20000),
    bitField(`${name}.ig`, () => `${bitLine(word >> 16, 0x01, 8)} = IG bit: ${ig ? 'Group address (multicast/broadcast)' : 'Individual address (unicast)'}`, ig, off, 3, 0x10000),
  ]);
}

export function dissectEthernet(w: Walk, off: number, end: number): number {
  const d = w.data;
  if (end - off < 14) {
    truncatedLayer(w, 'eth', 'Ethernet', off, end, 14);
    return end;
  }
  const type = u16(d, off + 12);
  setAddresses(w, ADDR_MAC, off + 6, off);
  if (w.quote === 0) w.protocol = 'Ethernet';
  const layer = w.tree ? openLayer(w, 'eth', () => `Ethernet II, Src: ${macAt(d, off + 6)}, Dst: ${macAt(d, off)}`, off, 14) : null;
  if (layer) {
    layer.fields.push(macField(w, 'eth.dst', 'Destination', off), macField(w, 'eth.src', 'Source', off + 6));
    layer.fields.push(type <= 1500
      ? pfield('eth.len', 'Length', type, off + 12, 2)
      : withDisplay(field('eth.type', () => `Type: ${ethertypeName(type)} (${hex(type, 4)})`, type, off + 12, 2), ethertypeDisplay(type)));
  }
  if (type <= 1500) {
    // IEEE 802.3 length frame (LLC follows); we show the payload as data.
    const stop = Math.min(end, off + 14 + type);
    if (off + 14 < stop) dissectData(w, off + 14, stop);
    return end;
  }
  const used = dispatchEthertype(w, type, off + 14, end);
  if (layer && used < end && w.quote === 0) {
    const name = end - off <= 60 ? 'eth.padding' : 'eth.trailer';
    layer.fields.push(field(name, () => `${name === 'eth.padding' ? 'Padding' : 'Trailer'}: ${hexBytes(d, used, end)}`, view(d, used, end), used, end - used));
  }
  return end;
}

function hexBytes(d: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && i < from + 32; i++) s += d[i]!.toString(16).padStart(2, '0');
  return to - from > 32 ? s + '…' : s;
}

function dissectVlan(w: Walk, off: number, end: number): number {
  const d = w.data;
  if (end - off < 4) {
    truncatedLayer(w, 'vlan', '802.1Q', off, end, 4);
    return end;
  }
  const tci = u16(d, off);
  const type = u16(d, off + 2);
  const pri = tci >> 13;
  const dei = (tci >> 12) & 1;
  const id = tci & 0xfff;
  const layer = w.tree ? openLayer(w, 'vlan', () => `802.1Q Virtual LAN, PRI: ${pri}, DEI: ${dei}, ID: ${id}`, off, 4) : null;
  if (layer) {
    layer.fields.push(
      bitsField('vlan.priority', 'Priority', pri, tci, 16, off, 2, 0xe000),
      bitField('vlan.dei', () => `${bitLine(tci, 0x1000, 16)} = DEI: ${dei ? 'Eligible' : 'Ineligible'}`, dei === 1, off, 2, 0x1000),
      bitsField('vlan.id', 'ID', id, tci, 16, off, 2, 0x0fff),
      field('vlan.etype', () => `Type: ${ethertypeName(type)} (${hex(type, 4)})`, type, off + 2, 2),
    );
  }
  if (w.quote === 0) w.protocol = '802.1Q';
  if (w.depth > 16) {
    malformed(w, layer, 'too many nested VLAN tags', off, 4);
    return end;
  }
  w.depth++;
  const used = dispatchEthertype(w, type, off + 4, end);
  w.depth--;
  return used;
}

const SLL_PKTTYPES = ['Unicast to us', 'Broadcast', 'Multicast', 'Unicast to another host', 'Sent by us'];

/** Linux cooked capture v1 (16 bytes) or v2 (20 bytes). */
export function dissectSll(w: Walk, off: number, end: number, v2: boolean): number {
  const d = w.data;
  const need = v2 ? 20 : 16;
  const name = v2 ? 'Linux cooked capture v2' : 'Linux cooked capture v1';
  if (end - off < need) {
    truncatedLayer(w, 'sll', name, off, end, need);
    return end;
  }
  const protoOff = v2 ? off : off + 14;
  const pkttypeOff = v2 ? off + 10 : off;
  const hatypeOff = v2 ? off + 8 : off + 2;
  const halenOff = v2 ? off + 11 : off + 4;
  const addrOff = v2 ? off + 12 : off + 6;
  const pkttype = v2 ? d[pkttypeOff]! : u16(d, pkttypeOff);
  const hatype = u16(d, hatypeOff);
  const halen = v2 ? d[halenOff]! : u16(d, halenOff);
  const proto = u16(d, protoOff);
  const isMac = hatype === 1 && halen === 6;
  if (isMac && w.quote === 0) {
    w.srcKind = ADDR_MAC;
    w.srcOff = addrOff;
    w.dstKind = 0;
  }
  if (w.quote === 0) w.protocol = 'SLL';
  const layer = w.tree ? openLayer(w, 'sll', name, off, need) : null;
  if (layer) fillSllFields(w, layer, { v2, off, protoOff, pkttypeOff, pkttype, hatypeOff, hatype, halenOff, halen, addrOff, proto, isMac });
  // Protocol values below 0x0600 are Linux "special" protocols (LLC, CAN, ...): shown as data.
  if (proto < 0x0600) {
    if (off + need < end) dissectData(w, off + need, end);
    return end;
  }
  return dispatchEthertype(w, proto, off + need, end);
}

interface SllLayout {
  v2: boolean; off: number; protoOff: number; pkttypeOff: number; pkttype: number; hatypeOff: number; hatype: number;
  halenOff: number; halen: number; addrOff: number; proto: number; isMac: boolean;
}

function fillSllFields(w: Walk, layer: Layer, s: SllLayout): void {
  const d = w.data;
  const f = layer.fields;
  const typeField = field('sll.etype', () => `Protocol: ${ethertypeName(s.proto)} (${hex(s.proto, 4)})`, s.proto, s.protoOff, 2);
  const pkt = field('sll.pkttype', () => `Packet type: ${SLL_PKTTYPES[s.pkttype] ?? 'Unknown'} (${s.pkttype})`, s.pkttype, s.pkttypeOff, s.v2 ? 1 : 2);
  const ha = field('sll.hatype', () => `Link-layer address type: ${s.hatype === 1 ? 'Ethernet' : s.hatype === 772 ? 'Loopback' : 'Unknown'} (${s.hatype})`, s.hatype, s.hatypeOff, 2);
  const hl = pfield('sll.halen', 'Link-layer address length', s.halen, s.halenOff, s.v2 ? 1 : 2);
  const used = Math.min(s.halen, 8);
  const src = s.isMac
    ? pfield('sll.src.eth', 'Source', macAt(d, s.addrOff), s.addrOff, 6)
    : field('sll.src.other', 'Source', view(d, s.addrOff, s.addrOff + used), s.addrOff, used);
  const unused = used < 8 ? [field('sll.unused', 'Unused', view(d, s.addrOff + used, s.addrOff + 8), s.addrOff + used, 8 - used)] : [];
  if (s.v2) {
    const ifindex = u32(d, s.off + 4);
    f.push(typeField, pfield('sll.ifindex', 'Interface index', ifindex, s.off + 4, 4), ha, pkt, hl, src, ...unused);
  } else {
    f.push(pkt, ha, hl, src, ...unused, typeField);
  }
}

export function dissectArp(w: Walk, off: number, end: number): number {
  const d = w.data;
  if (end - off < 8) {
    truncatedLayer(w, 'arp', 'ARP', off, end, 8);
    return end;
  }
  const htype = u16(d, off);
  const ptype = u16(d, off + 2);
  const hlen = d[off + 4]!;
  const plen = d[off + 5]!;
  const op = u16(d, off + 6);
  const total = 8 + 2 * (hlen + plen);
  const opName = op === 1 ? 'request' : op === 2 ? 'reply' : 'unknown';
  const layer = w.tree ? openLayer(w, 'arp', () => `Address Resolution Protocol (${opName})`, off, Math.min(total, end - off)) : null;
  if (w.quote === 0) w.protocol = 'ARP';
  const ethIp = hlen === 6 && plen === 4 && ptype === 0x0800;
  if (layer) {
    layer.fields.push(
      field('arp.hw.type', () => `Hardware type: ${htype === 1 ? 'Ethernet' : 'Unknown'} (${htype})`, htype, off, 2),
      field('arp.proto.type', () => `Protocol type: ${ethertypeName(ptype)} (${hex(ptype, 4)})`, ptype, off + 2, 2),
      pfield('arp.hw.size', 'Hardware size', hlen, off + 4, 1),
      pfield('arp.proto.size', 'Protocol size', plen, off + 5, 1),
      field('arp.opcode', () => `Opcode: ${opName} (${op})`, op, off + 6, 2),
    );
  }
  if (end - off < total) {
    malformed(w, layer, `ARP addresses need ${total} bytes, only ${end - off} captured`, off, end - off);
    if (w.quote === 0) w.info = `ARP ${opName} [Malformed Packet]`;
    return end;
  }
  const sha = off + 8;
  const spa = sha + hlen;
  const tha = spa + plen;
  const tpa = tha + hlen;
  if (layer) {
    const addr = (dir: 'src' | 'dst', text: string, ho: number, po: number): void => {
      layer.fields.push(ethIp
        ? field(`arp.${dir}.hw_mac`, () => `${text} MAC address: ${macAt(d, ho)}`, macAt(d, ho), ho, 6)
        : field(`arp.${dir}.hw`, () => `${text} hardware address`, view(d, ho, ho + hlen), ho, hlen));
      layer.fields.push(ethIp
        ? field(`arp.${dir}.proto_ipv4`, () => `${text} IP address: ${ipv4At(d, po)}`, ipv4At(d, po), po, 4)
        : field(`arp.${dir}.proto`, () => `${text} protocol address`, view(d, po, po + plen), po, plen));
    };
    addr('src', 'Sender', sha, spa);
    addr('dst', 'Target', tha, tpa);
  }
  if (w.quote === 0) w.info = ethIp ? arpInfo(d, op, sha, spa, tha, tpa) : `ARP ${opName}`;
  return off + total;
}

function arpInfo(d: Uint8Array, op: number, sha: number, spa: number, tha: number, tpa: number): string {
  const sameIp = u32(d, spa) === u32(d, tpa);
  const tIp = ipv4At(d, tpa);
  if (op === 1) {
    const thaZero = (d[tha]! | d[tha + 1]! | d[tha + 2]! | d[tha + 3]! | d[tha + 4]! | d[tha + 5]!) === 0;
    if (sameIp) return thaZero ? `ARP Announcement for ${tIp}` : `Gratuitous ARP for ${tIp} (Request)`;
    if (u32(d, spa) === 0) return `Who has ${tIp}? (ARP Probe)`;
    return `Who has ${tIp}? Tell ${ipv4At(d, spa)}`;
  }
  if (op === 2) {
    if (sameIp) return `Gratuitous ARP for ${ipv4At(d, spa)} (Reply)`;
    return `${ipv4At(d, spa)} is at ${macAt(d, sha)}`;
  }
  return `Unknown ARP opcode ${hex(op, 4)}`;
}

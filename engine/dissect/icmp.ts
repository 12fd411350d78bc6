/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443, Neighbor Discovery RFC 4861). Checksums are always
 * verified, as Wireshark does for ICMP. Error messages quote the offending datagram, which is
 * dissected as further layers without touching the columns (a quote is usually cut short; that is
 * not malformed). Info wording follows tshark 4.0 (packet-icmp.c / packet-icmpv6.c).
 */
import { finishChecksum, pseudoHeaderSumV6, sumWords } from '../wire/checksum.ts';
import { dissectData } from './data.ts';
import { dissectIpv4, dissectIpv6 } from './ip.ts';
import type { Field, Layer } from './types.ts';
import {
  bitField, CHECKSUM_BAD, CHECKSUM_GOOD, CHECKSUM_UNVERIFIED, checksumStatusField, field, hex, ipv4At, ipv6ToString,
  macAt, pfield, u16, u32, withChildren, withMalformed, view,
} from './util.ts';
import { openLayer, truncatedLayer, type Walk } from './walk.ts';

const ICMP_TYPES: Readonly<Record<number, string>> = {
  0: 'Echo (ping) reply', 3: 'Destination unreachable', 4: 'Source quench (flow control)', 5: 'Redirect',
  8: 'Echo (ping) request', 9: 'Router advertisement', 10: 'Router solicitation', 11: 'Time-to-live exceeded',
  12: 'Parameter problem', 13: 'Timestamp request', 14: 'Timestamp reply', 17: 'Address mask request', 18: 'Address mask reply',
};
const UNREACH_CODES = [
  'Network unreachable', 'Host unreachable', 'Protocol unreachable', 'Port unreachable', 'Fragmentation needed',
  'Source route failed', 'Destination network unknown', 'Destination host unknown', 'Source host isolated',
  'Network administratively prohibited', 'Host administratively prohibited', 'Network unreachable for TOS',
  'Host unreachable for TOS', 'Communication administratively filtered', 'Host precedence violation', 'Precedence cutoff in effect',
];
const REDIRECT_CODES = ['Redirect for network', 'Redirect for host', 'Redirect for TOS and network', 'Redirect for TOS and host'];
const TTL_CODES = ['Time to live exceeded in transit', 'Fragment reassembly time exceeded'];

function icmpCodeText(type: number, code: number): string {
  if (type === 3) return UNREACH_CODES[code] ?? '';
  if (type === 5) return REDIRECT_CODES[code] ?? '';
  if (type === 11) return TTL_CODES[code] ?? '';
  return '';
}

function echoKey(w: Walk, id: number, seq: number, reply: boolean): string {
  const n = w.ipVersion === 6 ? 16 : 4;
  let a = '';
  let b = '';
  for (let i = 0; i < n; i++) {
    a += String.fromCharCode(w.data[w.ipSrcOff + i]!);
    b += String.fromCharCode(w.data[w.ipDstOff + i]!);
  }
  return `${w.ipVersion}:${id}:${seq}:` + (reply ? b + a : a + b);
}

/** "(request in N)" for a reply whose request the session has seen. */
function echoSuffix(w: Walk, id: number, seq: number, reply: boolean): string {
  if (!w.session || w.quote > 0 || w.ipVersion === 0) return '';
  const key = echoKey(w, id, seq, reply);
  if (!reply) {
    w.session.echoRequest(w.frame, key);
    return '';
  }
  const req = w.session.echoReply(w.frame, key);
  return req === undefined ? '' : ` (request in ${req})`;
}

function checksumFields(name: string, d: Uint8Array, off: number, status: number): Field[] {
  const c = u16(d, off + 2);
  return [
    field(`${name}.checksum`, () => `Checksum: ${hex(c, 4)} [${status === CHECKSUM_GOOD ? 'correct' : status === CHECKSUM_BAD ? 'incorrect' : 'unverified'}]`, c, off + 2, 2),
    checksumStatusField(`${name}.checksum.status`, 'Checksum Status', status, off + 2),
  ];
}

export function dissectIcmp(w: Walk, off: number, end: number): void {
  const d = w.data;
  if (end - off < 4) {
    truncatedLayer(w, 'icmp', 'ICMP', off, end, 4);
    return;
  }
  const type = d[off]!;
  const code = d[off + 1]!;
  const typeText = ICMP_TYPES[type] ?? `Unknown ICMP (obsolete or malformed?)`;
  const codeText = icmpCodeText(type, code);
  const layer = w.tree ? openLayer(w, 'icmp', 'Internet Control Message Protocol', off, end - off) : null;
  if (w.quote === 0) w.protocol = 'ICMP';
  // A message cut by the snaplen cannot be verified (tshark: Unverified).
  const cut = w.reportedEnd > end;
  const status = w.quote > 0 || cut ? CHECKSUM_UNVERIFIED : finishChecksum(sumWords(d, off, end)) === 0 ? CHECKSUM_GOOD : CHECKSUM_BAD;
  if (layer) {
    layer.fields.push(
      field('icmp.type', () => `Type: ${type} (${typeText})`, type, off, 1),
      field('icmp.code', () => `Code: ${code}${codeText ? ` (${codeText})` : ''}`, code, off + 1, 1),
      ...checksumFields('icmp', d, off, status),
    );
  }
  let info = typeText.padEnd(20);
  if (codeText) info += ` (${codeText})`;
  const isEcho = type === 0 || type === 8 || type === 13 || type === 14 || type === 17 || type === 18;
  if (isEcho && end - off >= 8) {
    const id = u16(d, off + 4);
    const seq = u16(d, off + 6);
    const idLe = ((id & 255) << 8) | (id >> 8);
    const seqLe = ((seq & 255) << 8) | (seq >> 8);
    if (layer) {
      layer.fields.push(
        field('icmp.ident', () => `Identifier (BE): ${id} (${hex(id, 4)})`, id, off + 4, 2),
        field('icmp.ident_le', () => `Identifier (LE): ${idLe} (${hex(idLe, 4)})`, idLe, off + 4, 2),
        field('icmp.seq', () => `Sequence Number (BE): ${seq} (${hex(seq, 4)})`, seq, off + 6, 2),
        field('icmp.seq_le', () => `Sequence Number (LE): ${seqLe} (${hex(seqLe, 4)})`, seqLe, off + 6, 2),
      );
    }
    info += ` id=${hex(id, 4)}, seq=${seq}/${seqLe}, ttl=${w.ttl}`;
    if (type === 0 || type === 8) info += echoSuffix(w, id, seq, type === 0);
    if (end > off + 8) dissectData(w, off + 8, end);
  } else if ((type === 3 || type === 4 || type === 5 || type === 11 || type === 12) && end - off >= 8) {
    if (layer) {
      if (type === 5) layer.fields.push(pfield('icmp.redir_gw', 'Gateway Address', ipv4At(d, off + 4), off + 4, 4));
      else if (type === 3 && code === 4) {
        layer.fields.push(field('icmp.unused', 'Unused', view(d, off + 4, off + 6), off + 4, 2), pfield('icmp.mtu', 'MTU of next hop', u16(d, off + 6), off + 6, 2));
      } else layer.fields.push(field('icmp.unused', 'Unused', view(d, off + 4, off + 8), off + 4, 4));
    }
    quote(w, off + 8, end, 4);
  } else if (end > off + 4) {
    dissectData(w, off + 4, end);
  }
  if (w.quote === 0) w.info = info;
}

/** Dissects an ICMP error's quoted datagram as further layers, leaving the columns alone. */
function quote(w: Walk, off: number, end: number, version: 4 | 6): void {
  if (off >= end) return;
  const saved = { v: w.ipVersion, s: w.ipSrcOff, d: w.ipDstOff, t: w.ttl };
  w.quote++;
  if (version === 4) dissectIpv4(w, off, end);
  else dissectIpv6(w, off, end);
  w.quote--;
  w.ipVersion = saved.v; w.ipSrcOff = saved.s; w.ipDstOff = saved.d; w.ttl = saved.t;
}

const ICMPV6_TYPES: Readonly<Record<number, string>> = {
  1: 'Destination Unreachable', 2: 'Packet Too Big', 3: 'Time Exceeded', 4: 'Parameter Problem',
  128: 'Echo (ping) request', 129: 'Echo (ping) reply', 130: 'Multicast Listener Query', 131: 'Multicast Listener Report',
  132: 'Multicast Listener Done', 133: 'Router Solicitation', 134: 'Router Advertisement', 135: 'Neighbor Solicitation',
  136: 'Neighbor Advertisement', 137: 'Redirect', 143: 'Multicast Listener Report Message v2',
};
const V6_UNREACH = ['no route to destination', 'communication with destination administratively prohibited', 'beyond scope of source address',
  'address unreachable', 'port unreachable', 'source address failed ingress/egress policy', 'reject route to destination'];
const V6_TIME = ['hop limit exceeded in transit', 'fragment reassembly time exceeded'];

export function dissectIcmpv6(w: Walk, off: number, end: number): void {
  const d = w.data;
  if (end - off < 4) {
    truncatedLayer(w, 'icmpv6', 'ICMPv6', off, end, 4);
    return;
  }
  const type = d[off]!;
  const code = d[off + 1]!;
  const typeText = ICMPV6_TYPES[type] ?? 'Unknown';
  const layer = w.tree ? openLayer(w, 'icmpv6', 'Internet Control Message Protocol v6', off, end - off) : null;
  if (w.quote === 0) w.protocol = 'ICMPv6';
  let status = CHECKSUM_UNVERIFIED;
  if (w.quote === 0 && w.ipVersion === 6 && !(w.reportedEnd > end)) {
    const ph = pseudoHeaderSumV6(view(d, w.ipSrcOff, w.ipSrcOff + 16), view(d, w.ipDstOff, w.ipDstOff + 16), 58, end - off);
    status = finishChecksum(sumWords(d, off, end, ph)) === 0 ? CHECKSUM_GOOD : CHECKSUM_BAD;
  }
  const codeText = type === 1 ? V6_UNREACH[code] : type === 3 ? V6_TIME[code] : undefined;
  if (layer) {
    layer.fields.push(
      field('icmpv6.type', () => `Type: ${typeText} (${type})`, type, off, 1),
      field('icmpv6.code', () => `Code: ${code}${codeText ? ` (${codeText})` : ''}`, code, off + 1, 1),
      ...checksumFields('icmpv6', d, off, status),
    );
  }
  let info = typeText;
  if (codeText) info += ` (${codeText})`;
  if ((type === 128 || type === 129) && end - off >= 8) {
    const id = u16(d, off + 4);
    const seq = u16(d, off + 6);
    if (layer) {
      layer.fields.push(
        field('icmpv6.echo.identifier', () => `Identifier: ${hex(id, 4)}`, id, off + 4, 2),
        pfield('icmpv6.echo.sequence_number', 'Sequence', seq, off + 6, 2),
      );
    }
    info += ` id=${hex(id, 4)}, seq=${seq}, hop limit=${w.ttl}` + echoSuffix(w, id, seq, type === 129);
    if (end > off + 8) dissectData(w, off + 8, end);
  } else if (type >= 1 && type <= 4 && end - off >= 8) {
    if (layer) {
      layer.fields.push(type === 2
        ? pfield('icmpv6.mtu', 'MTU', u32(d, off + 4), off + 4, 4)
        : field('icmpv6.reserved', 'Reserved', view(d, off + 4, off + 8), off + 4, 4));
    }
    quote(w, off + 8, end, 6);
  } else if (type >= 133 && type <= 136) {
    info = neighborDiscovery(w, layer, type, off, end, info);
  } else if ((type === 143 || (type >= 130 && type <= 132)) && end > off + 4) {
    // MLD (RFC 3810): records are shown as one block; Wireshark dissects them, so no data layer.
    if (layer) layer.fields.push(field('icmpv6.mld', 'Multicast Listener Discovery body', view(d, off + 4, end), off + 4, end - off - 4));
  } else if (end > off + 4) {
    dissectData(w, off + 4, end);
  }
  if (w.quote === 0) w.info = info;
}

/** RS/RA/NS/NA (RFC 4861 §4): fixed part, then link-layer address options for the Info column. */
function neighborDiscovery(w: Walk, layer: Layer | null, type: number, off: number, end: number, info: string): string {
  const d = w.data;
  const fixed = type === 133 ? 8 : type === 134 ? 16 : 24;
  if (end - off < fixed) {
    if (layer && end > off + 4) layer.fields.push(field('icmpv6.data', 'Data', view(d, off + 4, end), off + 4, end - off - 4));
    return info;
  }
  let text = info;
  if (type === 135 || type === 136) {
    const target = ipv6ToString(d, off + 8);
    if (type === 135) {
      if (layer) layer.fields.push(field('icmpv6.reserved', 'Reserved', view(d, off + 4, off + 8), off + 4, 4), pfield('icmpv6.nd.ns.target_address', 'Target Address', target, off + 8, 16));
      text += ` for ${target}`;
    } else {
      const flags = u32(d, off + 4);
      const names = [flags & 0x80000000 ? 'rtr' : '', flags & 0x40000000 ? 'sol' : '', flags & 0x20000000 ? 'ovr' : ''].filter(Boolean);
      if (layer) {
        layer.fields.push(
          withChildren(field('icmpv6.nd.na.flag', () => `Flags: ${hex(flags, 8)}`, flags, off + 4, 4), [
            bitField('icmpv6.nd.na.flag.r', () => `Router: ${flags & 0x80000000 ? 'Set' : 'Not set'}`, (flags & 0x80000000) !== 0, off + 4, 4, 0x80000000),
            bitField('icmpv6.nd.na.flag.s', () => `Solicited: ${flags & 0x40000000 ? 'Set' : 'Not set'}`, (flags & 0x40000000) !== 0, off + 4, 4, 0x40000000),
            bitField('icmpv6.nd.na.flag.o', () => `Override: ${flags & 0x20000000 ? 'Set' : 'Not set'}`, (flags & 0x20000000) !== 0, off + 4, 4, 0x20000000),
          ]),
          pfield('icmpv6.nd.na.target_address', 'Target Address', target, off + 8, 16),
        );
      }
      text += ` ${target}` + (names.length ? ` (${names.join(', ')})` : '');
    }
  }
  let o = off + fixed;
  while (o + 2 <= end) {
    const otype = d[o]!;
    const olen = d[o + 1]! * 8;
    if (olen === 0 || o + olen > end) {
      if (layer) layer.fields.push(withMalformed(field('icmpv6.opt', 'ICMPv6 Option [bogus length]', view(d, o, end), o, end - o), 'bogus option length'));
      break;
    }
    const isLla = (otype === 1 || otype === 2) && olen === 8;
    if (layer) {
      const children: Field[] = [pfield('icmpv6.opt.type', 'Type', otype, o, 1), field('icmpv6.opt.length', () => `Length: ${olen / 8} (${olen} bytes)`, d[o + 1]!, o + 1, 1)];
      if (isLla) {
        const mac = macAt(d, o + 2);
        children.push(field('icmpv6.opt.linkaddr', () => `Link-layer address: ${mac}`, view(d, o + 2, o + 8), o + 2, 6));
        children.push(field(otype === 1 ? 'icmpv6.opt.src_linkaddr' : 'icmpv6.opt.target_linkaddr', () => `${otype === 1 ? 'Source' : 'Target'} Link-layer address: ${mac}`, view(d, o + 2, o + 8), o + 2, 6));
      }
      layer.fields.push(withChildren(field('icmpv6.opt', () => `ICMPv6 Option (${otype === 1 ? 'Source link-layer address' : otype === 2 ? 'Target link-layer address' : `type ${otype}`})`, view(d, o, o + olen), o, olen), children));
    }
    if (isLla && otype === 1 && type !== 136) text += ` from ${macAt(d, o + 2)}`;
    if (isLla && otype === 2 && type === 136) text += ` is at ${macAt(d, o + 2)}`;
    o += olen;
  }
  return text;
}

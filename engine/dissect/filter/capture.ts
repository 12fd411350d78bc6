/**
 * Capture filters, part 2: primitives become closures over the raw frame bytes, reading the same
 * offsets libpcap's BPF code reads (compare with `tcpdump -d FILTER`), so it runs at capture
 * points on every packet without a dissector. Only the OUTER headers are examined, as tcpdump
 * does: a VXLAN inner packet is UDP payload.
 *
 * BPF details kept on purpose: a read past the end of the captured bytes rejects the frame (even
 * under `not`); `port` ignores IPv4 fragments after the first; `host` and `net` without a protocol
 * also match ARP/RARP sender and target addresses; after `vlan`, every later primitive reads 4
 * bytes further into the frame (pcap-filter(7): "vlan ... changes the decoding offsets for the
 * remainder of the expression").
 */
import type { FilterError } from './display-parse.ts';
import { CaptureSyntaxError, parseCapture, type CNode, type Dir, type Qual } from './capture-parse.ts';
import { parseIpv4Text, parseIpv6Text, parseMacText } from './literals.ts';

export interface CaptureFilter {
  readonly text: string;
  test(bytes: Uint8Array, linkType: number): boolean;
}

export type CaptureFilterResult = { ok: true; filter: CaptureFilter } | { ok: false; error: FilterError };

type Prim = (d: Uint8Array, link: number) => boolean;

/** Thrown by a read past the captured bytes; caught once per frame (BPF rejects the packet). */
const OUT_OF_BOUNDS = { reason: 'read past the end of the frame' };

function b8(d: Uint8Array, o: number): number {
  if (o >= d.length) throw OUT_OF_BOUNDS;
  return d[o]!;
}
function b16(d: Uint8Array, o: number): number {
  if (o + 2 > d.length) throw OUT_OF_BOUNDS;
  return (d[o]! << 8) | d[o + 1]!;
}
function b32(d: Uint8Array, o: number): number {
  if (o + 4 > d.length) throw OUT_OF_BOUNDS;
  return ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
}

const ETH = 1;
const RAW = 101;
const SLL = 113;
const SLL2 = 276;
const IPV4 = 228;
const IPV6 = 229;

/** The network-layer type (an EtherType) of a frame, -1 when the link layer has none. */
function etherType(d: Uint8Array, link: number, depth: number): number {
  switch (link) {
    case ETH: return b16(d, 12 + 4 * depth);
    case RAW: {
      if (depth > 0) return -1;
      const v = b8(d, 0) >> 4;
      return v === 4 ? 0x0800 : v === 6 ? 0x86dd : -1;
    }
    case SLL: return depth > 0 ? -1 : b16(d, 14);
    case SLL2: return depth > 0 ? -1 : b16(d, 0);
    case IPV4: return depth > 0 ? -1 : 0x0800;
    case IPV6: return depth > 0 ? -1 : 0x86dd;
    default: return -1;
  }
}

function l3Offset(link: number, depth: number): number {
  switch (link) {
    case ETH: return 14 + 4 * depth;
    case SLL: return 16;
    case SLL2: return 20;
    default: return 0;
  }
}

/** Compiles tcpdump filter text. The empty filter (only spaces) accepts every frame. */
export function compileCaptureFilter(text: string): CaptureFilterResult {
  try {
    if (text.trim() === '') return { ok: true, filter: { text, test: () => true } };
    const root = compileNode(parseCapture(text), { depth: 0 });
    const test = (bytes: Uint8Array, linkType: number): boolean => {
      try {
        return root(bytes, linkType);
      } catch {
        return false;
      }
    };
    return { ok: true, filter: { text, test } };
  } catch (e) {
    if (e instanceof CaptureSyntaxError) return { ok: false, error: e.error };
    return { ok: false, error: { message: `Internal error: ${e instanceof Error ? e.message : String(e)}`, offset: 0, length: text.length } };
  }
}

interface State { depth: number }

function compileNode(n: CNode, s: State): Prim {
  switch (n.k) {
    case 'and': { const a = compileNode(n.a, s); const b = compileNode(n.b, s); return (d, l) => a(d, l) && b(d, l); }
    case 'or': { const a = compileNode(n.a, s); const b = compileNode(n.b, s); return (d, l) => a(d, l) || b(d, l); }
    case 'not': { const e = compileNode(n.e, s); return (d, l) => !e(d, l); }
    case 'vlan': return vlanPrim(n.id, s.depth++);
    case 'proto': return protoPrim(n.proto, s.depth);
    case 'id': return idPrim(n, s.depth);
  }
}

function vlanPrim(id: number | null, depth: number): Prim {
  return (d, link) => {
    if (link !== ETH) return false;
    const t = b16(d, 12 + 4 * depth);
    if (t !== 0x8100 && t !== 0x88a8 && t !== 0x9100) return false;
    return id === null || (b16(d, 14 + 4 * depth) & 0x0fff) === id;
  };
}

/** IPv4 protocol number p, or IPv6 next header p (directly or after a fragment header). */
function ipProto(p: number, depth: number, v4: boolean, v6: boolean): Prim {
  return (d, link) => {
    const t = etherType(d, link, depth);
    const o = l3Offset(link, depth);
    if (t === 0x0800) return v4 && b8(d, o + 9) === p;
    if (t === 0x86dd && v6) {
      const nxt = b8(d, o + 6);
      return nxt === p || (nxt === 44 && b8(d, o + 40) === p);
    }
    return false;
  };
}

function protoPrim(proto: string, depth: number): Prim {
  const is = (type: number): Prim => (d, link) => etherType(d, link, depth) === type;
  switch (proto) {
    case 'ip': return is(0x0800);
    case 'ip6': return is(0x86dd);
    case 'arp': return is(0x0806);
    case 'rarp': return is(0x8035);
    case 'tcp': return ipProto(6, depth, true, true);
    case 'udp': return ipProto(17, depth, true, true);
    case 'icmp': return ipProto(1, depth, true, false);
    case 'icmp6': return ipProto(58, depth, false, true);
    default: throw new Error(`no primitive for "${proto}" alone`);
  }
}

function dirTest(dir: Dir | null, s: boolean, t: () => boolean): boolean {
  switch (dir) {
    case 'src': return s;
    case 'dst': return t();
    case 'src and dst': return s && t();
    default: return s || t();
  }
}

type IdNode = Extract<CNode, { k: 'id' }>;

const fail = (n: IdNode, message: string): CaptureSyntaxError => new CaptureSyntaxError({ message, offset: n.offset, length: n.length });

function idPrim(n: IdNode, depth: number): Prim {
  const q = n.qual;
  const type = q.type ?? 'host';
  if (type === 'port' || type === 'portrange') return portPrim(n, q, depth);
  if (q.proto === 'ether') return etherPrim(n, q);
  if (q.proto === 'tcp' || q.proto === 'udp' || q.proto === 'icmp' || q.proto === 'icmp6') throw fail(n, `'${q.proto}' modifier applied to ${type}`);
  if (n.id.includes(':')) {
    if (typeof parseMacText(n.id) !== 'object' || n.id.includes('::')) return ipv6Prim(n, q, depth);
    throw fail(n, 'ethernet address used in non-ether expression');
  }
  return ipv4Prim(n, q, depth);
}

function etherPrim(n: IdNode, q: Qual): Prim {
  if (q.type !== null && q.type !== 'host') throw fail(n, `illegal qualifier of '${q.type}'`);
  const mac = parseMacText(n.id);
  if (!(mac instanceof Uint8Array)) throw fail(n, 'illegal link layer address');
  const at = (d: Uint8Array, o: number): boolean => {
    if (o + 6 > d.length) throw OUT_OF_BOUNDS;
    for (let i = 0; i < 6; i++) if (d[o + i] !== mac[i]) return false;
    return true;
  };
  return (d, link) => link === ETH && dirTest(q.dir, at(d, 6), () => at(d, 0));
}

/** An IPv4 id with libpcap's short forms: `10.1` is 10.1.0.0/16; a bare number is one address. */
function ipv4Value(n: IdNode, text: string, isNet: boolean): { addr: number; mask: number } {
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    if (v > 0xffffffff) throw fail(n, `invalid IPv4 address '${text}'`);
    if (!isNet) return { addr: v, mask: 0xffffffff };
    return promote(v, 0xffffffff);
  }
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) {
    throw fail(n, /^[\d.]+$/.test(text) ? `invalid IPv4 address '${text}'` : `unknown host '${text}'`);
  }
  const full = parts.length === 4 ? parseIpv4Text(text) : parseIpv4Text([...parts, '0', '0', '0'].slice(0, 4).join('.'));
  if (full === null) throw fail(n, `invalid IPv4 address '${text}'`);
  const bits = parts.length * 8;
  return { addr: full, mask: bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0 };
}

/** libpcap's "promote short net number": shift left while the top byte is zero. */
function promote(v: number, mask: number): { addr: number; mask: number } {
  let a = v;
  let m = mask;
  while (a !== 0 && (a & 0xff000000) === 0) { a = (a << 8) >>> 0; m = (m << 8) >>> 0; }
  return { addr: a, mask: m };
}

function ipv4Prim(n: IdNode, q: Qual, depth: number): Prim {
  if (q.proto === 'ip6') throw fail(n, "'ip6' modifier applied to ip host");
  const isNet = q.type === 'net';
  const slash = n.id.indexOf('/');
  let addr: number;
  let mask: number;
  if (slash >= 0) {
    const bitsText = n.id.slice(slash + 1);
    if (!/^\d+$/.test(bitsText)) throw fail(n, 'syntax error');
    const bits = Number(bitsText);
    if (bits > 32) throw fail(n, 'mask length must be <= 32');
    addr = ipv4Value(n, n.id.slice(0, slash), false).addr;
    mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if (((addr & ~mask) >>> 0) !== 0) throw fail(n, `non-network bits set in "${n.id}"`);
  } else if (n.mask) {
    if (!isNet) throw fail(n, 'mask syntax for networks only');
    addr = ipv4Value(n, n.id, false).addr;
    const m = parseIpv4Text(n.mask.text);
    if (m === null) throw new CaptureSyntaxError({ message: `invalid IPv4 address '${n.mask.text}'`, offset: n.mask.offset, length: n.mask.length });
    mask = m;
    if (((addr & ~mask) >>> 0) !== 0) {
      throw new CaptureSyntaxError({ message: `non-network bits set in "${n.id} mask ${n.mask.text}"`, offset: n.offset, length: n.mask.offset + n.mask.length - n.offset });
    }
  } else {
    ({ addr, mask } = ipv4Value(n, n.id, isNet));
  }
  const want = (addr & mask) >>> 0;
  const proto = q.proto;
  const ip = proto === null || proto === 'ip';
  const arp = proto === null || proto === 'arp';
  const rarp = proto === null || proto === 'rarp';
  const hit = (d: Uint8Array, o: number): boolean => ((b32(d, o) & mask) >>> 0) === want;
  return (d, link) => {
    const t = etherType(d, link, depth);
    const o = l3Offset(link, depth);
    if (t === 0x0800) return ip && dirTest(q.dir, hit(d, o + 12), () => hit(d, o + 16));
    if ((t === 0x0806 && arp) || (t === 0x8035 && rarp)) return dirTest(q.dir, hit(d, o + 14), () => hit(d, o + 24));
    return false;
  };
}

function ipv6Prim(n: IdNode, q: Qual, depth: number): Prim {
  if (q.proto !== null && q.proto !== 'ip6') throw fail(n, `'${q.proto}' modifier applied to ip6 host`);
  if (n.mask) throw fail(n, 'mask syntax for networks only');
  const slash = n.id.indexOf('/');
  const text = slash < 0 ? n.id : n.id.slice(0, slash);
  const addr = parseIpv6Text(text);
  if (addr === null) throw fail(n, `unknown host '${n.id}'`);
  let bits = 128;
  if (slash >= 0) {
    const bt = n.id.slice(slash + 1);
    if (!/^\d+$/.test(bt)) throw fail(n, 'syntax error');
    bits = Number(bt);
    if (bits > 128) throw fail(n, 'mask length must be <= 128');
    for (let i = 0; i < 16; i++) {
      const keep = Math.max(0, Math.min(8, bits - 8 * i));
      if ((addr[i]! & ~((0xff << (8 - keep)) & 0xff) & 0xff) !== 0) throw fail(n, `non-network bits set in "${n.id}"`);
    }
  }
  const hit = (d: Uint8Array, o: number): boolean => {
    if (o + 16 > d.length) throw OUT_OF_BOUNDS;
    for (let i = 0; i < 16; i++) {
      const keep = Math.max(0, Math.min(8, bits - 8 * i));
      if (keep === 0) break;
      const m = (0xff << (8 - keep)) & 0xff;
      if ((d[o + i]! & m) !== (addr[i]! & m)) return false;
    }
    return true;
  };
  return (d, link) => {
    if (etherType(d, link, depth) !== 0x86dd) return false;
    const o = l3Offset(link, depth);
    return dirTest(q.dir, hit(d, o + 8), () => hit(d, o + 24));
  };
}

function portNumber(n: IdNode, text: string): number {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) v = parseInt(text, 8);
  else if (/^\d+$/.test(text)) v = Number(text);
  else throw fail(n, `unknown port '${text}'`);
  if (v > 65535) throw fail(n, `illegal port number ${v} > 65535`);
  return v;
}

function portPrim(n: IdNode, q: Qual, depth: number): Prim {
  const p = q.proto;
  if (p !== null && p !== 'tcp' && p !== 'udp' && p !== 'ip' && p !== 'ip6') throw fail(n, `illegal qualifier of '${q.type}'`);
  if (n.mask) throw fail(n, 'mask syntax for networks only');
  let lo: number;
  let hi: number;
  if (q.type === 'portrange') {
    const m = /^([^-]+)(?:-([^-]+))?$/.exec(n.id);
    if (!m) throw fail(n, `unknown port in range '${n.id}'`);
    lo = portNumber(n, m[1]!);
    hi = m[2] === undefined ? lo : portNumber(n, m[2]);
    if (lo > hi) [lo, hi] = [hi, lo];
  } else {
    lo = hi = portNumber(n, n.id);
  }
  const protoOk = p === 'tcp' ? (x: number) => x === 6 : p === 'udp' ? (x: number) => x === 17 : (x: number) => x === 6 || x === 17 || x === 132;
  const v4 = p !== 'ip6';
  const v6 = p !== 'ip';
  const inRange = (d: Uint8Array, o: number): boolean => { const v = b16(d, o); return v >= lo && v <= hi; };
  return (d, link) => {
    const t = etherType(d, link, depth);
    const o = l3Offset(link, depth);
    if (t === 0x0800 && v4) {
      if (!protoOk(b8(d, o + 9)) || (b16(d, o + 6) & 0x1fff) !== 0) return false;
      const th = o + (b8(d, o) & 15) * 4;
      return dirTest(q.dir, inRange(d, th), () => inRange(d, th + 2));
    }
    if (t === 0x86dd && v6) {
      if (!protoOk(b8(d, o + 6))) return false;
      return dirTest(q.dir, inRange(d, o + 40), () => inRange(d, o + 42));
    }
    return false;
  };
}

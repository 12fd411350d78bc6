/** Display filters: parsing, every operator and literal kind, precedence, errors with positions, speed. */
import { describe, expect, it } from 'vitest';
import type { Field, FieldValue } from '../types.ts';
import { compileDisplayFilter, type FieldMap } from './index.ts';

/** A field map from name -> values (several values = several occurrences). */
function frame(fields: Record<string, FieldValue[]>): FieldMap {
  const m = new Map<string, Field[]>();
  for (const [name, values] of Object.entries(fields)) m.set(name, values.map((value) => ({ name, label: name, value, offset: 0, length: 0 })));
  return m;
}

/** A VXLAN frame: outer 10.201.1.1 -> 10.201.1.2 UDP 10800, inner 10.201.8.1 -> 10.201.8.2 TCP 41278 -> 40123 SYN. */
const VXLAN = frame({
  'eth.src': ['02:00:0a:c9:01:01', '02:00:0a:c9:08:01'], 'eth.dst': ['02:00:0a:c9:01:02', '02:00:0a:c9:08:02'],
  'eth.type': [0x0800, 0x0800],
  'ip.src': ['10.201.1.1', '10.201.8.1'], 'ip.dst': ['10.201.1.2', '10.201.8.2'],
  'ip.addr': ['10.201.1.1', '10.201.1.2', '10.201.8.1', '10.201.8.2'], 'ip.proto': [17, 6], 'ip.ttl': [64, 63], 'ip.hdr_len': [20, 20],
  'udp.srcport': [51000], 'udp.dstport': [10800], 'udp.port': [51000, 10800],
  'vxlan.flags': [0x0800], 'vxlan.vni': [800],
  'tcp.srcport': [41278], 'tcp.dstport': [40123], 'tcp.port': [41278, 40123], 'tcp.flags': [0x002],
  'tcp.flags.syn': [true], 'tcp.flags.ack': [false], 'tcp.options.mss_val': [1460], 'tcp.payload': [Uint8Array.from([0x68, 0x65, 0x6c, 0x6c, 0x6f])],
  'tcp.flags.str': ['··········S·'],
});
const ARP = frame({ 'eth.src': ['02:00:0a:c9:01:01'], 'eth.dst': ['ff:ff:ff:ff:ff:ff'], 'eth.type': [0x0806], 'arp.hw.type': [1], 'arp.opcode': [1] });
const V6 = frame({
  'eth.src': ['02:00:0a:c9:01:01'], 'ipv6.src': ['fd00:201:1::1'], 'ipv6.dst': ['fd00:201:1::2'], 'ipv6.addr': ['fd00:201:1::1', 'fd00:201:1::2'],
  'ip.version': [6], 'ipv6.nxt': [6], 'tcp.srcport': [40090], 'tcp.port': [40090, 40124], 'tcp.flags.syn': [false],
});

function test(text: string, f: FieldMap): boolean {
  const c = compileDisplayFilter(text);
  if (!c.ok) throw new Error(`${text}: ${c.error.message}`);
  return c.filter.test(f);
}

function error(text: string): { message: string; offset: number; length: number } {
  const c = compileDisplayFilter(text);
  if (c.ok) throw new Error(`${text} compiled`);
  return c.error;
}

describe('protocols and existence', () => {
  it.each([
    ['tcp', true, false, true], ['udp', true, false, false], ['vxlan', true, false, false], ['ip', true, false, false],
    ['ipv6', false, false, true], ['eth', true, true, true], ['arp', false, true, false], ['icmp', false, false, false],
    ['data', false, false, false], ['tcp.options.mss_val', true, false, false], ['tcp.flags.syn', true, false, true],
  ])('%s', (text, vx, arp, v6) => {
    expect([test(text, VXLAN), test(text, ARP), test(text, V6)]).toEqual([vx, arp, v6]);
  });
  it('the empty filter keeps everything', () => expect(test('  ', ARP)).toBe(true));
});

describe('comparison operators and their word forms', () => {
  it.each([
    ['tcp.port == 40123', true], ['tcp.port eq 40123', true], ['tcp.port any_eq 40123', true],
    ['tcp.port != 40123', false], ['tcp.port ne 41278', false], ['tcp.port all_ne 1', true],
    ['tcp.port ~= 40123', true], ['tcp.port any_ne 40123', true], ['tcp.port === 40123', false], ['tcp.port all_eq 40123', false],
    ['tcp.port < 40124', true], ['tcp.port lt 40123', false], ['tcp.port > 41277', true], ['tcp.port gt 41278', false],
    ['tcp.port <= 40123', true], ['tcp.port le 40122', false], ['tcp.port >= 41278', true], ['tcp.port ge 41279', false],
    ['tcp.port in {80, 443, 40000..40200}', true], ['tcp.port in {80 443}', false], ['tcp.payload contains "ell"', true],
    ['tcp.payload contains 65:6c', true], ['tcp.payload contains 656c6c', true], ['tcp.payload contains "xyz"', false],
    ['tcp.payload matches "^HEL+O$"', true], ['tcp.payload ~ "z"', false], ['tcp.flags.str contains "S"', true],
    ['tcp.flags.str matches "s"', true], ['eth.src contains 0a:c9:08', true],
  ])('%s', (text, want) => expect(test(text, VXLAN)).toBe(want));
});

describe('occurrences: any for ==, all for != (Wireshark >= 3.6)', () => {
  it('ip.addr == matches inner or outer', () => {
    expect(test('ip.addr == 10.201.8.2', VXLAN)).toBe(true);
    expect(test('ip.addr == 10.201.1.1', VXLAN)).toBe(true);
  });
  it('!= is all-not-equal and false when the field is absent', () => {
    expect(test('ip.addr != 10.201.8.2', VXLAN)).toBe(false);
    expect(test('ip.addr != 1.2.3.4', VXLAN)).toBe(true);
    expect(test('ip.addr != 1.2.3.4', ARP)).toBe(false);
    expect(test('!(ip.addr == 1.2.3.4)', ARP)).toBe(true);
  });
  it('=== is all-equal', () => expect(test('ip.ttl === 64', VXLAN)).toBe(false));
  it('field against field compares any pair', () => {
    expect(test('ip.src == ip.dst', VXLAN)).toBe(false);
    expect(test('tcp.srcport > tcp.dstport', VXLAN)).toBe(true);
    expect(test('ip.src != ip.dst', VXLAN)).toBe(true);
  });
});

describe('literals', () => {
  it.each([
    ['ip.src == 10.201.8.0/24', true], ['ip.src == 10.201.8.7/24', true], ['ip.dst == 10.0.0.0/8', true], ['ip.src == 10.201.9.0/24', false],
    ['ip.src == 0.0.0.0/0', true], ['ip.src > 10.201.8.0', true], ['ip.src < 10.201.1.1', false],
    ['eth.src == 02:00:0a:c9:08:01', true], ['eth.src == 02-00-0a-c9-08-01', true], ['eth.src == 0200.0ac9.0801', true],
    ['eth.src == 02:00:0A:C9:08:01', true], ['eth.dst == ff:ff:ff:ff:ff:ff', false],
    ['tcp.port == 0x9cbb', true], ['tcp.port == 0116273', true], ['ip.hdr_len == 0b10100', true], ['tcp.port == -1', false],
    ['tcp.flags.syn == 1', true], ['tcp.flags.syn == 2', true], ['tcp.flags.syn == true', true], ['tcp.flags.syn == False', false],
    ['tcp.flags.ack == 0', true], ['ip.proto == UDP', true], ['ip.proto == "tcp"', true], ['eth.type == IPv4', true],
    ['tcp.flags == 0x02', true], ['vxlan.vni == 800', true], ['tcp.flags.str == "··········S·"', true],
  ])('%s', (text, want) => expect(test(text, VXLAN)).toBe(want));
  it('IPv6 addresses and prefixes', () => {
    expect(test('ipv6.addr == fd00:201:1::2', V6)).toBe(true);
    expect(test('ipv6.src == fd00:201:1:0:0:0:0:1', V6)).toBe(true);
    expect(test('ipv6.src == fd00:201:1::/64', V6)).toBe(true);
    expect(test('ipv6.src == fd00:201:2::/48', V6)).toBe(false);
    expect(test('ipv6.dst > fd00:201:1::1', V6)).toBe(true);
    expect(test('ipv6.src == ::ffff:10.0.0.1', V6)).toBe(false);
  });
  it('strings with escapes', () => {
    const f = frame({ '_ws.malformed': ['a "quoted"\tthing'] });
    expect(test('_ws.malformed == "a \\"quoted\\"\\tthing"', f)).toBe(true);
    expect(test('_ws.malformed contains "\\x71uoted"', f)).toBe(true);
  });
});

describe('boolean operators and precedence (not > and > xor > or)', () => {
  it.each([
    ['tcp and udp', true], ['tcp && arp', false], ['arp or tcp', true], ['arp || icmp', false], ['not arp', true], ['!tcp', false],
    ['arp or tcp and udp', true], ['(arp or tcp) and icmp', false], ['not tcp and udp', false], ['not (tcp and arp)', true],
    ['!tcp || udp', true], ['tcp xor udp', false], ['tcp ^^ arp', true], ['arp or tcp xor udp', false], ['tcp and udp xor arp', true],
    ['((tcp))', true], ['not not tcp', true],
  ])('%s', (text, want) => expect(test(text, VXLAN)).toBe(want));
});

describe('errors carry a message and the position of the offending text', () => {
  it.each([
    ['ip.sorce == 1.1.1.1', '"ip.sorce" is neither a field nor a protocol name.', 0, 8],
    ['tcp and frob', '"frob" is neither a field nor a protocol name.', 8, 4],
    ['ip.src ==', 'Unexpected end of filter expression.', 9, 0],
    ['(tcp', 'Unexpected end of filter expression.', 4, 0],
    ['tcp)', '")" was unexpected in this context.', 3, 1],
    ['tcp.port = 80', '"=" was unexpected in this context.', 9, 1],
    ['tcp.port == "abc"', 'Unsigned integer (2 bytes) cannot be converted from a string ("abc").', 12, 5],
    ['ip.src == 300.1.1.1', '"300.1.1.1" is not a valid hostname or IPv4 address.', 10, 9],
    ['tcp.port == 70000', '"70000" too big for this field, maximum 65535.', 12, 5],
    ['ip.src contains 1', 'ip.src (type=IPv4 address) cannot participate in contains comparison.', 0, 6],
    ['tcp.port == 1.2.3.4', '"1.2.3.4" is not a valid number.', 12, 7],
    ['eth.src == 02:00', '"02:00" contains too few bytes to be a valid Ethernet address.', 11, 5],
    ['ip.src == 10.0.0.0/33', 'Netmask bits in a CIDR IPv4 address should be <= 32, not 33', 10, 11],
    ['tcp.flags.syn == yes', '"yes" cannot be found among the possible values for tcp.flags.syn.', 17, 3],
    ['data.data contains "hel', 'The final quote was missing from a quoted string.', 19, 1],
    ['80 == tcp.port', 'Left side of "==" expression must be a field, not 80.', 0, 2],
    ['icmpv6.opt == 1', 'icmpv6.opt (type=Label) cannot participate in == comparison.', 0, 10],
    ['data.data == zz', '"zz" is not a valid byte string.', 13, 2],
    ['tcp.port == 80 80', '"80" was unexpected in this context.', 15, 2],
    ['ip.src == tcp.port', 'ip.src and tcp.port are not of compatible types.', 0, 18],
    ['tcp == 1', 'The protocol "tcp" cannot be compared; compare one of its fields.', 0, 3],
    ['tcp # 1', '"#" was unexpected in this context.', 4, 1],
    ['data.len == -2147483649', '"-2147483649" too small for this field, minimum -2147483648.', 12, 11],
    ['ipv6.src == fd00::/129', 'Prefix in a IPv6 address should be <= 128, not 129', 12, 10],
  ])('%s', (text, message, offset, length) => {
    expect(error(text)).toEqual({ message, offset, length });
  });
  it('a bad regular expression is an error at the pattern', () => {
    const e = error('data.data matches "("');
    expect(e.message).toMatch(/^Regex compilation error: /);
    expect([e.offset, e.length]).toEqual([18, 3]);
  });
});

describe('speed', () => {
  it('filters 1,000,000 frames of summary fields in a few seconds', () => {
    const frames: FieldMap[] = [];
    for (let i = 0; i < 1000; i++) {
      frames.push(frame({
        'eth.src': ['02:00:00:00:00:01'], 'ip.src': [`10.0.${i & 255}.1`], 'ip.dst': ['10.0.0.2'],
        'ip.addr': [`10.0.${i & 255}.1`, '10.0.0.2'], 'tcp.srcport': [1000 + i], 'tcp.port': [1000 + i, 80], 'tcp.flags.syn': [i % 7 === 0],
      }));
    }
    const c = compileDisplayFilter('(ip.addr == 10.0.3.0/24 or tcp.port in {80, 443}) and tcp.flags.syn == 1 && !arp && tcp.srcport > 1000');
    if (!c.ok) throw new Error(c.error.message);
    const start = performance.now();
    let kept = 0;
    for (let n = 0; n < 1_000_000; n++) if (c.filter.test(frames[n % 1000]!)) kept++;
    const ms = performance.now() - start;
    console.info(`[display filter speed] 1,000,000 frames in ${ms.toFixed(0)} ms, kept ${kept}`);
    expect(kept).toBe(142_000);
    expect(ms).toBeLessThan(10_000);
  });
});

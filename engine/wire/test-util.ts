/**
 * Test helpers for engine/wire: hex, result unwrapping, truncation sweeps and fast-check
 * arbitraries for every Repr. Arbitraries produce reprs that parse(emit(x)) must return unchanged,
 * so they respect what the wire cannot carry (see the comments at each constraint).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { EthernetRepr, VlanTag } from './ethernet.ts';
import { frameLength, type FrameRepr, type IpNetRepr, type IpPacketRepr, type L4Repr } from './frame.ts';
import { icmpv4Length, type Icmpv4Repr } from './icmpv4.ts';
import { icmpv6Length, type Icmpv6Repr } from './icmpv6.ts';
import type { Ipv4Repr } from './ipv4.ts';
import type { Ipv6Repr } from './ipv6.ts';
import type { Result } from './result.ts';
import type { TcpOptions } from './tcp-options.ts';
import { tcpLength, type TcpFlags, type TcpRepr } from './tcp.ts';
import type { UdpRepr } from './udp.ts';
import type { VxlanRepr } from './vxlan.ts';

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.layer} @${r.error.offset}: ${r.error.message}`);
  return r.value;
}

/**
 * Every prefix shorter than `minLength` must give an error (never throw) whose offset lies inside
 * the prefix; longer prefixes must not throw either.
 */
export function expectTruncationsFail(bytes: Uint8Array, minLength: number, parse: (b: Uint8Array) => Result<unknown>): void {
  for (let len = 0; len < bytes.length; len++) {
    const prefix = bytes.slice(0, len);
    const r = parse(prefix);
    if (len < minLength) {
      expect(r.ok, `prefix of ${len} bytes`).toBe(false);
      if (!r.ok) {
        expect(r.error.offset).toBeGreaterThanOrEqual(0);
        expect(r.error.offset).toBeLessThanOrEqual(len);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const bytes = (maxLength = 64, minLength = 0): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength, maxLength });

export const arbMac = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));

export const arbVlan: fc.Arbitrary<VlanTag> = fc.record({
  pcp: fc.integer({ min: 0, max: 7 }),
  dei: fc.boolean(),
  vid: fc.integer({ min: 0, max: 4095 }),
});

export const arbEthernet: fc.Arbitrary<EthernetRepr> = fc.record(
  { dst: arbMac, src: arbMac, vlan: arbVlan, ethertype: u16.filter((t) => t !== 0x8100) },
  { requiredKeys: ['dst', 'src', 'ethertype'] },
);

export const arbIpv4: fc.Arbitrary<Ipv4Repr> = fc.record(
  {
    dscp: fc.integer({ min: 0, max: 63 }),
    ecn: fc.integer({ min: 0, max: 3 }),
    identification: u16,
    dontFragment: fc.boolean(),
    moreFragments: fc.boolean(),
    fragmentOffset: fc.integer({ min: 0, max: 0x1fff }),
    ttl: u8,
    protocol: u8,
    src: u32,
    dst: u32,
    // Options come back padded to 4 bytes, so only padded lengths round-trip.
    options: fc.integer({ min: 0, max: 10 }).chain((n) => bytes(n * 4, n * 4)),
    payloadLength: fc.integer({ min: 0, max: 0xffff - 60 }),
    reservedFlag: fc.constant(true),
  },
  { requiredKeys: ['dscp', 'ecn', 'identification', 'dontFragment', 'moreFragments', 'fragmentOffset', 'ttl', 'protocol', 'src', 'dst', 'options', 'payloadLength'] },
);

export const arbIpv6Addr = fc.uint8Array({ minLength: 16, maxLength: 16 });

export const arbIpv6: fc.Arbitrary<Ipv6Repr> = fc.record({
  trafficClass: u8,
  flowLabel: fc.integer({ min: 0, max: 0xfffff }),
  payloadLength: u16,
  nextHeader: u8,
  hopLimit: u8,
  src: arbIpv6Addr,
  dst: arbIpv6Addr,
});

export const arbTcpFlags: fc.Arbitrary<TcpFlags> = fc.record({
  fin: fc.boolean(), syn: fc.boolean(), rst: fc.boolean(), psh: fc.boolean(), ack: fc.boolean(),
  urg: fc.boolean(), ece: fc.boolean(), cwr: fc.boolean(), ns: fc.boolean(),
});

/** Kinds that parse would read into a named field (or as NOP/EOL) cannot be "unknown". */
const unknownKind = u8.filter((k) => ![0, 1, 2, 3, 4, 5, 8].includes(k));

/** Bytes the default layout needs, unpadded: what must fit in 40. */
function defaultOptionBytes(o: TcpOptions): number {
  let n = 0;
  if (o.mss !== undefined) n += 4;
  // Timestamps take 12 with SACK-permitted (2 + 10) or with NOP NOP (2 + 10).
  if (o.timestamps) n += 12;
  else if (o.sackPermitted) n += 4;
  if (o.windowScale !== undefined) n += 4;
  if (o.sack) n += 4 + 8 * o.sack.length;
  for (const u of o.unknown) n += 2 + u.data.length;
  return n;
}

export const arbTcpOptions: fc.Arbitrary<TcpOptions> = fc
  .record(
    {
      mss: u16,
      windowScale: u8,
      sackPermitted: fc.constant(true),
      sack: fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 4 }),
      timestamps: fc.record({ value: u32, echo: u32 }),
      unknown: fc.array(fc.record({ kind: unknownKind, data: bytes(12) }), { maxLength: 3 }),
    },
    { requiredKeys: ['unknown'] },
  )
  .filter((o) => defaultOptionBytes(o) <= 40);

export const arbTcp: fc.Arbitrary<TcpRepr> = fc.record(
  {
    srcPort: u16,
    dstPort: u16,
    seq: u32,
    ack: u32,
    flags: arbTcpFlags,
    window: u16,
    urgentPointer: u16,
    options: arbTcpOptions,
    payload: bytes(64),
    reserved: fc.integer({ min: 1, max: 7 }),
  },
  { requiredKeys: ['srcPort', 'dstPort', 'seq', 'ack', 'flags', 'window', 'urgentPointer', 'options', 'payload'] },
);

export const arbUdp: fc.Arbitrary<UdpRepr> = fc.record({ srcPort: u16, dstPort: u16, payload: bytes(64) });

export const arbVxlan: fc.Arbitrary<VxlanRepr> = fc.record(
  {
    flags: u8,
    vni: fc.integer({ min: 0, max: 0xffffff }),
    reserved1: fc.integer({ min: 1, max: 0xffffff }),
    reserved2: fc.integer({ min: 1, max: 0xff }),
  },
  { requiredKeys: ['flags', 'vni'] },
);

const nonZero16 = fc.integer({ min: 1, max: 0xffff });
const nonZero32 = fc.integer({ min: 1, max: 0xffffffff });

export const arbIcmpv4: fc.Arbitrary<Icmpv4Repr> = fc.oneof(
  fc.record({ kind: fc.constantFrom('echoRequest' as const, 'echoReply' as const), id: u16, seq: u16, data: bytes(48) }),
  fc.record(
    { kind: fc.constant('destUnreachable' as const), code: u8, nextHopMtu: nonZero16, unused: nonZero16, data: bytes(48) },
    { requiredKeys: ['kind', 'code', 'data'] },
  ),
  fc.record({ kind: fc.constant('timeExceeded' as const), code: u8, unused: nonZero32, data: bytes(48) }, { requiredKeys: ['kind', 'code', 'data'] }),
  // "other" is for what parse does not name: not echo with code 0, not 3 or 11 (or too short for them).
  fc.record({ kind: fc.constant('other' as const), type: u8, code: u8, rest: bytes(48) }).filter(
    (r) => r.rest.length < 4 || !(((r.type === 0 || r.type === 8) && r.code === 0) || r.type === 3 || r.type === 11),
  ),
);

export const arbIcmpv6: fc.Arbitrary<Icmpv6Repr> = fc.oneof(
  fc.record({ kind: fc.constantFrom('echoRequest' as const, 'echoReply' as const), id: u16, seq: u16, data: bytes(48) }),
  fc.record(
    { kind: fc.constantFrom('destUnreachable' as const, 'timeExceeded' as const), code: u8, unused: nonZero32, data: bytes(48) },
    { requiredKeys: ['kind', 'code', 'data'] },
  ),
  fc.record({ kind: fc.constant('packetTooBig' as const), mtu: u32, data: bytes(48) }),
  fc.record({ kind: fc.constant('other' as const), type: u8, code: u8, rest: bytes(48) }).filter(
    (r) => r.rest.length < 4 || !((r.type >= 128 && r.type <= 129 && r.code === 0) || (r.type === 2 && r.code === 0) || r.type === 1 || r.type === 3),
  ),
);

// ---------------------------------------------------------------------------------------------
// Frames

export const VXLAN_TEST_PORTS: ReadonlySet<number> = new Set([4789, 10800, 10801]);
const EMPTY = new Uint8Array(0);

function l4Length(l4: L4Repr | undefined): number {
  if (!l4) return 0;
  switch (l4.kind) {
    case 'tcp':
      return tcpLength(l4.tcp);
    case 'udp':
      return 8 + (l4.vxlan ? 8 + frameLength(l4.vxlan.inner) : l4.udp.payload.length);
    case 'icmp':
      return icmpv4Length(l4.icmp);
    case 'icmpv6':
      return icmpv6Length(l4.icmp);
    case 'raw':
      return l4.bytes.length;
  }
}

const PROTOCOL = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 } as const;

/** Fills in the fields emitFrame derives, as parse will report them. */
export function withDerived<T extends FrameRepr | IpPacketRepr>(p: T): T {
  const l4 = p.l4;
  const len = l4Length(l4);
  const proto = (given: number): number => (l4 && l4.kind !== 'raw' ? PROTOCOL[l4.kind] : given);
  let net = p.net;
  if (net.kind === 'ipv4') net = { ...net, ip: { ...net.ip, protocol: proto(net.ip.protocol), payloadLength: len } };
  else if (net.kind === 'ipv6') {
    const ext = net.extensions?.length ?? 0;
    net = { ...net, ip: { ...net.ip, nextHeader: ext ? net.ip.nextHeader : proto(net.ip.nextHeader), payloadLength: ext + len } };
  }
  const out = { ...p, net } as T;
  if ('eth' in out && net.kind !== 'other') out.eth = { ...out.eth, ethertype: net.kind === 'ipv4' ? 0x0800 : 0x86dd };
  return out;
}

const rawProtocolV4 = fc.constantFrom(47, 50, 132, 253);
const rawProtocolV6 = fc.constantFrom(50, 59, 132, 253);

function arbUdpL4(inner: fc.Arbitrary<FrameRepr> | null): fc.Arbitrary<L4Repr> {
  const plain = fc.record(
    { kind: fc.constant('udp' as const), udp: arbUdp.filter((u) => !VXLAN_TEST_PORTS.has(u.dstPort)), zeroChecksum: fc.constant(true) },
    { requiredKeys: ['kind', 'udp'] },
  );
  if (!inner) return plain;
  const vx = fc.record(
    {
      kind: fc.constant('udp' as const),
      udp: fc.record({ srcPort: u16, dstPort: fc.constantFrom(...VXLAN_TEST_PORTS), payload: fc.constant(EMPTY) }),
      zeroChecksum: fc.constant(true),
      vxlan: fc.record({ header: arbVxlan, inner }),
    },
    { requiredKeys: ['kind', 'udp', 'vxlan'] },
  );
  return fc.oneof(plain, vx);
}

function arbIpPacket(inner: fc.Arbitrary<FrameRepr> | null): fc.Arbitrary<{ net: IpNetRepr; l4?: L4Repr }> {
  const udp = arbUdpL4(inner);
  const tcp = arbTcp.map((tcp): L4Repr => ({ kind: 'tcp', tcp }));
  const v4 = fc.oneof(
    fc.record({
      // Parsed layers are only read from unfragmented datagrams.
      ip: arbIpv4.map((ip) => ({ ...ip, moreFragments: false, fragmentOffset: 0 })),
      l4: fc.oneof(tcp, udp, arbIcmpv4.map((icmp): L4Repr => ({ kind: 'icmp', icmp }))),
    }),
    fc.record({ ip: arbIpv4, bytes: bytes(64, 1), protocol: rawProtocolV4 }).map(({ ip, bytes: b, protocol }) => ({
      ip: { ...ip, protocol },
      l4: { kind: 'raw', bytes: b } as L4Repr,
    })),
  ).map(({ ip, l4 }) => ({ net: { kind: 'ipv4', ip } as IpNetRepr, l4 }));
  const v6 = fc.oneof(
    fc.record({ ip: arbIpv6, l4: fc.oneof(tcp, udp, arbIcmpv6.map((icmp): L4Repr => ({ kind: 'icmpv6', icmp }))) }),
    fc.record({ ip: arbIpv6, protocol: rawProtocolV6, b: bytes(64, 1) }).map(({ ip, protocol, b }) => ({
      ip: { ...ip, nextHeader: protocol },
      l4: { kind: 'raw', bytes: b } as L4Repr,
    })),
  ).chain(({ ip, l4 }) =>
    fc.boolean().map((ext) => {
      if (!ext) return { net: { kind: 'ipv6', ip } as IpNetRepr, l4 };
      // A Destination Options header (PadN only) naming the upper layer.
      const upper = l4.kind === 'raw' ? ip.nextHeader : PROTOCOL[l4.kind];
      const extensions = Uint8Array.of(upper, 0, 1, 4, 0, 0, 0, 0);
      return { net: { kind: 'ipv6', ip: { ...ip, nextHeader: 60 }, extensions } as IpNetRepr, l4 };
    }),
  );
  return fc.oneof(v4, v6);
}

/** Frames down to `depth` levels of VXLAN, with derived fields already consistent. */
export function arbFrame(depth = 1): fc.Arbitrary<FrameRepr> {
  const inner = depth > 0 ? arbFrame(depth - 1) : null;
  const ip = fc
    .record({ eth: arbEthernet, p: arbIpPacket(inner), trailer: bytes(8, 1) }, { requiredKeys: ['eth', 'p'] })
    .map(({ eth, p, trailer }): FrameRepr => (trailer ? { eth, ...p, trailer } : { eth, ...p }));
  const other = fc
    .record({ eth: arbEthernet.filter((e) => e.ethertype !== 0x0800 && e.ethertype !== 0x86dd), b: bytes(64) })
    .map(({ eth, b }): FrameRepr => ({ eth, net: { kind: 'other', bytes: b } }));
  return fc.oneof({ weight: 5, arbitrary: ip }, { weight: 1, arbitrary: other }).map(withDerived);
}

export function arbIpPacketRepr(): fc.Arbitrary<IpPacketRepr> {
  return arbIpPacket(arbFrame(0)).map((p) => withDerived<IpPacketRepr>(p));
}

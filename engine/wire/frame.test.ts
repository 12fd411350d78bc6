import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIpv4 } from './addr.ts';
import { EtherType } from './ethernet.ts';
import {
  emitFrame,
  emitFrameInto,
  emitIpPacket,
  frameLength,
  parseFrame,
  parseFrameWithChecks,
  parseIpPacket,
  parseIpPacketWithChecks,
  type FrameRepr,
} from './frame.ts';
import { ipv4Repr } from './ipv4.ts';
import { ipv6Repr, parseIpv6 } from './ipv6.ts';
import { tcpFlags, tcpRepr } from './tcp.ts';
import { vxlanRepr } from './vxlan.ts';
import { arbFrame, arbIpPacketRepr, expectTruncationsFail, hex, toHex, unwrap, VXLAN_TEST_PORTS, withDerived } from './test-util.ts';

const ZERO_MAC = '00:00:00:00:00:00';
const LO = parseIpv4('127.0.0.1')!;
// The real Linux SYN captured on lo (Ethernet header of zeros), with the TCP checksum the wire
// would carry (0x00b6) in place of the offload partial sum (0xfe30) seen on lo.
const SYN_FRAME_HEX =
  '000000000000000000000000' + '0800' + '4500003c513d40004006eb7c7f0000017f000001' +
  '89acb26e47aa8cb000000000a002ffd700b600000204ffd70402080af6e647ec000000000103030a';
const SYN_FRAME = hex(SYN_FRAME_HEX);
const SYN_FRAME_OFFLOADED = hex(SYN_FRAME_HEX.replace('a002ffd700b6', 'a002ffd7fe30'));
const LOOPBACK6 = '00000000000000000000000000000001';
const ECHO6_FRAME = hex(
  '000000000000000000000000' + '86dd' + '600e004000183a40' + LOOPBACK6 + LOOPBACK6 + '8000fdf8432100076e6574706c61792d76362d6563686f21',
);
const UNREACHABLE_FRAME = hex(
  '000000000000000000000000' + '0800' + '45c0004505270000400176cf7f0000017f000001' +
    '0303b3a200000000' + '4500002929ac4000401113167f0000017f000001' + '8c82b26f0015fe2868656c6c6f206e6574706c6179',
);

/** The SYN above, from a few fields. */
function linuxSyn(): FrameRepr {
  return {
    eth: { dst: ZERO_MAC, src: ZERO_MAC, ethertype: EtherType.Ipv4 },
    net: { kind: 'ipv4', ip: ipv4Repr({ src: LO, dst: LO, identification: 0x513d }) },
    l4: {
      kind: 'tcp',
      tcp: tcpRepr({
        srcPort: 35244,
        dstPort: 45678,
        seq: 0x47aa8cb0,
        flags: tcpFlags({ syn: true }),
        window: 65495,
        options: { mss: 65495, sackPermitted: true, timestamps: { value: 4142286828, echo: 0 }, windowScale: 10, unknown: [] },
      }),
    },
  };
}

/** The SYN as an Azure gateway load balancer hands it to an NVA: VXLAN on UDP 10800, VNI 800. */
function gwlbSyn(): FrameRepr {
  return {
    eth: { dst: '12:34:56:78:9a:bc', src: '00:0d:3a:00:00:01', ethertype: EtherType.Ipv4 },
    net: { kind: 'ipv4', ip: ipv4Repr({ src: parseIpv4('10.0.1.4')!, dst: parseIpv4('10.0.2.4')!, dontFragment: false }) },
    l4: {
      kind: 'udp',
      udp: { srcPort: 53124, dstPort: 10800, payload: new Uint8Array(0) },
      zeroChecksum: true,
      vxlan: { header: vxlanRepr(800), inner: withDerived(linuxSyn()) },
    },
  };
}

const gwlbPorts = { vxlanPorts: new Set([10800, 10801]) };

describe('frame', () => {
  it('reads a real SYN frame layer by layer', () => {
    const r = unwrap(parseFrameWithChecks(SYN_FRAME));
    expect(r.frame).toEqual(withDerived(linuxSyn()));
    expect(r.checksums).toEqual([
      { layer: 'ipv4', offset: 14, ok: true },
      { layer: 'tcp', offset: 34, ok: true },
    ]);
    // The frame as captured on lo survives, with its checksum reported bad.
    const off = unwrap(parseFrameWithChecks(SYN_FRAME_OFFLOADED));
    expect(off.checksums[1]).toEqual({ layer: 'tcp', offset: 34, ok: false });
    expect(toHex(emitFrame(off.frame))).toBe(SYN_FRAME_HEX);
  });

  it('builds the SYN frame from a few fields', () => {
    expect(toHex(emitFrame(linuxSyn()))).toBe(SYN_FRAME_HEX);
    expect(frameLength(linuxSyn())).toBe(74);
  });

  it('reads and rebuilds real ICMP frames', () => {
    for (const bytes of [ECHO6_FRAME, UNREACHABLE_FRAME]) {
      const r = unwrap(parseFrameWithChecks(bytes));
      expect(r.checksums.every((c) => c.ok)).toBe(true);
      expect(toHex(emitFrame(r.frame))).toBe(toHex(bytes));
    }
    const echo = unwrap(parseFrame(ECHO6_FRAME));
    expect(echo.l4).toMatchObject({ kind: 'icmpv6', icmp: { kind: 'echoRequest', id: 0x4321, seq: 7 } });
    expect(unwrap(parseFrame(UNREACHABLE_FRAME)).l4).toMatchObject({ kind: 'icmp', icmp: { kind: 'destUnreachable', code: 3 } });
  });

  it('encapsulates in VXLAN and walks into the inner frame', () => {
    const bytes = emitFrame(gwlbSyn());
    expect(bytes.length).toBe(14 + 20 + 8 + 8 + 74);
    expect(toHex(bytes.subarray(34, 50))).toBe('cf842a30' + '005a' + '0000' + '0800000000032000');
    expect(toHex(bytes.subarray(50))).toBe(SYN_FRAME_HEX);
    const r = unwrap(parseFrameWithChecks(bytes, gwlbPorts));
    expect(r.frame).toEqual(withDerived(gwlbSyn()));
    expect(r.checksums).toEqual([
      { layer: 'ipv4', offset: 14, ok: true },
      { layer: 'udp', offset: 34, ok: true },
      { layer: 'ipv4', offset: 64, ok: true },
      { layer: 'tcp', offset: 84, ok: true },
    ]);
    // Without the decode-as binding it is plain UDP.
    const plain = unwrap(parseFrame(bytes));
    expect(plain.l4).toMatchObject({ kind: 'udp', zeroChecksum: true });
    if (plain.l4?.kind !== 'udp') throw new Error('udp');
    expect(plain.l4.vxlan).toBeUndefined();
    expect(plain.l4.udp.payload.length).toBe(82);
  });

  it('reports inner errors at their offset in the outer frame', () => {
    const bytes = emitFrame(gwlbSyn());
    bytes[64] = 0x35; // inner IPv4 version
    const r = parseFrame(bytes, gwlbPorts);
    expect(r.ok ? null : r.error).toMatchObject({ layer: 'ipv4', offset: 64 });
  });

  it('derives EtherType, protocol, lengths and checksums', () => {
    const f = linuxSyn();
    const sloppy: FrameRepr = {
      ...f,
      eth: { ...f.eth, ethertype: 0x1234 },
      net: { kind: 'ipv4', ip: { ...ipv4Repr({ src: LO, dst: LO, identification: 0x513d }), protocol: 99, payloadLength: 7 } },
    };
    expect(toHex(emitFrame(sloppy))).toBe(SYN_FRAME_HEX);
  });

  it('keeps Ethernet padding, fragments and unknown protocols', () => {
    const rst = hex('000000000000000000000000' + '0800' + '450000280000400040063cce7f0000017f000001' + 'b26e89ac0000000047aa8cb150140000a1570000');
    const padded = new Uint8Array(60);
    padded.set(rst);
    const p = unwrap(parseFrame(padded));
    expect(p.trailer).toEqual(new Uint8Array(6));
    expect(toHex(emitFrame(p))).toBe(toHex(padded));

    const frag = SYN_FRAME.slice();
    frag[20] = 0x20; // MF
    frag[24] = 0; // checksum no longer matters for the walk
    const f = unwrap(parseFrameWithChecks(frag));
    expect(f.frame.l4).toMatchObject({ kind: 'raw' });
    expect(f.checksums).toEqual([{ layer: 'ipv4', offset: 14, ok: false }]);
    expect(toHex(emitFrame(f.frame)).slice(0, 40)).toBe(toHex(frag).slice(0, 40));

    const arp = hex('ffffffffffff525400123456' + '0806' + '0001080006040001525400123456c0a80101000000000000c0a80102');
    const a = unwrap(parseFrame(arp));
    expect(a.net).toMatchObject({ kind: 'other' });
    expect(toHex(emitFrame(a))).toBe(toHex(arp));
  });

  it('walks IPv6 extension headers to TCP and rebuilds them verbatim', () => {
    const f: FrameRepr = {
      eth: { dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', vlan: { pcp: 0, dei: false, vid: 42 }, ethertype: 0 },
      net: {
        kind: 'ipv6',
        ip: ipv6Repr({ src: parseIpv6('2001:db8::1')!, dst: parseIpv6('2001:db8::2')!, nextHeader: 0 }),
        // Hop-by-hop (Router Alert, PadN) -> destination options (PadN) -> TCP.
        extensions: hex('3c00050200000100' + '0600010400000000'),
      },
      l4: { kind: 'tcp', tcp: tcpRepr({ srcPort: 443, dstPort: 50000, payload: new TextEncoder().encode('hi') }) },
    };
    const bytes = emitFrame(f);
    const r = unwrap(parseFrameWithChecks(bytes));
    expect(r.checksums).toEqual([{ layer: 'tcp', offset: 18 + 40 + 16, ok: true }]);
    expect(r.frame.l4).toMatchObject({ kind: 'tcp', tcp: { srcPort: 443 } });
    expect(toHex(emitFrame(r.frame))).toBe(toHex(bytes));
  });

  it('emits raw IP packets (linktype 101) and parses them back', () => {
    const syn = withDerived(linuxSyn());
    const packet = { net: syn.net as Extract<FrameRepr['net'], { kind: 'ipv4' }>, l4: syn.l4! };
    const bytes = emitIpPacket(packet);
    expect(toHex(bytes)).toBe(SYN_FRAME_HEX.slice(28));
    expect(unwrap(parseIpPacket(bytes))).toEqual(packet);
    expect(parseIpPacket(hex('00')).ok).toBe(false);
    expect(parseIpPacket(new Uint8Array(0)).ok).toBe(false);
  });

  it('emits into a caller buffer at an offset', () => {
    const buf = new Uint8Array(100).fill(0xee);
    expect(emitFrameInto(linuxSyn(), buf, 10)).toBe(84);
    expect(toHex(buf.subarray(10, 84))).toBe(SYN_FRAME_HEX);
    expect(buf[9]).toBe(0xee);
    expect(buf[84]).toBe(0xee);
  });

  it('parse(emit(x)) deep-equals x, every checksum good', () => {
    fc.assert(
      fc.property(arbFrame(2), (frame) => {
        const r = unwrap(parseFrameWithChecks(emitFrame(frame), { vxlanPorts: VXLAN_TEST_PORTS }));
        expect(r.frame).toEqual(frame);
        // Only a zero UDP checksum over IPv6 may be reported bad (RFC 8200 §8.1).
        for (const c of r.checksums) if (c.layer !== 'udp') expect(c.ok).toBe(true);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(arbIpPacketRepr(), (packet) => {
        expect(unwrap(parseIpPacketWithChecks(emitIpPacket(packet), { vxlanPorts: VXLAN_TEST_PORTS })).packet).toEqual(packet);
      }),
      { numRuns: 100 },
    );
  });

  it('a corrupted byte anywhere flips a checksum or fails the parse', () => {
    const bytes = emitFrame({ ...gwlbSyn(), l4: { ...gwlbSyn().l4!, zeroChecksum: false } as FrameRepr['l4'] });
    for (let i = 14; i < bytes.length; i++) {
      const b = bytes.slice();
      b[i]! ^= 0x01;
      const r = parseFrameWithChecks(b, gwlbPorts);
      if (r.ok) expect(r.value.checksums.some((c) => !c.ok), `byte ${i}`).toBe(true);
    }
  });

  it('fails on every truncation, never throws', () => {
    expectTruncationsFail(SYN_FRAME, SYN_FRAME.length, parseFrame);
    expectTruncationsFail(ECHO6_FRAME, ECHO6_FRAME.length, parseFrame);
    expectTruncationsFail(UNREACHABLE_FRAME, UNREACHABLE_FRAME.length, parseFrame);
    const vx = emitFrame(gwlbSyn());
    expectTruncationsFail(vx, vx.length, (b) => parseFrame(b, gwlbPorts));
    expectTruncationsFail(vx.subarray(14), vx.length - 14, (b) => parseIpPacket(b, gwlbPorts));
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (b, v6) => {
        if (b.length > 13) {
          b[12] = v6 ? 0x86 : 0x08;
          b[13] = v6 ? 0xdd : 0x00;
        }
        const r = parseFrameWithChecks(b, { vxlanPorts: VXLAN_TEST_PORTS });
        if (!r.ok) expect(r.error.offset).toBeLessThanOrEqual(b.length);
      }),
      { numRuns: 500 },
    );
  });
});

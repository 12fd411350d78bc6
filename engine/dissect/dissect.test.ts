import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { macFromBytes } from '../wire/addr.ts';
import { internetChecksum } from '../wire/checksum.ts';
import {
  defaultDecodeAs, dissect, DissectSession, fieldsByName, parseDecodeAsRule, summarize, withDecodeAs,
  type Dissection, type Field,
} from './index.ts';
import { FIXTURE_NAMES, fixtureDecodeAs, loadFixture } from './test-util.ts';
import { ipv4At, ipv6ToString } from './util.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const one = (d: Dissection, name: string): Field => {
  const f = fieldsByName(d).get(name);
  if (!f || f.length === 0) throw new Error(`no ${name}`);
  return f[0]!;
};
const all = (d: Dissection, name: string): Field['value'][] => (fieldsByName(d).get(name) ?? []).map((f) => f.value);

/** Fixes the IPv4 header checksum of the header at `off`. */
function ipv4Checksum(b: Uint8Array, off: number): Uint8Array {
  b[off + 10] = 0; b[off + 11] = 0;
  const c = internetChecksum(b, off, off + (b[off]! & 15) * 4);
  b[off + 10] = c >> 8; b[off + 11] = c & 255;
  return b;
}

// Ethernet | 802.1Q 100 | IPv4 10.0.0.4 -> 13.71.134.177 | TCP 54321 -> 80 SYN, MSS 1460, SACK_PERM, TS, NOP, WS 7
const ETH_VLAN_TCP = ipv4Checksum(hex(`
  020000000002 020000000001 8100 2064 0800
  45 00 003c 1234 4000 40 06 0000 0a000004 0d4786b1
  d431 0050 00000064 00000000 a0 02 faf0 0000 0000
  020405b4 0402 080a 0001e240 00000000 01 030307`), 18);

// Ethernet | IPv4 | UDP 51000 -> 4789 | VXLAN VNI 42 | Ethernet | IPv4 172.16.0.1 -> 172.16.0.2 | ICMP echo request
const inner = ipv4Checksum(hex(`
  0200000000bb 0200000000aa 0800
  45 00 0024 0001 0000 40 01 0000 ac100001 ac100002
  08 00 0000 1234 0001 6869 6a6b 6c6d 6e6f`), 14);
{
  const c = internetChecksum(inner, 34, inner.length);
  inner[36] = c >> 8; inner[37] = c & 255;
}
const VXLAN_FRAME = (() => {
  const head = hex(`
    020000000002 020000000001 0800
    45 00 0000 0001 0000 40 11 0000 0a000001 0a000002
    c738 12b5 0000 0000
    08 000000 00002a 00`);
  const b = new Uint8Array(head.length + inner.length);
  b.set(head); b.set(inner, head.length);
  const ipLen = b.length - 14;
  b[16] = ipLen >> 8; b[17] = ipLen & 255;
  const udpLen = ipLen - 20;
  b[38] = udpLen >> 8; b[39] = udpLen & 255;
  return ipv4Checksum(b, 14);
})();

// Raw IPv6 with a hop-by-hop header, UDP 5353 -> 40000 (checksum 0: illegal over IPv6)
const RAW_V6_UDP = hex(`
  6 00 12345 0014 00 40 fd000000000000000000000000000001 fd000000000000000000000000000002
  11 00 0000 00000000
  14e9 9c40 000c 0000 61626364`);

const ARP_REQUEST = hex('ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002' + '00'.repeat(18));

// ICMP port unreachable from 10.0.0.2 quoting a UDP datagram 10.0.0.1:1234 -> 10.0.0.2:53
const ICMP_UNREACH = (() => {
  const b = ipv4Checksum(hex(`
    020000000001 020000000002 0800
    45 00 0038 0002 0000 40 01 0000 0a000002 0a000001
    03 03 0000 00000000
    45 00 001c 0009 0000 40 11 0000 0a000001 0a000002 04d2 0035 0008 0000`), 14);
  const c = internetChecksum(b, 34, b.length);
  b[36] = c >> 8; b[37] = c & 255;
  return b;
})();

// Linux cooked v1: outgoing, Ethernet address, IPv4 UDP 1000 -> 2000 "hi"
const SLL_UDP = ipv4Checksum(hex(`
  0004 0001 0006 020000000001 0000 0800
  45 00 001e 0003 0000 40 11 0000 c0a80001 c0a80002
  03e8 07d0 000a 0000 6869`), 16);

describe('known bytes', () => {
  it('Ethernet + 802.1Q + IPv4 + TCP SYN with options', () => {
    const d = dissect(ETH_VLAN_TCP, 1, defaultDecodeAs(), { session: new DissectSession() });
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'vlan', 'ip', 'tcp']);
    expect(d.malformed).toBeUndefined();
    expect(one(d, 'vlan.id').value).toBe(100);
    expect(one(d, 'vlan.priority').value).toBe(1);
    expect(one(d, 'ip.src').value).toBe('10.0.0.4');
    expect(d.layers[2]!.label).toBe('Internet Protocol Version 4, Src: 10.0.0.4, Dst: 13.71.134.177');
    expect(one(d, 'ip.flags.df').value).toBe(true);
    expect(one(d, 'ip.checksum.status').display).toBe('Unverified');
    expect(all(d, 'ip.addr')).toEqual(['10.0.0.4', '13.71.134.177']);
    expect(all(d, 'tcp.port')).toEqual([54321, 80]);
    expect(one(d, 'tcp.flags.syn').value).toBe(true);
    expect(one(d, 'tcp.flags.ack').value).toBe(false);
    expect(one(d, 'tcp.seq_raw').value).toBe(100);
    expect(one(d, 'tcp.seq').value).toBe(0);
    expect(one(d, 'tcp.stream').value).toBe(0);
    expect(one(d, 'tcp.options.mss_val').value).toBe(1460);
    expect(one(d, 'tcp.options.wscale.shift').value).toBe(7);
    expect(one(d, 'tcp.options.timestamp.tsval').value).toBe(123456);
    expect(fieldsByName(d).has('tcp.options.sack_perm')).toBe(true);
    expect(d.protocol).toBe('TCP');
    expect(d.info).toBe('54321 → 80 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=123456 TSecr=0 WS=128');
    expect([d.src, d.dst]).toEqual(['10.0.0.4', '13.71.134.177']);
  });

  it('without a session, tcp.seq is raw (tshark -o tcp.relative_sequence_numbers:FALSE)', () => {
    const d = dissect(ETH_VLAN_TCP, 1, defaultDecodeAs());
    expect(one(d, 'tcp.seq').value).toBe(100);
    expect(d.info).toContain('Seq=100 ');
    expect(fieldsByName(d).has('tcp.stream')).toBe(false);
  });

  it('VXLAN on 4789: the inner frame continues the layer list and owns the columns', () => {
    const d = dissect(VXLAN_FRAME, 1, defaultDecodeAs(), { session: new DissectSession(), frameNumber: 1 });
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'udp', 'vxlan', 'eth', 'ip', 'icmp', 'data']);
    expect(one(d, 'vxlan.vni').value).toBe(42);
    expect(one(d, 'vxlan.flag_i').value).toBe(true);
    expect(one(d, 'udp.checksum.status').display).toBe('Not present');
    expect(all(d, 'ip.src')).toEqual(['10.0.0.1', '172.16.0.1']);
    expect(one(d, 'icmp.checksum.status').display).toBe('Good');
    expect(d.protocol).toBe('ICMP');
    expect(d.info).toBe('Echo (ping) request  id=0x1234, seq=1/256, ttl=64');
    expect([d.src, d.dst]).toEqual(['172.16.0.1', '172.16.0.2']);
    // Without the binding the payload is data.
    const plain = dissect(VXLAN_FRAME, 1, { udp: new Map() });
    expect(plain.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'udp', 'data']);
    expect(plain.info).toBe('51000 → 4789 Len=' + (VXLAN_FRAME.length - 42));
  });

  it('raw IPv6 with a hop-by-hop header and UDP', () => {
    const d = dissect(RAW_V6_UDP, 101, defaultDecodeAs());
    expect(d.layers.map((l) => l.protocol)).toEqual(['ipv6', 'udp', 'data']);
    expect(one(d, 'ipv6.flow').value).toBe(0x12345);
    expect(one(d, 'ipv6.src').value).toBe('fd00::1');
    expect(one(d, 'ipv6.hopopts.nxt').value).toBe(17);
    expect(one(d, 'udp.checksum.status').display).toBe('Illegal');
    expect(d.info).toBe('5353 → 40000 Len=4');
    expect(one(d, 'data.len').value).toBe(4);
  });

  it('ARP request with padding', () => {
    const d = dissect(ARP_REQUEST, 1, defaultDecodeAs());
    expect(d.info).toBe('Who has 10.0.0.2? Tell 10.0.0.1');
    expect([d.protocol, d.src, d.dst]).toEqual(['ARP', '02:00:00:00:00:01', 'Broadcast']);
    expect(one(d, 'eth.padding').length).toBe(18);
    expect(one(d, 'arp.src.hw_mac').value).toBe('02:00:00:00:00:01');
  });

  it('ICMP destination unreachable quotes the datagram without taking the columns', () => {
    const d = dissect(ICMP_UNREACH, 1, defaultDecodeAs());
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'icmp', 'ip', 'udp']);
    expect(d.info).toBe('Destination unreachable (Port unreachable)');
    expect([d.protocol, d.src, d.dst]).toEqual(['ICMP', '10.0.0.2', '10.0.0.1']);
    expect(all(d, 'udp.dstport')).toEqual([53]);
    expect(d.malformed).toBeUndefined();
  });

  it('Linux cooked capture v1', () => {
    const d = dissect(SLL_UDP, 113, defaultDecodeAs());
    expect(d.layers.map((l) => l.protocol)).toEqual(['sll', 'ip', 'udp', 'data']);
    expect(one(d, 'sll.pkttype').value).toBe(4);
    expect(one(d, 'sll.src.eth').value).toBe('02:00:00:00:00:01');
    expect(d.info).toBe('1000 → 2000 Len=2');
  });

  it('checksum verification (off by default, as in Wireshark)', () => {
    const good = dissect(ETH_VLAN_TCP, 1, defaultDecodeAs(), { verifyChecksums: true });
    expect(one(good, 'ip.checksum.status').display).toBe('Good');
    expect(one(good, 'tcp.checksum.status').display).toBe('Bad'); // the TCP checksum field is 0 above
    const bad = ETH_VLAN_TCP.slice();
    bad[26] = 63; // TTL changed without patching the checksum
    expect(one(dissect(bad, 1, defaultDecodeAs(), { verifyChecksums: true }), 'ip.checksum.status').display).toBe('Bad');
  });
});

describe('decode as', () => {
  it('parses tshark -d rules', () => {
    expect(parseDecodeAsRule('udp.port==10800,vxlan')).toEqual({ ok: true, rule: { table: 'udp.port', port: 10800, lastPort: 10800, decoder: 'vxlan' } });
    expect(parseDecodeAsRule('udp.port==10800-10801,vxlan')).toMatchObject({ ok: true, rule: { lastPort: 10801 } });
    for (const bad of ['udp.port=10800,vxlan', 'tcp.port==80,vxlan', 'udp.port==70000,vxlan', 'udp.port==10800,http', '']) {
      expect(parseDecodeAsRule(bad).ok).toBe(false);
    }
    const r = parseDecodeAsRule('udp.port==4789,data');
    if (!r.ok) throw new Error(r.error);
    expect(withDecodeAs(defaultDecodeAs(), r.rule).udp.get(4789)).toBe('data');
    expect(defaultDecodeAs().udp.get(4789)).toBe('vxlan');
  });
});

/** Checks that a field's bytes, read the way its type says, give its value. */
function rangeProblem(data: Uint8Array, f: Field): string | null {
  if (f.offset < 0 || f.length < 0 || f.offset + f.length > data.length) return `${f.name}: range ${f.offset}+${f.length} outside ${data.length}`;
  if (f.generated || DERIVED.has(f.name)) return null;
  const s = data.subarray(f.offset, f.offset + f.length);
  const v = f.value;
  if (typeof v === 'number' || typeof v === 'boolean') {
    if (f.length > 4) return `${f.name}: number over ${f.length} bytes`;
    let raw = 0;
    for (const b of s) raw = raw * 256 + b;
    if (f.bitmask !== undefined) {
      let shift = 0;
      while (shift < 31 && ((f.bitmask >>> shift) & 1) === 0) shift++;
      raw = ((raw & f.bitmask) >>> 0) / 2 ** shift;
    }
    const ok = typeof v === 'boolean' ? (raw !== 0) === v : raw === v;
    return ok ? null : `${f.name}: bytes give ${raw}, value ${String(v)}`;
  }
  if (v instanceof Uint8Array) return v.length === s.length && v.every((b, i) => b === s[i]) ? null : `${f.name}: bytes differ`;
  if (typeof v === 'string') {
    const shown = f.length === 4 ? ipv4At(s, 0) : f.length === 6 ? macFromBytes(s, 0) : f.length === 16 ? ipv6ToString(s, 0) : null;
    return shown === v ? null : `${f.name}: bytes give ${shown}, value ${v}`;
  }
  return `${f.name}: unexpected value type`;
}

/** Values Wireshark shows derived from the bytes (scaled, relative, byte-swapped). */
const DERIVED = new Set(['ip.hdr_len', 'tcp.hdr_len', 'ip.frag_offset', 'tcp.seq', 'tcp.ack', 'tcp.options.sack_le', 'tcp.options.sack_re', 'icmp.ident_le', 'icmp.seq_le']);

function fieldProblems(data: Uint8Array, d: Dissection): string[] {
  const out: string[] = [];
  const visit = (fs: readonly Field[]): void => {
    for (const f of fs) {
      const p = rangeProblem(data, f);
      if (p) out.push(p);
      if (f.children) visit(f.children);
    }
  };
  for (const l of d.layers) {
    if (l.offset < 0 || l.offset + l.length > data.length) out.push(`layer ${l.protocol} outside the frame`);
    visit(l.fields);
  }
  return out;
}

const HANDMADE: Array<[string, Uint8Array, number]> = [
  ['eth-vlan-tcp', ETH_VLAN_TCP, 1], ['vxlan', VXLAN_FRAME, 1], ['raw-v6', RAW_V6_UDP, 101], ['arp', ARP_REQUEST, 1],
  ['icmp-unreach', ICMP_UNREACH, 1], ['sll', SLL_UDP, 113],
];

describe('byte ranges', () => {
  it('every field of every fixture and hand-made frame reads back from its bytes', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const name of FIXTURE_NAMES) {
      const session = new DissectSession();
      loadFixture(name).forEach((fr, i) => {
        const d = dissect(fr.data, fr.linkType, fixtureDecodeAs(), { session, frameNumber: i + 1 });
        checked++;
        for (const p of fieldProblems(fr.data, d)) problems.push(`${name}#${i + 1} ${p}`);
      });
    }
    for (const [name, bytes, lt] of HANDMADE) {
      for (const p of fieldProblems(bytes, dissect(bytes, lt, defaultDecodeAs(), { session: new DissectSession() }))) problems.push(`${name} ${p}`);
    }
    expect(checked).toBeGreaterThan(300);
    expect(problems).toEqual([]);
  });
});

describe('malformed and truncated frames', () => {
  it('every strict prefix of a well-formed frame is shown as malformed or cut by the snaplen, never thrown', () => {
    for (const [name, bytes, lt] of HANDMADE) {
      expect(dissect(bytes, lt, defaultDecodeAs()).malformed, name).toBeUndefined();
      for (let n = 0; n < bytes.length; n++) {
        if (name === 'arp' && n >= 42) continue; // only Ethernet padding is missing: still a whole ARP packet
        if (name === 'icmp-unreach' && n >= 34 + 8) continue; // a shorter quote is normal, not malformed
        const d = dissect(bytes.subarray(0, n), lt, defaultDecodeAs());
        // Cut after a whole IP header: the snaplen's doing (tshark's "Packet size limited during
        // capture"), shown as `short`; cut before: malformed.
        expect(d.malformed ?? d.short, `${name} cut at ${n}`).toBeDefined();
        expect(d.malformed ?? '').not.toMatch(/dissector bug/);
        expect(fieldProblems(bytes.subarray(0, n), d)).toEqual([]);
      }
    }
  });

  it('an IPv4 total length beyond the captured bytes is a snaplen cut: TCP takes its length from it', () => {
    // Without the frame's wire length a lie cannot be told from a snaplen cut; tshark, given a
    // capture made with -s, shows the real Len= and no Malformed (fixtures/snaplen.pcap).
    const b = ETH_VLAN_TCP.slice();
    b[20] = 0x05; b[21] = 0xdc; // total length 1500
    const d = dissect(b, 1, defaultDecodeAs());
    expect(d.malformed).toBeUndefined();
    expect(d.short).toMatch(/total length 1500/);
    expect(d.protocol).toBe('TCP');
    const hl = (b[18 + 20 + 12]! >> 4) * 4;
    expect(d.info).toContain(` Len=${1500 - 20 - hl}`);
    expect(d.info).not.toMatch(/\[Malformed Packet\]|Packet size limited/);
    expect(fieldsByName(d).get('tcp.len')![0]!.value).toBe(1500 - 20 - hl);
  });

  it('bad header lengths stop the walk with a reason', () => {
    const b = ETH_VLAN_TCP.slice();
    b[18] = 0x43; // IHL 3
    expect(dissect(b, 1, defaultDecodeAs()).malformed).toMatch(/Bogus IP header length/);
    const t = ETH_VLAN_TCP.slice();
    t[18 + 20 + 12] = 0x30; // TCP data offset 12 bytes
    expect(dissect(t, 1, defaultDecodeAs()).malformed).toMatch(/Bogus TCP header length/);
    expect(dissect(new Uint8Array(0), 101, defaultDecodeAs()).malformed).toBeDefined();
  });
});

describe('fuzz', () => {
  const seeds = [...HANDMADE.map(([, b, lt]) => ({ b, lt })), ...FIXTURE_NAMES.flatMap((n) => loadFixture(n).slice(0, 20).map((f) => ({ b: f.data, lt: f.linkType })))];
  const linkTypes = fc.constantFrom(1, 101, 113, 276, 228, 229, 147);
  const check = (bytes: Uint8Array, lt: number, session: DissectSession): void => {
    const decodeAs = fixtureDecodeAs();
    const d = dissect(bytes, lt, decodeAs, { session });
    expect(d.malformed ?? '').not.toMatch(/dissector bug/);
    expect(fieldProblems(bytes, d)).toEqual([]);
    const s = summarize(bytes, lt, decodeAs);
    const t = dissect(bytes, lt, decodeAs);
    expect(s).toEqual({ protocol: t.protocol, src: t.src, dst: t.dst, info: t.info, length: t.length, ...(t.malformed ? { malformed: t.malformed } : {}), ...(t.short ? { short: t.short } : {}) });
  };

  it('random bytes never throw and stay in range', () => {
    const session = new DissectSession();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), linkTypes, (b, lt) => check(b, lt, session)), { numRuns: 3000 });
  });

  it('mutated real frames never throw, stay in range, and summarize agrees with dissect', () => {
    const session = new DissectSession();
    const mutation = fc.record({
      seed: fc.nat({ max: seeds.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat()),
    });
    fc.assert(fc.property(mutation, ({ seed, edits, cut }) => {
      const { b, lt } = seeds[seed]!;
      const m = b.slice();
      for (const [at, v] of edits) m[at % m.length] = v;
      check(cut === null ? m : m.subarray(0, cut % (m.length + 1)), lt, session);
    }), { numRuns: 4000 });
  });
});

describe('session', () => {
  it('re-dissecting a frame gives the numbers of the first pass', () => {
    const session = new DissectSession();
    const frames = loadFixture('underlay');
    const first = frames.map((f, i) => dissect(f.data, f.linkType, fixtureDecodeAs(), { session, frameNumber: i + 1 }).info);
    const again = frames.map((f, i) => dissect(f.data, f.linkType, fixtureDecodeAs(), { session, frameNumber: i + 1 }).info).reverse().reverse();
    expect(again).toEqual(first);
    expect(session.tcpStreamCount).toBe(4);
  });
});

/**
 * The capture facade on real captures (engine/dissect/fixtures, made by tcpdump in network
 * namespaces) and on simulated frames: opening (plain and gzip), pages of rows against tshark's
 * columns (stored expected.json), details, display filters run in slices, Decode As, colouring,
 * faults with their byte offset, and export that reads back frame for frame.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CaptureView, COLOUR_RULES, FileAssembler, formatSeconds, type PacketRow, type SimFrame } from './capture-api.ts';
import { readCapture, writePcap } from './pcap/index.ts';
import { emitFrame } from './wire/frame.ts';
import { CaptureTap, frameOf } from './net/capture.ts';
import { Packet, PROTO_TCP, RST, SYN } from './net/packet.ts';
import { Engine } from './api.ts';

const FIX = new URL('./dissect/fixtures/', import.meta.url);
const VX = ['udp.port==10800,vxlan', 'udp.port==10801,vxlan'];
const bytesOf = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, FIX)));
const expected = (name: string): Record<string, string[]>[] =>
  (JSON.parse(readFileSync(new URL(name.replace('.pcap', '.expected.json'), FIX), 'utf8')) as { _source: { layers: Record<string, string[]> } }[]).map((x) => x._source.layers);

function finish(v: CaptureView): void {
  while (v.work(() => false));
}

function allRows(v: CaptureView): PacketRow[] {
  const out: PacketRow[] = [];
  for (let o = 0; o < v.displayedCount(); o += 100) out.push(...v.rows(o, 100).rows);
  return out;
}

describe('CaptureView on tcpdump captures', () => {
  for (const name of ['underlay.pcap', 'vx800.pcap', 'any-sll.pcap', 'any-sll2.pcap', 'raw.pcap']) {
    it(`${name}: every row's Protocol/Source/Destination equals tshark's`, () => {
      const v = CaptureView.fromFile(name, bytesOf(name), { decodeAs: VX });
      finish(v);
      const exp = expected(name);
      const rows = allRows(v);
      expect(rows.length).toBe(exp.length);
      rows.forEach((r, i) => {
        const e = exp[i]!;
        expect([r.no, r.protocol, r.src, r.dst]).toEqual([i + 1, e['_ws.col.Protocol']?.[0] ?? '', e['_ws.col.Source']?.[0] ?? '', e['_ws.col.Destination']?.[0] ?? '']);
        expect(r.provisional).toBe(false);
      });
      expect(v.info().fault).toBeNull();
    });
  }

  it("TCP analysis in the view: tshark's Info prefixes, RTTs from the frames' times, and the Bad TCP colour", () => {
    for (const name of ['syn-retrans.pcap', 'bulk-tcp.pcap']) {
      const v = CaptureView.fromFile(name, bytesOf(name), {});
      finish(v);
      const exp = expected(name);
      expect(allRows(v).map((r) => r.info)).toEqual(exp.map((e) => e['_ws.col.Info']?.[0] ?? ''));
    }
    const v = CaptureView.fromFile('bulk-tcp.pcap', bytesOf('bulk-tcp.pcap'), {});
    finish(v);
    const rtt = (i: number) => {
      const out: string[] = [];
      const walk = (fs: readonly { name: string; display?: string; value?: unknown; children?: readonly unknown[] }[]) => {
        for (const f of fs) {
          if (f.name === 'tcp.analysis.ack_rtt') out.push(String(f.value));
          if (f.children) walk(f.children as typeof fs);
        }
      };
      for (const l of v.details(i)!.layers) walk(l.fields as never);
      return out;
    };
    // The SYN+ACK acknowledges the SYN 15 µs later (tshark: tcp.analysis.ack_rtt 0.000015000).
    expect(rtt(1).map(Number)).toEqual([0.000015]);
    const retrans = CaptureView.fromFile('syn-retrans.pcap', bytesOf('syn-retrans.pcap'), {});
    finish(retrans);
    expect(COLOUR_RULES[retrans.rows(1, 1).rows[0]!.colour]?.name).toBe('Bad TCP');
  });

  it('shows the same frames from a .pcap.gz, streamed in small chunks', () => {
    const plain = bytesOf('underlay.pcap');
    const gz = gzipSync(plain);
    const asm = new FileAssembler(gz.length);
    for (let o = 0; o < gz.length; o += 333) asm.push(gz.subarray(o, o + 333));
    const v = CaptureView.fromFile('underlay.pcap.gz', asm, { decodeAs: VX });
    expect(v.info()).toMatchObject({ gzip: true, fault: null, frames: expected('underlay.pcap').length, fileBytes: plain.length });
  });

  it('a cut gzip stream keeps the frames inflated before the cut and says so', () => {
    const gz = gzipSync(bytesOf('underlay.pcap'));
    const v = CaptureView.fromFile('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
    const meta = v.info();
    expect(meta.fault).not.toBeNull();
    expect(meta.frames).toBeGreaterThan(5);
    expect(meta.fault?.message).toMatch(/byte \d+/);
  });

  it('a truncated file keeps every frame before the fault and names its byte offset', () => {
    const b = bytesOf('underlay.pcap');
    const whole = readCapture(b).frames.length;
    const cut = b.subarray(0, b.length - 10);
    const v = CaptureView.fromFile('t.pcap', cut);
    expect(v.info().frames).toBe(whole - 1);
    expect(v.info().fault?.message).toMatch(/^The file is damaged at byte \d+: .*The \d+ frames before it are shown\.$/);
  });

  it('is not a capture: no frames, a fault, no exception', () => {
    const v = CaptureView.fromFile('x.pcap', new TextEncoder().encode('hello, this is not a pcap file at all'));
    expect(v.info().frames).toBe(0);
    expect(v.info().fault).not.toBeNull();
    expect(v.rows(0, 10).rows).toEqual([]);
    expect(v.details(0)).toBeNull();
  });

  it('relative times like Wireshark (µs for pcap) and TCP numbers relative once the pass has run', () => {
    const v = CaptureView.fromFile('u', bytesOf('underlay.pcap'), { decodeAs: VX });
    // Before the in-order pass, a far page is provisional (raw numbers); after it, final.
    const far = v.rows(60, 5).rows;
    expect(far.every((r) => r.provisional)).toBe(true);
    finish(v);
    const exp = expected('underlay.pcap');
    allRows(v).forEach((r, i) => expect(r.info).toBe((exp[i]!['_ws.col.Info']?.[0] ?? '').replace(/^(\[TCP [^\]]+\] )+/, '')));
    expect(v.rows(0, 1).rows[0]!.time).toBe('0.000000');
    expect(formatSeconds(1_500_000_001, 9)).toBe('1.500000001');
    expect(formatSeconds(1_500_999_999, 6)).toBe('1.500999');
  });
});

describe('display filters in slices', () => {
  it('keeps the frames tshark -Y keeps, including inner fields after VXLAN, and reports progress', () => {
    const v = CaptureView.fromFile('u', bytesOf('underlay.pcap'), { decodeAs: VX });
    expect(v.setFilter('vxlan.vni == 800 && tcp.flags.syn == 1')).toEqual({ ok: true });
    let slices = 0;
    while (v.work(() => true)) slices++;
    expect(slices).toBeGreaterThan(0);
    const rows = allRows(v);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const d = v.details(r.index)!;
      const names = d.layers.flatMap((l) => l.fields.map((f) => f.name));
      expect(names).toContain('vxlan.vni');
    }
    expect(v.status()).toMatchObject({ busy: false, filter: 'vxlan.vni == 800 && tcp.flags.syn == 1' });
  });

  it('tcp.stream (Follow TCP stream) needs the session: it is there for every frame in order', () => {
    const v = CaptureView.fromFile('u', bytesOf('underlay.pcap'), { decodeAs: VX });
    v.setFilter('tcp.stream eq 0');
    finish(v);
    const rows = allRows(v);
    expect(rows.length).toBeGreaterThan(3);
    const addrs = new Set(rows.map((r) => [r.src, r.dst].sort().join(' ')));
    expect(addrs.size).toBe(1);
  });

  it('an invalid filter is an error with tshark\'s sentence and position, and changes nothing', () => {
    const v = CaptureView.fromFile('u', bytesOf('underlay.pcap'));
    v.setFilter('udp');
    finish(v);
    const before = v.displayedCount();
    const r = v.setFilter('ip.sorce == 1.2.3.4');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ message: '"ip.sorce" is neither a field nor a protocol name.', offset: 0, length: 8 });
    expect(v.displayedCount()).toBe(before);
  });

  it('positionOf finds a frame among the displayed ones', () => {
    const v = CaptureView.fromFile('u', bytesOf('underlay.pcap'));
    v.setFilter('icmp');
    finish(v);
    const rows = allRows(v);
    rows.forEach((r, i) => expect(v.positionOf(r.index)).toBe(i));
    expect(v.positionOf(-5)).toBe(-1);
  });
});

describe('Decode As', () => {
  it('UDP 10800 as VXLAN and back to data, as tshark -d does', () => {
    const v = CaptureView.fromFile('u', bytesOf('underlay.pcap'));
    v.setFilter('vxlan');
    finish(v);
    const only4789 = v.displayedCount();
    expect(v.setDecodeAs(VX)).toEqual({ ok: true });
    v.setFilter('vxlan');
    finish(v);
    expect(v.displayedCount()).toBeGreaterThan(only4789);
    v.setFilter('vxlan.vni == 800');
    finish(v);
    expect(v.displayedCount()).toBeGreaterThan(0);
    v.setDecodeAs(['udp.port==10800,data', 'udp.port==10801,data', 'udp.port==4789,data']);
    v.setFilter('vxlan');
    finish(v);
    expect(v.displayedCount()).toBe(0);
    expect(v.setDecodeAs(['udp.port==99999,vxlan']).ok).toBe(false);
  });
});

describe('details and colours', () => {
  it('a VXLAN frame has the inner eth/ip/tcp layers after vxlan, with byte ranges inside the frame', () => {
    const v = CaptureView.fromFile('u', bytesOf('underlay.pcap'), { decodeAs: VX });
    v.setFilter('vxlan && tcp');
    finish(v);
    const first = v.rows(0, 1).rows[0]!;
    const d = v.details(first.index)!;
    const protos = d.layers.map((l) => l.protocol);
    expect(protos.slice(0, 5)).toEqual(['eth', 'ip', 'udp', 'vxlan', 'eth']);
    expect(protos).toContain('tcp');
    for (const l of d.layers) for (const f of l.fields) expect(f.offset + f.length).toBeLessThanOrEqual(d.bytes.length);
    expect(COLOUR_RULES[first.colour]?.name).toMatch(/^TCP/);
  });

  it('colours: ARP, ICMP, TCP SYN/FIN and UDP by Wireshark\'s first matching rule', () => {
    const v = CaptureView.fromFile('u', bytesOf('underlay.pcap'), { decodeAs: VX });
    finish(v);
    const byProto = new Map<string, Set<string>>();
    for (const r of allRows(v)) {
      const set = byProto.get(r.protocol) ?? new Set<string>();
      set.add(COLOUR_RULES[r.colour]?.name ?? 'none');
      byProto.set(r.protocol, set);
    }
    expect([...(byProto.get('ARP') ?? [])]).toEqual(['ARP']);
    expect([...(byProto.get('ICMP') ?? [])]).toEqual(['ICMP']);
    expect(byProto.get('TCP')).toContain('TCP SYN/FIN');
    expect(byProto.get('TCP')).toContain('TCP');
  });

  it('verify checksums marks a corrupted TCP checksum as a Checksum Error', () => {
    const p = new Packet(1, 1, PROTO_TCP, 0x0a000004, 0x0d478601);
    Object.assign(p, { srcPort: 40000, dstPort: 8080, flags: SYN });
    const data = emitFrame(frameOf(p, '02:00:00:00:00:01', '12:34:56:78:9a:bc'));
    data[14 + 20 + 16] = (data[14 + 20 + 16] ?? 0) ^ 0xff;
    const v = CaptureView.forSimulation('sim');
    v.appendFrames([{ t: 0, capture: 'c', node: 'vm', iface: 'nic', direction: 'out', packetId: 1, data }]);
    expect(COLOUR_RULES[v.rows(0, 1).rows[0]!.colour]?.name).toBe('TCP SYN/FIN');
    v.setVerifyChecksums(true);
    expect(COLOUR_RULES[v.rows(0, 1).rows[0]!.colour]?.name).toBe('Checksum Errors');
  });
});

describe('simulation captures and export', () => {
  function simFrames(): SimFrame[] {
    const out: SimFrame[] = [];
    for (let i = 0; i < 40; i++) {
      const p = new Packet(i, 1, PROTO_TCP, 0x0a080004, 0x0d478601);
      Object.assign(p, { srcPort: 40000 + (i % 4), dstPort: 80, flags: i % 10 === 9 ? RST : SYN, seq: 1000 + i });
      const data = emitFrame(frameOf(p, '02:00:00:00:00:01', '12:34:56:78:9a:bc'));
      out.push({ t: i * 1500, capture: i % 2 ? 'cap-a' : 'cap-b', node: i % 2 ? 'vm1' : 'web', iface: 'nic', direction: 'out', packetId: i % 20, data });
    }
    return out;
  }

  it('fills while the run goes on; details carry the packet id and capture point', () => {
    const v = CaptureView.forSimulation('Simulation');
    const f = simFrames();
    v.appendFrames(f.slice(0, 10));
    finish(v);
    v.appendFrames(f.slice(10));
    expect(v.status()).toMatchObject({ frames: 40, busy: true });
    finish(v);
    expect(v.rows(0, 3).rows.map((r) => r.time)).toEqual(['0.000000', '0.001500', '0.003000']);
    const d = v.details(3)!;
    expect(d.sim).toMatchObject({ packetId: 3, capture: 'cap-a', node: 'vm1', direction: 'out' });
    expect(v.framesOfPacket(3)).toEqual([3, 23]);
    expect(v.info().interfaces.map((i) => i.name)).toEqual(['cap-b (web)', 'cap-a (vm1)']);
    expect(COLOUR_RULES[v.rows(9, 1).rows[0]!.colour]?.name).toBe('TCP RST');
  });

  it('exports all or displayed frames as pcap and pcapng that read back byte for byte', () => {
    const v = CaptureView.forSimulation('Simulation');
    const f = simFrames();
    v.appendFrames(f);
    for (const format of ['pcap', 'pcapng'] as const) {
      const all = v.export(format, false);
      expect(all.ok).toBe(true);
      if (!all.ok) continue;
      const back = readCapture(all.bytes);
      expect(back.error).toBeNull();
      expect(back.frames.map((x) => Array.from(x.data))).toEqual(f.map((x) => Array.from(x.data)));
      expect(back.frames[1]!.tsNsec).toBe(1_500_000);
    }
    v.setFilter('tcp.flags.reset == 1');
    finish(v);
    const shown = v.export('pcapng', true);
    expect(shown.ok && readCapture(shown.bytes).frames.length).toBe(4);
    if (shown.ok) expect(readCapture(shown.bytes).interfaces.map((i) => i.name)).toEqual(['cap-b (web)', 'cap-a (vm1)']);
  });

  it('exports an imported file (mixed link types: pcapng yes, pcap refused with the reason)', () => {
    const sll = CaptureView.fromFile('s', bytesOf('any-sll2.pcap'));
    const r = sll.export('pcap', false);
    expect(r.ok && readCapture(r.bytes).frames.length).toBe(sll.info().frames);
    const ng = CaptureView.fromFile('e', bytesOf('../../pcap/fixtures/editcap-veth-us.pcapng'));
    const back = ng.export('pcapng', false);
    expect(back.ok && readCapture(back.bytes).frames.length).toBe(ng.info().frames);
  });
});

describe('capture points in a simulation (Engine.captureFramesSince, filters at the tap)', () => {
  const scenario = (): Record<string, unknown> & { captures: { id: string; node: string; filter?: string }[] } =>
    JSON.parse(readFileSync(new URL('../scenarios/outbound-ilpip-vs-standard-lb.json', import.meta.url), 'utf8')) as Record<string, unknown> & { captures: { id: string; node: string; filter?: string }[] };

  function runAll(doc: unknown): { engine: Engine; frames: SimFrame[] } {
    const engine = new Engine();
    expect(engine.load(doc).ok).toBe(true);
    let cursors: Record<string, number> = {};
    const frames: SimFrame[] = [];
    let run = -1;
    for (let t = 0; t <= 5_000_000; t += 250_000) {
      engine.advance(t, { maxEvents: 1e9 });
      for (;;) {
        const d = engine.captureFramesSince(cursors, 50);
        if (run === -1) run = d.run;
        expect(d.run).toBe(run);
        frames.push(...d.frames);
        cursors = d.cursors;
        if (!d.more) break;
      }
    }
    return { engine, frames };
  }

  it('polling while the run goes returns every frame once, in time order, across capture points', () => {
    const { engine, frames } = runAll(scenario());
    const all = engine.captureFramesSince({}, 1e9).frames;
    expect(frames.length).toBe(all.length);
    expect(frames.length).toBeGreaterThan(10);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.t).toBeGreaterThanOrEqual(frames[i - 1]!.t);
    expect(new Set(frames.map((f) => f.capture))).toEqual(new Set(['cap-ilpip', 'cap-web']));
    // The same packet seen at both points: after the ILPIP's 1:1 NAT, same packet id.
    const v = CaptureView.forSimulation('Simulation');
    v.appendFrames(frames);
    const first = frames.find((f) => f.capture === 'cap-ilpip')!;
    const seen = v.framesOfPacket(first.packetId).map((i) => v.details(i)!);
    expect(seen.map((d) => d.sim?.capture)).toEqual(['cap-ilpip', 'cap-web']);
    expect(seen.map((d) => d.src)).toEqual(['10.8.0.4', '20.48.1.10']);
    // A restarted run is a new run number, with no frames yet.
    const before = engine.captureFramesSince({}).run;
    engine.reset();
    expect(engine.captureFramesSince({})).toMatchObject({ run: before + 1, frames: [] });
  });

  it('a capture filter (tcpdump syntax) keeps only matching frames; an invalid one is refused', () => {
    const doc = scenario();
    doc.captures = [
      { id: 'web-replies', node: 'nomupro', filter: 'src host 13.71.134.177 and tcp src port 80' },
      { id: 'web-all', node: 'nomupro' },
    ];
    const { frames } = runAll(doc);
    const replies = frames.filter((f) => f.capture === 'web-replies');
    const all = frames.filter((f) => f.capture === 'web-all');
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.length).toBeLessThan(all.length);
    const v = CaptureView.forSimulation('s');
    v.appendFrames(replies);
    expect(v.rows(0, 500).rows.every((r) => r.src === '13.71.134.177' && /^80 → /.test(r.info))).toBe(true);
    // A filter tcpdump refuses: the scenario does not load (it says why), and a tap given one anyway records nothing.
    const broken = scenario();
    broken.captures = [{ id: 'broken', node: 'nomupro', filter: 'port 70000' }];
    const r = new Engine().load(broken);
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => i.message)).toContain("capture 'broken' has a filter tcpdump would refuse: illegal port number 70000 > 65535 (at character 6)");
    expect(new CaptureTap('b', 'nomupro', undefined, 'port 70000').filterError).toBe('illegal port number 70000 > 65535');
  });
});

describe('snaplen', () => {
  it('the Length column is the length on the wire (frame.len), the bytes are what was captured', () => {
    const data = bytesOf('underlay.pcap');
    const first = readCapture(data).frames[0]!;
    const cut = first.data.subarray(0, 40);
    const file = writePcap([{ tsSec: 1, tsNsec: 0, data: cut, originalLength: first.data.length }], { linkType: 1, snaplen: 40 });
    const v = CaptureView.fromFile('snap', file);
    expect(v.rows(0, 1).rows[0]!.length).toBe(first.data.length);
    expect(v.details(0)).toMatchObject({ capturedLength: 40, originalLength: first.data.length });
  });
});

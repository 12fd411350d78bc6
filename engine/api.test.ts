import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine, EV_FLOW, EV_KIND, EV_NODE, EV_PACKET, EV_SEQ, EV_STRIDE, EV_T, EV_TO, Simulation, TRACE_KINDS, type EventBatch } from './api.ts';
import { restoreScenario } from './model/index.ts';
import type { TraceEvent } from './sim/types.ts';

const gallery = JSON.parse(readFileSync(new URL('../scenarios/outbound-ilpip-vs-standard-lb.json', import.meta.url), 'utf8')) as unknown;
const S = 1_000_000;

/** Decodes a batch against a growing node table, as the app does. */
function decode(b: EventBatch, table: string[]) {
  table.length = b.nodesFrom;
  table.push(...b.nodes);
  const out: { t: number; kind: string; node: string; to?: string; packetId: number; flowId: number; seq: number }[] = [];
  for (let o = 0; o < b.count * EV_STRIDE; o += EV_STRIDE) {
    const to = b.data[o + EV_TO]!;
    out.push({
      t: b.data[o + EV_T]!,
      kind: TRACE_KINDS[b.data[o + EV_KIND]!]!,
      node: table[b.data[o + EV_NODE]!]!,
      ...(to >= 0 ? { to: table[to]! } : {}),
      packetId: b.data[o + EV_PACKET]!,
      flowId: b.data[o + EV_FLOW]!,
      seq: b.data[o + EV_SEQ]!,
    });
  }
  return out;
}

function loaded(opts = {}): Engine {
  const e = new Engine();
  const r = e.load(gallery, opts);
  expect(r.ok).toBe(true);
  return e;
}

/** The whole trace of a straight run, for comparison. */
function straightTrace(untilUs: number): TraceEvent[] {
  const r = restoreScenario(gallery);
  if (!r.ok) throw new Error('gallery scenario invalid');
  const sim = Simulation.create(r.scenario, { trace: 'full' });
  sim.runUntil(untilUs);
  return sim.traceSince(0);
}

describe('Engine.load', () => {
  it('refuses an invalid document with issues that say where', () => {
    const e = new Engine();
    const r = e.load({ netplay: 1, name: 'x', resources: [{ id: 'a', kind: 'vm' }] });
    expect(r.ok).toBe(false);
    expect(r.issues[0]?.resourceId).toBe('a');
    expect(() => e.advance(1)).toThrow(/no scenario is loaded/);
  });

  it('accepts the gallery scenario with its duration and a full trace', () => {
    const e = new Engine();
    const r = e.load(gallery);
    expect(r).toMatchObject({ ok: true, durationUs: 180 * S, trace: 'full' });
  });

  it('keeps summaries only for very large runs', () => {
    const r = restoreScenario(gallery);
    if (!r.ok) throw new Error('invalid');
    const big = { ...r.scenario, traffic: r.scenario.traffic.map((t) => ({ ...t, count: 10_000 })) };
    expect(new Engine().load(big).trace).toBe('summary');
  });
});

describe('Engine.advance', () => {
  it('streams every hop and drop exactly once, encoded with a node table', () => {
    const e = loaded();
    const table: string[] = [];
    const got: ReturnType<typeof decode> = [];
    for (let t = 0; t <= 60 * S; t += 250_000) got.push(...decode(e.advance(t), table));
    const expected = straightTrace(60 * S).filter((x) => x.kind === 'hop' || x.kind === 'drop');
    expect(got.map((g) => g.seq)).toEqual(expected.map((x) => x.seq));
    for (const [i, g] of got.entries()) {
      const x = expected[i]!;
      expect(g).toEqual({ t: x.t, kind: x.kind, node: x.node, ...(x.to ? { to: x.to } : {}), packetId: x.packetId, flowId: x.flowId ?? -1, seq: x.seq });
    }
    expect(e.now).toBe(60 * S);
  });

  it('stops after maxEvents and continues where it stopped', () => {
    const e = loaded();
    const first = e.advance(60 * S, { maxEvents: 10 });
    expect(first.total).toBeGreaterThanOrEqual(10);
    expect(first.now).toBeLessThan(60 * S);
    const table: string[] = [];
    const seqs = decode(first, table).map((x) => x.seq);
    let b = first;
    while (b.now < 60 * S) {
      b = e.advance(60 * S, { maxEvents: 10 });
      seqs.push(...decode(b, table).map((x) => x.seq));
    }
    const expected = straightTrace(60 * S).filter((x) => x.kind === 'hop' || x.kind === 'drop');
    expect(seqs).toEqual(expected.map((x) => x.seq));
  });

  it('samples hops down to maxEncoded and keeps every drop', () => {
    const e = loaded();
    const b = e.advance(180 * S, { maxEncoded: 5, maxEvents: 1e9 });
    const all = straightTrace(180 * S);
    const drops = all.filter((x) => x.kind === 'drop').length;
    const hops = all.filter((x) => x.kind === 'hop').length;
    const kinds = decode(b, []).map((x) => x.kind);
    expect(kinds.filter((k) => k === 'drop')).toHaveLength(drops);
    expect(kinds.filter((k) => k === 'hop').length).toBeLessThanOrEqual(5);
    expect(b.sampledOut + kinds.filter((k) => k === 'hop').length).toBe(hops);
    expect(b.done).toBe(true);
  });

  it('never runs past the scenario duration', () => {
    const e = loaded();
    const b = e.advance(10_000 * S, { maxEvents: 1e9 });
    expect(b.now).toBe(180 * S);
    expect(b.done).toBe(true);
  });
});

describe('Engine.step and back', () => {
  it('steps one trace event at a time, identical to a straight run', () => {
    const e = loaded();
    const expected = straightTrace(3 * S);
    for (let i = 0; i < 40; i++) {
      const r = e.step();
      expect(r.event?.seq).toBe(i);
      expect(r.event).toEqual(expected[i]);
      expect(r.batch.total).toBe(i + 1);
      expect(r.batch.now).toBe(expected[i]!.t);
    }
  });

  it('goes back one event by rebuilding deterministically', () => {
    const e = loaded();
    for (let i = 0; i < 25; i++) e.step();
    const r = e.back();
    expect(r.event?.seq).toBe(23);
    expect(r.event).toEqual(straightTrace(3 * S)[23]);
    expect(r.batch.restart).toBe(true);
    expect(e.step().event?.seq).toBe(24);
    expect(e.back().event?.seq).toBe(23);
    expect(e.back().event?.seq).toBe(22);
  });

  it('back from the first event returns to the start', () => {
    const e = loaded();
    e.step();
    const r = e.back();
    expect(r.event).toBeNull();
    expect(r.batch.total).toBe(0);
    expect(e.now).toBe(0);
  });

  it('back after playing to 150 s lands on the event before the last, within a budget', () => {
    const e = loaded();
    const b = e.advance(150 * S, { maxEvents: 1e9 });
    const t0 = performance.now();
    const r = e.back();
    const ms = performance.now() - t0;
    expect(r.event?.seq).toBe(b.total - 2);
    // Rebuilding replays the run: measured ~10 ms for this scenario on the dev machine.
    expect(ms).toBeLessThan(1000);
  });

  it('step after advance reveals the next event, then continues', () => {
    const e = loaded();
    const b = e.advance(1 * S, { maxEvents: 1e9 });
    const r = e.step();
    expect(r.event?.seq).toBe(b.total);
    expect(r.event?.t).toBeGreaterThan(1 * S);
  });
});

describe('Engine.seek and snapshot', () => {
  it('seeks backwards to the same state a forward run reaches', () => {
    const a = loaded();
    a.advance(150 * S, { maxEvents: 1e9 });
    const back = a.seek(60 * S, 1 * S);
    expect(back.restart).toBe(true);
    expect(back.now).toBe(60 * S);
    const b = loaded();
    b.advance(60 * S, { maxEvents: 1e9 });
    expect(a.snapshot()).toEqual(b.snapshot());
    // The batch only holds the recent window.
    for (const x of decode(back, [])) expect(x.t).toBeGreaterThan(59 * S);
  });

  it('shows vm-slb in SYN_SENT at 60 s and its connect timed out at the end', () => {
    const e = loaded();
    e.seek(60 * S);
    const snap = e.snapshot();
    expect(snap.sockets['vm-slb']?.map((s) => s.state)).toEqual(['SYN_SENT']);
    expect(snap.drops.length).toBeGreaterThan(0);
    e.seek(180 * S);
    const end = e.snapshot();
    expect(end.done).toBe(true);
    expect(end.flows.find((f) => f.from === 'vm-slb')?.outcome).toBe('timed-out');
    expect(end.captures.map((c) => c.id)).toEqual(['cap-ilpip', 'cap-web']);
  });

  it('filters and limits socket rows but keeps the counts', () => {
    const e = loaded();
    e.seek(1 * S);
    const all = e.snapshot();
    const only = e.snapshot({ filter: 'syn_sent' });
    expect(only.socketMatches).toBe(1);
    expect(Object.values(only.sockets).flat()).toHaveLength(1);
    expect(only.socketCounts).toEqual(all.socketCounts);
    const limited = e.snapshot({ maxSockets: 1 });
    expect(Object.values(limited.sockets).flat()).toHaveLength(1);
    expect(limited.socketMatches).toBe(all.socketMatches);
  });
});

describe('Engine.trace, event and packetEvents', () => {
  it('pages the revealed trace with node, flow and kind filters', () => {
    const e = loaded();
    e.advance(10 * S, { maxEvents: 1e9 });
    const all = straightTrace(10 * S);
    const page = e.trace({}, 5, 10);
    expect(page.total).toBe(all.length);
    expect(page.rows.map((r) => r.seq)).toEqual(all.slice(5, 15).map((x) => x.seq));
    expect(page.rows[0]).not.toHaveProperty('packet');
    const drops = e.trace({ kinds: ['drop'] }, 0, 1000);
    expect(drops.total).toBe(all.filter((x) => x.kind === 'drop').length);
    expect(drops.rows.every((r) => r.kind === 'drop' && r.reason)).toBe(true);
    const flow4 = e.trace({ flow: 4, node: 'vm-slb' }, 0, 1000);
    expect(flow4.rows.length).toBeGreaterThan(0);
    expect(flow4.rows.every((r) => r.flowId === 4 && (r.node === 'vm-slb' || r.to === 'vm-slb'))).toBe(true);
  });

  it('only lists events revealed so far while stepping', () => {
    const e = loaded();
    for (let i = 0; i < 7; i++) e.step();
    expect(e.trace({}, 0, 100).total).toBe(7);
  });

  it('returns full events with PacketViews, and a packet’s events in order', () => {
    const e = loaded();
    e.advance(1 * S, { maxEvents: 1e9 });
    const rewrite = e.trace({ kinds: ['rewrite'] }, 0, 1).rows[0]!;
    const full = e.event(rewrite.seq)!;
    expect(full.before?.ip.src).toBe('10.8.0.4');
    expect(full.after?.ip.src).toBe('20.48.1.10');
    const evs = e.packetEvents(full.packetId!);
    expect(evs.map((x) => x.kind)).toContain('rewrite');
    expect(evs.every((x) => x.packetId === full.packetId)).toBe(true);
    expect(evs.map((x) => x.seq)).toEqual([...evs.map((x) => x.seq)].sort((a, b) => a - b));
    expect(e.event(1e9)).toBeNull();
  });
});

describe('Engine.capturePcap', () => {
  it('writes pcapng and pcap from the capture points', () => {
    const e = loaded();
    e.advance(5 * S, { maxEvents: 1e9 });
    const ng = e.capturePcap();
    expect(Array.from(ng.subarray(0, 4))).toEqual([0x0a, 0x0d, 0x0d, 0x0a]);
    const classic = e.capturePcap(['cap-web'], 'pcap');
    const magic = new DataView(classic.buffer, classic.byteOffset).getUint32(0, true);
    expect([0xa1b2c3d4, 0xa1b23c4d]).toContain(magic);
    expect(classic.length).toBeGreaterThan(24);
    expect(e.capturePcap(['nope'], 'pcap').length).toBe(24);
  });
});

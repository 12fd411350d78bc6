/**
 * A regression pin for behaviour: hashes of the full trace JSON, the report and the capture bytes
 * of the gallery scenario and of a small version of the benchmark's scenario. The hashes were
 * recorded before the performance work on the simulator core; an optimisation that changes what a
 * run produces (a packet field, an event's order, a timer) changes a hash and fails here.
 *
 * If a change of behaviour is intended, print the new hashes with `PIN_PRINT=1 npx vitest run
 * engine/net/determinism.test.ts`, check the trace differences by hand, and update the pins.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { restoreScenario } from '../model/restore.ts';
import type { Scenario, ScenarioInput } from '../model/scenario.ts';
import { Simulation, type SimulationOptions } from './simulation.ts';

const PINS = {
  galleryTrace: '10c91c666216e461',
  galleryReport: '9f6f6201db6600a4',
  galleryCaptures: '2a07eaa166b3e0ae',
  miniTrace: '7ef0a20bb296caf6',
  miniReport: '33482b9956d94211',
  miniCaptures: 'e7c8961290d56377',
};

function restore(input: unknown): Scenario {
  const r = restoreScenario(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues.slice(0, 3)));
  return r.scenario;
}

function gallery(): Scenario {
  return restore(readFileSync(new URL('../../scenarios/outbound-ilpip-vs-standard-lb.json', import.meta.url), 'utf8'));
}

/** The benchmark's shape at a small size, plus HTTP, a hold/close, UDP and ping, with captures. */
function mini(): Scenario {
  const resources: NonNullable<ScenarioInput['resources']> = [{ id: 'vnet', kind: 'vnet', name: 'vnet', addressSpace: ['10.0.0.0/16'] }];
  for (let s = 0; s < 2; s++) resources.push({ id: `sn${s}`, kind: 'subnet', name: `sn${s}`, vnet: 'vnet', addressPrefix: `10.0.${s}.0/24` });
  const traffic: NonNullable<ScenarioInput['traffic']> = [];
  for (let i = 0; i < 8; i++) {
    const s = i % 2;
    resources.push(
      { id: `vm${i}`, kind: 'vm', name: `vm${i}` },
      { id: `pip${i}`, kind: 'publicIp', name: `pip${i}`, address: `20.1.0.${i + 1}` },
      { id: `nic${i}`, kind: 'nic', name: `nic${i}`, vm: `vm${i}`, subnet: `sn${s}`, ipConfigs: [{ name: 'ipconfig1', privateIp: `10.0.${s}.${4 + (i >> 1)}`, publicIp: `pip${i}` }] },
    );
    traffic.push({ id: `t${i}`, type: 'tcp', from: `vm${i}`, to: `web${i % 3}:80`, count: 6, intervalMs: 10, startMs: i, ...(i % 2 ? { holdMs: 300 } : {}) });
  }
  traffic.push(
    { id: 'http', type: 'tcp', from: 'vm0', to: 'echo:8080', request: 'http', count: 3, intervalMs: 50, holdMs: 500 },
    { id: 'closed', type: 'tcp', from: 'vm1', to: 'web0:81', count: 2, intervalMs: 50 },
    { id: 'udp', type: 'udp', from: 'vm2', to: 'echo:53', count: 3, intervalMs: 20 },
    { id: 'ping', type: 'ping', from: 'vm3', to: 'echo', count: 3, intervalMs: 20 },
    { id: 'lan', type: 'tcp', from: 'vm4', to: 'vm5:22', count: 2, intervalMs: 20, holdMs: 100 },
  );
  resources.push({ id: 'echo', kind: 'internetHost', name: 'echo', address: '13.0.1.1', services: [{ type: 'http-echo', port: 8080 }, { type: 'udp-echo', port: 53 }] });
  for (let k = 0; k < 3; k++) resources.push({ id: `web${k}`, kind: 'internetHost', name: `web${k}`, address: `13.0.0.${k + 1}`, services: [{ type: 'tcp-accept', port: 80 }] });
  const vm5 = resources.find((r) => r.id === 'vm5');
  if (vm5 && vm5.kind === 'vm') Object.assign(vm5, { services: [{ type: 'tcp-accept', port: 22 }] });
  return restore({
    netplay: 1,
    name: 'determinism: mini bench',
    settings: { seed: 7, durationSeconds: 5 },
    resources,
    traffic,
    captures: [{ id: 'cap-vm0', node: 'vm0' }, { id: 'cap-web0', node: 'web0' }, { id: 'cap-echo', node: 'echo' }],
  });
}

function sha(s: string | Uint8Array): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

function fingerprint(scenario: Scenario, opts: SimulationOptions = {}): { trace: string; report: string; captures: string } {
  const sim = Simulation.create(scenario, opts);
  sim.run();
  const h = createHash('sha256');
  for (const c of sim.captures())
    for (const f of c.frames) {
      h.update(JSON.stringify({ ...f, data: f.data.length }));
      h.update(f.data);
    }
  return { trace: sha(JSON.stringify(sim.traceSince(0))), report: sha(JSON.stringify(sim.report())), captures: h.digest('hex').slice(0, 16) };
}

function summarise(s: Scenario): Record<string, number> {
  const sim = Simulation.create(s);
  sim.run();
  const out: Record<string, number> = { drops: sim.drops().length, frames: sim.captures().reduce((n, c) => n + c.frames.length, 0), trace: sim.traceSince(0).length };
  for (const f of sim.flows()) out[`${f.proto}:${f.outcome}`] = (out[`${f.proto}:${f.outcome}`] ?? 0) + 1;
  return out;
}

describe('determinism pins', () => {
  it('the gallery scenario gives the pinned trace, report and capture bytes', () => {
    const f = fingerprint(gallery());
    if (process.env['PIN_PRINT']) console.log('gallery', f);
    expect(f).toEqual({ trace: PINS.galleryTrace, report: PINS.galleryReport, captures: PINS.galleryCaptures });
  });

  it('a small benchmark-like scenario gives the pinned trace, report and capture bytes', () => {
    const f = fingerprint(mini());
    if (process.env['PIN_PRINT']) console.log('mini', f, JSON.stringify(summarise(mini())));
    expect(f).toEqual({ trace: PINS.miniTrace, report: PINS.miniReport, captures: PINS.miniCaptures });
  });

  it('trace off and captures off change nothing else', () => {
    for (const s of [gallery(), mini()]) {
      const full = Simulation.create(s);
      const off = Simulation.create(s, { trace: 'off', captures: false });
      full.run();
      off.run();
      expect(off.flows()).toEqual(full.flows());
      expect(off.drops()).toEqual(full.drops());
      expect(off.sockets()).toEqual(full.sockets());
      expect(off.hops).toBe(full.hops);
    }
  });
});

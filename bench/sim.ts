/**
 * The simulator's throughput and memory: 1,000 VMs with instance-level public IPs (in 4 subnets)
 * open 100,000 TCP connections (100 each) to 10 hosts on the Internet and hold them open. Trace
 * 'off', captures off. Budgets: >= 1,000,000 packet-hops per CPU second (every link traversal
 * counts) and < 300 MB with the 100,000 flows open. bench/profile-sim.ts shows where the time goes.
 *
 *   npx tsx bench/sim.ts        (also run by `npm run bench`)
 */
import { availableParallelism, loadavg } from 'node:os';
import { restoreScenario } from '../engine/model/restore.ts';
import type { Scenario, ScenarioInput } from '../engine/model/scenario.ts';
import { Simulation } from '../engine/net/simulation.ts';
import type { Figure } from './run.ts';

const VMS = 1000;
const PER_VM = 100;
const SERVERS = 10;
const SUBNETS = 4;

export function benchScenario(): Scenario {
  const resources: NonNullable<ScenarioInput['resources']> = [{ id: 'vnet', kind: 'vnet', name: 'vnet', addressSpace: ['10.0.0.0/16'] }];
  for (let s = 0; s < SUBNETS; s++) resources.push({ id: `sn${s}`, kind: 'subnet', name: `sn${s}`, vnet: 'vnet', addressPrefix: `10.0.${s}.0/24` });
  const traffic: NonNullable<ScenarioInput['traffic']> = [];
  for (let i = 0; i < VMS; i++) {
    const s = i % SUBNETS;
    const host = 4 + Math.floor(i / SUBNETS);
    resources.push(
      { id: `vm${i}`, kind: 'vm', name: `vm${i}` },
      { id: `pip${i}`, kind: 'publicIp', name: `pip${i}`, address: `20.1.${i >> 8}.${i & 255}` },
      { id: `nic${i}`, kind: 'nic', name: `nic${i}`, vm: `vm${i}`, subnet: `sn${s}`, ipConfigs: [{ name: 'ipconfig1', privateIp: `10.0.${s}.${host}`, publicIp: `pip${i}` }] },
    );
    traffic.push({ id: `t${i}`, type: 'tcp', from: `vm${i}`, to: `web${i % SERVERS}:80`, count: PER_VM, intervalMs: 10, startMs: (i % 10) });
  }
  for (let k = 0; k < SERVERS; k++)
    resources.push({ id: `web${k}`, kind: 'internetHost', name: `web${k}`, address: `13.0.0.${k + 1}`, services: [{ type: 'tcp-accept', port: 80 }] });
  const r = restoreScenario({ netplay: 1, name: 'bench: 100k held connections', settings: { seed: 1, durationSeconds: 10 }, resources, traffic });
  if (!r.ok) throw new Error(`bench scenario is invalid: ${JSON.stringify(r.issues.slice(0, 3))}`);
  return r.scenario;
}

const MB = 1024 * 1024;

export async function benchSim(): Promise<Figure[]> {
  const scenario = benchScenario();
  const t0 = performance.now();
  const sim = Simulation.create(scenario, { trace: 'off', captures: false });
  const buildMs = performance.now() - t0;
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const load = loadavg();
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  // Run in slices of virtual time so memory can be sampled while connections pile up.
  for (let t = 100_000; t <= 2_000_000; t += 100_000) {
    sim.runUntil(t);
    sample();
  }
  const runMs = performance.now() - t1;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const flows = sim.flows();
  const open = flows.filter((f) => f.outcome === 'established').length;
  if (open !== VMS * PER_VM) throw new Error(`expected ${VMS * PER_VM} established flows, got ${open}`);
  const hopsPerSecond = sim.hops / (runMs / 1000);
  // The machine is shared: wall time includes waiting for a core. CPU time (user + system of
  // this process, GC threads included) is the honest figure; the load average says how busy it was.
  const hopsPerCpuSecond = sim.hops / (cpuMs / 1000);
  const loadNote = `load average ${load.map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores`;
  const note = `${VMS} VMs, ${open} flows open, ${sim.hops} hops, ${sim.eventsExecuted} events, build ${buildMs.toFixed(0)} ms, ${loadNote}`;
  return [
    // The budget is judged on CPU time: on the shared machine, wall time mostly measures the queue for a core.
    { bench: 'sim', metric: 'packet-hops per second (wall)', value: Math.round(hopsPerSecond), unit: 'hops/s', note },
    { bench: 'sim', metric: 'packet-hops per CPU second', value: Math.round(hopsPerCpuSecond), unit: 'hops/s', budget: { limit: 1_000_000, better: 'higher' }, note: 'user + system CPU time of the run (compiler and GC threads included)' },
    { bench: 'sim', metric: 'run wall time (2 s virtual)', value: Math.round(runMs), unit: 'ms' },
    { bench: 'sim', metric: 'run CPU time (2 s virtual)', value: Math.round(cpuMs), unit: 'ms' },
    { bench: 'sim', metric: 'peak heap used, 100k flows open', value: Math.round(peakHeap / MB), unit: 'MB', budget: { limit: 300, better: 'lower' } },
    { bench: 'sim', metric: 'peak rss, 100k flows open', value: Math.round(peakRss / MB), unit: 'MB', budget: { limit: 300, better: 'lower' } },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchSim().then(
    (figures) => {
      for (const f of figures) console.log(`${f.metric}: ${f.value} ${f.unit}${f.budget ? ` (budget ${f.budget.better === 'higher' ? '>=' : '<'} ${f.budget.limit})` : ''}${f.note ? ` — ${f.note}` : ''}`);
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

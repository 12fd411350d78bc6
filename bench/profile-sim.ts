/**
 * Where the sim bench's time goes: builds the same scenario as sim.ts, profiles only the run
 * (node:inspector, 100 µs samples, build excluded), writes bench/out/sim.cpuprofile (open it in
 * Chrome DevTools' Performance panel or speedscope) and prints the functions with the most self
 * time (functions the compiler inlined count in their caller).
 *
 *   npx tsx bench/profile-sim.ts [top=25]
 *
 * tsx emits each module as one line, so the profile has function names but no useful line
 * numbers; for lines, bundle this file first (npx esbuild bench/profile-sim.ts --bundle
 * --platform=node --format=esm --outfile=/tmp/p.mjs) and run the bundle with node.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Simulation } from '../engine/net/simulation.ts';
import { benchScenario } from './sim.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

async function main(top: number): Promise<void> {
  const sim = Simulation.create(benchScenario(), { trace: 'off', captures: false });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let t = 100_000; t <= 2_000_000; t += 100_000) sim.runUntil(t);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./out/sim.cpuprofile', import.meta.url), JSON.stringify(profile));

  // Self time per function: samples[i] ran for timeDeltas[i] µs.
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n as ProfileNode]));
  const self = new Map<string, number>();
  let total = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const n = byId.get(samples[i]!)!;
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}`;
    const us = deltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${sim.hops} hops in ${wallMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (profiler on: slower than the bench)`);
  console.log('CPU time beyond the wall time is other threads: concurrent compilation and GC, which the profile does not show');
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log('profile written to bench/out/sim.cpuprofile');
}

await main(Number(process.argv[2] ?? 25));

/**
 * The app's main thread under load: builds the app, runs bench/ui/perf.spec.ts (100,000
 * connections at 100x, PerformanceObserver 'longtask' entries) and reports the longest
 * main-thread task against the 100 ms budget of issue 3.
 */
import { spawnSync } from 'node:child_process';
import type { Figure } from './run.ts';

export async function benchUi(): Promise<Figure[]> {
  const build = spawnSync('npx', ['vite', 'build'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`vite build failed:\n${build.stderr}`);
  const run = spawnSync('npx', ['playwright', 'test', '-c', 'playwright.bench.config.ts'], { encoding: 'utf8', timeout: 600_000 });
  const out = `${run.stdout}\n${run.stderr}`;
  const longest = /long tasks during the run: (\d+), longest (\d+) ms/.exec(out);
  const pause = /pause answered in (\d+) ms/.exec(out);
  if (!longest) throw new Error(`the UI benchmark printed no long-task figure:\n${out.slice(-2000)}`);
  const figures: Figure[] = [
    { bench: 'ui', metric: 'longest main-thread task, 100k connections', value: Number(longest[2]), unit: 'ms', budget: { limit: 100, better: 'lower' }, note: `${longest[1]} long tasks` },
  ];
  if (pause) figures.push({ bench: 'ui', metric: 'pause answered (Playwright wall time)', value: Number(pause[1]), unit: 'ms' });
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) for (const f of await benchUi()) console.log(f);

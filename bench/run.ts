/**
 * `npm run bench`: every benchmark with its budget. Prints a table, writes bench/out/results.json,
 * and exits 1 when a budget is missed. Figures are recorded by hand in bench/README.md with the
 * machine they ran on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface Figure {
  readonly bench: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** The budget, and whether larger or smaller is better. */
  readonly budget?: { readonly limit: number; readonly better: 'higher' | 'lower' };
  readonly note?: string;
}

type Bench = { name: string; run: () => Promise<Figure[]> };

const benches: Bench[] = [
  { name: 'sim', run: async () => (await import('./sim.ts')).benchSim() },
  { name: 'decode', run: async () => decodeFigures(await (await import('./decode.ts')).benchDecode({ log: (l) => console.error(l) })) },
  { name: 'bundle', run: async () => (await import('./bundle.ts')).benchBundle() },
  { name: 'snat', run: async () => (await import('./snat.ts')).benchSnat() },
];

/** The decode bench reports its own shape; these are its figures against the issue's budgets. */
function decodeFigures(r: import('./decode.ts').BenchDecodeResult): Figure[] {
  const out: Figure[] = [
    { bench: 'decode', metric: `summary decode (${r.frames.toLocaleString('en-US')} frames)`, value: r.summary.mbPerSec, unit: 'MB/s', budget: { limit: r.budget.summaryMinMBps, better: 'higher' } },
    { bench: 'decode', metric: 'full field trees', value: r.tree.mbPerSec, unit: 'MB/s' },
  ];
  if (r.tshark) {
    out.push({ bench: 'decode', metric: `tshark -r (${r.tshark.version})`, value: r.tshark.mbPerSec, unit: 'MB/s' });
    out.push({ bench: 'decode', metric: 'summary decode / tshark', value: r.summary.mbPerSec / r.tshark.mbPerSec, unit: 'x', budget: { limit: 1, better: 'higher' } });
  }
  return out;
}

export function passes(f: Figure): boolean {
  if (!f.budget) return true;
  return f.budget.better === 'higher' ? f.value >= f.budget.limit : f.value <= f.budget.limit;
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const figures: Figure[] = [];
  for (const b of benches) {
    if (only.length && !only.includes(b.name)) continue;
    console.error(`bench: running ${b.name} ...`);
    figures.push(...(await b.run()));
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
  console.log(`machine: ${machine}`);
  console.log('bench    metric                                   value            budget          ok');
  for (const f of figures) {
    const budget = f.budget ? `${f.budget.better === 'higher' ? '≥' : '≤'} ${fmt(f.budget.limit)} ${f.unit}` : '';
    console.log(`${f.bench.padEnd(8)} ${f.metric.padEnd(40)} ${`${fmt(f.value)} ${f.unit}`.padEnd(16)} ${budget.padEnd(15)} ${passes(f) ? 'yes' : 'NO'}${f.note ? `  (${f.note})` : ''}`);
  }
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./out/results.json', import.meta.url), JSON.stringify({ machine, figures }, null, 2));
  return figures.every(passes) ? 0 : 1;
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

process.exitCode = await main();

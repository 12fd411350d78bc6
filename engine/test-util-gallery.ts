/** The gallery CLI tests' one step: `netplay run scenarios/NAME.json --json ...`, checked to have run cleanly. */
import { expect } from 'vitest';
import { main } from './cli.ts';
import type { RunReport } from './sim/types.ts';

/** Runs a gallery scenario through the CLI; its JSON report (T names the optional parts the test reads). */
export async function runGallery<T extends RunReport = RunReport>(name: string, ...extra: string[]): Promise<T> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['run', `scenarios/${name}.json`, '--json', ...extra], { out: (s) => out.push(s), err: (s) => err.push(s) });
  expect(err).toEqual([]);
  expect(code).toBe(0);
  return JSON.parse(out.join('\n')) as T;
}

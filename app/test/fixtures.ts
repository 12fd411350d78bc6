/** Test fixtures: the gallery scenario, restored as the app would. */
import { readFileSync } from 'node:fs';
import { restoreScenario } from '../../engine/model/restore.ts';
import type { Scenario } from '../../engine/model/scenario.ts';

export function galleryScenario(name = 'outbound-ilpip-vs-standard-lb'): Scenario {
  const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
  const r = restoreScenario(text);
  if (!r.ok) throw new Error(`fixture ${name} does not restore: ${JSON.stringify(r.issues)}`);
  return r.scenario;
}

export function errorsOf(doc: Scenario): string[] {
  const r = restoreScenario(doc);
  return r.ok ? [] : r.issues.filter((i) => i.severity === 'error').map((i) => `${i.resourceId ?? ''}.${i.field ?? ''}: ${i.message}`);
}

/**
 * The document's problems, as the engine's validator sees them: the document in the store is run
 * through `restoreScenario` (structure, then semantic checks). Memoised by document identity, so
 * every panel asking about the same document pays once.
 */
import type { ScenarioIssue } from '../../engine/model/issues.ts';
import { restoreScenario } from '../../engine/model/restore.ts';
import type { Scenario } from '../../engine/model/scenario.ts';
import { useDocumentStore } from './document-store.ts';

export interface Validation {
  readonly issues: readonly ScenarioIssue[];
  readonly errors: readonly ScenarioIssue[];
}

const cache = new WeakMap<Scenario, Validation>();

export function validate(doc: Scenario): Validation {
  const hit = cache.get(doc);
  if (hit) return hit;
  const r = restoreScenario(doc);
  const issues = r.ok ? r.warnings : r.issues;
  const v: Validation = { issues, errors: issues.filter((i) => i.severity === 'error') };
  cache.set(doc, v);
  return v;
}

export function useValidation(): Validation {
  return validate(useDocumentStore((s) => s.doc));
}

/** Issues of one resource (or traffic generator / capture point), keyed by field path. */
export function issuesFor(v: Validation, ownerId: string): ScenarioIssue[] {
  return v.issues.filter((i) => i.resourceId === ownerId);
}

/** Why a run cannot start, or null when it can. */
export function runBlocker(v: Validation): string | null {
  const first = v.errors[0];
  if (!first) return null;
  const where = first.resourceId ? `${first.resourceId}${first.field ? `.${first.field}` : ''}: ` : '';
  const more = v.errors.length > 1 ? ` (and ${v.errors.length - 1} more)` : '';
  return `Fix the scenario first: ${where}${first.message}${more}`;
}

/**
 * Issues under a document path (e.g. ["resources", 3] or ["settings"]), keyed by the dotted field
 * path below it ("ipConfigs[0].privateIp"; "" for the owner itself).
 */
export function issuesUnder(v: Validation, prefix: readonly (string | number)[]): Map<string, ScenarioIssue[]> {
  const out = new Map<string, ScenarioIssue[]>();
  for (const i of v.issues) {
    if (i.path.length < prefix.length || !prefix.every((p, k) => i.path[k] === p)) continue;
    const key = fieldKey(i.path.slice(prefix.length));
    out.set(key, [...(out.get(key) ?? []), i]);
  }
  return out;
}

export function fieldKey(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

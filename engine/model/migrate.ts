/**
 * Older scenario documents are migrated step by step to the current version; a document from a
 * newer netplay, or one with no version at all, is refused with a sentence that says so (never
 * silently "fixed").
 *
 * Each step takes a document of version N and returns version N+1. A step is pure and total:
 * it must not throw on any JSON object.
 */
import type { ScenarioIssue } from './issues.ts';
import { SCENARIO_VERSION } from './scenario.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface Migration {
  readonly from: number;
  readonly describe: string;
  readonly up: (doc: JsonObject) => JsonObject;
}

/**
 * Version 0 is the pre-release layout: a `version: 0` key, `nodes` instead of `resources`, and
 * `traffic[].target` instead of `traffic[].to`. Kept so that early shared links still open.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    from: 0,
    describe: 'renames nodes to resources and traffic target to to',
    up(doc) {
      const { version: _v, nodes, traffic, ...rest } = doc;
      const out: JsonObject = { ...rest, netplay: 1 };
      if (nodes !== undefined) out.resources = nodes;
      if (Array.isArray(traffic))
        out.traffic = traffic.map((t) => {
          if (t && typeof t === 'object' && !Array.isArray(t) && 'target' in t) {
            const { target, ...r } = t;
            return { ...r, to: target ?? null };
          }
          return t;
        });
      return out;
    },
  },
];

export type MigrationResult =
  | { ok: true; doc: JsonObject; applied: string[] }
  | { ok: false; issue: ScenarioIssue };

export function documentVersion(doc: JsonObject): number | null {
  if (typeof doc.netplay === 'number') return doc.netplay;
  if (typeof doc.version === 'number' && doc.netplay === undefined) return doc.version;
  return null;
}

export function migrate(doc: JsonObject, migrations: readonly Migration[] = MIGRATIONS, target = SCENARIO_VERSION): MigrationResult {
  const v = documentVersion(doc);
  const refuse = (code: string, message: string): MigrationResult => ({
    ok: false,
    issue: { severity: 'error', code, message, path: ['netplay'] },
  });
  if (v === null)
    return refuse('no-version', 'this is not a netplay scenario: it has no "netplay" version field (e.g. "netplay": 1)');
  if (!Number.isInteger(v) || v < 0) return refuse('bad-version', `the version ${String(v)} is not a whole number`);
  if (v > target)
    return refuse('newer-version', `this scenario was made by a newer netplay (format version ${v}); this one reads versions up to ${target}`);
  let cur = doc;
  const applied: string[] = [];
  for (let at = v; at < target; at++) {
    const step = migrations.find((m) => m.from === at);
    if (!step) return refuse('no-migration', `no migration from format version ${at} to ${at + 1}`);
    cur = step.up(cur);
    applied.push(`v${at}→v${at + 1}: ${step.describe}`);
  }
  return { ok: true, doc: cur, applied };
}

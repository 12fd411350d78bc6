/**
 * The one door every scenario comes in through: files, share URLs, autosave, the gallery and the
 * CLI. It parses, migrates, validates structure kind by kind (so that errors name the resource),
 * fills defaults, then runs the semantic checks.
 */
import type { z } from 'zod';
import { checkScenario } from './checks.ts';
import { fieldPath, type ScenarioIssue } from './issues.ts';
import { migrate, type JsonObject } from './migrate.ts';
import { RESOURCE_KINDS, RESOURCE_SCHEMAS, ScenarioSchema, type Resource, type ResourceKind, type Scenario } from './scenario.ts';

export type RestoreResult =
  | { ok: true; scenario: Scenario; warnings: ScenarioIssue[]; migrations: string[] }
  | { ok: false; issues: ScenarioIssue[]; scenario?: undefined };

/** Documents larger than this are refused before parsing (share URLs and files alike). */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

function zodIssues(err: z.ZodError, base: (string | number)[], resourceId?: string): ScenarioIssue[] {
  return err.issues.map((i) => {
    const inner = i.path.filter((p): p is string | number => typeof p !== 'symbol');
    return {
      severity: 'error' as const,
      code: 'schema',
      message: i.message,
      path: [...base, ...inner],
      ...(resourceId !== undefined ? { resourceId } : {}),
      ...(inner.length ? { field: fieldPath(inner) } : {}),
    };
  });
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function restoreScenario(input: unknown): RestoreResult {
  let raw: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_DOCUMENT_BYTES)
      return refuse('too-large', `the document is ${input.length} bytes; netplay reads scenarios up to ${MAX_DOCUMENT_BYTES} bytes`);
    try {
      raw = JSON.parse(input);
    } catch (e) {
      return refuse('not-json', `this is not JSON: ${(e as Error).message}`);
    }
  }
  if (!isObject(raw)) return refuse('not-object', 'a scenario is a JSON object, e.g. {"netplay": 1, "name": "...", "resources": []}');
  const m = migrate(raw);
  if (!m.ok) return { ok: false, issues: [m.issue] };
  const doc = m.doc;

  const issues: ScenarioIssue[] = [];
  const resources: Resource[] = [];
  const rawResources = doc.resources ?? [];
  if (!Array.isArray(rawResources)) return refuse('schema', '"resources" must be a list', ['resources']);
  rawResources.forEach((r, i) => {
    const base = ['resources', i];
    if (!isObject(r)) {
      issues.push({ severity: 'error', code: 'schema', message: 'a resource is an object with an id and a kind', path: base });
      return;
    }
    const id = typeof r.id === 'string' ? r.id : undefined;
    const kind = r.kind;
    if (typeof kind !== 'string' || !(RESOURCE_KINDS as string[]).includes(kind)) {
      issues.push({
        severity: 'error',
        code: 'unknown-kind',
        message: `unknown kind ${JSON.stringify(kind ?? null)}; the kinds are ${RESOURCE_KINDS.join(', ')}`,
        path: [...base, 'kind'],
        ...(id !== undefined ? { resourceId: id } : {}),
        field: 'kind',
      });
      return;
    }
    const parsed = RESOURCE_SCHEMAS[kind as ResourceKind].safeParse(r);
    if (parsed.success) resources.push(parsed.data as Resource);
    else issues.push(...zodIssues(parsed.error, base, id));
  });
  const top = ScenarioSchema.safeParse({ ...doc, resources: [] });
  if (!top.success) issues.push(...zodIssues(top.error, []));
  if (issues.length || !top.success) return { ok: false, issues };

  const scenario: Scenario = { ...top.data, resources };
  const found = checkScenario(scenario);
  const errors = found.filter((i) => i.severity === 'error');
  if (errors.length) return { ok: false, issues: found };
  return { ok: true, scenario, warnings: found, migrations: m.applied };
}

function refuse(code: string, message: string, path: (string | number)[] = []): RestoreResult {
  return { ok: false, issues: [{ severity: 'error', code, message, path }] };
}

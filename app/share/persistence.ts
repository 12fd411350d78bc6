/**
 * Autosave: the document goes to localStorage after every change (debounced), and comes back on
 * the next visit. What is saved is the document as the person left it, errors included (an
 * invalid edit is kept, never lost), so loading it accepts a document that restores with issues
 * as long as it has the document's shape.
 */
import { restoreScenario } from '../../engine/model/restore.ts';
import type { Scenario } from '../../engine/model/scenario.ts';

export const AUTOSAVE_KEY = 'netplay:autosave';

export function saveNow(doc: Scenario, storage: Storage | undefined = globalThis.localStorage): boolean {
  try {
    storage?.setItem(AUTOSAVE_KEY, JSON.stringify(doc));
    return true;
  } catch {
    return false;
  }
}

/** The autosaved document, or null when there is none (or it cannot be read at all). */
export function loadAutosave(storage: Storage | undefined = globalThis.localStorage): Scenario | null {
  let text: string | null = null;
  try {
    text = storage?.getItem(AUTOSAVE_KEY) ?? null;
  } catch {
    return null;
  }
  if (text === null) return null;
  const r = restoreScenario(text);
  if (r.ok) return r.scenario;
  return draftShape(text);
}

/**
 * A saved draft with errors: restoreScenario refused it, but it is our own document with the
 * document's shape (version, name, lists), so it is loaded as it was and its errors are flagged.
 */
function draftShape(text: string): Scenario | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const lists = ['resources', 'traffic', 'timeline', 'captures', 'decodeAs'].every((k) => Array.isArray(o[k]));
  const resourcesOk = Array.isArray(o.resources) && o.resources.every((r) => typeof r === 'object' && r !== null && typeof (r as Record<string, unknown>).id === 'string');
  if (o.netplay !== 1 || typeof o.name !== 'string' || !lists || !resourcesOk || typeof o.layout !== 'object' || typeof o.settings !== 'object') return null;
  return v as Scenario;
}

/** Calls `save` at most once per `ms` of quiet, and on `flush` (page hide). */
export function debounce<T>(save: (v: T) => void, ms: number): { push(v: T): void; flush(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: { v: T } | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending) save(pending.v);
    pending = undefined;
  };
  return {
    push(v) {
      pending = { v };
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(flush, ms);
    },
    flush,
  };
}

/** A problem found in a scenario document, pointing at the resource and field that cause it. */
export interface ScenarioIssue {
  readonly severity: 'error' | 'warning';
  /** Stable machine code, e.g. "dangling-reference", "duplicate-ip". */
  readonly code: string;
  /** A sentence that names what is wrong and where. */
  readonly message: string;
  /** JSON path into the document, e.g. ["resources", 3, "ipConfigs", 0, "privateIp"]. */
  readonly path: readonly (string | number)[];
  /** The resource (or traffic/capture entry) the issue belongs to, when there is one. */
  readonly resourceId?: string;
  /** The field inside that resource, as a dotted path, e.g. "ipConfigs[0].privateIp". */
  readonly field?: string;
}

export function fieldPath(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

export function formatIssue(i: ScenarioIssue): string {
  const where = i.resourceId ? `${i.resourceId}${i.field ? `.${i.field}` : ''}` : fieldPath(i.path) || 'document';
  return `${i.severity}: ${where}: ${i.message}`;
}

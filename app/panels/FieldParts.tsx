/** Small pieces of the inspector's forms: inline issue messages and field labels. */
import { fieldKey } from '../state/validation.ts';
import type { Path } from '../state/ops/paths.ts';
import { useFieldCtx } from './field-context.ts';

export function inputId(prefix: string, path: Path): string {
  return `${prefix}-${path.join('-')}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The validator's messages for exactly this field, shown next to it. */
export function FieldIssues({ path }: { path: Path }) {
  const ctx = useFieldCtx();
  const list = ctx.issues.get(fieldKey(path));
  if (!list?.length) return null;
  return (
    <ul className="field-issues" id={`${inputId(ctx.idPrefix, path)}-issues`}>
      {list.map((i, k) => (
        <li key={k} className={`field-issue is-${i.severity}`}>
          {i.message}
        </li>
      ))}
    </ul>
  );
}

export function useFieldState(path: Path): { id: string; invalid: boolean; describedBy: string | undefined } {
  const ctx = useFieldCtx();
  const id = inputId(ctx.idPrefix, path);
  const invalid = (ctx.issues.get(fieldKey(path)) ?? []).some((i) => i.severity === 'error');
  const has = (ctx.issues.get(fieldKey(path)) ?? []).length > 0;
  return { id, invalid, describedBy: has ? `${id}-issues` : undefined };
}

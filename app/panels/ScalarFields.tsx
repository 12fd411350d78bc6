/**
 * Inputs for single values. Text and enum edits are written straight into the document (an
 * invalid value is kept and flagged, never lost); a number field keeps what was typed until it
 * reads as a number, and says so meanwhile.
 */
import { memo, useEffect, useState } from 'react';
import { beginGesture, endGesture } from '../state/document-store.ts';
import type { Path } from '../state/ops/paths.ts';
import { REFERENCE_KEYS, RESOURCE_IDS_LIST, useFieldCtx } from './field-context.ts';
import { FieldIssues, useFieldState } from './FieldParts.tsx';
import type { JsonSchema } from './json-schema.ts';

interface ScalarProps {
  schema: JsonSchema;
  value: unknown;
  path: Path;
  label: string;
  required: boolean;
}

const gesture = { onFocus: beginGesture, onBlur: endGesture };

function lastKey(path: Path): string {
  return String([...path].reverse().find((p) => typeof p === 'string') ?? '');
}

export const TextField = memo(function TextField({ value, path, label, required }: ScalarProps) {
  const ctx = useFieldCtx();
  const f = useFieldState(path);
  const text = typeof value === 'string' ? value : value === undefined ? '' : String(value);
  const key = lastKey(path);
  const multiline = key === 'description';
  const common = {
    id: f.id,
    value: text,
    'aria-invalid': f.invalid || undefined,
    'aria-describedby': f.describedBy,
    ...gesture,
    onChange: (e: { target: { value: string } }) => ctx.onChange(path, e.target.value === '' && !required ? undefined : e.target.value),
  };
  return (
    <div className="field">
      <label htmlFor={f.id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={3} />
      ) : (
        <input type="text" spellCheck={false} {...common} {...(REFERENCE_KEYS.has(key) ? { list: RESOURCE_IDS_LIST } : {})} />
      )}
      <FieldIssues path={path} />
    </div>
  );
});

/** The owner's id: renamed on blur or Enter, so every reference follows it. */
export const IdField = memo(function IdField({ value, path, label }: ScalarProps) {
  const ctx = useFieldCtx();
  const f = useFieldState(path);
  const current = typeof value === 'string' ? value : '';
  const [draft, setDraft] = useState(current);
  useEffect(() => setDraft(current), [current]);
  const apply = () => {
    if (draft !== current && draft !== '') ctx.onRenameId?.(draft);
    else setDraft(current);
  };
  return (
    <div className="field">
      <label htmlFor={f.id}>{label}</label>
      <input
        id={f.id}
        type="text"
        spellCheck={false}
        value={draft}
        aria-invalid={f.invalid || undefined}
        aria-describedby={f.describedBy}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => e.key === 'Enter' && apply()}
      />
      <FieldIssues path={path} />
    </div>
  );
});

export const NumberField = memo(function NumberField({ schema, value, path, label, required }: ScalarProps) {
  const ctx = useFieldCtx();
  const f = useFieldState(path);
  const shown = typeof value === 'number' ? String(value) : '';
  const [draft, setDraft] = useState<string | null>(null);
  const bad = draft !== null && draft.trim() !== '' && !Number.isFinite(Number(draft));
  const onChange = (text: string) => {
    const n = Number(text);
    if (text.trim() === '' && !required) {
      setDraft(null);
      ctx.onChange(path, undefined);
    } else if (text.trim() !== '' && Number.isFinite(n)) {
      setDraft(null);
      ctx.onChange(path, n);
    } else setDraft(text);
  };
  const range = [schema.minimum, schema.maximum].every((x) => x !== undefined) ? `${schema.minimum} to ${schema.maximum}` : undefined;
  return (
    <div className="field">
      <label htmlFor={f.id}>{label}</label>
      <input
        id={f.id}
        type="text"
        inputMode="decimal"
        value={draft ?? shown}
        placeholder={schema.default !== undefined ? String(schema.default) : range}
        aria-invalid={f.invalid || bad || undefined}
        aria-describedby={f.describedBy}
        {...gesture}
        onChange={(e) => onChange(e.target.value)}
        onBlur={() => {
          endGesture();
          if (!bad) setDraft(null);
        }}
      />
      {bad && <p className="field-issue is-error">not a number: the document keeps {shown || 'its previous value'} until this reads as one</p>}
      <FieldIssues path={path} />
    </div>
  );
});

export const BooleanField = memo(function BooleanField({ schema, value, path, label }: ScalarProps) {
  const ctx = useFieldCtx();
  const f = useFieldState(path);
  const checked = typeof value === 'boolean' ? value : schema.default === true;
  return (
    <div className="field field-check">
      <input id={f.id} type="checkbox" checked={checked} onChange={(e) => ctx.onChange(path, e.target.checked)} aria-describedby={f.describedBy} />
      <label htmlFor={f.id}>{label}</label>
      <FieldIssues path={path} />
    </div>
  );
});

export const EnumField = memo(function EnumField({ schema, value, path, label, required }: ScalarProps) {
  const ctx = useFieldCtx();
  const f = useFieldState(path);
  const options = schema.enum ?? [];
  const current = value === undefined ? '' : String(value);
  return (
    <div className="field">
      <label htmlFor={f.id}>{label}</label>
      <select
        id={f.id}
        value={current}
        aria-invalid={f.invalid || undefined}
        aria-describedby={f.describedBy}
        onChange={(e) => {
          const raw = e.target.value;
          const picked = options.find((o) => String(o) === raw);
          ctx.onChange(path, raw === '' && !required ? undefined : (picked ?? raw));
        }}
      >
        {(!required || !options.some((o) => String(o) === current)) && <option value="">{current === '' ? '(default)' : current}</option>}
        {options.map((o) => (
          <option key={String(o)} value={String(o)}>
            {String(o)}
          </option>
        ))}
      </select>
      <FieldIssues path={path} />
    </div>
  );
});

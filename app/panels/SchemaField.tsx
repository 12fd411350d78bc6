/** A form field for any part of the document, chosen by its JSON Schema. */
import { memo } from 'react';
import type { Path } from '../state/ops/paths.ts';
import { useFieldCtx } from './field-context.ts';
import { FieldIssues } from './FieldParts.tsx';
import { defaultFor, discriminatorOf, humanize, typeOf, type JsonSchema } from './json-schema.ts';
import { BooleanField, EnumField, IdField, NumberField, TextField } from './ScalarFields.tsx';
import { LINE_LISTS, LinesField } from './LinesField.tsx';

export interface FieldProps {
  schema: JsonSchema;
  value: unknown;
  path: Path;
  label: string;
  required: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const SchemaField = memo(function SchemaField(props: FieldProps) {
  const { schema, path } = props;
  if (path.length === 1 && path[0] === 'id') return <IdField {...props} />;
  switch (typeOf(schema)) {
    case 'object':
      return <ObjectField {...props} />;
    case 'array':
      if (path.length === 1 && LINE_LISTS[String(path[0])] && schema.items && typeOf(schema.items) === 'string') return <LinesField {...props} />;
      return schema.prefixItems ? <TupleField {...props} /> : <ArrayField {...props} />;
    case 'union':
      return <UnionField {...props} />;
    case 'enum':
      return <EnumField {...props} />;
    case 'number':
      return <NumberField {...props} />;
    case 'boolean':
      return <BooleanField {...props} />;
    case 'const':
      return null;
    default:
      return <TextField {...props} />;
  }
});

/** The fields of an object, in schema order; optional fields are shown too (empty = absent). */
export function ObjectFields({ schema, value, path, skip = [] }: { schema: JsonSchema; value: unknown; path: Path; skip?: string[] }) {
  const rec = isRecord(value) ? value : {};
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {})
        .filter(([k]) => !skip.includes(k))
        .map(([k, s]) => (
          <SchemaField key={k} schema={s} value={rec[k]} path={[...path, k]} label={humanize(k)} required={required.has(k)} />
        ))}
    </>
  );
}

const ObjectField = memo(function ObjectField({ schema, value, path, label }: FieldProps) {
  return (
    <fieldset className="group">
      <legend>{label}</legend>
      <FieldIssues path={path} />
      <ObjectFields schema={schema} value={value} path={path} />
    </fieldset>
  );
});

const TupleField = memo(function TupleField({ schema, value, path, label }: FieldProps) {
  const list = Array.isArray(value) ? value : (defaultFor(schema) as unknown[]);
  return (
    <fieldset className="group group-inline">
      <legend>{label}</legend>
      {schema.prefixItems!.map((s, i) => (
        <SchemaField key={i} schema={s} value={list[i]} path={[...path, i]} label={i === 0 ? 'from' : 'to'} required />
      ))}
      <FieldIssues path={path} />
    </fieldset>
  );
});

/** A singular for item labels: "frontends" -> "frontend", "ipConfigs" -> "ipConfig". */
const singular = (label: string) => (/sses$/.test(label) ? label.slice(0, -2) : label.replace(/ies$/, 'y').replace(/s$/, ''));

const ArrayField = memo(function ArrayField({ schema, value, path, label }: FieldProps) {
  const ctx = useFieldCtx();
  const list = Array.isArray(value) ? value : [];
  const item = schema.items && typeof schema.items === 'object' ? schema.items : {};
  const itemLabel = singular(label);
  const scalar = ['string', 'number', 'enum', 'unknown'].includes(typeOf(item));
  const add = () => {
    const fresh = defaultFor(item);
    if (isRecord(fresh) && 'name' in fresh && fresh.name === '') fresh.name = `${itemLabel.toLowerCase().replace(/\s+/g, '')}${list.length + 1}`;
    ctx.onChange(path, [...list, fresh]);
  };
  return (
    <fieldset className="group">
      <legend>
        {label} <span className="count">({list.length})</span>
      </legend>
      <FieldIssues path={path} />
      {list.map((v, i) => (
        <div key={i} className={scalar ? 'array-item array-item-inline' : 'array-item'}>
          <SchemaField schema={item} value={v} path={[...path, i]} label={scalar ? `${itemLabel} ${i + 1}` : `${itemLabel} ${i + 1}${isRecord(v) && typeof v.name === 'string' ? `: ${v.name}` : ''}`} required />
          <button type="button" className="btn-small" aria-label={`Remove ${itemLabel} ${i + 1}`} onClick={() => ctx.onChange(path, list.filter((_, k) => k !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" className="btn-small btn-add" aria-label={`Add ${itemLabel}`} onClick={add}>
        + {itemLabel}
      </button>
    </fieldset>
  );
});

/** A discriminated union (service type, traffic type, timeline action): pick the variant, then its fields. */
const UnionField = memo(function UnionField({ schema, value, path, label }: FieldProps) {
  const ctx = useFieldCtx();
  const disc = discriminatorOf(schema);
  const rec = isRecord(value) ? value : {};
  const variants = schema.oneOf ?? [];
  const current = variants.find((v) => disc !== undefined && v.properties?.[disc]?.const === rec[disc]) ?? variants[0];
  if (!current || disc === undefined) return null;
  const switchTo = (tag: string) => {
    const next = variants.find((v) => String(v.properties?.[disc]?.const) === tag);
    if (!next) return;
    const fresh = defaultFor(next) as Record<string, unknown>;
    const kept = Object.fromEntries(Object.entries(rec).filter(([k]) => k !== disc && k in (next.properties ?? {})));
    ctx.onChange(path, { ...fresh, ...kept, [disc]: next.properties?.[disc]?.const });
  };
  const selectId = `${ctx.idPrefix}-${path.join('-')}-${disc}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    <fieldset className="group">
      <legend>{label}</legend>
      <div className="field">
        <label htmlFor={selectId}>{humanize(disc)}</label>
        <select id={selectId} value={String(rec[disc] ?? '')} onChange={(e) => switchTo(e.target.value)}>
          {variants.map((v) => {
            const tag = String(v.properties?.[disc]?.const);
            return (
              <option key={tag} value={tag}>
                {tag}
              </option>
            );
          })}
        </select>
        {current.description && <p className="field-help">{current.description}</p>}
      </div>
      <FieldIssues path={path} />
      <ObjectFields schema={current} value={value} path={path} skip={[disc]} />
    </fieldset>
  );
});

/**
 * A list of strings edited as text, one item per line, in a monospace textarea: a Linux router's
 * iptables rules and routes, an NVA's firewall rules. Blank lines are left out of the document;
 * the validator's messages about item j (path [..., j]) are shown at the line that holds it: a
 * marker in the line-number gutter and the message under the box, named by its line.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { beginGesture, endGesture } from '../state/document-store.ts';
import { fieldKey } from '../state/validation.ts';
import { useFieldCtx } from './field-context.ts';
import { FieldIssues, useFieldState } from './FieldParts.tsx';
import type { FieldProps } from './SchemaField.tsx';
import './lines-field.css';

/** Which string lists are edited as lines, and how the box is labelled. */
export const LINE_LISTS: Readonly<Record<string, string>> = {
  iptables: 'iptables rules, one per line',
  routes: 'Routes, one per line (ip route syntax)',
  firewall: 'Firewall rules, one per line (iptables syntax)',
};

const toLines = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/** The document's items from the text: one per non-blank line, trimmed. */
export function itemsOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** For each item, the 0-based line of the text it came from. */
export function lineOfItems(text: string): number[] {
  const out: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() !== '') out.push(i);
  });
  return out;
}

export const LinesField = memo(function LinesField({ schema, value, path, label }: FieldProps) {
  const ctx = useFieldCtx();
  const f = useFieldState(path);
  const items = toLines(value);
  const [draft, setDraft] = useState(() => items.join('\n'));
  // An edit from elsewhere (undo, paste, another form) replaces the draft; our own edits do not.
  const joined = items.join('\n');
  useEffect(() => {
    setDraft((d) => (itemsOf(d).join('\n') === joined ? d : joined));
  }, [joined]);
  const lines = draft.split('\n');
  const lineOf = useMemo(() => lineOfItems(draft), [draft]);
  const problems = useMemo(() => {
    const out: { line: number; item: number; message: string; severity: string }[] = [];
    items.forEach((_, j) => {
      for (const i of ctx.issues.get(fieldKey([...path, j])) ?? []) out.push({ line: lineOf[j] ?? j, item: j, message: i.message, severity: i.severity });
    });
    return out;
  }, [ctx.issues, items, lineOf, path]);
  const badLines = new Map(problems.map((p) => [p.line, p]));
  const gutter = useRef<HTMLDivElement>(null);
  const listId = `${f.id}-lines`;
  const title = LINE_LISTS[String(path[path.length - 1])] ?? label;
  const invalid = f.invalid || problems.some((p) => p.severity === 'error');
  return (
    <div className="field lines-field">
      <label htmlFor={f.id}>{title}</label>
      {schema.description && <p className="field-help">{schema.description}</p>}
      <div className="lines-box">
        <div className="lines-gutter mono" ref={gutter} aria-hidden="true">
          {lines.map((_, i) => {
            const p = badLines.get(i);
            return (
              <div key={i} className={p ? `lines-n is-${p.severity}` : 'lines-n'} title={p?.message}>
                {p ? '!' : ''}
                {i + 1}
              </div>
            );
          })}
        </div>
        <textarea
          id={f.id}
          className="mono lines-text"
          value={draft}
          rows={Math.min(16, Math.max(3, lines.length + 1))}
          wrap="off"
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          aria-invalid={invalid || undefined}
          aria-describedby={[f.describedBy, problems.length ? listId : undefined].filter(Boolean).join(' ') || undefined}
          onFocus={beginGesture}
          onBlur={endGesture}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
          onChange={(e) => {
            setDraft(e.target.value);
            ctx.onChange(path, itemsOf(e.target.value));
          }}
        />
      </div>
      {problems.length > 0 && (
        <ul className="field-issues lines-issues" id={listId} aria-label={`Problems in ${title}`}>
          {problems.map((p, k) => (
            <li key={k} className={`field-issue is-${p.severity}`}>
              <span className="mono">line {p.line + 1}</span> <code className="lines-quote">{items[p.item]}</code>: {p.message}
            </li>
          ))}
        </ul>
      )}
      <FieldIssues path={path} />
    </div>
  );
});

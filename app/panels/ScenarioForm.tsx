/** The scenario's own fields (name, description, settings, traffic, captures, timeline, decode-as). */
import { memo, useMemo } from 'react';
import { edit, useDocumentStore } from '../state/document-store.ts';
import { setIn, type Path } from '../state/ops/paths.ts';
import { issuesUnder, useValidation } from '../state/validation.ts';
import { FieldCtx, type FieldContext } from './field-context.ts';
import { scenarioSchema } from './json-schema.ts';
import { ObjectFields } from './SchemaField.tsx';

export const ScenarioForm = memo(function ScenarioForm() {
  const doc = useDocumentStore((s) => s.doc);
  const v = useValidation();
  const issues = useMemo(() => issuesUnder(v, []), [v]);
  const ctx = useMemo<FieldContext>(
    () => ({
      issues,
      idPrefix: 'scenario',
      onChange: (path: Path, value: unknown) => edit((d) => setIn(d, path, value)),
    }),
    [issues],
  );
  return (
    <FieldCtx.Provider value={ctx}>
      <section className="form" aria-label="Scenario">
        <h3 className="form-title">Scenario</h3>
        <p className="form-help">Select a resource on the canvas to edit it. Traffic generators and capture points live here.</p>
        <ObjectFields schema={scenarioSchema()} value={doc} path={[]} />
      </section>
    </FieldCtx.Provider>
  );
});

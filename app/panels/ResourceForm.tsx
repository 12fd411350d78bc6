/** The inspector's form for one resource, generated from its kind's schema. */
import { memo, useMemo, type ReactNode } from 'react';
import type { Resource } from '../../engine/model/scenario.ts';
import { edit, useDocumentStore } from '../state/document-store.ts';
import { renameId } from '../state/ops/rename.ts';
import { setIn, type Path } from '../state/ops/paths.ts';
import { issuesUnder, useValidation } from '../state/validation.ts';
import { select, useViewStore } from '../state/view-store.ts';
import { FieldCtx, type FieldContext } from './field-context.ts';
import { FieldIssues } from './FieldParts.tsx';
import { resourceSchema } from './json-schema.ts';
import { ObjectFields } from './SchemaField.tsx';

const KIND_LABEL: Record<Resource['kind'], string> = {
  vnet: 'Virtual network',
  subnet: 'Subnet',
  vm: 'Virtual machine',
  nic: 'Network interface',
  publicIp: 'Public IP',
  publicIpPrefix: 'Public IP prefix',
  internetHost: 'Internet host',
  loadBalancer: 'Load balancer',
  natGateway: 'NAT gateway',
  awsNatGateway: 'AWS NAT gateway',
  gcpCloudNat: 'GCP Cloud NAT',
  nva: 'Network virtual appliance',
  routeTable: 'Route table',
  linuxRouter: 'Linux router',
};

export const ResourceForm = memo(function ResourceForm({ resourceId, nested = false, intro }: { resourceId: string; nested?: boolean; intro?: ReactNode }) {
  const index = useDocumentStore((s) => s.doc.resources.findIndex((r) => r.id === resourceId));
  const resource = useDocumentStore((s) => s.doc.resources[index]);
  const v = useValidation();
  const issues = useMemo(() => issuesUnder(v, ['resources', index]), [v, index]);
  const ctx = useMemo<FieldContext>(
    () => ({
      issues,
      idPrefix: `res-${resourceId}`,
      onChange: (path: Path, value: unknown) => edit((doc) => setIn(doc, ['resources', index, ...path], value)),
      onRenameId: (to: string) => {
        edit((doc) => renameId(doc, resourceId, to));
        const sel = useViewStore.getState().selection;
        if (sel.includes(resourceId)) select(sel.map((id) => (id === resourceId ? to : id)));
      },
    }),
    [issues, index, resourceId],
  );
  if (!resource) return null;
  const schema = resourceSchema(resource.kind);
  const Heading = nested ? 'h4' : 'h3';
  return (
    <FieldCtx.Provider value={ctx}>
      <section className="form" aria-label={`${KIND_LABEL[resource.kind]} ${resource.name}`}>
        <Heading className="form-title">
          {KIND_LABEL[resource.kind]}: {resource.name}
        </Heading>
        <FieldIssues path={[]} />
        {intro}
        <ObjectFields schema={schema} value={resource} path={[]} skip={['kind']} />
      </section>
    </FieldCtx.Provider>
  );
});

/**
 * The inspector's "NAT behaviour" section for a NAT resource (Azure NAT gateway, load balancer
 * SNAT, AWS NAT gateway, GCP Cloud NAT): its RFC 4787 mapping and filtering behaviour as the
 * document configures it, and what that means for the traffic (engine/net/nat-behaviour.ts).
 */
import { memo } from 'react';
import { mappingBehaviourOfResource } from '../../../engine/net/nat-behaviour.ts';
import type { Resource } from '../../../engine/model/scenario.ts';
import './snat.css';

export const NatBehaviourSection = memo(function NatBehaviourSection({ resource }: { resource: Resource }) {
  const b = mappingBehaviourOfResource(resource);
  if (!b) return null;
  return (
    <section className="form nat-behaviour" aria-label="NAT behaviour">
      <h3 className="form-title">NAT behaviour (RFC 4787)</h3>
      <p>
        Mapping: <strong>{b.mapping}</strong> · filtering: <strong>{b.filtering}</strong>
      </p>
      <p className="panel-note">{b.explanation}</p>
    </section>
  );
});

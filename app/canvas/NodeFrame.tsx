/** The shared frame of a resource node: icon, name, a subtitle, an error badge. */
import type { ReactNode } from 'react';
import { Icon, type IconName } from './icons.tsx';

export function NodeHeader({ icon, name, sub, errors }: { icon: IconName; name: string; sub?: string; errors: number }) {
  return (
    <div className="node-header">
      <Icon name={icon} />
      <span className="node-name" title={name}>
        {name}
      </span>
      {errors > 0 && (
        <span className="node-badge" title={`${errors} problem${errors > 1 ? 's' : ''}: see the inspector`}>
          {errors}
        </span>
      )}
      {sub !== undefined && <span className="node-sub">{sub}</span>}
    </div>
  );
}

export function NodeBox({ kind, selected, children }: { kind: string; selected: boolean; children: ReactNode }) {
  return <div className={`node node-${kind}${selected ? ' is-selected' : ''}`}>{children}</div>;
}

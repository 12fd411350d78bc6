import { createContext, useContext } from 'react';
import type { ScenarioIssue } from '../../engine/model/issues.ts';
import type { Path } from '../state/ops/paths.ts';

/** What every field of one form shares: its issues and how to write a value back. */
export interface FieldContext {
  /** Issues of the form's owner, keyed by dotted field path ("ipConfigs[0].privateIp"). */
  readonly issues: ReadonlyMap<string, ScenarioIssue[]>;
  /** Writes a value at a path relative to the owner; `undefined` removes an optional field. */
  readonly onChange: (path: Path, value: unknown) => void;
  /** Renames the owner's id (rewriting every reference to it). */
  readonly onRenameId?: (to: string) => void;
  /** A prefix that makes input ids unique on the page. */
  readonly idPrefix: string;
}

export const FieldCtx = createContext<FieldContext | null>(null);

export function useFieldCtx(): FieldContext {
  const ctx = useContext(FieldCtx);
  if (!ctx) throw new Error('a field is rendered outside a form');
  return ctx;
}

/** Fields that name other resources get the list of ids as suggestions. */
export const REFERENCE_KEYS = new Set(['vnet', 'subnet', 'vm', 'publicIp', 'publicIpPrefix', 'natGateway', 'from', 'node', 'host', 'publicIps', 'publicIpPrefixes', 'natIps']);
export const RESOURCE_IDS_LIST = 'resource-ids';

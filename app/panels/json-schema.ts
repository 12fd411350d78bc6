/**
 * The inspector's forms are generated from the engine's own zod schemas (as JSON Schema), so that
 * every field of the document can be edited and a field added to the model shows up without
 * touching the app. This file holds the subset of JSON Schema the forms read, and helpers.
 */
import { z } from 'zod';
import { RESOURCE_SCHEMAS, ScenarioSchema, type ResourceKind } from '../../engine/model/scenario.ts';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  enum?: (string | number)[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
}

const cache = new Map<string, JsonSchema>();

function convert(key: string, schema: z.ZodType): JsonSchema {
  const hit = cache.get(key);
  if (hit) return hit;
  const js = normalize(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  cache.set(key, js);
  return js;
}

export function resourceSchema(kind: ResourceKind): JsonSchema {
  return convert(kind, RESOURCE_SCHEMAS[kind]);
}

/** The scenario's own fields: everything but its resources and layout (edited on the canvas). */
export function scenarioSchema(): JsonSchema {
  return convert('__scenario', ScenarioSchema.omit({ resources: true, layout: true, netplay: true }));
}

/** Flattens `allOf` (zod's `.and`) into one object schema, or a `oneOf` of merged variants. */
export function normalize(s: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...s };
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, normalize(v)]));
  if (s.items && typeof s.items === 'object') out.items = normalize(s.items);
  if (s.oneOf) out.oneOf = s.oneOf.map(normalize);
  if (s.anyOf) out.oneOf = s.anyOf.map(normalize);
  if (!s.allOf) return out;
  const parts = s.allOf.map(normalize);
  const union = parts.find((p) => p.oneOf);
  const plain = parts.filter((p) => !p.oneOf);
  const merge = (a: JsonSchema, b: JsonSchema): JsonSchema => ({
    type: 'object',
    properties: { ...a.properties, ...b.properties },
    required: [...(a.required ?? []), ...(b.required ?? [])],
  });
  const base = plain.reduce(merge, { type: 'object', properties: {}, required: [] });
  return union ? { oneOf: union.oneOf!.map((v) => merge(base, v)) } : base;
}

export function typeOf(s: JsonSchema): string {
  if (s.oneOf) return 'union';
  if (s.const !== undefined) return 'const';
  if (s.enum) return 'enum';
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (t === 'integer') return 'number';
  return t ?? (s.properties ? 'object' : 'unknown');
}

/** The property whose `const` tells the variants of a union apart (e.g. "type", "action"). */
export function discriminatorOf(s: JsonSchema): string | undefined {
  const first = s.oneOf?.[0]?.properties;
  if (!first) return undefined;
  return Object.keys(first).find((k) => s.oneOf!.every((v) => v.properties?.[k]?.const !== undefined));
}

/** A fresh value for a schema: defaults where given, otherwise the simplest valid-looking value. */
export function defaultFor(s: JsonSchema): unknown {
  if (s.default !== undefined) return structuredClone(s.default);
  switch (typeOf(s)) {
    case 'union':
      return defaultFor(s.oneOf![0]!);
    case 'const':
      return s.const;
    case 'enum':
      return s.enum![0];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = defaultFor(s.properties?.[k] ?? {});
      return out;
    }
    case 'array':
      return s.prefixItems ? s.prefixItems.map(defaultFor) : [];
    case 'number':
      return s.minimum ?? 0;
    case 'boolean':
      return false;
    default:
      return '';
  }
}

/** "addressPrefix" -> "Address prefix"; known acronyms kept. */
export function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/Ip\b/g, 'IP').replace(/Ips\b/g, 'IPs').toLowerCase();
  return (words[0]?.toUpperCase() ?? '') + words.slice(1).replace(/\bip\b/g, 'IP').replace(/\bips\b/g, 'IPs').replace(/\bvnet\b/g, 'VNet').replace(/\bnic\b/g, 'NIC').replace(/\bha\b/g, 'HA').replace(/\btcp\b/g, 'TCP').replace(/\barp\b/g, 'ARP');
}

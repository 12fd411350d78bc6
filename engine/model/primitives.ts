/**
 * Building blocks of the scenario document's schema. Addresses stay strings in the document
 * (people read and type them); the engine turns them into numbers when it builds its graph.
 */
import { z } from 'zod';
import { IPV4_PATTERN, parseCidr } from '../wire/addr.ts';

/** A resource id: unique in the document, used by references. */
export const Id = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'an id starts with a letter and holds only letters, digits, _ . - (64 at most)');

/** A reference to a resource by id. */
export const Ref = z.string().min(1, 'a reference names a resource id');

/**
 * A reference to a named part of a resource: "lb1/frontend1", "lb1/pool1". The part kind is
 * implied by the field that holds it (a frontend field names a frontend, and so on).
 */
export const SubRef = z
  .string()
  .regex(/^[^/\s]+\/[^/\s]+$/, 'a part reference is written "resourceId/partName", e.g. "lb1/frontend1"');

export const Name = z.string().min(1).max(80);

export const Ipv4 = z.string().regex(IPV4_PATTERN, 'not an IPv4 address (e.g. 10.0.0.4)');

/** The dotted quad of IPV4_PATTERN (without its anchors), a slash and a prefix length 0-32. */
const CIDR_PATTERN = new RegExp(`^${IPV4_PATTERN.source.slice(1, -1)}/(3[0-2]|[12]?\\d)$`);

export const Cidr = z.string().regex(CIDR_PATTERN, 'not an IPv4 prefix (e.g. 10.0.0.0/24)').refine((s) => parseCidr(s) !== null, {
  message: 'not an IPv4 prefix with zero host bits (e.g. 10.0.0.0/24)',
});

export const Port = z.number().int().min(0).max(65535);
export const PortNonZero = z.number().int().min(1).max(65535);

/** A free-form description, shown as text (never as HTML). */
export const Description = z.string().max(4000);

export const Point = z.object({ x: z.number(), y: z.number() }).strict();

export function splitSubRef(ref: string): [string, string] {
  const i = ref.indexOf('/');
  return [ref.slice(0, i), ref.slice(i + 1)];
}

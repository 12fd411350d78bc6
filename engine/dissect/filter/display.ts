/**
 * Display filters, part 3: the syntax tree becomes one closure per node, so testing a frame is a
 * few Map lookups and comparisons (no tree walk, no allocation for the common cases).
 *
 * Semantics (Wireshark 4.0, checked with tshark 4.0.17; see README.md):
 * - A field may occur many times in a frame (ip.addr twice per IP layer, and again for a VXLAN
 *   inner packet). `==`, `<`, `contains`, `matches`, `~=` and `in` hold when ANY occurrence holds.
 * - `!=` is "all not equal" (since Wireshark 3.6): the field is present and no occurrence equals.
 *   `===` is "all equal". A comparison on an absent field is false, so `ip.addr != 1.2.3.4`
 *   does not match ARP.
 */
import type { Field } from '../types.ts';
import { FilterSyntaxError, Parser, tokenize, type FieldRef, type FilterError, type Literal, type Node, type RelOp, type SetItem } from './display-parse.ts';
import { PROTOCOL_MARKERS, TYPE_NAMES } from './registry.ts';
import { bytesContain, latin1, utf8Bytes } from './literals.ts';
import { classOf, compareNorm, convertBytes, convertLiteral, equalsValue, normalizer, plain, type Norm, type Value } from './display-values.ts';

export type FieldMap = ReadonlyMap<string, readonly Field[]>;
type Test = (m: FieldMap) => boolean;
type Pred = (n: Norm) => boolean;

export interface DisplayFilter {
  readonly text: string;
  /**
   * Every field name the filter can read (protocol names expanded to their marker fields). A map
   * holding only these names (`fieldsByName(d, filter.fields)`) gives the same result as the full one.
   */
  readonly fields: readonly string[];
  test(fields: FieldMap): boolean;
}

export type DisplayFilterResult = { ok: true; filter: DisplayFilter } | { ok: false; error: FilterError };

/** Compiles Wireshark display-filter text. The empty filter (only spaces) matches every frame. */
export function compileDisplayFilter(text: string): DisplayFilterResult {
  try {
    if (text.trim() === '') return { ok: true, filter: { text, fields: [], test: () => true } };
    const tree = new Parser(tokenize(text)).parse();
    const test = compile(tree);
    const fields = new Set<string>();
    referencedNames(tree, fields);
    return { ok: true, filter: { text, fields: [...fields], test } };
  } catch (e) {
    if (e instanceof FilterSyntaxError) return { ok: false, error: e.error };
    // A bug here must not break the filter bar: report it as an error on the whole text.
    return { ok: false, error: { message: `Internal error: ${e instanceof Error ? e.message : String(e)}`, offset: 0, length: text.length } };
  }
}

function referencedNames(n: Node, out: Set<string>): void {
  switch (n.k) {
    case 'or': case 'and': case 'xor': referencedNames(n.a, out); referencedNames(n.b, out); return;
    case 'not': referencedNames(n.e, out); return;
    case 'field': out.add(n.ref.name); return;
    case 'protocol': for (const k of PROTOCOL_MARKERS.get(n.name) ?? []) out.add(k); return;
    case 'cmp': out.add(n.left.name); if ('name' in n.right) out.add(n.right.name); return;
    case 'in': out.add(n.left.name); return;
  }
}

function compile(n: Node): Test {
  switch (n.k) {
    case 'or': { const a = compile(n.a); const b = compile(n.b); return (m) => a(m) || b(m); }
    case 'and': { const a = compile(n.a); const b = compile(n.b); return (m) => a(m) && b(m); }
    case 'xor': { const a = compile(n.a); const b = compile(n.b); return (m) => a(m) !== b(m); }
    case 'not': { const e = compile(n.e); return (m) => !e(m); }
    case 'field': { const name = n.ref.name; return (m) => (m.get(name)?.length ?? 0) > 0; }
    case 'protocol': return protocolTest(n.name);
    case 'cmp': return 'name' in n.right ? compileFieldPair(n.op, n.opText, n.left, n.right) : compileCompare(n.op, n.opText, n.left, n.right);
    case 'in': return compileSet(n.left, n.items);
  }
}

function protocolTest(name: string): Test {
  const markers = PROTOCOL_MARKERS.get(name) ?? [];
  return (m) => {
    for (const k of markers) if ((m.get(k)?.length ?? 0) > 0) return true;
    return false;
  };
}

const typeError = (ref: FieldRef, opText: string): FilterSyntaxError =>
  new FilterSyntaxError({ message: `${ref.name} (type=${TYPE_NAMES[ref.type]}) cannot participate in ${opText} comparison.`, offset: ref.offset, length: ref.length });

/** Applies a per-value predicate with the operator's quantifier. */
function quantify(name: string, norm: (v: Field['value']) => Norm, pred: Pred, all: boolean): Test {
  if (all) {
    return (m) => {
      const list = m.get(name);
      if (!list || list.length === 0) return false;
      for (const f of list) if (!pred(norm(f.value))) return false;
      return true;
    };
  }
  return (m) => {
    const list = m.get(name);
    if (!list) return false;
    for (const f of list) if (pred(norm(f.value))) return true;
    return false;
  };
}

function compileCompare(op: RelOp, opText: string, left: FieldRef, lit: Literal): Test {
  const cls = classOf(left.type);
  if (cls === 'none') throw typeError(left, opText);
  const norm = normalizer(cls);
  if (op === 'contains') return quantify(left.name, norm, containsPred(left, opText, lit), false);
  if (op === 'matches') return quantify(left.name, normalizer('string'), matchesPred(left, opText, lit), false);
  const value = convertLiteral(left.name, left.type, lit);
  if (op === 'any_eq' || op === 'all_eq' || op === 'all_ne' || op === 'any_ne') {
    const eq = fastEquals(value) ?? ((n: Norm) => equalsValue(n, value));
    const pred: Pred = op === 'any_eq' || op === 'all_eq' ? eq : (n) => !eq(n);
    if (value.c === 'ipv4' && value.text !== null) {
      // Fast path: the dissector writes canonical dotted quads, so equality is string equality.
      const text = value.text;
      const want = op === 'any_eq' || op === 'all_eq';
      return quantifyRaw(left.name, (v) => (typeof v === 'string' ? v === text : equalsValue(norm(v), value)) === want, op === 'all_eq' || op === 'all_ne');
    }
    return quantify(left.name, norm, pred, op === 'all_eq' || op === 'all_ne');
  }
  const ref = plain(value);
  const order = orderPred(op, ref);
  return quantify(left.name, norm, order, false);
}

function quantifyRaw(name: string, pred: (v: Field['value']) => boolean, all: boolean): Test {
  return quantify(name, (v) => (pred(v) ? 1 : 0), (n) => n === 1, all);
}

function fastEquals(value: Value): Pred | undefined {
  if (value.c === 'num') { const v = value.v; return (n) => n === v; }
  return undefined;
}

function orderPred(op: RelOp, ref: number | Uint8Array | string): Pred {
  switch (op) {
    case 'lt': return (n) => n !== null && compareNorm(n, ref) < 0;
    case 'gt': return (n) => n !== null && compareNorm(n, ref) > 0;
    case 'le': return (n) => n !== null && compareNorm(n, ref) <= 0;
    default: return (n) => n !== null && compareNorm(n, ref) >= 0;
  }
}

function containsPred(left: FieldRef, opText: string, lit: Literal): Pred {
  const cls = classOf(left.type);
  if (cls === 'string') {
    const s = lit.text;
    return (n) => typeof n === 'string' && n.includes(s);
  }
  if (cls !== 'bytes') throw typeError(left, opText);
  const needle = convertBytes(lit);
  return (n) => n instanceof Uint8Array && bytesContain(n, needle);
}

function matchesPred(left: FieldRef, opText: string, lit: Literal): Pred {
  const cls = classOf(left.type);
  if (cls !== 'string' && cls !== 'bytes') throw typeError(left, opText);
  let re: RegExp;
  try {
    // Wireshark matches case-insensitively by default (PCRE2 with CASELESS); JS syntax otherwise.
    re = new RegExp(lit.text, 'i');
  } catch (e) {
    throw new FilterSyntaxError({ message: `Regex compilation error: ${e instanceof Error ? e.message : String(e)}.`, offset: lit.offset, length: lit.length });
  }
  // A MAC-valued field is text in the dissector; match its bytes (as Wireshark does for FT_ETHER).
  return (n) => typeof n === 'string' && re.test(left.type === 'ether' && /^[0-9a-f:]+$/.test(n) ? latin1(convertMacText(n)) : n);
}

function convertMacText(s: string): Uint8Array {
  const parts = s.split(':');
  return Uint8Array.from(parts.map((p) => parseInt(p, 16) || 0));
}

/** Field against field (`ip.src == ip.dst`): any pair for ==, <, ...; every pair for != and ===. */
function compileFieldPair(op: RelOp, opText: string, left: FieldRef, right: FieldRef): Test {
  const lc = classOf(left.type);
  const rc = classOf(right.type);
  if (lc === 'none') throw typeError(left, opText);
  if (lc !== rc || op === 'matches' || (op === 'contains' && lc !== 'bytes' && lc !== 'string')) {
    throw new FilterSyntaxError({
      message: `${left.name} and ${right.name} are not of compatible types.`,
      offset: left.offset, length: right.offset + right.length - left.offset,
    });
  }
  const norm = normalizer(lc);
  const rel = pairRelation(op);
  const all = op === 'all_eq' || op === 'all_ne';
  return (m) => {
    const a = m.get(left.name);
    const b = m.get(right.name);
    if (!a || !b || a.length === 0 || b.length === 0) return false;
    for (const x of a) {
      const nx = norm(x.value);
      for (const y of b) {
        const ny = norm(y.value);
        const r = nx !== null && ny !== null && rel(nx, ny);
        if (all && !r) return false;
        if (!all && r) return true;
      }
    }
    return all;
  };
}

function pairRelation(op: RelOp): (a: number | Uint8Array | string, b: number | Uint8Array | string) => boolean {
  switch (op) {
    case 'any_eq': case 'all_eq': return (a, b) => compareNorm(a, b) === 0;
    case 'all_ne': case 'any_ne': return (a, b) => compareNorm(a, b) !== 0;
    case 'lt': return (a, b) => compareNorm(a, b) < 0;
    case 'gt': return (a, b) => compareNorm(a, b) > 0;
    case 'le': return (a, b) => compareNorm(a, b) <= 0;
    case 'ge': return (a, b) => compareNorm(a, b) >= 0;
    default: return (a, b) => (typeof a === 'string' && typeof b === 'string' ? a.includes(b)
      : a instanceof Uint8Array && b instanceof Uint8Array ? bytesContain(a, b)
        : a instanceof Uint8Array && typeof b === 'string' ? bytesContain(a, utf8Bytes(b)) : false);
  }
}

/** `tcp.port in {80, 443, 8000..8080}`: any occurrence equal to an item or inside a range. */
function compileSet(left: FieldRef, items: SetItem[]): Test {
  const cls = classOf(left.type);
  if (cls === 'none') throw typeError(left, 'in');
  const preds: Pred[] = items.map((it) => {
    const lo = convertLiteral(left.name, left.type, it.lo);
    if (!it.hi) return (n: Norm) => equalsValue(n, lo);
    const hi = convertLiteral(left.name, left.type, it.hi);
    const a = plain(lo);
    const b = plain(hi);
    return (n: Norm) => n !== null && compareNorm(n, a) >= 0 && compareNorm(n, b) <= 0;
  });
  return quantify(left.name, normalizer(cls), (n) => preds.some((p) => p(n)), false);
}

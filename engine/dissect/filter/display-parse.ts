/**
 * Display filters, part 1: text -> tokens -> syntax tree, with every node's position so errors
 * can point at the text (Wireshark underlines the offending token with ^~~~). Names are resolved
 * here against the registry, so an unknown name is reported where it is written.
 *
 * Grammar (lowest precedence first; Wireshark 4.0's, plus xor from 4.2):
 *   expr    := xorExpr (('or' | '||') xorExpr)*
 *   xorExpr := andExpr (('xor' | '^^') andExpr)*
 *   andExpr := unary (('and' | '&&') unary)*
 *   unary   := ('not' | '!') unary | '(' expr ')' | test
 *   test    := entity [relop value | 'in' '{' item (','? item)* '}']
 *   relop   := == eq any_eq | != ne all_ne | === all_eq | ~= any_ne | < lt | > gt | <= le | >= ge
 *            | contains | matches | ~
 *   item    := value | value '..' value
 */
import { lookupName, type FieldType } from './registry.ts';

export interface FilterError {
  message: string;
  offset: number;
  length: number;
}

export class FilterSyntaxError extends Error {
  constructor(readonly error: FilterError) {
    super(error.message);
  }
}

type TokenKind = 'word' | 'string' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The word, the punctuation, or a string's decoded contents. */
  text: string;
  offset: number;
  length: number;
}

export type RelOp = 'any_eq' | 'all_ne' | 'all_eq' | 'any_ne' | 'lt' | 'gt' | 'le' | 'ge' | 'contains' | 'matches';

const OPERATORS: ReadonlyMap<string, RelOp> = new Map<string, RelOp>([
  ['==', 'any_eq'], ['eq', 'any_eq'], ['any_eq', 'any_eq'], ['!=', 'all_ne'], ['ne', 'all_ne'], ['all_ne', 'all_ne'],
  ['===', 'all_eq'], ['all_eq', 'all_eq'], ['~=', 'any_ne'], ['any_ne', 'any_ne'], ['<', 'lt'], ['lt', 'lt'],
  ['>', 'gt'], ['gt', 'gt'], ['<=', 'le'], ['le', 'le'], ['>=', 'ge'], ['ge', 'ge'], ['contains', 'contains'],
  ['matches', 'matches'], ['~', 'matches'],
]);

/** A value as written: a word (number, address, byte string, named value) or a quoted string. */
export interface Literal {
  text: string;
  quoted: boolean;
  offset: number;
  length: number;
}

export interface FieldRef {
  name: string;
  type: FieldType;
  offset: number;
  length: number;
}

export type SetItem = { lo: Literal; hi?: Literal };

export type Node =
  | { k: 'or' | 'and' | 'xor'; a: Node; b: Node }
  | { k: 'not'; e: Node }
  | { k: 'field'; ref: FieldRef }
  | { k: 'protocol'; name: string }
  | { k: 'cmp'; op: RelOp; opText: string; opOffset: number; left: FieldRef; right: FieldRef | Literal }
  | { k: 'in'; left: FieldRef; items: SetItem[] };

const WORD_CHAR = /[A-Za-z0-9_.:/\-]/;
const PUNCT = ['===', '==', '!=', '~=', '<=', '>=', '&&', '||', '^^', '<', '>', '!', '~', '(', ')', '{', '}', ',', '='];

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '"') { i = lexString(text, i, out); continue; }
    if (WORD_CHAR.test(c)) {
      let j = i + 1;
      while (j < text.length && WORD_CHAR.test(text[j]!)) j++;
      out.push({ kind: 'word', text: text.slice(i, j), offset: i, length: j - i });
      i = j;
      continue;
    }
    const p = PUNCT.find((q) => text.startsWith(q, i));
    if (p === undefined) throw new FilterSyntaxError({ message: `"${c}" was unexpected in this context.`, offset: i, length: 1 });
    out.push({ kind: 'punct', text: p, offset: i, length: p.length });
    i += p.length;
  }
  out.push({ kind: 'eof', text: '', offset: text.length, length: 0 });
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

function lexString(text: string, start: number, out: Token[]): number {
  let s = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      out.push({ kind: 'string', text: s, offset: start, length: i + 1 - start });
      return i + 1;
    }
    if (c === '\\' && i + 1 < text.length) {
      const e = text[i + 1]!;
      const hex = e === 'x' ? /^[0-9a-fA-F]{2}/.exec(text.slice(i + 2)) : null;
      const oct = /^[0-7]{3}/.exec(text.slice(i + 1));
      if (hex) { s += String.fromCharCode(parseInt(hex[0], 16)); i += 4; continue; }
      if (oct) { s += String.fromCharCode(parseInt(oct[0], 8) & 255); i += 4; continue; }
      s += ESCAPES[e] ?? e;
      i += 2;
      continue;
    }
    s += c;
    i++;
  }
  throw new FilterSyntaxError({ message: 'The final quote was missing from a quoted string.', offset: start, length: 1 });
}

/** Looks like a field name (so an unknown one is "neither a field nor a protocol name"). */
const NAME_LIKE = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;

export class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const n = this.orExpr();
    this.expect('eof');
    return n;
  }

  private peek(): Token { return this.tokens[this.pos]!; }
  private next(): Token { return this.tokens[this.pos++]!; }

  private is(...words: string[]): boolean {
    const t = this.peek();
    return (t.kind === 'word' || t.kind === 'punct') && words.includes(t.text);
  }

  private expect(kind: TokenKind, text?: string): Token {
    const t = this.peek();
    if (t.kind !== kind || (text !== undefined && t.text !== text)) throw unexpected(t);
    return this.next();
  }

  private orExpr(): Node {
    let a = this.xorExpr();
    while (this.is('or', '||')) { this.next(); a = { k: 'or', a, b: this.xorExpr() }; }
    return a;
  }

  private xorExpr(): Node {
    let a = this.andExpr();
    while (this.is('xor', '^^')) { this.next(); a = { k: 'xor', a, b: this.andExpr() }; }
    return a;
  }

  private andExpr(): Node {
    let a = this.unary();
    while (this.is('and', '&&')) { this.next(); a = { k: 'and', a, b: this.unary() }; }
    return a;
  }

  private unary(): Node {
    if (this.is('not', '!')) { this.next(); return { k: 'not', e: this.unary() }; }
    if (this.is('(')) {
      this.next();
      const e = this.orExpr();
      this.expect('punct', ')');
      return e;
    }
    return this.test();
  }

  private test(): Node {
    const t = this.next();
    if (t.kind === 'eof') throw unexpected(t);
    if (t.kind === 'punct' || (t.kind === 'word' && KEYWORDS.has(t.text))) throw unexpected(t);
    const opTok = this.peek();
    const op = opTok.kind !== 'eof' && opTok.kind !== 'string' ? OPERATORS.get(opTok.text) : undefined;
    if (op !== undefined) {
      const left = this.leftField(t, opTok.text);
      this.next();
      return { k: 'cmp', op, opText: opTok.text, opOffset: opTok.offset, left, right: this.value() };
    }
    if (this.is('in')) {
      const left = this.leftField(t, 'in');
      this.next();
      return { k: 'in', left, items: this.set() };
    }
    const name = lookupName(t.text);
    if (t.kind === 'word' && name.kind === 'field') return { k: 'field', ref: { name: t.text, type: name.type, offset: t.offset, length: t.length } };
    if (t.kind === 'word' && name.kind === 'protocol') return { k: 'protocol', name: t.text };
    throw new FilterSyntaxError({ message: `"${t.text}" is neither a field nor a protocol name.`, offset: t.offset, length: t.length });
  }

  private leftField(t: Token, opText: string): FieldRef {
    const name = t.kind === 'word' ? lookupName(t.text) : undefined;
    if (name?.kind === 'field') return { name: t.text, type: name.type, offset: t.offset, length: t.length };
    if (name?.kind === 'protocol') {
      throw new FilterSyntaxError({ message: `The protocol "${t.text}" cannot be compared; compare one of its fields.`, offset: t.offset, length: t.length });
    }
    if (t.kind === 'word' && NAME_LIKE.test(t.text) && !/^[0-9a-fA-F]{2}[:.\-]/.test(t.text)) {
      throw new FilterSyntaxError({ message: `"${t.text}" is neither a field nor a protocol name.`, offset: t.offset, length: t.length });
    }
    throw new FilterSyntaxError({ message: `Left side of "${opText}" expression must be a field, not ${t.kind === 'string' ? `"${t.text}"` : t.text}.`, offset: t.offset, length: t.length });
  }

  /** The right side of a comparison: a field (when the word names one) or a literal. */
  private value(): FieldRef | Literal {
    const t = this.next();
    if (t.kind === 'string') return { text: t.text, quoted: true, offset: t.offset, length: t.length };
    if (t.kind !== 'word' || KEYWORDS.has(t.text)) throw unexpected(t);
    const name = lookupName(t.text);
    if (name.kind === 'field') return { name: t.text, type: name.type, offset: t.offset, length: t.length };
    return { text: t.text, quoted: false, offset: t.offset, length: t.length };
  }

  private set(): SetItem[] {
    this.expect('punct', '{');
    const items: SetItem[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'string') items.push({ lo: { text: t.text, quoted: true, offset: t.offset, length: t.length } });
      else if (t.kind === 'word' && !KEYWORDS.has(t.text)) items.push(rangeItem(t));
      else throw unexpected(t);
      if (this.is(',')) { this.next(); continue; }
      if (this.is('}')) { this.next(); return items; }
      if (this.peek().kind === 'eof') throw unexpected(this.peek());
    }
  }
}

/** '4000..4800' is one word to the lexer; inside a set it is a range. */
function rangeItem(t: Token): SetItem {
  const at = t.text.indexOf('..');
  const lit = (text: string, offset: number): Literal => ({ text, quoted: false, offset, length: text.length });
  if (at <= 0 || at + 2 >= t.text.length) return { lo: lit(t.text, t.offset) };
  return { lo: lit(t.text.slice(0, at), t.offset), hi: lit(t.text.slice(at + 2), t.offset + at + 2) };
}

const KEYWORDS = new Set(['and', 'or', 'not', 'xor', 'in', 'eq', 'ne', 'lt', 'gt', 'le', 'ge', 'contains', 'matches', 'any_eq', 'all_eq', 'any_ne', 'all_ne']);

function unexpected(t: Token): FilterSyntaxError {
  if (t.kind === 'eof') return new FilterSyntaxError({ message: 'Unexpected end of filter expression.', offset: t.offset, length: 0 });
  return new FilterSyntaxError({ message: `"${t.text}" was unexpected in this context.`, offset: t.offset, length: t.length });
}

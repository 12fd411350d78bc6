/**
 * Capture filters, part 1: pcap-filter(7) syntax for the words netplay supports, parsed into
 * primitives with their qualifiers resolved. Rules copied from libpcap 1.10 (checked with
 * `tcpdump -d`):
 * - `and`/`or` have EQUAL precedence and group left to right; `not` binds tightest:
 *   `a or b and c` is `(a or b) and c`.
 * - A bare identifier takes the qualifiers of the last qualified primitive:
 *   `host 10.0.0.1 and port 80 or 443` is `(host 10.0.0.1 and port 80) or port 443`;
 *   `not host a and b` is `not host a and host b`. A bare identifier with nothing before it is
 *   a syntax error, as in tcpdump.
 *
 *   expr := term (('and' | '&&' | 'or' | '||') term)*
 *   term := ('not' | '!') term | '(' expr ')' | primitive
 *   primitive := [proto] [dir] [type] id | proto | 'vlan' [num] | id (inherits)
 *   proto := ether | ip | ip6 | arp | rarp | tcp | udp | icmp | icmp6
 *   dir   := src | dst | src or dst | src and dst          type := host | net | port | portrange
 */
import type { FilterError } from './display-parse.ts';

export class CaptureSyntaxError extends Error {
  constructor(readonly error: FilterError) {
    super(error.message);
  }
}

interface Tok { kind: 'word' | 'punct' | 'eof'; text: string; offset: number; length: number }

export type Proto = 'ether' | 'ip' | 'ip6' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'icmp' | 'icmp6';
export type Dir = 'src' | 'dst' | 'src or dst' | 'src and dst';
export type AddrType = 'host' | 'net' | 'port' | 'portrange';

export interface Qual { proto: Proto | null; dir: Dir | null; type: AddrType | null }

export type CNode =
  | { k: 'and' | 'or'; a: CNode; b: CNode }
  | { k: 'not'; e: CNode }
  | { k: 'proto'; proto: Proto }
  | { k: 'vlan'; id: number | null }
  | { k: 'id'; qual: Qual; id: string; offset: number; length: number; mask?: { text: string; offset: number; length: number } };

const PROTOS = new Set<string>(['ether', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'icmp6']);
const TYPES = new Set<string>(['host', 'net', 'port', 'portrange']);
const KEYWORDS = new Set<string>([...PROTOS, ...TYPES, 'src', 'dst', 'and', 'or', 'not', 'vlan', 'mask']);

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (/[A-Za-z0-9_.:/\-]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_.:/\-]/.test(text[j]!)) j++;
      out.push({ kind: 'word', text: text.slice(i, j), offset: i, length: j - i });
      i = j;
      continue;
    }
    const p = ['&&', '||', '!', '(', ')'].find((q) => text.startsWith(q, i));
    if (p === undefined) throw new CaptureSyntaxError({ message: 'syntax error', offset: i, length: 1 });
    out.push({ kind: 'punct', text: p, offset: i, length: p.length });
    i += p.length;
  }
  out.push({ kind: 'eof', text: '', offset: text.length, length: 0 });
  return out;
}

export function parseCapture(text: string): CNode {
  return new CaptureParser(tokenize(text)).parse();
}

class CaptureParser {
  private pos = 0;
  /** The qualifiers a bare identifier inherits (null: none yet, or the last primitive had none). */
  private last: Qual | null = null;
  constructor(private readonly toks: Tok[]) {}

  parse(): CNode {
    const n = this.expr();
    if (this.peek().kind !== 'eof') throw syntax(this.peek());
    return n;
  }

  private peek(k = 0): Tok { return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!; }
  private next(): Tok { return this.toks[this.pos++]!; }
  private at(...w: string[]): boolean { const t = this.peek(); return t.kind !== 'eof' && w.includes(t.text); }

  private expr(): CNode {
    let a = this.term();
    while (this.at('and', '&&', 'or', '||')) {
      const op = this.next().text;
      const b = this.term();
      a = { k: op === 'and' || op === '&&' ? 'and' : 'or', a, b };
    }
    return a;
  }

  private term(): CNode {
    if (this.at('not', '!')) { this.next(); return { k: 'not', e: this.term() }; }
    if (this.at('(')) {
      this.next();
      const e = this.expr();
      if (!this.at(')')) throw syntax(this.peek());
      this.next();
      return e;
    }
    return this.primitive();
  }

  private primitive(): CNode {
    const t = this.peek();
    if (t.kind !== 'word') throw syntax(t);
    if (t.text === 'vlan') return this.vlan();
    if (!KEYWORDS.has(t.text)) {
      // A bare identifier: inherit the last qualifiers (pcap-filter(7)).
      if (this.last === null) throw syntax(t);
      return this.idWith(this.last);
    }
    if (!PROTOS.has(t.text) && !TYPES.has(t.text) && t.text !== 'src' && t.text !== 'dst') throw syntax(t);
    const q: Qual = { proto: null, dir: null, type: null };
    if (PROTOS.has(t.text)) q.proto = this.next().text as Proto;
    if (this.at('src', 'dst')) {
      const first = this.next().text;
      const second = this.peek(1);
      if (this.at('or', 'and') && second.kind === 'word' && (second.text === 'src' || second.text === 'dst') && second.text !== first) {
        q.dir = this.next().text === 'or' ? 'src or dst' : 'src and dst';
        this.next();
      } else {
        q.dir = first as Dir;
      }
    }
    if (this.peek().kind === 'word' && TYPES.has(this.peek().text)) q.type = this.next().text as AddrType;
    if (q.dir === null && q.type === null) {
      // `tcp`, `ip`, `arp` alone, unless an identifier follows (`ip 10.0.0.1` is `ip host ...`).
      const n = this.peek();
      if (n.kind === 'word' && !KEYWORDS.has(n.text)) return this.idWith(q);
      if (q.proto === 'ether') throw syntax(n);
      this.last = null;
      return { k: 'proto', proto: q.proto! };
    }
    return this.idWith(q);
  }

  private idWith(q: Qual): CNode {
    const t = this.next();
    if (t.kind !== 'word' || KEYWORDS.has(t.text)) throw syntax(t);
    this.last = q;
    const node: CNode = { k: 'id', qual: q, id: t.text, offset: t.offset, length: t.length };
    if (this.at('mask')) {
      this.next();
      const m = this.next();
      if (m.kind !== 'word' || KEYWORDS.has(m.text)) throw syntax(m);
      node.mask = { text: m.text, offset: m.offset, length: m.length };
    }
    return node;
  }

  private vlan(): CNode {
    this.next();
    this.last = null;
    const n = this.peek();
    if (n.kind === 'word' && /^\d+$/.test(n.text)) {
      this.next();
      const id = Number(n.text);
      if (id > 4095) throw new CaptureSyntaxError({ message: `VLAN tag ${id} greater than maximum 4095`, offset: n.offset, length: n.length });
      return { k: 'vlan', id };
    }
    return { k: 'vlan', id: null };
  }
}

function syntax(t: Tok): CaptureSyntaxError {
  return new CaptureSyntaxError({ message: t.kind === 'eof' ? 'syntax error: unexpected end of filter' : `syntax error at "${t.text}"`, offset: t.offset, length: t.length });
}

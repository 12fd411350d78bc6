/**
 * Splits an iptables command line the way a POSIX shell would for the cases people type:
 * whitespace separates words, '...' is literal, "..." allows \" \\ and \' escapes (the last as
 * iptables-restore reads what `iptables -S` prints), a backslash outside quotes escapes the next
 * character. Each word keeps its 1-based column so errors can point at it.
 */
import { makeError, type NetfilterError } from './types.ts';

export interface Token {
  text: string;
  /** 1-based column of the word's first character in the line. */
  column: number;
}

export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; error: NetfilterError };

export function tokenize(line: string): TokenizeResult {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) break;
    const start = i;
    let text = '';
    while (i < n && !/\s/.test(line[i]!)) {
      const ch = line[i]!;
      if (ch === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) return unterminated(line, start, tokens.length, "'");
        text += line.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = line[i]!;
          if (c === '"') {
            closed = true;
            i++;
            break;
          }
          if (c === '\\' && i + 1 < n && '"\\$`\''.includes(line[i + 1]!)) {
            text += line[i + 1];
            i += 2;
          } else {
            text += c;
            i++;
          }
        }
        if (!closed) return unterminated(line, start, tokens.length, '"');
      } else if (ch === '\\' && i + 1 < n) {
        text += line[i + 1];
        i += 2;
      } else {
        text += ch;
        i++;
      }
    }
    tokens.push({ text, column: start + 1 });
  }
  return { ok: true, tokens };
}

function unterminated(line: string, start: number, index: number, quote: string): TokenizeResult {
  const word = line.slice(start).split(/\s/)[0] ?? '';
  return { ok: false, error: makeError(`unterminated ${quote} quote`, word, index, start + 1) };
}

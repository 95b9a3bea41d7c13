// Tokenizer for the Python expression subset of selectors (and the names inside Jinja blocks).
// Tracks columns so syntax errors can point at the offending character.
import { PythonSyntaxError } from './errors.ts';

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** Names and operators: their text; strings: the decoded value; numbers: the source text. */
  value: string;
  /** 0-based offset in the expression. */
  pos: number;
}

// Longest first, so `//` wins over `/` and `==` over `=`.
const OPERATORS = [
  '**', '//', '==', '!=', '<=', '>=',
  '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']', '{', '}', ',', ':', '.', '=', '|', '~',
];

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
const NUMBER = /^(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"', '\n': '' };

export function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    // String literal, with an optional r/u/b prefix.
    const prefix = /^[rRuUbB]?(?=['"])/.exec(expr.slice(i, i + 2));
    if (prefix) {
      const raw = prefix[0].toLowerCase() === 'r';
      const start = i;
      i += prefix[0].length;
      const quote = expr[i++];
      let value = '';
      for (;;) {
        if (i >= expr.length) throw new PythonSyntaxError(expr, start + 1, 'unterminated string');
        const ch = expr[i];
        if (ch === quote) {
          i++;
          break;
        }
        if (ch === '\\' && i + 1 < expr.length) {
          const next = expr[i + 1];
          value += raw ? ch + next : (ESCAPES[next] ?? ch + next);
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      tokens.push({ kind: 'string', value, pos: start });
      continue;
    }
    if (NAME_START.test(c)) {
      const start = i;
      while (i < expr.length && NAME_PART.test(expr[i])) i++;
      tokens.push({ kind: 'name', value: expr.slice(start, i), pos: start });
      continue;
    }
    if (/\d/.test(c) || (c === '.' && /\d/.test(expr[i + 1] ?? ''))) {
      const m = NUMBER.exec(expr.slice(i));
      if (m) {
        tokens.push({ kind: 'number', value: m[0], pos: i });
        i += m[0].length;
        if (i < expr.length && NAME_START.test(expr[i])) {
          throw new PythonSyntaxError(expr, i + 1, `invalid number literal \`${m[0]}${expr[i]}\``);
        }
        continue;
      }
    }
    const op = OPERATORS.find((o) => expr.startsWith(o, i));
    if (!op) throw new PythonSyntaxError(expr, i + 1, `unexpected character \`${c}\``);
    tokens.push({ kind: 'op', value: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', value: '', pos: expr.length });
  return tokens;
}

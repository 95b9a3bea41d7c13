// Python-Jinja2 idioms minijinja-js lacks, made to work: the template text is rewritten (inside
// `{{ }}` / `{% %}` only, strings left alone, line count kept) so that
//   x.rsplit('.', 1)   → __m_rsplit(x, '.', 1)      (methods minijinja's pycompat does not know)
//   d.get('k', 'dflt') → __m_get(d, 'k', 'dflt')    (dict.get with a default, on maps and JS objects)
//   '%s-%s' % (a, b)   → __pyfmt('%s-%s', (a, b))   (printf-style formatting)
//   x[1:-2]            → __slice(x, 1, -2)          (an undefined x slices to '', as in conda-build)
// and the helper functions plus the `int`/`float`/`str`/`len`/... globals and a `format` filter are
// registered on the environment. Callbacks must never throw (a throw inside minijinja-js corrupts
// its wasm runtime), so failures are recorded in `JinjaCompat.errors` and checked after rendering.
import type { Environment } from '../minijinja.ts';
import { pyInt, pyRepr, pySplit, pyStr, truthy } from '../python-expr/semantics.ts';

/** Methods rewritten into helper calls (the rest of Python's str/dict/list methods pycompat has). */
export const REWRITTEN_METHODS = [
  'get', 'rsplit', 'index', 'rindex', 'partition', 'rpartition', 'zfill', 'ljust', 'rjust', 'center',
  'removeprefix', 'removesuffix', 'casefold', 'swapcase', 'format', 'isidentifier', 'istitle', 'encode', 'decode',
] as const;

const METHODS = new Set<string>(REWRITTEN_METHODS);
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'elif', 'for', 'recursive', 'with', 'set', 'endset']);

// ---------------------------------------------------------------- tokens

interface Token {
  t: 'ws' | 'str' | 'num' | 'name' | 'op';
  v: string;
}

const TOKEN_RE = /\s+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|\*\*|\/\/|==|!=|<=|>=|[\s\S]/gy;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(text))) {
    const v = m[0];
    const c = v[0];
    const t: Token['t'] = /\s/.test(c) ? 'ws' : c === "'" || c === '"' ? (v.length > 1 && v.endsWith(c) ? 'str' : 'op') : /\d/.test(c) ? 'num' : /[A-Za-z_]/.test(c) ? 'name' : 'op';
    out.push({ t, v });
  }
  return out;
}

const text = (toks: Token[], from: number, to: number) => toks.slice(from, to + 1).map((t) => t.v).join('');
const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

function skipBack(toks: Token[], i: number): number {
  while (i >= 0 && toks[i].t === 'ws') i--;
  return i;
}
function skipFwd(toks: Token[], i: number): number {
  while (i < toks.length && toks[i].t === 'ws') i++;
  return i;
}
function matchBack(toks: Token[], i: number): number {
  const close = toks[i].v;
  const open = CLOSE[close];
  let depth = 0;
  for (let j = i; j >= 0; j--) {
    if (toks[j].t !== 'op') continue;
    if (toks[j].v === close) depth++;
    else if (toks[j].v === open && --depth === 0) return j;
  }
  return -1;
}
function matchFwd(toks: Token[], i: number): number {
  const open = toks[i].v;
  const close = OPEN[open];
  let depth = 0;
  for (let j = i; j < toks.length; j++) {
    if (toks[j].t !== 'op') continue;
    if (toks[j].v === open) depth++;
    else if (toks[j].v === close && --depth === 0) return j;
  }
  return -1;
}

const isOperand = (t: Token | undefined) => !!t && (t.t === 'str' || t.t === 'num' || (t.t === 'name' && !KEYWORDS.has(t.v)));

/** Start index of the postfix expression (primary + .attr / [i] / (call)) that ends at `i`, or -1. */
function postfixStart(toks: Token[], i: number): number {
  i = skipBack(toks, i);
  for (;;) {
    if (i < 0) return -1;
    const tok = toks[i];
    let start: number;
    if (tok.t === 'op' && CLOSE[tok.v]) {
      const j = matchBack(toks, i);
      if (j < 0) return -1;
      const prev = skipBack(toks, j - 1);
      const p = toks[prev];
      if (tok.v !== '}' && prev >= 0 && (isOperand(p) || (p.t === 'op' && (p.v === ')' || p.v === ']')))) {
        i = prev; // a call or a subscript: keep walking back
        continue;
      }
      start = j;
    } else if (isOperand(tok)) {
      start = i;
    } else return -1;
    const dot = skipBack(toks, start - 1);
    if (dot >= 0 && toks[dot].t === 'op' && toks[dot].v === '.') {
      i = skipBack(toks, dot - 1);
      continue;
    }
    return start;
  }
}

/** End index of the unary expression (with postfix and filters) that starts at or after `i`, or -1. */
function unaryEnd(toks: Token[], i: number): number {
  i = skipFwd(toks, i);
  if (i >= toks.length) return -1;
  if ((toks[i].t === 'op' && (toks[i].v === '-' || toks[i].v === '+')) || (toks[i].t === 'name' && toks[i].v === 'not')) return unaryEnd(toks, i + 1);
  let end: number;
  if (toks[i].t === 'op' && OPEN[toks[i].v]) end = matchFwd(toks, i);
  else if (isOperand(toks[i])) end = i;
  else return -1;
  if (end < 0) return -1;
  for (;;) {
    const k = skipFwd(toks, end + 1);
    const t = toks[k];
    if (!t || t.t !== 'op') return end;
    if (t.v === '.' && toks[skipFwd(toks, k + 1)]?.t === 'name') end = skipFwd(toks, k + 1);
    else if (t.v === '(' || t.v === '[') {
      const m = matchFwd(toks, k);
      if (m < 0) return end;
      end = m;
    } else if (t.v === '|' && toks[skipFwd(toks, k + 1)]?.t === 'name') end = skipFwd(toks, k + 1);
    else return end;
  }
}

/** `replacement`, followed by the newlines of `original` it lost (line numbers stay right). */
function keepNewlines(original: string, replacement: string): string {
  const lost = (original.match(/\n/g)?.length ?? 0) - (replacement.match(/\n/g)?.length ?? 0);
  return lost > 0 ? replacement + '\n'.repeat(lost) : replacement;
}

// The same tags recur in every recipe of an aggregate (`{{ version }}`, `{{ compiler('c') }}`):
// each inside is rewritten once.
const REWRITE_CACHE_SIZE = 20000;
const rewritten = new Map<string, string>();

/** Rewrite one expression (the inside of a tag). */
export function rewriteExpression(src: string): string {
  // Each rewrite needs a `.` (method), a `[` (slice), a `%` (printf) or a `\` (escape).
  if (!/[.[%\\]/.test(src)) return src;
  let out = rewritten.get(src);
  if (out === undefined) {
    out = rewriteTokens(src);
    if (rewritten.size >= REWRITE_CACHE_SIZE) rewritten.clear();
    rewritten.set(src, out);
  }
  return out;
}

function rewriteTokens(src: string): string {
  let s = src;
  const skipped = new Set<number>();
  for (let guard = 0; guard < 500; guard++) {
    const toks = tokenize(s);
    let done = true;
    // Method calls first: `.name(` with a rewritten name.
    let pos = 0;
    for (let k = 0; k < toks.length; pos += toks[k].v.length, k++) {
      if (!(toks[k].t === 'op' && toks[k].v === '.') || skipped.has(pos)) continue;
      const n = skipFwd(toks, k + 1);
      const p = skipFwd(toks, n + 1);
      if (toks[n]?.t !== 'name' || !METHODS.has(toks[n].v) || toks[p]?.v !== '(') continue;
      const start = postfixStart(toks, k - 1);
      const close = matchFwd(toks, p);
      if (start < 0 || close < 0) {
        skipped.add(pos);
        continue;
      }
      const args = text(toks, p + 1, close - 1);
      const recv = text(toks, start, k - 1).trim();
      const call = keepNewlines(text(toks, start, close), `__m_${toks[n].v}(${recv}${args.trim() ? `, ${args}` : ''})`);
      s = text(toks, 0, start - 1) + call + text(toks, close + 1, toks.length - 1);
      done = false;
      break;
    }
    if (!done) continue;
    // Then slices `x[a:b]` of a value (not list literals): an undefined value slices to ''.
    pos = 0;
    for (let k = 0; k < toks.length; pos += toks[k].v.length, k++) {
      if (!(toks[k].t === 'op' && toks[k].v === '[') || skipped.has(pos)) continue;
      const before = toks[skipBack(toks, k - 1)];
      if (!before || !(isOperand(before) || (before.t === 'op' && (before.v === ')' || before.v === ']')))) continue;
      const close = matchFwd(toks, k);
      const colons: number[] = [];
      for (let j = k + 1, depth = 0; close > 0 && j < close; j++) {
        if (toks[j].t !== 'op') continue;
        if (OPEN[toks[j].v]) depth++;
        else if (CLOSE[toks[j].v]) depth--;
        else if (toks[j].v === ':' && depth === 0) colons.push(j);
      }
      const start = postfixStart(toks, k - 1);
      if (!colons.length || colons.length > 2 || start < 0) {
        skipped.add(pos);
        continue;
      }
      const bounds = [k + 1, ...colons.map((c) => c + 1)].map((from, i) => text(toks, from, (colons[i] ?? close) - 1).trim() || 'none');
      const call = keepNewlines(text(toks, start, close), `__slice(${text(toks, start, k - 1).trim()}, ${bounds.join(', ')})`);
      s = text(toks, 0, start - 1) + call + text(toks, close + 1, toks.length - 1);
      done = false;
      break;
    }
    if (!done) continue;
    // Then printf-style `%`: a string literal (or a name chain) on the left.
    pos = 0;
    for (let k = 0; k < toks.length; pos += toks[k].v.length, k++) {
      if (!(toks[k].t === 'op' && toks[k].v === '%') || skipped.has(pos)) continue;
      const start = postfixStart(toks, k - 1);
      const end = unaryEnd(toks, k + 1);
      if (start < 0 || end < 0) {
        skipped.add(pos);
        continue;
      }
      const call = keepNewlines(text(toks, start, end), `__pyfmt(${text(toks, start, k - 1).trim()}, ${text(toks, k + 1, end).trim()})`);
      s = text(toks, 0, start - 1) + call + text(toks, end + 1, toks.length - 1);
      done = false;
      break;
    }
    if (done) return fixEscapes(s);
  }
  return fixEscapes(s);
}

/**
 * Python keeps unknown backslash escapes in strings (`'(\d+)'` is `(\d+)`); minijinja rejects them.
 * Double the backslash of every escape minijinja does not know.
 */
function fixEscapes(src: string): string {
  if (!src.includes('\\')) return src;
  return tokenize(src)
    .map((t) => (t.t === 'str' ? t.v.replace(/\\([\s\S])/g, (m, c: string) => ('\\\'"ntrbfu/'.includes(c) ? m : `\\\\${c}`)) : t.v))
    .join('');
}

const RAW_INSIDE = /^\s*raw\s*$/;
const END_RAW = /\{%[-+]?\s*endraw\s*[-+]?%\}/;

/**
 * Rewrite every `{{ }}` and `{% %}` of a template (comments and `{% raw %}` blocks untouched).
 * Newlines are preserved, so line numbers of errors stay those of the source. A tag opens at the
 * first `{{`, `{%` or `{#` from where the last one ended and closes at the first `}}` / `%}` / `#}`
 * outside string literals (none in a comment; a backslash in a string skips the next character);
 * its inside, but a leading and a trailing `-` or `+` (whitespace control), is rewriteExpression'd.
 * By character codes: a regex per tag for the `-`/`+` and a search per character for the closer
 * cost more than the rest.
 */
export function rewriteTemplate(source: string): string {
  let out = '';
  let i = 0;
  const n = source.length;
  while (i < n) {
    // The next `{` followed by `{`, `%` or `#`.
    let at = source.indexOf('{', i);
    let kind = 0;
    while (at >= 0) {
      kind = source.charCodeAt(at + 1);
      if (kind === 123 || kind === 37 || kind === 35) break;
      at = source.indexOf('{', at + 1);
    }
    if (at < 0) {
      out += source.slice(i);
      break;
    }
    out += source.slice(i, at);
    // `}}`, `%}` or `#}`: its first character (the second is `}`).
    const closer = kind === 123 ? 125 : kind;
    // Find the closing delimiter outside string literals.
    let j = at + 2;
    let quote = 0;
    for (; j < n; j++) {
      const c = source.charCodeAt(j);
      if (quote) {
        if (c === 92) j++;
        else if (c === quote) quote = 0;
      } else if (kind !== 35 && (c === 39 || c === 34)) quote = c;
      else if (c === closer && source.charCodeAt(j + 1) === 125) break;
    }
    if (j >= n) {
      // Unclosed tag: leave the rest for minijinja to report with its line.
      out += source.slice(at);
      break;
    }
    const end = j + 2;
    if (kind === 35) {
      out += source.slice(at, end);
    } else {
      // Whitespace control: a `-` or `+` first and last (one character may be both; an empty
      // inside's first character is the closer's).
      const first = source.charCodeAt(at + 2);
      const last = source.charCodeAt(j - 1);
      const lead = (first === 45 || first === 43) ? 1 : 0;
      const trail = (last === 45 || last === 43) ? 1 : 0;
      const inner = source.slice(at + 2 + lead, j - trail);
      if (kind === 37 && inner.includes('raw') && RAW_INSIDE.test(inner)) {
        const endRaw = source.slice(end).search(END_RAW);
        const stop = endRaw < 0 ? n : end + endRaw;
        out += source.slice(at, stop);
        i = stop;
        continue;
      }
      out += source.slice(at, at + 2 + lead) + rewriteExpression(inner) + source.slice(j - trail, end);
    }
    i = end;
  }
  return out;
}

// ---------------------------------------------------------------- runtime helpers

type Py = unknown;

function lookup(container: Py, key: string): Py {
  if (container instanceof Map) return container.get(key);
  if (container && typeof container === 'object') return (container as Record<string, Py>)[key];
  return undefined;
}

/**
 * A value minijinja handed to a callback, made fit to hand back: its maps arrive as JS Maps, which
 * minijinja-js would turn into empty maps on the way back (`d.get('a', {}).get('b')` needs them whole).
 */
function fromJinja(v: Py): Py {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), fromJinja(x)]));
  if (Array.isArray(v)) return v.map(fromJinja);
  return v;
}

/** Python's `v[from:to:step]`; an undefined (or None) value gives '' as conda-build's lenient Undefined does. */
export function pySlice(v: Py, from: Py, to: Py, step: Py): Py {
  if (v === undefined || v === null) return '';
  const items: unknown[] = typeof v === 'string' ? [...v] : Array.isArray(v) ? v : [...pyStr(v)];
  const n = items.length;
  const by = step === undefined || step === null ? 1 : Math.trunc(Number(step));
  if (!by) throw new Error('slice step cannot be zero');
  const at = (x: Py, dflt: number) => {
    if (x === undefined || x === null) return dflt;
    const i = Math.trunc(Number(x));
    return i < 0 ? Math.max(i + n, by < 0 ? -1 : 0) : Math.min(i, by < 0 ? n - 1 : n);
  };
  const out: unknown[] = [];
  if (by > 0) for (let i = at(from, 0), end = at(to, n); i < end; i += by) out.push(items[i]);
  else for (let i = at(from, n - 1), end = at(to, -1); i > end; i += by) out.push(items[i]);
  return typeof v === 'string' || !Array.isArray(v) ? out.join('') : fromJinja(out);
}

/** Python `%` formatting (and numeric modulo when the left side is a number). */
export function pyFormatPercent(fmt: Py, args: Py): Py {
  if (typeof fmt === 'number' && typeof args === 'number') return ((fmt % args) + args) % args;
  const f = pyStr(fmt);
  const list = Array.isArray(args) ? args : [args];
  let n = 0;
  return f.replace(/%(?:\(([^)]*)\))?([-+ #0]*)(\d+|\*)?(?:\.(\d+))?([sdifrxXoeEgGc%])/g, (_m, name, flags, width, prec, conv) => {
    if (conv === '%') return '%';
    const v = name !== undefined ? lookup(args, name) : list[n++];
    let s: string;
    switch (conv) {
      case 'd':
      case 'i':
        s = String(Math.trunc(Number(v)));
        break;
      case 'f':
      case 'F':
        s = Number(v).toFixed(prec !== undefined ? Number(prec) : 6);
        break;
      case 'e':
      case 'E':
        s = Number(v).toExponential(prec !== undefined ? Number(prec) : 6);
        break;
      case 'g':
      case 'G':
        s = String(Number(v));
        break;
      case 'x':
        s = Math.trunc(Number(v)).toString(16);
        break;
      case 'X':
        s = Math.trunc(Number(v)).toString(16).toUpperCase();
        break;
      case 'o':
        s = Math.trunc(Number(v)).toString(8);
        break;
      case 'r':
        s = pyRepr(v);
        break;
      default:
        s = pyStr(v);
        if (prec !== undefined) s = s.slice(0, Number(prec));
    }
    const w = width && width !== '*' ? Number(width) : 0;
    if (s.length < w) s = flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && conv !== 's' ? '0' : ' ');
    return s;
  });
}

/** Python str.format: `{}`, `{0}`, `{name}`, `{0.attr}`/`{0[key]}` and simple `:>8`/`:08d`/`:.2f` specs. */
export function pyStrFormat(fmt: string, args: Py[], kwargs: Map<string, Py>): string {
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([^{}!:]*)(?:![rsa])?(?::([^{}]*))?\}/g, (m, field: string | undefined, spec: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const path = (field ?? '').match(/^([^.[]*)(.*)$/)!;
    let v: Py = path[1] === '' ? args[auto++] : /^\d+$/.test(path[1]) ? args[Number(path[1])] : kwargs.get(path[1]);
    for (const part of path[2].match(/\.[^.[]+|\[[^\]]+\]/g) ?? []) v = lookup(v, part.startsWith('.') ? part.slice(1) : part.slice(1, -1));
    let s = pyStr(v);
    const sm = spec?.match(/^(.?[<>^])?(0)?(\d+)?(?:\.(\d+))?([sdf])?$/);
    if (sm) {
      if (sm[5] === 'f' || sm[4] !== undefined) s = Number(v).toFixed(Number(sm[4] ?? 6));
      const w = Number(sm[3] ?? 0);
      if (s.length < w) {
        const align = sm[1]?.slice(-1) ?? (typeof v === 'number' ? '>' : '<');
        const fill = sm[2] ? '0' : sm[1]?.length === 2 ? sm[1][0] : ' ';
        const pad = w - s.length;
        s = align === '<' ? s + fill.repeat(pad) : align === '^' ? fill.repeat(pad >> 1) + s + fill.repeat(pad - (pad >> 1)) : fill.repeat(pad) + s;
      }
    }
    return s;
  });
}

/** Split trailing keyword arguments (minijinja passes them as a last Map) from positional ones. */
export function splitKwargs(args: unknown[]): [unknown[], Map<string, unknown>] {
  const last = args[args.length - 1];
  if (last instanceof Map) return [args.slice(0, -1), last as Map<string, unknown>];
  return [args, new Map()];
}

/** Per-render state of the helpers: errors raised inside callbacks, reported after rendering. */
export class JinjaCompat {
  /** `hints`: the function name and its first string argument, to find the line at fault. */
  errors: { message: string; hints: string[] }[] = [];

  /** Wrap a callback so it never throws into minijinja; a failure is recorded and `fallback` returned. */
  guard<A extends unknown[]>(name: string, fn: (...args: A) => unknown, fallback: unknown = ''): (...args: A) => unknown {
    return (...args: A) => {
      try {
        const v = fn(...args);
        return v === undefined || v === null ? fallback : v;
      } catch (err) {
        const first = args.flatMap((a) => (a instanceof Map ? [...a.values()] : [a])).find((a) => typeof a === 'string');
        const hints = [name.split('.').pop()!, ...(typeof first === 'string' ? [first] : [])];
        this.record({ message: `${name}(): ${err instanceof Error ? err.message : String(err)}`, hints });
        return fallback;
      }
    };
  }

  /** Where a failed callback's error goes (`errors`; a relay forwards it to the render's own compat). */
  protected record(error: { message: string; hints: string[] }): void {
    this.errors.push(error);
  }

  register(env: Environment): void {
    const g = (name: string, fn: (...a: any[]) => unknown, fallback: unknown = '') => env.addGlobal(name, this.guard(name, fn, fallback));
    g('__pyfmt', (f: Py, a: Py) => pyFormatPercent(f, a));
    g('__slice', (v: Py, from: Py, to: Py, step: Py) => pySlice(v, from, to, step));
    env.addFilter('format', this.guard('format', (f: Py, ...rest: unknown[]) => pyFormatPercent(f, rest.length === 1 ? rest[0] : rest)));
    g('int', (v: Py, base?: Py) => (v === undefined ? 0 : pyInt(v, base)), 0);
    g('float', (v: Py) => {
      const n = v === undefined ? 0 : Number(pyStr(v).trim());
      if (Number.isNaN(n)) throw new Error(`could not convert string to float: '${pyStr(v)}'`);
      return n;
    }, 0);
    g('str', (v: Py) => (v === undefined ? '' : pyStr(v)));
    g('len', (v: Py) => (typeof v === 'string' || Array.isArray(v) ? v.length : v instanceof Map ? v.size : v && typeof v === 'object' ? Object.keys(v).length : 0), 0);
    g('bool', (v: Py) => truthy(v), false);
    g('list', (v: Py) => (typeof v === 'string' ? [...v] : Array.isArray(v) ? v : v instanceof Map ? [...v.keys()] : []), []);
    g('max', (...a: unknown[]) => (a.length === 1 && Array.isArray(a[0]) ? a[0] : a).reduce((x: any, y: any) => (y > x ? y : x)));
    g('min', (...a: unknown[]) => (a.length === 1 && Array.isArray(a[0]) ? a[0] : a).reduce((x: any, y: any) => (y < x ? y : x)));
    g('__m_get', (recv: Py, key: Py, dflt: Py) => {
      if (recv && typeof recv === 'object' && !(recv instanceof Map) && typeof (recv as any).get === 'function') return (recv as any).get(key, dflt);
      const v = lookup(recv, pyStr(key));
      return fromJinja(v === undefined || v === null ? (dflt ?? '') : v);
    });
    g('__m_rsplit', (s: Py, ...rest: unknown[]) => {
      const [pos, kw] = splitKwargs(rest);
      return pySplit(pyStr(s), kw.get('sep') ?? pos[0], kw.get('maxsplit') ?? pos[1], true);
    }, []);
    g('__m_format', (s: Py, ...rest: unknown[]) => {
      const [pos, kw] = splitKwargs(rest);
      return pyStrFormat(pyStr(s), pos, kw);
    });
    const index = (rev: boolean) => (s: Py, sub: Py) => {
      const i = Array.isArray(s) ? (rev ? s.lastIndexOf(sub) : s.indexOf(sub)) : rev ? pyStr(s).lastIndexOf(pyStr(sub)) : pyStr(s).indexOf(pyStr(sub));
      if (i < 0) throw new Error(`${pyRepr(sub)} is not in ${pyRepr(s)}`);
      return i;
    };
    g('__m_index', index(false), 0);
    g('__m_rindex', index(true), 0);
    g('__m_partition', (s: Py, sep: Py) => {
      const str = pyStr(s);
      const i = str.indexOf(pyStr(sep));
      return i < 0 ? [str, '', ''] : [str.slice(0, i), pyStr(sep), str.slice(i + pyStr(sep).length)];
    }, []);
    g('__m_rpartition', (s: Py, sep: Py) => {
      const str = pyStr(s);
      const i = str.lastIndexOf(pyStr(sep));
      return i < 0 ? ['', '', str] : [str.slice(0, i), pyStr(sep), str.slice(i + pyStr(sep).length)];
    }, []);
    g('__m_zfill', (s: Py, w: Py) => {
      const str = pyStr(s);
      const sign = /^[-+]/.test(str) ? str[0] : '';
      return sign + str.slice(sign.length).padStart(Number(w) - sign.length, '0');
    });
    g('__m_ljust', (s: Py, w: Py, fill: Py) => pyStr(s).padEnd(Number(w), fill === undefined ? ' ' : pyStr(fill)));
    g('__m_rjust', (s: Py, w: Py, fill: Py) => pyStr(s).padStart(Number(w), fill === undefined ? ' ' : pyStr(fill)));
    g('__m_center', (s: Py, w: Py, fill: Py) => {
      const str = pyStr(s);
      const pad = Math.max(0, Number(w) - str.length);
      const f = fill === undefined ? ' ' : pyStr(fill);
      const left = (pad >> 1) + (pad & str.length & 1);
      return f.repeat(left) + str + f.repeat(pad - left);
    });
    g('__m_removeprefix', (s: Py, p: Py) => (pyStr(s).startsWith(pyStr(p)) ? pyStr(s).slice(pyStr(p).length) : pyStr(s)));
    g('__m_removesuffix', (s: Py, p: Py) => (pyStr(p) && pyStr(s).endsWith(pyStr(p)) ? pyStr(s).slice(0, -pyStr(p).length) : pyStr(s)));
    g('__m_casefold', (s: Py) => pyStr(s).toLowerCase());
    g('__m_swapcase', (s: Py) => [...pyStr(s)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''));
    g('__m_isidentifier', (s: Py) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(pyStr(s)), false);
    g('__m_istitle', (s: Py) => /[A-Za-z]/.test(pyStr(s)) && pyStr(s).split(/[^A-Za-z]+/).filter(Boolean).every((w) => /^[A-Z][a-z]*$/.test(w)), false);
    // Text is already text here: encode/decode are identities.
    g('__m_encode', (s: Py) => pyStr(s));
    g('__m_decode', (s: Py) => pyStr(s));
  }
}

/**
 * The helpers of a JinjaCompat registered once on an environment shared by many renders: their
 * failures go to the compat of the render in progress (`active`), as if registered on it.
 */
export class RelayCompat extends JinjaCompat {
  active: JinjaCompat | null = null;

  protected override record(error: { message: string; hints: string[] }): void {
    (this.active ?? this).errors.push(error);
  }
}

// The `${{ }}` evaluator of recipe.yaml, on minijinja-js (rattler-build renders with minijinja too).
// rattler-build uses `${{ }}` as its only variable delimiter; minijinja-js cannot change its syntax, so
// strings are split here and only the `${{ expr }}` parts reach minijinja (a literal `{{` or `{%` in a
// build script stays text). Undefined names in interpolation are errors (strict, as rattler-build).
import { Environment } from '../minijinja.ts';
import { undefinedNames } from '../undefined-name.ts';

/** A `${{ }}` expression or an `if:` condition could not be evaluated. */
export class JinjaEvalError extends Error {
  override name = 'JinjaEvalError';
  constructor(
    readonly expression: string,
    readonly detail: string,
    readonly undefinedName = false,
  ) {
    super(`cannot evaluate '${expression}': ${detail}`);
  }
}

export type JinjaContext = Record<string, unknown>;

/** One piece of a template string: literal text or an expression between `${{` and `}}`. */
export type TemplatePart = { text: string } | { expr: string };

/** Split a string on `${{ ... }}`, honouring quotes inside the expression. Throws on an unclosed `${{`. */
export function splitTemplate(source: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('${{', i);
    if (open < 0) {
      parts.push({ text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: source.slice(i, open) });
    let j = open + 3;
    let quote: string | null = null;
    let close = -1;
    for (; j < source.length; j++) {
      const c = source[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}' && source[j + 1] === '}') {
        close = j;
        break;
      }
    }
    if (close < 0) throw new JinjaEvalError(source, "unclosed '${{' (missing '}}')");
    parts.push({ expr: source.slice(open + 3, close).trim() });
    i = close + 2;
  }
  return parts;
}

export const hasTemplate = (s: string): boolean => s.includes('${{');

/**
 * A minijinja-js environment with rattler-build's extra filter and a side channel for errors raised
 * by JS callbacks: a JS exception thrown through the wasm boundary poisons the environment, so the
 * recipe functions never throw; they call `fail()` and the evaluation throws after minijinja returns.
 */
export class RecipeJinja {
  private strict!: Environment;
  private lenient!: Environment;
  private pending: JinjaEvalError | null = null;

  constructor() {
    this.reset();
  }

  private reset(): void {
    this.strict = makeEnv('strict');
    this.lenient = makeEnv('lenient');
  }

  /** Record an error from inside a callback; the running evaluation throws it. Returns '' for the callback to return. */
  fail(detail: string): string {
    this.pending ??= new JinjaEvalError('', detail);
    return '';
  }

  private readonly namesOf = new Map<string, string[]>();

  /**
   * Only the variables an expression names: minijinja-js converts the whole context on every call,
   * which costs ~40x more than the evaluation for a full recipe context.
   */
  private narrow(expr: string, ctx: JinjaContext): JinjaContext {
    let names = this.namesOf.get(expr);
    if (!names) {
      const bare = expr.replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, "''");
      names = [...new Set([...bare.matchAll(/(?<![.\w])[A-Za-z_]\w*/g)].map((m) => m[0]))];
      this.namesOf.set(expr, names);
    }
    const out: JinjaContext = {};
    for (const n of names) if (Object.hasOwn(ctx, n)) out[n] = ctx[n];
    return out;
  }

  private call<T>(expression: string, run: () => T): T {
    this.pending = null;
    let out: T;
    try {
      out = run();
    } catch (err) {
      const pending = this.pending as JinjaEvalError | null;
      this.pending = null;
      if ((err as Error)?.name === "RuntimeError") this.reset();
      if (pending) throw new JinjaEvalError(expression, pending.detail);
      const detail = String((err as Error)?.message ?? err).split('\n')[0].replace(/ \(in <(string|expression)>:\d+\)$/, '');
      throw new JinjaEvalError(expression, detail, /^undefined value/.test(detail));
    }
    const pending = this.pending as JinjaEvalError | null;
    this.pending = null;
    if (pending) throw new JinjaEvalError(expression, pending.detail);
    return out;
  }

  /** Render a string with `${{ }}` parts; an undefined variable is an error naming it. */
  render(source: string, ctx: JinjaContext, typed = false): unknown {
    try {
      return this.renderParts(source, ctx, typed);
    } catch (err) {
      if (!(err instanceof JinjaEvalError) || !err.undefinedName) throw err;
      const names = splitTemplate(source).flatMap((p) => ('expr' in p ? undefinedNames(p.expr, '', (n) => Object.hasOwn(ctx, n)) : []));
      if (!names.length) throw err;
      const list = [...new Set(names)].map((n) => `'${n}'`).join(', ');
      throw new JinjaEvalError(source, `undefined value: variable ${list} is not defined (not in context:, the variant config or the build environment)`, true);
    }
  }

  /** Render a string with `${{ }}` parts. A string that is one expression keeps its value type (list, bool, ...) when `typed`. */
  private renderParts(source: string, ctx: JinjaContext, typed: boolean): unknown {
    const parts = splitTemplate(source);
    if (typed && parts.length === 1 && 'expr' in parts[0]) {
      const expr = parts[0].expr;
      // Render strictly first so an undefined name is an error, then take the typed value.
      const vars = this.narrow(expr, ctx);
      const text = this.call(source, () => this.strict.renderStr(`{{ ${expr} }}`, vars));
      const value = this.call(source, () => this.strict.evalExpr(expr, vars));
      return value === undefined || value === null ? (text === 'none' ? null : text) : value;
    }
    let out = '';
    for (const part of parts) {
      if ('text' in part) out += part.text;
      else out += this.call(source, () => this.strict.renderStr(`{{ ${part.expr} }}`, this.narrow(part.expr, ctx)));
    }
    return out;
  }

  /**
   * Evaluate an `if:` / `skip:` condition. Undefined names make the condition use lenient
   * semantics (an undefined name is falsy) and are reported through `onUndefined`.
   */
  condition(expr: string, ctx: JinjaContext, onUndefined?: (detail: string) => void): boolean {
    const bare = unwrapExpression(expr);
    const vars = this.narrow(bare, ctx);
    try {
      return this.call(expr, () => this.strict.renderStr(`{% if ${bare} %}1{% else %}0{% endif %}`, vars)) === '1';
    } catch (err) {
      if (!(err instanceof JinjaEvalError) || !err.undefinedName) throw err;
      onUndefined?.(err.detail);
      return this.call(expr, () => this.lenient.renderStr(`{% if ${bare} %}1{% else %}0{% endif %}`, vars)) === '1';
    }
  }
}

/** `${{ expr }}` written where a bare condition is expected: use the inner expression. */
function unwrapExpression(expr: string): string {
  const parts = splitTemplate(expr.trim());
  return parts.length === 1 && 'expr' in parts[0] ? parts[0].expr : expr;
}

function makeEnv(undefinedBehavior: 'strict' | 'lenient'): Environment {
  const env = new Environment();
  env.enablePyCompat();
  env.undefinedBehavior = undefinedBehavior;
  // rattler-build's extra filter: "3.13.1" → "313".
  env.addFilter('version_to_buildstring', (v: unknown) => {
    const s = String(v ?? '').trim().split(/\s+/)[0];
    const [major = '', minor = ''] = s.split('.');
    return `${major}${minor}`;
  });
  return env;
}

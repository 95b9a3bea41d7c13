// Evaluation of parsed recipe.yaml values: `${{ }}` interpolation in strings, `if:/then:/else:` items
// in lists (flattened upward, nested, scalar or list branches) and as mapping values, and removal of
// values that render empty (rattler-build drops an empty `${{ "x" if cond }}` from lists and maps).
import { hasTemplate, JinjaEvalError, type JinjaContext, type RecipeJinja } from './jinja.ts';
import type { YamlPath } from './source-lines.ts';
import { isScriptPath } from './script-context.ts';

export interface EvalScope {
  jinja: RecipeJinja;
  ctx: JinjaContext;
  /** Throw a located error. */
  fail(path: YamlPath, message: string): never;
  warn(path: YamlPath, message: string): void;
  /** The path being evaluated, for warnings raised by recipe functions. */
  at?: YamlPath;
  /** Variables that build and test scripts see besides `ctx` (script-context.ts). */
  script?: JinjaContext;
}

export type Located<T> = { value: T; path: YamlPath };

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ if: ..., then: ..., else: ... }` — the selector form. */
export function isConditional(v: unknown): v is { if: unknown; then?: unknown; else?: unknown } {
  return isPlainObject(v) && 'if' in v && Object.keys(v).every((k) => k === 'if' || k === 'then' || k === 'else');
}

/** Evaluate a condition (`if:`, `skip:` entries): a boolean, or an expression with or without `${{ }}`. */
export function evaluateCondition(cond: unknown, path: YamlPath, scope: EvalScope): boolean {
  if (typeof cond === 'boolean') return cond;
  if (cond === null || cond === undefined) return false;
  if (typeof cond !== 'string') scope.fail(path, `a condition must be an expression, not ${Array.isArray(cond) ? 'a list' : 'a mapping'}`);
  if (!cond.trim()) scope.fail(path, 'empty condition');
  scope.at = path;
  try {
    return scope.jinja.condition(cond, scope.ctx, (detail) => scope.warn(path, `condition '${cond}': ${detail}; the undefined name counts as false`));
  } catch (err) {
    if (err instanceof JinjaEvalError) scope.fail(path, `invalid condition: ${err.message}`);
    throw err;
  }
}

/** The raw items a list selects, each with its source path (conditionals resolved, not evaluated). */
export function selectItems(list: unknown[], path: YamlPath, scope: EvalScope): Located<unknown>[] {
  const out: Located<unknown>[] = [];
  list.forEach((item, i) => {
    const at = [...path, i];
    if (!isConditional(item)) {
      out.push({ value: item, path: at });
      return;
    }
    const branchKey = evaluateCondition(item.if, [...at, 'if'], scope) ? 'then' : 'else';
    const branch = item[branchKey];
    if (branch === undefined || branch === null) return;
    if (Array.isArray(branch)) out.push(...selectItems(branch, [...at, branchKey], scope));
    else out.push(...selectItems([branch], [...at, branchKey], scope).map((l) => ({ value: l.value, path: [...at, branchKey] })));
  });
  return out;
}

export interface EvaluateOptions {
  /** Keep a string value unrendered at these paths (evaluated later with more context). */
  raw?: (path: YamlPath) => boolean;
  /** Keep the value type of a string that is a single `${{ }}` (context values). */
  typed?: boolean;
}

/** Render one string; empty results are `undefined` (dropped by the caller). */
export function evaluateString(s: string, path: YamlPath, scope: EvalScope, typed = false): unknown {
  if (!hasTemplate(s)) return s;
  let out: unknown;
  scope.at = path;
  try {
    out = scope.jinja.render(s, scope.ctx, typed);
  } catch (err) {
    if (err instanceof JinjaEvalError) scope.fail(path, `invalid expression: ${err.message}`);
    throw err;
  }
  return out === '' || out === null || out === undefined ? undefined : out;
}

/** Evaluate a value; `undefined` means "absent" (an empty render or a conditional with no branch). */
export function evaluateNode(node: unknown, path: YamlPath, scope: EvalScope, options: EvaluateOptions = {}): unknown {
  if (options.raw?.(path)) return node;
  if (scope.script && isScriptPath(path)) return evaluateNode(node, path, { ...scope, ctx: { ...scope.ctx, ...scope.script }, script: undefined }, options);
  if (typeof node === 'string') return evaluateString(node, path, scope, options.typed);
  if (Array.isArray(node)) return evaluateList(node, path, scope, options).map((l) => l.value);
  if (isConditional(node)) {
    const branchKey = evaluateCondition(node.if, [...path, 'if'], scope) ? 'then' : 'else';
    const branch = node[branchKey];
    return branch === undefined ? undefined : evaluateNode(branch, [...path, branchKey], scope, options);
  }
  if (isPlainObject(node)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const v = evaluateNode(value, [...path, key], scope, options);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  return node;
}

/** Evaluate a list, keeping each resulting item's source path. */
export function evaluateList(list: unknown[], path: YamlPath, scope: EvalScope, options: EvaluateOptions = {}): Located<unknown>[] {
  const out: Located<unknown>[] = [];
  for (const item of selectItems(list, path, scope)) {
    const value = evaluateNode(item.value, item.path, scope, options);
    if (value !== undefined && value !== null) out.push({ value, path: item.path });
  }
  return out;
}

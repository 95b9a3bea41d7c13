// Line selectors `# [expr]` of meta.yaml and conda_build_config.yaml, as conda-build applies them
// (conda_build/metadata.py: ns_cfg, select_lines, eval_selector). Expressions are evaluated by a
// parser for the Python subset recipes use (./python-expr/), never by eval.
import type { Target } from '../model/types.ts';
import { PythonEvalError, PythonSyntaxError } from './python-expr/errors.ts';
import { evaluate } from './python-expr/evaluate.ts';
import { truthy } from './python-expr/semantics.ts';
import { keyedObject, keysOf } from './keyed-object.ts';

/** Names a selector or Jinja expression can read: platform booleans, py/pyXY, variant keys, ... */
export type SelectorNamespace = Record<string, unknown>;

export interface SelectorWarning {
  line: number;
  message: string;
}

/** A selector that does not parse or cannot be evaluated. */
export class SelectorError extends Error {
  override name = 'SelectorError';
  constructor(
    readonly expr: string,
    override readonly cause: PythonSyntaxError | PythonEvalError,
  ) {
    super(cause instanceof PythonSyntaxError ? cause.message : `selector [${expr}]: ${cause.message}`);
  }
}

export interface NamespaceOptions {
  /**
   * What `environ` / `os.environ` hold. Defaults to empty so that rendering does not depend on
   * the machine (conda-build reads the real environment and also adds every variable as a name).
   */
  environ?: Record<string, string>;
}

// conda-build's non_x86_machines: each is true when the subdir ends with `-<machine>`.
const MACHINES = ['armv6l', 'armv7l', 'ppc64', 'ppc64le', 's390x', 'aarch64', 'arm64', 'riscv64'];

/** "3.13", "3.13.1" or "3.13.* *_cpython" → [3, 13]. */
function pythonMajorMinor(python: string): [number, number] {
  const [major = '', minor = ''] = python.trim().split(/\s+/)[0].split('.');
  const ma = Number.parseInt(major, 10);
  const mi = Number.parseInt(minor, 10);
  if (Number.isNaN(ma) || Number.isNaN(mi)) throw new Error(`invalid python version "${python}" (expected major.minor, e.g. 3.13)`);
  return [ma, mi];
}

/**
 * The namespace conda-build gives selectors for a target and a variant: linux/win/osx/unix,
 * x86_64/aarch64/arm64/ppc64le/s390x/x86/linux64/..., target_platform/build_platform, py (e.g. 313),
 * py3k/py2k, pyXY booleans, np, variant keys (strings), environ.
 *
 * Differences from conda-build, on purpose: variant values stay strings (conda-build turns
 * integer-looking ones into ints; our comparisons treat a numeric string like a number instead,
 * so `vc < 14` and `vc == '14'` both work); "true"/"false" become booleans as in conda-build;
 * `np`, `pl`, `lua` are only set when the variant has numpy/perl/lua (no invented defaults);
 * every `pyXY` name is known (true only for the target python), not just py26..py36.
 */
export function selectorNamespace(target: Target, variant: Record<string, string>, options: NamespaceOptions = {}): SelectorNamespace {
  const environ = { ...(options.environ ?? {}) };
  // Keyed by the variant's keys too: in dictionary mode (keyed-object.ts).
  const ns: SelectorNamespace = keyedObject<unknown>();
  for (const [key, value] of namespaceBase(target.subdir, variant.python ?? target.python)) ns[key] = value;
  ns.os = { environ };
  ns.environ = environ;

  if (variant.numpy) {
    const np = Number.parseInt(variant.numpy.split('.').slice(0, 2).join(''), 10);
    if (!Number.isNaN(np)) ns.np = np;
  }
  if (variant.perl) ns.pl = variant.perl;
  if (variant.lua) Object.assign(ns, { lua: variant.lua, luajit: variant.lua.startsWith('2') });

  for (const key of keysOf(variant)) {
    const value = variant[key];
    if (Object.hasOwn(ns, key)) continue;
    // Only a value of 4 or 5 characters can be 'true' or 'false' in any case.
    const lower = typeof value === 'string' && (value.length === 4 || value.length === 5) ? value.toLowerCase() : '';
    ns[key] = lower === 'true' ? true : lower === 'false' ? false : value;
  }
  return ns;
}

// The entries of a namespace that depend on the subdir and the python only, in order (`os` and
// `environ` in their places, given per call): made once per pair, not once per variant.
const namespaceBases = new Map<string, readonly [string, unknown][]>();

function namespaceBase(plat: string, python: string): readonly [string, unknown][] {
  const id = `${plat}\0${python}`;
  let base = namespaceBases.get(id);
  if (base) return base;
  const ns: SelectorNamespace = Object.assign(keyedObject<unknown>(), {
    linux: plat.startsWith('linux-'),
    linux32: plat === 'linux-32',
    linux64: plat === 'linux-64',
    arm: plat.startsWith('linux-arm'),
    osx: plat.startsWith('osx-'),
    unix: plat.startsWith('linux-') || plat.startsWith('osx-') || plat.startsWith('emscripten-'),
    win: plat.startsWith('win-'),
    win32: plat === 'win-32',
    win64: plat === 'win-64',
    x86: plat.endsWith('-32') || plat.endsWith('-64'),
    x86_64: plat.endsWith('-64'),
    os: null,
    environ: null,
    nomkl: false,
    target_platform: plat,
    build_platform: plat,
  });
  for (const machine of MACHINES) ns[machine] = plat.endsWith(`-${machine}`);

  const [major, minor] = pythonMajorMinor(python);
  const py = Number(`${major}${minor}`);
  Object.assign(ns, { py, py3k: major === 3, py2k: major === 2 });
  for (const known of [26, 27, 33, 34, 35, 36]) ns[`py${known}`] = py === known;
  ns[`py${py}`] = true;
  base = Object.entries(ns);
  if (namespaceBases.size >= 64) namespaceBases.clear();
  namespaceBases.set(id, base);
  return base;
}

/**
 * Evaluate one selector expression safely (a parser for the Python subset recipes use, never eval).
 * Unknown names are False and reported through `onUnknown`. Throws SelectorError when the
 * expression does not parse or raises (e.g. `int('x')`).
 */
export function evalSelector(expr: string, ns: SelectorNamespace, onUnknown?: (name: string) => void): boolean {
  try {
    return truthy(evaluate(expr.trim(), ns, onUnknown));
  } catch (err) {
    if (err instanceof PythonSyntaxError || err instanceof PythonEvalError) throw new SelectorError(expr.trim(), err);
    throw err;
  }
}

export interface ApplySelectorsOptions {
  /**
   * Replace dropped lines with empty lines instead of removing them, so line numbers of the
   * result match the input (conda-build removes them).
   */
  keepLineNumbers?: boolean;
}

// `content  # [expr]`, optionally followed by text without parentheses (conda-build's sel_pat allows
// that after a `#`). The expression may hold one level of brackets (`x in ['a', 'b']`).
// Unlike conda-build we require the `#`: a bare `- pip install .[test]` is not a selector.
const SELECTOR_LINE = /^(.*?)\s*#\s*\[((?:[^[\]]|\[[^[\]]*\])+)\]([^()[\]]*)$/;

/** The content and selector expression of a line ending in `# [expr]`, or null. */
export function splitLineSelector(line: string): { content: string; expr: string } | null {
  const m = line.includes('#') && line.includes('[') ? SELECTOR_LINE.exec(line.trimEnd()) : null;
  return m ? { content: m[1], expr: m[2].trim() } : null;
}

// A whole-line comment (what trimStart().startsWith('#') finds, without the copy).
const COMMENT_LINE = /^\s*#/;
/** What `\s` of a regex is, by character code, but `\n`. */
const isSpaceNotLF = (c: number) =>
  c === 32 || c === 9 || (c >= 11 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;

/**
 * Whitespace (what trimEnd removes) at the end of a line: `/[^\S\n](?:\n|$)/.test(text)` by the
 * characters before each `\n` and the last one (the regex tried its class at every character).
 */
export function hasLineEndSpace(text: string): boolean {
  if (text.length && isSpaceNotLF(text.charCodeAt(text.length - 1))) return true;
  for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) if (p > 0 && isSpaceNotLF(text.charCodeAt(p - 1))) return true;
  return false;
}

interface Outcome {
  keep: boolean;
  unknown: string[];
  error?: string;
}

/**
 * Drop every line whose trailing `# [expr]` is false; strip the selector comment from kept lines.
 * As conda-build does, lines are right-stripped, whole-line comments become empty lines, and the
 * result ends with a newline; it is line based, so lines inside block scalars are selected too.
 * Warnings (unknown names, invalid selectors, which drop their line) carry 1-based line numbers.
 */
export function applySelectors(text: string, ns: SelectorNamespace, warnings?: SelectorWarning[], options: ApplySelectorsOptions = {}): string {
  // A text without `#` has no selector and no comment line; without whitespace at the end of a line
  // (`\r` of a CRLF included), each line is kept as it is (a Jinja pass's output most often: its
  // recipe's selectors and comments were applied before Jinja).
  if (!text.includes('#') && !hasLineEndSpace(text)) return text.endsWith('\n') ? text : `${text}\n`;
  const cache = new Map<string, Outcome>();
  // What one line (trimmed at its end) gives: itself, '' (a comment line, or a dropped line with
  // keepLineNumbers) or nothing (a dropped line).
  const lineOut = (line: string, lineNo: number): string | null => {
    if (COMMENT_LINE.test(line)) return '';
    const m = splitLineSelector(line);
    if (!m) return line;
    const { expr } = m;
    let outcome = cache.get(expr);
    if (!outcome) {
      const unknown: string[] = [];
      try {
        outcome = { keep: evalSelector(expr, ns, (name) => unknown.includes(name) || unknown.push(name)), unknown };
      } catch (err) {
        if (!(err instanceof SelectorError)) throw err;
        outcome = { keep: false, unknown, error: err.message };
      }
      cache.set(expr, outcome);
    }
    for (const name of outcome.unknown) {
      warnings?.push({ line: lineNo, message: `unknown name '${name}' in selector [${expr}] is treated as False` });
    }
    if (outcome.error) warnings?.push({ line: lineNo, message: `invalid selector, line dropped: ${outcome.error}` });
    if (outcome.keep) {
      const last = line[line.length - 1];
      return last === "'" || last === '"' ? m.content + last : m.content;
    }
    return options.keepLineNumbers ? '' : null;
  };
  if (text.includes('\r')) {
    const out: string[] = [];
    const lines = text.split(/\r?\n/);
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    for (let index = 0; index < lines.length; index++) {
      const kept = lineOut(lines[index].trimEnd(), index + 1);
      if (kept !== null) out.push(kept);
    }
    return out.join('\n') + '\n';
  }
  // The lines of text.split('\n') (less a last empty one), read where they are: a line without `#`
  // and without whitespace at its end is itself (no comment, no selector, nothing to trim), so runs
  // of such lines are copied whole with their newlines; every other line goes through lineOut.
  const n = text.length;
  const end = n > 0 && text.charCodeAt(n - 1) === 10 ? n - 1 : n;
  let out = '';
  let run = 0;
  let hash = text.indexOf('#');
  if (hash < 0) hash = n;
  for (let start = 0, lineNo = 1; ; lineNo++) {
    let stop = text.indexOf('\n', start);
    if (stop < 0 || stop > end) stop = end;
    if (hash < start) {
      hash = text.indexOf('#', start);
      if (hash < 0) hash = n;
    }
    if (hash < stop || (stop > start && isSpaceNotLF(text.charCodeAt(stop - 1)))) {
      out += text.slice(run, start);
      const kept = lineOut(text.slice(start, stop).trimEnd(), lineNo);
      if (kept !== null) out += `${kept}\n`;
      run = stop + 1;
    }
    if (stop >= end) break;
    start = stop + 1;
  }
  if (run <= end) out += `${text.slice(run, end)}\n`;
  return out;
}

// Variant configs (conda_build_config.yaml) and their expansion into concrete variants, after
// conda-build's conda_build/variants.py (combine_specs, find_used_variables, zip_keys handling).
import { readFileSync, statSync } from 'node:fs';
import { isRacy } from './listing-cache.ts';
import type { Target } from '../model/types.ts';
import { parseExpression, freeNames } from './python-expr/parse.ts';
import { tokenize, type Token } from './python-expr/tokenize.ts';
import { applySelectors, selectorNamespace, splitLineSelector, type SelectorWarning } from './selectors.ts';
import { parseRecipeYaml } from './yaml.ts';

/** Stacked variant config: key → list of values (strings, as conda-build keeps them); zip_keys groups. */
export interface VariantConfig {
  values: Record<string, string[]>;
  zipKeys: string[][];
  /** pin_run_as_build and similar mapping keys kept as parsed. */
  extra: Record<string, unknown>;
}

/** A conda_build_config.yaml that cannot be used, or zip_keys that cannot be expanded. */
export class VariantConfigError extends Error {
  override name = 'VariantConfigError';
  constructor(
    readonly file: string | undefined,
    readonly detail: string,
  ) {
    super(file ? `${file}: ${detail}` : detail);
  }
}

// Keys whose values are merged across files instead of replaced (conda-build's DEFAULT_VARIANTS
// extend_keys; a file may add more through its own `extend_keys`).
const DEFAULT_EXTEND_KEYS = ['pin_run_as_build', 'ignore_version', 'ignore_build_only_deps', 'extend_keys'];

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (v === null) return 'None';
  return undefined;
}

// The aggregate's file is stacked again with every recipe-dir config, with the same warnings:
// each key's line is looked up once per file text.
const keyLines = new Map<string, Map<string, number>>();

function keyLine(text: string, key: string): number {
  let lines = keyLines.get(text);
  if (!lines) {
    if (keyLines.size >= 64) keyLines.delete(keyLines.keys().next().value!);
    keyLines.set(text, (lines = new Map()));
  }
  let line = lines.get(key);
  if (line === undefined) {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    line = text.split(/\r?\n/).findIndex((l) => new RegExp(`^\\s*['"]?${escaped}['"]?\\s*:`).test(l)) + 1;
    lines.set(key, line);
  }
  return line;
}

function zipGroups(value: unknown, file: string): string[][] {
  // Every group emptied by selectors for this target (`- # [win]` on linux) leaves `zip_keys:` empty.
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new VariantConfigError(file, 'zip_keys must be a list of lists of variant keys (or one flat list)');
  const nonEmpty = value.filter((g) => g !== null && !(Array.isArray(g) && g.length === 0));
  if (!nonEmpty.length) return [];
  // Users may write one group as a flat list; conda-build accepts that.
  const groups = Array.isArray(nonEmpty[0]) ? nonEmpty : [nonEmpty];
  return groups.map((g) => {
    if (!Array.isArray(g) || !g.every((k) => typeof k === 'string')) {
      throw new VariantConfigError(file, `zip_keys: every group must be a list of key names, got ${JSON.stringify(g)}`);
    }
    return g as string[];
  });
}

interface ParsedFile {
  file: string;
  text: string;
  data: Record<string, unknown>;
}

/**
 * Read and stack conda_build_config.yaml files in order, applying selectors for the target first.
 * Unquoted numbers keep their text (3.10 stays "3.10"). Stacking follows conda-build's
 * combine_specs: a later file replaces a key of an earlier one; keys listed in `extend_keys`
 * (pin_run_as_build, ignore_version, ignore_build_only_deps, and any a file adds) merge instead
 * (mappings per key, lists as a union); zip_keys groups accumulate across files. Missing files are
 * skipped; bad YAML throws RecipeYamlError with file:line; a wrong shape throws VariantConfigError.
 */
export async function loadVariantConfig(
  files: string[],
  target: Target,
  warnings?: (SelectorWarning & { file: string })[],
): Promise<VariantConfig> {
  return clonePlain(loadSharedVariantConfig(files, target, warnings));
}

/**
 * loadVariantConfig without the copy: the config kept for these files and target, shared by every
 * caller until a file changes, so it must not be changed (its `values` are frozen). Renderers use
 * it so that a recipe's cost does not grow with the size of the aggregate's config.
 */
export function loadSharedVariantConfig(
  files: string[],
  target: Target,
  warnings?: (SelectorWarning & { file: string })[],
): Readonly<VariantConfig> {
  // Every recipe of an aggregate stacks the same conda_build_config.yaml: the result is kept per
  // target and file contents (a file whose stat is unchanged is not read again: configFileText).
  const texts: { file: string; text: string }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = configFileText(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      // The files before it are parsed first: their errors come first, as when reading file by file.
      parseVariantFiles(texts, target, warnings ?? []);
      throw new VariantConfigError(file, `cannot read: ${(err as Error).message}`);
    }
    texts.push({ file, text });
  }
  const key = JSON.stringify([target.subdir, target.python, texts.map((t) => t.file)]);
  let hit = configCache.get(key);
  if (!hit || hit.texts.some((t, i) => t !== texts[i].text)) {
    const found: (SelectorWarning & { file: string })[] = [];
    try {
      // A recipe-dir config is stacked on the aggregate's stack as kept (when that is the same).
      const base = texts.length > 1 ? configCache.get(JSON.stringify([target.subdir, target.python, texts.slice(0, -1).map((t) => t.file)])) : undefined;
      const stack = base && base.texts.every((t, i) => t === texts[i].text) ? stackOnto(base, texts[texts.length - 1], target, found) : null;
      const stacked = stack ?? stackVariantFiles(parseVariantFiles(texts, target, found), found);
      Object.freeze(stacked.config.values);
      // Read for every output (finalize-output.ts keeps its merge with the defaults per mapping).
      if (isMapping(stacked.config.extra.pin_run_as_build)) Object.freeze(stacked.config.extra.pin_run_as_build);
      hit = { ...stacked, texts: texts.map((t) => t.text), warnings: found };
    } catch (err) {
      warnings?.push(...found);
      throw err;
    }
    configCache.delete(key);
    if (configCache.size >= CONFIG_CACHE_SIZE) configCache.delete(configCache.keys().next().value!);
    configCache.set(key, hit);
  }
  if (warnings) for (const w of hit.warnings) warnings.push({ ...w });
  return hit.config;
}

/** What loadSharedVariantConfig did with the files (tests, bench): read, or known by their stat. */
export const variantFileStats = { read: 0, reused: 0 };

// The text of each config file read, with the stat it had: the aggregate's ~30 KB file is read
// again only when its stat changes (device, inode, size, mtime, ctime), or while it was changed
// in the last few seconds (coarse timestamps: isRacy, as directory listings are checked).
const fileTexts = new Map<string, { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number; text: string }>();

function configFileText(file: string): string {
  const s = statSync(file, { throwIfNoEntry: false });
  const known = fileTexts.get(file);
  if (s?.isFile() && known && known.dev === s.dev && known.ino === s.ino && known.size === s.size && known.mtimeMs === s.mtimeMs && known.ctimeMs === s.ctimeMs && !isRacy(s)) {
    variantFileStats.reused++;
    return known.text;
  }
  // Not known, changed, missing or no regular file: read (errors as they were).
  const text = readFileSync(file, 'utf8');
  variantFileStats.read++;
  if (s?.isFile()) {
    if (fileTexts.size >= CONFIG_CACHE_SIZE) fileTexts.delete(fileTexts.keys().next().value!);
    fileTexts.set(file, { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, text });
  } else fileTexts.delete(file);
  return text;
}

const CONFIG_CACHE_SIZE = 256;
/** Per target and list of files: their texts when stacked, the config and its warnings. */
const configCache = new Map<string, StackHit>();

interface StackHit {
  texts: string[];
  config: VariantConfig;
  /** Every warning: the files' selector warnings (the first `selectorWarnings`), then stacking's. */
  warnings: (SelectorWarning & { file: string })[];
  selectorWarnings: number;
  extendKeys: ReadonlySet<string>;
  /** The files with data, in order (named by errors). */
  files: string[];
}

/**
 * stackVariantFiles of `base`'s files and `last`, from `base`'s stack (the aggregate's config is not
 * stacked again for every recipe with a recipe-dir config): the same config and warnings, in the
 * same order. Null (stack every file; no warning added) when `last` adds extend_keys, which change
 * how the files before it merge, or when `base`'s objects do not have the plain prototype.
 */
function stackOnto(base: StackHit, last: { file: string; text: string }, target: Target, warnings: (SelectorWarning & { file: string })[]): Stacked | null {
  const { config } = base;
  if (Object.getPrototypeOf(config.values) !== Object.prototype || Object.getPrototypeOf(config.extra) !== Object.prototype) return null;
  const start = warnings.length;
  // The files' selector warnings come first, then stacking's (as parseVariantFiles then stacking).
  for (let i = 0; i < base.selectorWarnings; i++) warnings.push({ ...base.warnings[i] });
  const parsed = parseVariantFiles([last], target, warnings);
  const extend = parsed[0]?.data.extend_keys;
  if (Array.isArray(extend) && extend.some((k) => typeof k === 'string' && !base.extendKeys.has(k))) {
    warnings.length = start;
    return null;
  }
  const selectorWarnings = warnings.length - start;
  for (let i = base.selectorWarnings; i < base.warnings.length; i++) warnings.push({ ...base.warnings[i] });
  const values: Record<string, string[]> = {};
  for (const key of Object.keys(config.values)) values[key] = config.values[key];
  const state: StackState = {
    config: { values, zipKeys: [...config.zipKeys], extra: { ...config.extra } },
    zipSeen: new Set(config.zipKeys.map(zipId)),
    extendKeys: base.extendKeys,
  };
  for (const p of parsed) stackFile(state, p, warnings);
  const files = [...base.files, ...parsed.map((p) => p.file)];
  checkZipOwners(state.config, files);
  return { config: state.config, selectorWarnings, extendKeys: base.extendKeys, files };
}

class NotPlain extends Error {}

function clonePlainValue(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  // Deeper than any config: maybe a cycle made with YAML aliases, which structuredClone keeps.
  if (depth > 100) throw new NotPlain();
  if (Array.isArray(v)) return v.map((x) => clonePlainValue(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw new NotPlain();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const x = clonePlainValue((v as Record<string, unknown>)[key], depth + 1);
    if (key === '__proto__') Object.defineProperty(out, key, { value: x, writable: true, enumerable: true, configurable: true });
    else out[key] = x;
  }
  return out;
}

/** structuredClone of plain data (strings, numbers, booleans, null, lists, mappings), made faster by hand. */
export function clonePlain<T>(value: T): T {
  try {
    return clonePlainValue(value, 0) as T;
  } catch (err) {
    if (err instanceof NotPlain) return structuredClone(value);
    throw err;
  }
}

/** Selectors applied and YAML parsed, file by file (bad YAML throws RecipeYamlError with file:line). */
function parseVariantFiles(texts: { file: string; text: string }[], target: Target, warnings: (SelectorWarning & { file: string })[]): ParsedFile[] {
  const parsed: ParsedFile[] = [];
  for (const { file, text } of texts) {
    // The aggregate's file is stacked with each recipe-local one: parsed once per target and text.
    const key = JSON.stringify([target.subdir, target.python, file, text]);
    let hit = fileCache.get(key);
    if (!hit) {
      const selectorWarnings: SelectorWarning[] = [];
      // Keep line numbers so YAML errors point at the file's own lines.
      const selected = applySelectors(text, selectorNamespace(target, {}), selectorWarnings, { keepLineNumbers: true });
      let data: unknown;
      try {
        data = parseRecipeYaml(selected, file);
      } catch (err) {
        for (const w of selectorWarnings) warnings.push({ ...w, file });
        throw err;
      }
      hit = { data, selectorWarnings };
      if (fileCache.size >= CONFIG_CACHE_SIZE) fileCache.delete(fileCache.keys().next().value!);
      fileCache.set(key, hit);
    }
    for (const w of hit.selectorWarnings) warnings.push({ ...w, file });
    // Never changed: stacking copies what it takes, and configs leave the cache as clones.
    const data = hit.data;
    if (data === null) continue;
    if (!isMapping(data)) throw new VariantConfigError(file, 'expected a mapping of variant keys at the top level');
    parsed.push({ file, text, data });
  }
  return parsed;
}

const fileCache = new Map<string, { data: unknown; selectorWarnings: SelectorWarning[] }>();

/** A stack of files: the config, how many of the warnings are selectors', the extend keys, the files stacked. */
interface Stacked {
  config: VariantConfig;
  selectorWarnings: number;
  extendKeys: ReadonlySet<string>;
  /** The files with data, in order. */
  files: string[];
}

interface StackState {
  config: VariantConfig;
  /** The zip_keys groups so far, by zipId. */
  zipSeen: Set<string>;
  extendKeys: ReadonlySet<string>;
}

const zipId = (group: string[]) => [...group].sort().join('\0');

/**
 * conda-build's combine_specs over the parsed files (`warnings` holds their selector warnings so
 * far: stacking's come after them).
 */
function stackVariantFiles(parsed: ParsedFile[], warnings: (SelectorWarning & { file: string })[]): Stacked {
  const selectorWarnings = warnings.length;
  const extendKeys = new Set(DEFAULT_EXTEND_KEYS);
  for (const { data } of parsed) {
    for (const k of Array.isArray(data.extend_keys) ? data.extend_keys : []) if (typeof k === 'string') extendKeys.add(k);
  }
  const state: StackState = { config: { values: {}, zipKeys: [], extra: {} }, zipSeen: new Set(), extendKeys };
  for (const p of parsed) stackFile(state, p, warnings);
  const files = parsed.map((p) => p.file);
  checkZipOwners(state.config, files);
  return { config: state.config, selectorWarnings, extendKeys, files };
}

/** One file of combine_specs: a later file replaces a key, extend keys merge, zip_keys accumulate. */
function stackFile({ config, zipSeen, extendKeys }: StackState, { file, text, data }: ParsedFile, warnings: (SelectorWarning & { file: string })[]): void {
  for (const [key, value] of Object.entries(data)) {
    if (key === 'zip_keys') {
      for (const group of zipGroups(value, file)) {
        const id = zipId(group);
        if (zipSeen.has(id)) continue;
        zipSeen.add(id);
        config.zipKeys.push(group);
      }
    } else if (extendKeys.has(key)) {
      const prev = config.extra[key];
      if (isMapping(value)) config.extra[key] = { ...(isMapping(prev) ? prev : {}), ...value };
      else {
        const list = [...(Array.isArray(prev) ? prev : []), ...(Array.isArray(value) ? value : [value])];
        config.extra[key] = [...new Set(list)];
      }
    } else if (isMapping(value)) {
      config.extra[key] = value;
      // Deleting a property that is not there still makes a large object slow (dictionary mode).
      if (Object.hasOwn(config.values, key)) delete config.values[key];
    } else {
      const items = Array.isArray(value) ? value : [value];
      const texts = items.map(scalarText);
      if (value === null || texts.some((t) => t === undefined)) {
        warnings.push({
          file,
          line: keyLine(text, key),
          message: value === null ? `variant key '${key}' has no value; ignored` : `variant key '${key}' must be a scalar or a list of scalars; ignored`,
        });
        continue;
      }
      config.values[key] = texts as string[];
      if (Object.hasOwn(config.extra, key)) delete config.extra[key];
    }
  }
}

/** A key in two zip groups cannot be expanded (conda-build refuses it as well). */
function checkZipOwners(config: VariantConfig, files: string[]): void {
  const owner = new Map<string, string[]>();
  for (const group of config.zipKeys) {
    for (const key of group) {
      const other = owner.get(key);
      if (other) throw new VariantConfigError(files.join(', '), `zip_keys: '${key}' is in two groups: [${other.join(', ')}] and [${group.join(', ')}]`);
      owner.set(key, group);
    }
  }
}

// ------------------------------------------------------------------ used keys

// Jinja words that are never variables.
const JINJA_WORDS = new Set([
  'set', 'if', 'elif', 'else', 'endif', 'for', 'endfor', 'in', 'not', 'and', 'or', 'is', 'true', 'false', 'none',
  'True', 'False', 'None', 'macro', 'endmacro', 'raw', 'endraw', 'with', 'endwith', 'filter', 'endfilter', 'block',
  'endblock', 'include', 'import', 'from', 'as', 'recursive', 'loop',
]);

// Functions whose string argument names variant keys, as conda-build's find_used_variables knows.
const CALL_KEYS: Record<string, (arg: string) => string[]> = {
  compiler: (lang) => [`${lang}_compiler`, `${lang}_compiler_version`],
  stdlib: (lang) => [`${lang}_stdlib`, `${lang}_stdlib_version`],
  cdt: () => ['cdt_name'],
  pin_compatible: (name) => [name],
};

/** A `{{ }}` or `{% %}` block (read with matchAll, which copies the regex: no shared lastIndex). */
export const JINJA_BLOCK = /\{\{([\s\S]*?)\}\}|\{%-?([\s\S]*?)-?%\}/g;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/**
 * The matches of JINJA_BLOCK in `text`, in order, by searches instead of the regex: `{{` to the
 * first `}}` after it; `{%`, an optional `-`, to the first `-%}` or `%}` after it (the body without
 * that `-`). An opener without its closer is no block. `visit` gets each body, start and end.
 */
export function forEachJinjaBlock(text: string, visit: (body: string, start: number, end: number) => void): void {
  for (let p = text.indexOf('{'); p >= 0 && p < text.length; ) {
    const next = text.charCodeAt(p + 1);
    if (next === 123) {
      const close = text.indexOf('}}', p + 2);
      if (close >= 0) {
        visit(text.slice(p + 2, close), p, close + 2);
        p = text.indexOf('{', close + 2);
        continue;
      }
    } else if (next === 37) {
      const start = text.charCodeAt(p + 2) === 45 ? p + 3 : p + 2;
      const close = text.indexOf('%}', start);
      if (close >= 0) {
        // The body ends before a `-` that starts `-%}` (the lazy body stops at the first place either closer fits).
        const end = close > start && text.charCodeAt(close - 1) === 45 ? close - 1 : close;
        visit(text.slice(start, end), p, close + 2);
        p = text.indexOf('{', close + 2);
        continue;
      }
    }
    p = text.indexOf('{', p + 1);
  }
}

function jinjaNames(body: string, out: Set<string>): void {
  let tokens: Token[];
  try {
    tokens = tokenize(body);
  } catch {
    // Not tokenizable as Python: fall back to identifiers outside quotes.
    for (const m of body.replace(/'[^']*'|"[^"]*"/g, ' ').matchAll(IDENTIFIER)) out.add(m[0]);
    return;
  }
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    if (t.kind === 'name') {
      // Attribute names, filter names, tests (`is defined`) and keyword arguments are not variables.
      if (prev?.kind === 'op' && (prev.value === '.' || prev.value === '|')) return;
      if (prev?.kind === 'name' && (prev.value === 'is' || (prev.value === 'not' && tokens[i - 2]?.value === 'is'))) return;
      if (next?.kind === 'op' && next.value === '=') return;
      if (!JINJA_WORDS.has(t.value)) out.add(t.value);
      const call = CALL_KEYS[t.value];
      const arg = tokens[i + 2];
      if (call && next?.value === '(' && arg?.kind === 'string') for (const k of call(arg.value)) out.add(k);
    }
  });
}

function selectorNames(expr: string, out: Set<string>): void {
  try {
    for (const name of freeNames(parseExpression(expr))) out.add(name);
  } catch {
    for (const m of expr.replace(/'[^']*'|"[^"]*"/g, ' ').matchAll(IDENTIFIER)) out.add(m[0]);
  }
}

const REQUIREMENT = /^\s*-\s+([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*$/;
const V1_BRANCH = /^\s*(?:-\s+)?(?:then|else):\s+([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*$/;
const V1_IF = /^\s*(?:-\s+)?if:\s+(.+?)\s*$/;
const PYTHON_REQUIREMENT = /^\s*-\s+(?:(?:then|else):\s+)?["']?python(?:$|[\s<>=!~,"'#])/m;

const normal = (key: string) => (key.includes('-') ? key.replace(/-/g, '_') : key);

/** The names one line contributes: its selector's, a v1 `if:` condition's, a bare requirement. */
function lineNames(line: string, names: Set<string>): void {
  const sel = splitLineSelector(line);
  if (sel) selectorNames(sel.expr, names);
  const content = sel ? sel.content : line.replace(/\s+#.*$/, '');
  const ifm = V1_IF.exec(content);
  if (ifm) selectorNames(ifm[1].replace(/^(['"])(.*)\1$/, '$2').replace(/^\$\{\{(.*)\}\}$/, '$1'), names);
  const req = REQUIREMENT.exec(content) ?? V1_BRANCH.exec(content);
  if (req) names.add(req[1]);
}

const NONE = 0;
const PLAIN_ITEM = 1;
const OTHER = 2;

/**
 * What lineNames can find in `line`: nothing (NONE: no selector `#`, no v1 `if:` / `then:` /
 * `else:`, no list item `- `; most lines of a recipe), a bare requirement only (PLAIN_ITEM: a list
 * item without those), or anything (OTHER). One search for `#` and one for `:` per line.
 */
function lineKind(line: string): number {
  if (line.includes('#')) return OTHER;
  for (let c = line.indexOf(':'); c >= 0; c = line.indexOf(':', c + 1)) {
    if ((c >= 2 && line.startsWith('if', c - 2)) || (c >= 4 && (line.startsWith('then', c - 4) || line.startsWith('else', c - 4)))) return OTHER;
  }
  return LIST_ITEM.test(line) ? PLAIN_ITEM : NONE;
}

const LIST_ITEM = /^\s*-\s/;
const FALLBACK: unique symbol = Symbol('read by lineNames');

/** What `\s` of a regex is, by character code. */
export const isRegexSpace = (c: number) =>
  c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;

/** The names of the line text[start, end) of kind `kind` (lineKind) into `names`. */
function addLineNames(text: string, start: number, end: number, kind: number, names: Set<string>): void {
  if (kind === PLAIN_ITEM) {
    // lineNames of a list item without `#`, `if:`, `then:`, `else:`: its bare requirement, read here.
    const name = bareRequirement(text, start, end);
    if (name === FALLBACK) for (const n of cached(lineNameCache, text.slice(start, end), lineNames)) names.add(n);
    else if (name !== null) names.add(name);
  } else if (kind === OTHER) for (const name of cached(lineNameCache, text.slice(start, end), lineNames)) names.add(name);
}

/**
 * addLineNames for each line of a text split at `\n` (no `\r` in it), without making the lines:
 * lineKind read from the text where each line is (the next `#` and `:` searched once for the lines
 * they are past), and only a line that lineNames must read is copied (most lines are NONE).
 */
function lineNamesOfText(text: string, names: Set<string>): void {
  const n = text.length;
  let hash = text.indexOf('#');
  if (hash < 0) hash = n;
  let colon = text.indexOf(':');
  if (colon < 0) colon = n;
  for (let start = 0; start < n; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    if (hash < start) {
      hash = text.indexOf('#', start);
      if (hash < 0) hash = n;
    }
    let kind = NONE;
    if (hash < end) kind = OTHER;
    else {
      if (colon < start) {
        colon = text.indexOf(':', start);
        if (colon < 0) colon = n;
      }
      while (colon < end) {
        const c = colon - start;
        if ((c >= 2 && text.startsWith('if', colon - 2)) || (c >= 4 && (text.startsWith('then', colon - 4) || text.startsWith('else', colon - 4)))) {
          kind = OTHER;
          break;
        }
        colon = text.indexOf(':', colon + 1);
        if (colon < 0) colon = n;
      }
      if (kind === NONE) {
        // LIST_ITEM at the line's start.
        let i = start;
        while (i < end && isRegexSpace(text.charCodeAt(i))) i++;
        if (i + 1 < end && text.charCodeAt(i) === 45 && isRegexSpace(text.charCodeAt(i + 1))) kind = PLAIN_ITEM;
      }
    }
    if (kind !== NONE) addLineNames(text, start, end, kind, names);
    start = end + 1;
  }
}
const isAsciiSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/**
 * REQUIREMENT's name in the line line[from, n) (null when it does not match), by a character scan: a
 * regex match copies the line. FALLBACK at a non-ASCII character met before the answer is known (`\s` holds
 * Unicode spaces): lineNames reads such a line.
 */
function bareRequirement(line: string, from: number, n: number): string | null | typeof FALLBACK {
  let i = from;
  let c = 0;
  while (i < n && isAsciiSpace((c = line.charCodeAt(i)))) i++;
  if (c >= 128) return FALLBACK;
  if (i === n || c !== 45) return null;
  const dash = ++i;
  while (i < n && isAsciiSpace((c = line.charCodeAt(i)))) i++;
  if (i < n && c >= 128) return FALLBACK;
  if (i === dash || i === n || !isNameStart(c)) return null;
  const start = i;
  while (++i < n && (isNameStart((c = line.charCodeAt(i))) || c === 46 || c === 45));
  const end = i;
  for (; i < n; i++) {
    c = line.charCodeAt(i);
    if (c >= 128) return FALLBACK;
    if (!isAsciiSpace(c)) return null;
  }
  return line.slice(start, end);
}

// The same Jinja blocks and lines recur in every recipe of an aggregate: their names, in order of
// first appearance (adding them in that order gives the same set as scanning again), are kept.
const NAME_CACHE_SIZE = 20000;
const blockNameCache = new Map<string, string[]>();
const lineNameCache = new Map<string, string[]>();

function cached(cache: Map<string, string[]>, text: string, scan: (text: string, out: Set<string>) => void): string[] {
  let names = cache.get(text);
  if (!names) {
    const found = new Set<string>();
    scan(text, found);
    names = [...found];
    if (cache.size >= NAME_CACHE_SIZE) cache.clear();
    cache.set(text, names);
  }
  return names;
}

// Per frozen values object (a shared config: loadSharedVariantConfig, or a renderer's augmented
// copy), its keys by normal form: made once, not once per recipe.
const normalIndexes = new WeakMap<object, Map<string, string>>();

/** Keys by normal form (`-` as `_`); of two keys with the same normal form, the later one. */
function normalIndex(values: Record<string, string[]>): Map<string, string> {
  let index = normalIndexes.get(values);
  if (!index) {
    index = sharedByKeys(values, 'normal', () => new Map(Object.keys(values).map((k) => [normal(k), k])));
    if (Object.isFrozen(values)) normalIndexes.set(values, index);
  }
  return index;
}

// What is derived from a config's keys alone (their order included), per list of keys: a recipe-dir
// conda_build_config.yaml stacked on the aggregate's makes a config of its own, most often with the
// aggregate's keys (it sets values of keys the aggregate has), so ~460 keys are not indexed again
// for every such recipe. The keys are listed once per frozen values object.
const keyLists = new WeakMap<object, string>();
const byKeyList = new Map<string, unknown>();
const KEY_LIST_CACHE_SIZE = 256;

/**
 * make(), or what it made for a values object with the same keys in the same order (`use` names
 * what is made). Only for frozen values (keys that cannot change); else make() every time.
 */
export function sharedByKeys<T>(values: Record<string, unknown>, use: string, make: () => T): T {
  if (!Object.isFrozen(values)) return make();
  let keys = keyLists.get(values);
  if (keys === undefined) keyLists.set(values, (keys = JSON.stringify(Object.keys(values))));
  const id = `${use}\n${keys}`;
  let made = byKeyList.get(id) as T | undefined;
  if (made === undefined) {
    made = make();
    if (byKeyList.size >= KEY_LIST_CACHE_SIZE) byKeyList.delete(byKeyList.keys().next().value!);
    byKeyList.set(id, made);
  }
  return made;
}

/**
 * The variant keys a recipe text uses, as conda-build decides which keys to multiply
 * (find_used_variables). Counted, when the name is a key of the config:
 * - names read in Jinja blocks (`{{ }}`, `{% %}`, also v1 `${{ }}`), except attributes, filters,
 *   tests and keyword-argument names; `compiler('c')` uses c_compiler and c_compiler_version,
 *   `stdlib('c')` c_stdlib and c_stdlib_version, `cdt(...)` cdt_name, `pin_compatible('x')` x;
 * - names read in line selectors `# [expr]` and in v1 `if:` conditions;
 * - list items that are a bare package name (`- numpy`, no version; `-` and `_` alike), and
 *   v1 `then: numpy` / `else: numpy`: conda-build only applies a variant to unpinned requirements;
 * - in `scripts` (build.sh / bld.bat texts, as conda-build scans them): `$key`, `${key}`, `%key%`.
 * `python` is used whenever a list item requires python (pinned or not), even without a config key.
 * Broader than conda-build's regexes in one way: any Jinja name counts (conda-build's pattern
 * misses e.g. `{% set x = numpy %}`), which can only add variants, never drop one.
 */
export function usedVariantKeys(recipeText: string, config: VariantConfig, scripts: string[] = []): Set<string> {
  const names = new Set<string>();
  if (recipeText.includes('{')) forEachJinjaBlock(recipeText, (body) => {
    for (const name of cached(blockNameCache, body, jinjaNames)) names.add(name);
  });
  if (recipeText.includes('\r')) for (const line of recipeText.split(/\r?\n/)) addLineNames(line, 0, line.length, lineKind(line), names);
  else lineNamesOfText(recipeText, names);
  for (const script of scripts) {
    for (const m of script.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?|%([A-Za-z_][A-Za-z0-9_]*)%/g)) names.add(m[1] ?? m[2]);
  }

  const byNormal = normalIndex(config.values);
  const used = new Set<string>();
  for (const name of names) {
    const key = Object.hasOwn(config.values, name) ? name : byNormal.get(normal(name));
    if (key) used.add(key);
  }
  if (recipeText.includes('python') && PYTHON_REQUIREMENT.test(recipeText)) used.add('python');
  return used;
}

// ------------------------------------------------------------------ expansion

function versionParts(v: string): number[] {
  return v.trim().split(/\s+/)[0].split('.').map((p) => Number.parseInt(p, 10)).filter((n) => !Number.isNaN(n));
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** A config value matches a forced one: python by version prefix ("3.13.* *_cpython" ~ "3.13"), others exactly. */
function matchesForced(key: string, configValue: string, forced: string): boolean {
  if (key !== 'python') return configValue === forced;
  const head = configValue.trim().split(/\s+/)[0].replace(/\.\*$/, '');
  return head === forced || head.startsWith(`${forced}.`);
}

/** Key-value pairs of a variant (one option of a dimension): pairs, not an object per option. */
type Assignment = [string, string][];

/**
 * Expand the config into concrete variants for the target: python set to target.python, `extra`
 * keys forced, the used list keys multiplied (cartesian product), zip_keys zipped. Only used keys
 * (plus python and `extra`) appear. Always at least one variant; order is deterministic (keys
 * sorted, each key's values in config order).
 *
 * A zip group holding a forced key keeps the positions whose value matches it (python matches by
 * version prefix). When python's position is absent from the group (the new python is not in the
 * config yet) the position of the newest python older than the target is used, else the first:
 * its zipped partners (e.g. numpy) are the best known guess. For other forced keys with no match,
 * every position is kept. Zipped keys must have equal lengths, else VariantConfigError.
 */
export function expandVariants(config: VariantConfig, used: Set<string>, target: Target, extra: Record<string, string> = {}): Record<string, string>[] {
  // Loops, no closures or spreads: a closure per call and the iterator protocols TurboFan inlines
  // for spreads made this function one of the render's largest compiles (and its reads of arrays
  // from `.map` of possibly empty lists deoptimized it twice per process).
  const values = config.values;
  const forced = new Map<string, string>();
  forced.set('python', target.python);
  if (used.has('target_platform')) forced.set('target_platform', target.subdir);
  for (const k of Object.keys(extra)) forced.set(k, extra[k]);

  const included = new Set<string>();
  for (const k of used) if (hasValues(values, k) || forced.has(k)) included.add(k);
  for (const k of forced.keys()) included.add(k);

  const dimensions: Dimension[] = [];
  const zipped = new Set<string>();
  for (const group of config.zipKeys) {
    const members: string[] = [];
    let shownToo = false;
    for (const k of group) {
      if (!hasValues(values, k)) continue;
      members.push(k);
      if (included.has(k)) shownToo = true;
    }
    if (!shownToo) continue;
    const n = values[members[0]].length;
    for (const k of members) {
      zipped.add(k);
      if (values[k].length !== n) throw zipLengthsError(group, members, values);
    }
    let positions: number[] = [];
    for (let i = 0; i < n; i++) positions.push(i);
    for (const key of members) {
      if (!forced.has(key)) continue;
      positions = forcedPositions(key, values[key], forced.get(key)!, positions);
    }
    const shown: string[] = [];
    let first = '';
    for (const k of members) {
      if (!included.has(k) || forced.has(k)) continue;
      if (!shown.length || k < first) first = k;
      shown.push(k);
    }
    if (!shown.length) continue;
    const options: Assignment[] = [];
    for (const i of positions) {
      const option: Assignment = [];
      for (const k of shown) option.push([k, values[k][i]]);
      options.push(option);
    }
    dimensions.push({ first, options });
  }
  for (const key of included) {
    if (forced.has(key) || zipped.has(key)) continue;
    const options: Assignment[] = [];
    for (const v of values[key]) options.push([[key, v]]);
    dimensions.push({ first: key, options });
  }
  dimensions.sort(byFirst);

  // The cartesian product, the first dimension varying slowest. Dimensions hold disjoint keys (a
  // key is in one zip group at most, forced keys in none), so a variant is the union of one option
  // per dimension and the forced keys, whatever the order: dimensions of one option (most) are
  // put in every variant once, not copied into each partial combination.
  const fixed = new Map<string, string>();
  const varying: Assignment[][] = [];
  for (const { options } of dimensions) {
    if (options.length === 1) for (const [k, v] of options[0]) fixed.set(k, v);
    else varying.push(options);
  }
  for (const [k, v] of forced) fixed.set(k, v);
  // Combination n takes option floor(n / stride) % length of each varying dimension, the stride
  // of a dimension being the product of the lengths after it (no array per combination).
  const strides: number[] = [];
  let count = 1;
  for (let d = varying.length - 1; d >= 0; d--) {
    strides.push(count);
    count *= varying[d].length;
  }
  strides.reverse();

  const seen = new Set<string>();
  const variants: Record<string, string>[] = [];
  for (let n = 0; n < count; n++) {
    const all = new Map(fixed);
    for (let d = 0; d < varying.length; d++) {
      const options = varying[d];
      for (const [k, v] of options[Math.floor(n / strides[d]) % options.length]) all.set(k, v);
    }
    const keys = Array.from(all.keys()).sort();
    const entries: [string, string][] = [];
    for (const k of keys) entries.push([k, all.get(k)!]);
    const variant = Object.fromEntries(entries);
    // Two combinations can give the same variant only when there are two.
    if (count > 1) {
      const id = JSON.stringify(variant);
      if (seen.has(id)) continue;
      seen.add(id);
    }
    variants.push(variant);
  }
  return variants;
}

/** One dimension of the product: a zip group's positions or a key's values, named by its first key. */
interface Dimension {
  first: string;
  options: Assignment[];
}

function byFirst(a: Dimension, b: Dimension): number {
  return a.first < b.first ? -1 : a.first > b.first ? 1 : 0;
}

function hasValues(values: Record<string, string[]>, k: string): boolean {
  return (values[k]?.length ?? 0) > 0;
}

/**
 * The positions of a zip group kept for a forced key: those whose value matches it; none matching,
 * for python the newest python older than the forced one (else the first position), for other
 * keys every position.
 */
function forcedPositions(key: string, values: string[], want: string, positions: number[]): number[] {
  const matching: number[] = [];
  for (const i of positions) if (matchesForced(key, values[i], want)) matching.push(i);
  if (matching.length) return matching;
  if (key !== 'python' || !positions.length) return positions;
  const wanted = versionParts(want);
  let best: number | undefined;
  for (const i of positions) {
    if (compareVersions(versionParts(values[i]), wanted) >= 0) continue;
    if (best === undefined || compareVersions(versionParts(values[i]), versionParts(values[best])) > 0) best = i;
  }
  return [best ?? positions[0]];
}

function zipLengthsError(group: string[], members: string[], values: Record<string, string[]>): VariantConfigError {
  return new VariantConfigError(
    undefined,
    `zip_keys group [${group.join(', ')}] has lists of different lengths: ${members.map((k) => `${k}=${values[k].length}`).join(', ')}`,
  );
}

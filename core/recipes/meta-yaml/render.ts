// Render a meta.yaml (v0) recipe for one target the way conda-build does:
//   variants (conda_build_config.yaml stack) → per variant:
//   line selectors on the raw text (conda-build's FilteredLoader runs select_lines before Jinja),
//   Jinja with conda-build's context, selectors again on the rendered text (metadata.parse),
//   YAML, outputs, then finalisation (variant pins, build string) shared with recipe.yaml.
// Jinja runs in passes, as conda-build's parse_until_resolved: the first pass learns the package
// name, version, number, outputs and host pins that PKG_*, pin_subpackage and pin_compatible need
// (one pass when only printed pin_subpackage calls need them: resolvedInOnePass).
// Dropped selector lines become empty lines, so line numbers of Jinja and YAML errors stay those of
// the file.
import { warningCollector } from '../warning-collector.ts';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Environment } from '../minijinja.ts';
import { LineCounter, parseDocument } from 'yaml';
import type { RecipeRef, RenderedOutput, RenderedRecipe, RenderedVariant, Target } from '../../model/types.ts';
import { RecipeRenderError } from '../render-error.ts';
import { pooledRender } from '../render-pool.ts';
import { applySelectors, selectorNamespace } from '../selectors.ts';
import { expandVariants, loadSharedVariantConfig, usedVariantKeys, type VariantConfig } from '../variants.ts';
import { parseRecipeYaml, RecipeYamlError } from '../yaml.ts';
import { finalizeOutput, hashContents, hashDependencies, pinVariantRequirements, plainVersion, specName, type PinConfig } from '../finalize-output.ts';
import { JinjaCompat, RelayCompat, rewriteTemplate } from './jinja-compat.ts';
import { condaBuildContext, defaultVariant, platformOf, subpackagePin, type JinjaContextInput, type SubpackageInfo, type SubpackagePinCall } from './jinja-context.ts';
import { extractRecipe, RecipeShapeError, type TopLevel } from './outputs.ts';
import { outputKeys, scriptReader, type ScriptReader } from './used-keys.ts';
import { keyScope, recipeLiterals, type KeyScope } from './key-scope.ts';
import { loadName, recipeTemplates, renameLoads, type RecipeTemplate } from './templates.ts';
import { undefinedNames } from '../undefined-name.ts';
import { keyedObject, putKey } from '../keyed-object.ts';
import { metaYamlScriptEnv } from '../script-env.ts';

export interface RenderMetaYamlOptions {
  /**
   * Variables `environ` / `os.environ` hold; default none. Never the process environment as a
   * whole: the render plugin passes the config's allow-listed variables (core/config/environment.ts).
   */
  environ?: Record<string, string>;
}

const MAX_PASSES = 4;

/** Apply `# [selector]` lines, keeping the line count (a dropped line becomes empty). */
export function selectLines(text: string, ns: Record<string, unknown>, onWarning: (line: number, message: string) => void): string {
  const warnings: { line: number; message: string }[] = [];
  const out = applySelectors(text, ns, warnings, { keepLineNumbers: true });
  for (const w of warnings) onWarning(w.line, w.message);
  return out;
}

/**
 * The variant conda-build renders with: every config key has a value (its first, or the one at the
 * same zip_keys position as a chosen member), then the defaults, then the expanded variant.
 */
export function completeVariant(
  config: Readonly<VariantConfig>,
  variant: Record<string, string>,
  defaults: Record<string, string>,
  /** Only these config keys (in config order; key-scope.ts): the full variant restricted to them. */
  only?: readonly string[],
): Record<string, string> {
  // Keyed by the recipe's keys: in dictionary mode (keyed-object.ts), built as {...defaults, ...keys, ...variant}.
  const full = keyedObject<string>();
  for (const key of Object.keys(defaults)) putKey(full, key, defaults[key]);
  const groups = zipGroupOf(config.zipKeys, Object.isFrozen(config.values));
  for (const key of only ?? Object.keys(config.values)) {
    const values = config.values[key];
    if (!values.length || key in variant) continue;
    let at = 0;
    const group = groups.get(key);
    for (const member of group ?? []) {
      const i = member in variant ? (config.values[member] ?? []).indexOf(variant[member]) : -1;
      if (i >= 0) {
        at = i;
        break;
      }
    }
    full[key] = values[at] ?? values[0];
  }
  for (const key of Object.keys(variant)) putKey(full, key, variant[key]);
  return full;
}

// Each key's zip_keys group (the first that holds it): made once per shared config (its values
// frozen: loadSharedVariantConfig), not once per key of every variant.
const zipGroupIndexes = new WeakMap<readonly string[][], Map<string, string[]>>();

function zipGroupOf(zipKeys: string[][], shared: boolean): Map<string, string[]> {
  let index = zipGroupIndexes.get(zipKeys);
  if (!index) {
    index = new Map();
    for (const g of zipKeys) for (const key of g) if (!index.has(key)) index.set(key, g);
    if (shared) zipGroupIndexes.set(zipKeys, index);
  }
  return index;
}

function jinjaLine(message: string): number | undefined {
  const m = message.match(/\(in [^)]*?:(\d+)\)/);
  return m ? Number(m[1]) : undefined;
}

/**
 * One minijinja environment for every render of the process: creating one costs a wasm object and
 * ~30 registered callbacks, and environments left to the garbage collector pile up in the wasm
 * runtime. The helpers are registered once through a relay that reports to the render in progress.
 * A render that throws drops the environment (a JS exception through the wasm boundary may have
 * left it in a bad state): the next render gets a new one, as every render did before.
 */
let sharedEnv: Environment | null = null;
const relay = new RelayCompat();

function makeEnvironment(): Environment {
  const env = new Environment();
  env.enablePyCompat();
  // conda-build renders undefined names as empty (UndefinedNeverFail); chainable also allows `x.y`.
  env.undefinedBehavior = 'chainable';
  env.keepTrailingNewline = true;
  relay.register(env);
  return env;
}

/**
 * The context entries a template can read: minijinja-js converts the whole context to wasm values
 * on every render, which costs more than rendering a recipe. A name the template reads is an
 * identifier in its text: a name of word characters is wanted when it is one of the template's
 * runs of word characters (an identifier next to a digit or a non-ASCII letter is no separate name,
 * or a syntax error whatever the context holds), any other name when it is a substring of the text.
 * `debug()` shows the whole context, so a template that mentions it gets everything.
 */
export function contextFilter(template: string): (name: string) => boolean {
  // Every filter is a closure of this one function, `debug()`'s too: a second kind of filter made
  // condaBuildContext's optimized calls of it deoptimize (wrong feedback cell) once per process.
  const all = template.includes('debug');
  let marked = all ? 0 : markWordSignatures(template);
  const known = new Map<string, boolean>();
  return (name) => {
    if (all) return true;
    let found = known.get(name);
    if (found === undefined) {
      if (WORD.test(name)) {
        // Another filter marked its text since: mark this one's again.
        if (marked !== generation) marked = markWordSignatures(template);
        found = stamps[wordSignature(name, 0, name.length)] === marked && isWordOf(template, name);
      } else found = template.includes(name);
      known.set(name, found);
    }
    return found;
  };
}

const WORD = /^\w+$/;

// `{%`, an optional `-`, whitespace, `raw`: a raw block's text is template data to minijinja
// whatever it holds (matched loosely: a near miss only keeps the whole text).
const RAW_TAG = /\{%[-+]?\s*raw/;

/**
 * The code of a template as minijinja's lexer splits it (minijinja compiler/lexer.rs): the insides
 * of its `{{ }}` and `{% %}` tags, joined by newlines. Only there is a context entry read; the text
 * between the tags (and in `{# #}` comments) is copied. A tag opens at `{{` / `{%` / `{#` found in
 * template data; in a tag, a string (`'` or `"`, backslash escapes) is skipped whole and the tag
 * ends at its first `}}` / `%}` outside strings. Null where that split may not be minijinja's: a
 * tag, string or comment without its end, brackets left open at a tag's end (a lexer that counts
 * them — minijinja 2.11 does — goes on), a `{% raw %}` block (data inside); the caller then reads
 * the whole text.
 */
export function jinjaCode(text: string): string | null {
  if (RAW_TAG.test(text)) return null;
  const n = text.length;
  let code = '';
  for (let p = text.indexOf('{'); p >= 0; ) {
    const kind = text.charCodeAt(p + 1);
    if (kind === 35) {
      // A comment ends at the first `#}` from its `{` on (so `{#}` is one).
      const end = text.indexOf('#}', p);
      if (end < 0) return null;
      p = text.indexOf('{', end + 2);
      continue;
    }
    if (kind !== 123 && kind !== 37) {
      p = text.indexOf('{', p + 1);
      continue;
    }
    // `{{` ends at `}}`, `{%` at `%}`.
    const closer = kind === 123 ? 125 : 37;
    const start = p + 2;
    let depth = 0;
    let i = start;
    for (;;) {
      if (i >= n) return null;
      const c = text.charCodeAt(i);
      if (c === 39 || c === 34) {
        let j = i + 1;
        for (;;) {
          if (j >= n) return null;
          const d = text.charCodeAt(j);
          if (d === 92) j += 2;
          else if (d === c) break;
          else j++;
        }
        i = j + 1;
        continue;
      }
      if (c === closer && text.charCodeAt(i + 1) === 125) {
        // Brackets still open: minijinja (which counts them) reads on past this closer.
        if (depth !== 0) return null;
        break;
      }
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93 || c === 125) depth--;
      i++;
    }
    code += code ? `\n${text.slice(start, i)}` : text.slice(start, i);
    p = text.indexOf('{', i + 2);
  }
  return code;
}

/** The code (jinjaCode) of a render's texts, or null when one's split is uncertain. */
function jinjaCodeOf(texts: Iterable<string>): string | null {
  let code = '';
  for (const text of texts) {
    const c = jinjaCode(text);
    if (c === null) return null;
    code += `${c}\n`;
  }
  return code;
}

// The signatures of the last text marked, as the generation that marked them: one table for every
// filter of the thread (a 64 KiB table per filter made ~27 MB of buffers per 400 recipes).
const stamps = new Uint32Array(0x10000);
let generation = 0;

/**
 * Mark the signatures (wordSignature) of the runs of word characters (`\w`: ASCII letters, digits,
 * `_`) of a text with a new generation, by a character scan: a name whose signature is not marked
 * with it is no word of the text (most names a context offers), without a set of the text's words.
 */
function markWordSignatures(text: string): number {
  if (++generation === 0xffffffff) {
    stamps.fill(0);
    generation = 1;
  }
  const n = text.length;
  for (let i = 0; i < n; ) {
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isWordChar(text.charCodeAt(j))) j++;
    stamps[wordSignature(text, i, j)] = generation;
    i = j + 1;
  }
  return generation;
}

/** A 16-bit signature of text[from, to): its length, first, second and last characters. */
function wordSignature(text: string, from: number, to: number): number {
  const len = to - from;
  const h = Math.imul(len, 0x9e3779b1) ^ Math.imul(text.charCodeAt(from), 0x85ebca6b) ^ Math.imul(len > 1 ? text.charCodeAt(from + 1) : 0, 0xc2b2ae35) ^ Math.imul(text.charCodeAt(to - 1), 0x27d4eb2f);
  return (h ^ (h >>> 16)) & 0xffff;
}

/** Is `word` (of word characters) one of the runs of word characters of `text`? */
function isWordOf(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    const end = at + word.length;
    if ((at === 0 || !isWordChar(text.charCodeAt(at - 1))) && (end === text.length || !isWordChar(text.charCodeAt(end)))) return true;
  }
  return false;
}

const isWordChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

// The context entries whose value depends on what the previous pass learnt (PKG_* also in environ
// and os.environ; pin_* and load_* read the outputs, host versions and local source), plus those
// that only warn in the final pass; `debug()` shows them all.
const LEARNT_NAMES = ['PKG_', 'environ', 'pin_subpackage', 'pin_compatible', 'load_', 'debug'];
const OS_NAME = /(?<![\p{L}\p{N}_])os(?![\p{L}\p{N}_])/u;

/** Can the rendering of `template` change with what a pass learns (names it can read, as substrings)? */
function readsLearnt(template: string): boolean {
  return LEARNT_NAMES.some((name) => template.includes(name)) || OS_NAME.test(template);
}

/** Every `pin_subpackage` of a template is a whole `{{ }}` expression (its value is printed as is). */
const WHOLE_PIN = /\{\{-?\s*pin_subpackage\((?:[^(){}]|\([^(){}]*\))*\)\s*-?\}\}/g;
const LEARNT_BUT_PINS = LEARNT_NAMES.filter((name) => name !== 'pin_subpackage');

/**
 * Does `template` read what a pass learns only through `pin_subpackage`, each call printed as is
 * (`{{ pin_subpackage(...) }}`: no filter, no set, no test, no macro around it)? Then the value
 * of each call can be filled in after the pass (resolvedInOnePass in renderVariant).
 */
export function deferPinsOnly(template: string): boolean {
  if (!template.includes('pin_subpackage')) return false;
  if (LEARNT_BUT_PINS.some((name) => template.includes(name)) || OS_NAME.test(template)) return false;
  if (/\{%-?\s*(macro|call|filter)\b/.test(template)) return false;
  return (template.match(/pin_subpackage/g)?.length ?? 0) === (template.match(WHOLE_PIN)?.length ?? 0);
}

/** pin_subpackage calls of a deferring pass, with how many warnings that pass had before each. */
type DeferredPins = (SubpackagePinCall & { warningsBefore: number })[];
/** What deferred call `index` renders as, until its pin replaces it. */
const pinMarker = (index: number) => `__rebuild_pin_${index}__`;
const PIN_MARKER = /__rebuild_pin_(\d+)__/g;

// A pin that YAML reads as the same text wherever a plain marker stood: a name and at least one
// more word (never null or a boolean), of characters that are no YAML indicator, quote or comment.
const PLAIN_PIN = /^[\w.+*,<>=!~-]+(?: [\w.+*,<>=!~-]+)+$/;
const NOT_PLAIN_LINE = /[#'"[\]{}\\]/;

/**
 * Does the text with its pins in place (markers replaced) parse, selectors applied, to the YAML of
 * the marked text with each marker replaced in its strings? Yes when every pin is plain and no
 * line holding a marker has a comment, a selector, a quote or a flow collection.
 */
export function pinsParseInPlace(marked: string, pins: readonly string[]): boolean {
  if (!pins.every((p) => PLAIN_PIN.test(p))) return false;
  for (let at = marked.indexOf('__rebuild_pin_'); at >= 0; at = marked.indexOf('__rebuild_pin_', at + 1)) {
    const start = marked.lastIndexOf('\n', at) + 1;
    const end = marked.indexOf('\n', at);
    if (NOT_PLAIN_LINE.test(marked.slice(start, end < 0 ? marked.length : end))) return false;
  }
  return true;
}

/**
 * The lines of `marked` that hold a pin marker, with the pins in place (pins are plain: no line
 * break): with the lines of `marked` that hold none, the pinned text's lines.
 */
export function pinnedLines(marked: string, pins: readonly string[]): string {
  const lines: string[] = [];
  for (let at = marked.indexOf('__rebuild_pin_'); at >= 0; ) {
    const start = marked.lastIndexOf('\n', at) + 1;
    let end = marked.indexOf('\n', at);
    if (end < 0) end = marked.length;
    lines.push(marked.slice(start, end).replace(PIN_MARKER, (_, i: string) => pins[Number(i)]));
    at = marked.indexOf('__rebuild_pin_', end);
  }
  return lines.join('\n');
}

const NOT_IN_PLACE: unique symbol = Symbol('pins not in place');

/**
 * Parsed YAML with the pin markers of its strings replaced; NOT_IN_PLACE when a key holds one.
 * Replaced where they are (no copy of the tree: the parse is this pass's own, read by nothing else).
 */
function withPins(value: unknown, pins: readonly string[]): unknown {
  if (typeof value === 'string') return value.includes('__rebuild_pin_') ? value.replace(PIN_MARKER, (_, i: string) => pins[Number(i)]) : value;
  return pinsInto(value, pins) ? value : NOT_IN_PLACE;
}

/** withPins on the strings inside `value`, in place; false when a key holds a marker. */
function pinsInto(value: unknown, pins: readonly string[]): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const x: unknown = value[i];
      if (typeof x === 'string') {
        if (x.includes('__rebuild_pin_')) value[i] = withPins(x, pins);
      } else if (!pinsInto(x, pins)) return false;
    }
    return true;
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (key.includes('__rebuild_pin_')) return false;
    const x = object[key];
    if (typeof x === 'string') {
      if (!x.includes('__rebuild_pin_')) continue;
      const v = withPins(x, pins);
      if (key === '__proto__') Object.defineProperty(object, key, { value: v, writable: true, enumerable: true, configurable: true });
      else object[key] = v;
    } else if (!pinsInto(x, pins)) return false;
  }
  return true;
}

/** The outputs a pass found (for pin_subpackage), exact build strings as placeholders. */
function learntOutputs(prev: TopLevel | null): Map<string, SubpackageInfo> {
  const outputs = new Map<string, SubpackageInfo>();
  for (const o of prev?.outputs ?? []) outputs.set(o.raw.name, { version: o.raw.version, exactBuild: placeholder(o.raw.name) });
  return outputs;
}

/** An undefined value printed (or iterated, or looked into) by a template, where minijinja found it. */
export interface UndefinedUse {
  /** The template's name as minijinja knows it (`<string>` for the recipe itself). */
  in: string;
  line: number;
}

/**
 * Render `template`. Undefined names render empty, as conda-build's lenient Undefined does; but
 * first the template is rendered with minijinja's semi-strict undefined (printing an undefined value
 * is an error there, testing it is not): when only that fails on an undefined value, `onUndefined`
 * is told where and `retry` undoes the side effects of the failed attempt before the lenient render.
 */
function renderJinja(
  template: string,
  ctx: Record<string, unknown>,
  compat: JinjaCompat,
  templates?: ReadonlyMap<string, string>,
  onUndefined?: { found(use: UndefinedUse): void; retry(): void },
): string {
  const env = (sharedEnv ??= makeEnvironment());
  relay.active = compat;
  try {
    // The recipe's own templates (import/include), for this render only: the environment is shared.
    for (const [name, text] of templates ?? []) env.addTemplate(name, text);
    if (onUndefined) {
      let use: UndefinedUse | null = null;
      env.undefinedBehavior = 'semi_strct' as 'strict';
      try {
        return env.renderStr(template, ctx);
      } catch (err) {
        const m = String((err as Error)?.message ?? err).match(/^undefined value \(in (.*):(\d+)\)/);
        if (m) use = { in: m[1], line: Number(m[2]) };
      } finally {
        env.undefinedBehavior = 'chainable';
      }
      onUndefined.retry();
      const text = env.renderStr(template, ctx);
      if (use) onUndefined.found(use);
      return text;
    }
    return env.renderStr(template, ctx);
  } catch (err) {
    if (sharedEnv === env) sharedEnv = null;
    throw err;
  } finally {
    relay.active = null;
    if (templates?.size && sharedEnv === env) env.clearTemplates();
  }
}

/** 1-based line of a YAML path (`outputs[1].requirements.run[0]`) in `text`, if it can be found. */
function lineOfPath(text: string, path: string): number | undefined {
  try {
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
    const keys = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
    for (let n = keys.length; n > 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lc.linePos(node.range[0]).line;
    }
  } catch {
    /* fall through */
  }
  return undefined;
}

/** The first line of `text` containing every hint. */
function lineOf(text: string, hints: string[]): number | undefined {
  const wanted = hints.filter(Boolean);
  if (!wanted.length) return undefined;
  const i = text.split('\n').findIndex((l) => wanted.every((h) => l.includes(h)));
  return i < 0 ? undefined : i + 1;
}

/** A warning of a pass: line, message, and the file when it is not the recipe (an imported template). */
type PassWarning = [number | undefined, string, string?];

interface PassResult {
  top: TopLevel | null;
  error?: RecipeRenderError;
  warnings: PassWarning[];
  /** The parsed YAML the result was read from (when it parsed). */
  meta?: unknown;
}

interface VariantJob {
  recipe: RecipeRef;
  target: Target;
  raw: string;
  config: Readonly<VariantConfig>;
  variant: Record<string, string>;
  options: RenderMetaYamlOptions;
  /** The recipe's build scripts, read once for all its variants and outputs. */
  readScript: ScriptReader;
  /** The keys the recipe can observe (null: every key of the config). */
  scope: KeyScope | null;
  /** Templates the recipe imports or includes (templates.ts), read once for all its variants. */
  templates: Map<string, RecipeTemplate>;
  warn(line: number | undefined, message: string, file?: string): void;
}

const placeholder = (name: string) => `__rebuild_exact_build_of_${name}__`;

/** A text of the render names a variant key out of the recipe's scope (key-scope.ts). */
class OutOfScope extends Error {}

/**
 * renderVariant with the full variant restricted to the recipe's scope, or, when the render names
 * a key out of it, with every key (its warnings are given only once the result is known).
 */
function renderVariantInScope(job: VariantJob): RenderedVariant {
  if (!job.scope) return renderVariant(job);
  const scope = job.scope;
  const held: [number | undefined, string, string?][] = [];
  const readScript: ScriptReader = (f) => {
    const text = job.readScript(f);
    if (text !== null && !scope.covers(text)) throw new OutOfScope();
    return text;
  };
  try {
    const rendered = renderVariant({ ...job, readScript, warn: (...w) => held.push(w) });
    for (const w of held) job.warn(...w);
    return rendered;
  } catch (err) {
    if (err instanceof OutOfScope) return renderVariant({ ...job, scope: null });
    for (const w of held) job.warn(...w);
    throw err;
  }
}

// conda-build's default variant per target, made once (completeVariant copies it).
const defaultVariants = new Map<string, Readonly<Record<string, string>>>();
function defaultsOf(target: Target): Record<string, string> {
  const key = `${target.subdir}\0${target.python}`;
  let defaults = defaultVariants.get(key);
  if (!defaults) {
    if (defaultVariants.size >= 64) defaultVariants.clear();
    defaultVariants.set(key, (defaults = Object.freeze(defaultVariant(target))));
  }
  return defaults;
}

function renderVariant(job: VariantJob): RenderedVariant {
  const { recipe, target, raw } = job;
  const file = recipe.file;
  // Frozen: what is derived from it once (finalize-output.ts) stays true.
  const full = Object.freeze(completeVariant(job.config, job.variant, defaultsOf(target), job.scope?.keys ?? undefined));
  const ns = selectorNamespace(target, full, { environ: job.options.environ });
  const selected = selectLines(raw, ns, (line, message) => job.warn(line, message));
  // Imported and included templates, selectors applied as in the recipe (conda-build's FilteredLoader).
  const templates = new Map<string, string>();
  for (const [name, t] of job.templates) {
    templates.set(loadName(name), renameLoads(rewriteTemplate(selectLines(t.text, ns, (line, message) => job.warn(line, message, t.file)))));
  }
  const template = templates.size ? renameLoads(rewriteTemplate(selected)) : rewriteTemplate(selected);
  // What the render can read: the recipe's text and its templates'.
  const readable = templates.size ? [template, ...templates.values()].join('\n') : template;
  // The parts of the recipe a Jinja pass copies as they are: its output there names no key out of scope.
  const literals = job.scope ? recipeLiterals(selected) : undefined;
  // The context holds the entries the template's code can read (jinjaCode: its tags' insides; the
  // text between tags names nothing Jinja reads), else those its whole text names.
  const code = jinjaCodeOf(templates.size ? [template, ...templates.values()] : [template]);
  const wanted = contextFilter(code ?? readable);
  const win = platformOf(target.subdir) === 'win';
  const extra = job.config.extra ?? {};
  const pinRunAsBuild = (extra.pin_run_as_build ?? {}) as Record<string, PinConfig>;
  const listKey = (k: string) => (job.config.values[k] ?? (Array.isArray(extra[k]) ? (extra[k] as string[]) : undefined)) as string[] | undefined;

  // The same output's keys are asked for in every pass and when finalising: computed once per variant.
  const outputKeyMemo = new Map<string, ReturnType<typeof outputKeys>>();
  const keysOf = (o: TopLevel['outputs'][number]) => {
    const script = o.index === null ? null : o.raw.script;
    const key = JSON.stringify([o.index, script]);
    let keys = outputKeyMemo.get(key);
    if (!keys) outputKeyMemo.set(key, (keys = outputKeys({ raw, selected, config: job.config, variant: full, recipeDir: recipe.dir, index: o.index, script, win, readScript: job.readScript })));
    return keys;
  };
  const finalizeCtx = (o: TopLevel['outputs'][number]) => {
    const k = keysOf(o);
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v ? [String(v)] : []);
    return {
      variant: full,
      usedKeys: k.used,
      requirementsUsedKeys: k.requirementsUsed,
      pinRunAsBuild,
      ignoreVersion: listKey('ignore_version'),
      ignoreBuildOnlyDeps: listKey('ignore_build_only_deps'),
      numpyXX: k.numpyXX,
      numpyPinCompatibleXX: k.numpyPinCompatibleXX,
      forceUseKeys: list(o.build.force_use_keys),
      forceIgnoreKeys: list(o.build.force_ignore_keys),
    };
  };

  // One Jinja + selectors + YAML pass. Never throws: the error (if any) is returned with what
  // could be learnt, and only the pass that is kept reports its warnings and error. With
  // `deferred`, pin_subpackage calls are recorded there and render as markers (see below).
  const pass = (prev: TopLevel | null, deferred?: DeferredPins): PassResult & { text?: string; jinjaWarnings?: number } => {
    const warnings: PassWarning[] = [];
    const outputs = learntOutputs(prev);
    const hostVersions = new Map<string, string>();
    let hash = '';
    const first = prev?.outputs.find((o) => o.raw.name === prev.name) ?? prev?.outputs[0];
    if (prev) {
      for (const o of prev.outputs) {
        for (const spec of pinVariantRequirements(o.raw.requirements.host, full)) {
          const v = plainVersion(spec);
          if (v && !hostVersions.has(specName(spec))) hostVersions.set(specName(spec), v);
        }
      }
      if (first) hash = hashDependencies(hashContents({ requirements: first.raw.requirements, noarch: first.raw.noarch }, finalizeCtx(first)));
    }
    const local = prev?.source.find((s) => s.path)?.path;
    const compat = new JinjaCompat();
    const input: JinjaContextInput = {
      target,
      variant: full,
      selectors: ns,
      lookup: { recipeDir: recipe.dir, sourceDir: local ? resolve(recipe.dir, local) : null },
      pkg: {
        name: prev?.name ?? '',
        version: prev?.version ?? '',
        buildNumber: String(prev?.buildNumber ?? 0),
        hash,
        buildString: 'placeholder',
      },
      outputs,
      hostVersions,
      // A first pass cannot know outputs and sources yet: only later passes warn about them
      // (a deferring pass is the last one).
      final: prev !== null || deferred !== undefined,
      warn: (message, hints) => warnings.push([lineOf(raw, hints ?? []), message]),
      env: job.options.environ,
      ...(deferred ? { deferPin: (call: SubpackagePinCall) => pinMarker(deferred.push({ ...call, warningsBefore: warnings.length }) - 1) } : {}),
    };
    const ctx = condaBuildContext(input, compat, wanted);
    // A printed undefined name renders empty (conda-build's lenient Undefined) and is reported.
    const before = { warnings: warnings.length, deferred: deferred?.length ?? 0 };
    const onUndefined = {
      retry: () => {
        warnings.length = before.warnings;
        if (deferred) deferred.length = before.deferred;
        compat.errors.length = 0;
      },
      found: (use: UndefinedUse) => {
        const t = use.in === '<string>' ? null : [...job.templates].find(([name]) => loadName(name) === use.in)?.[1];
        const source = t ? t.text : raw;
        // Only a name nothing defines: a missing key of loaded data (load_setup_py_data) is no variable.
        // Known: what a context of the names the whole text holds would hold (as before jinjaCode).
        const known = code === null ? ctx : condaBuildContext(input, new JinjaCompat(), contextFilter(readable));
        const names = undefinedNames(source.split('\n')[use.line - 1] ?? '', source, (name) => name in known);
        if (!names.length) return;
        const what = `undefined Jinja variable${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')}`;
        warnings.push([use.line, `${what} rendered as an empty string (define it with {% set %} or in conda_build_config.yaml)`, t?.file]);
      },
    };
    let text: string;
    try {
      text = renderJinja(template, ctx, compat, templates, onUndefined);
    } catch (err) {
      // A helper that failed first (missing file, bad int()) is the cause of what broke after it.
      if (compat.errors.length) {
        const e = compat.errors[0];
        return { top: null, error: new RecipeRenderError(recipe.feedstock, file, lineOf(raw, e.hints), `jinja error: ${e.message}`), warnings };
      }
      const msg = String((err as Error)?.message ?? err);
      // An error inside an imported template is located in that template's file.
      const inName = msg.match(/\(in ([^)]*?):\d+\)/)?.[1] ?? '';
      const where = [...job.templates].find(([name]) => loadName(name) === inName)?.[1].file ?? file;
      const error = new RecipeRenderError(recipe.feedstock, where, jinjaLine(msg), `jinja error: ${msg.split('\n')[0].replace(/\s*\(in [^)]*\)\s*$/, '')}`, { cause: err });
      return { top: null, error, warnings };
    }
    let error: RecipeRenderError | undefined;
    if (compat.errors.length) {
      const e = compat.errors[0];
      error = new RecipeRenderError(recipe.feedstock, file, lineOf(raw, e.hints), `jinja error: ${e.message}`);
    }
    const jinjaWarnings = warnings.length;
    return { ...parse(text, warnings, error), text, jinjaWarnings };
  };

  /** Selectors, YAML and the recipe's shape, on the text a Jinja pass rendered. */
  const parse = (text: string, warnings: PassWarning[], error: RecipeRenderError | undefined): PassResult => {
    if (job.scope && !job.scope.covers(text, literals)) throw new OutOfScope();
    text = selectLines(text, ns, (line, message) => warnings.push([line, message]));
    let meta: unknown;
    try {
      meta = parseRecipeYaml(text, file);
    } catch (err) {
      if (!(err instanceof RecipeYamlError)) throw err;
      const shifted = text.split('\n').length !== raw.split('\n').length;
      return { top: null, error: error ?? new RecipeRenderError(recipe.feedstock, file, err.line, `invalid YAML${shifted ? ' (line of the rendered recipe)' : ''}: ${err.detail}`, { cause: err }), warnings };
    }
    return { ...extract(meta, text, warnings, error), meta };
  };

  /** The recipe's shape, from the YAML parsed from `text`. */
  const extract = (meta: unknown, text: string, warnings: PassWarning[], error: RecipeRenderError | undefined): PassResult => {
    const shapeError = (err: unknown) => {
      if (!(err instanceof RecipeShapeError)) throw err;
      return new RecipeRenderError(recipe.feedstock, file, lineOfPath(text, err.path), err.message, { cause: err });
    };
    // The strict extraction (package names and versions checked) is the lenient one when it does
    // not throw: the lenient one runs only when there is an error to report or the strict one threw.
    let strictError: RecipeRenderError | undefined;
    if (!error) {
      try {
        return { top: extractRecipe(meta), error, warnings };
      } catch (err) {
        strictError = shapeError(err);
      }
    }
    let top: TopLevel;
    try {
      top = extractRecipe(meta, { lenient: true });
    } catch (err) {
      return { top: null, error: error ?? shapeError(err), warnings };
    }
    return { top, error: error ?? strictError, warnings };
  };

  /**
   * A template whose only read of what a pass learns is `{{ pin_subpackage(...) }}` (whole
   * expressions, deferPinsOnly): its second pass would render the first pass's text with each
   * pin filled in from the outputs the first pass found, and a third the same again. So: one
   * Jinja pass with the pins as markers, the outputs read from it, the markers replaced in its
   * text, which is then parsed (or, when the pins are plain, read from the marked text's YAML with
   * the markers replaced in it). Null (render the usual way) if anything does not hold: an error,
   * a marker missing from the text, or outputs (names, versions) that the pins changed.
   */
  const resolvedInOnePass = (): PassResult | null => {
    const calls: DeferredPins = [];
    const marked = pass(null, calls);
    if (!marked.top || marked.error || marked.text === undefined) return null;
    const text = marked.text;
    if (calls.some((_, i) => !text.includes(pinMarker(i)))) return null;
    const outputs = learntOutputs(marked.top);
    // The Jinja part's warnings, each pin's own where its call was made; then the parse's.
    const warnings: PassWarning[] = [];
    let taken = 0;
    const take = (upTo: number) => {
      while (taken < upTo) warnings.push(marked.warnings[taken++]);
    };
    const pins = calls.map((call) => {
      take(call.warningsBefore);
      return subpackagePin(call, outputs, (message, ...hints) => warnings.push([lineOf(raw, hints), message]));
    });
    take(marked.jinjaWarnings ?? 0);
    const pinned = text.replace(PIN_MARKER, (_, i: string) => pins[Number(i)]);
    // The pinned text parses to the marked text's YAML with the pins in its strings when the pins
    // and the lines holding them are plain (pinsParseInPlace): its shape is read from that.
    const meta = pinsParseInPlace(text, pins) ? withPins(marked.meta, pins) : NOT_IN_PLACE;
    let result: PassResult;
    if (meta === NOT_IN_PLACE) result = parse(pinned, warnings, undefined);
    else {
      // The marked text was covered (its parse): only the lines the pins went into are new.
      if (job.scope && !job.scope.covers(pinnedLines(text, pins))) throw new OutOfScope();
      // The selector warnings of the marked text's parse: its selector lines are the pinned text's.
      while (taken < marked.warnings.length) warnings.push(marked.warnings[taken++]);
      result = extract(meta, pinned, warnings, undefined);
    }
    if (!result.top || result.error) return null;
    const names = (t: TopLevel) => JSON.stringify([t.name, t.version, t.outputs.map((o) => [o.raw.name, o.raw.version])]);
    return names(result.top) === names(marked.top) ? result : null;
  };

  // conda-build's parse_until_resolved: render again with what the last pass learnt, until stable.
  const learnt = (t: TopLevel) =>
    JSON.stringify([t.name, t.version, t.buildNumber, t.source, t.outputs.map((o) => [o.raw.name, o.raw.version, o.raw.requirements.host])]);
  let result: PassResult | null = deferPinsOnly(readable) ? resolvedInOnePass() : null;
  let prev: TopLevel | null = null;
  for (let i = 0; !result; i++) {
    const r = pass(prev);
    // A template that reads nothing a pass learns renders the same text again: the next pass
    // would give this result, with which the loop stops.
    if (!r.top || (prev && learnt(prev) === learnt(r.top)) || i === MAX_PASSES - 1 || !readsLearnt(readable)) result = r;
    prev = r.top;
  }
  for (const [line, message, inFile] of result.warnings) job.warn(line, message, inFile);
  if (result.error) {
    // A render error often follows from an undefined variable (an empty version): say which.
    const undefinedUse = result.warnings.find(([, message, inFile]) => !inFile && message.startsWith('undefined Jinja variable'));
    if (!undefinedUse) throw result.error;
    const { feedstock, file: at, line, detail } = result.error;
    const why = `${undefinedUse[1].replace(/ rendered as an empty string.*$/, '')} at line ${undefinedUse[0]}`;
    throw new RecipeRenderError(feedstock, at, line, `${detail} (${why})`, { cause: result.error });
  }
  const top = result.top!;

  for (const name of top.ignored) job.warn(lineOf(raw, ['name:', name]), `output '${name}' is not a conda package (type is not conda); not rendered`);
  const outputs: RenderedOutput[] = [];
  for (const o of top.outputs) {
    if (!top.skip && o.index !== null && o.build.skip !== undefined && /^(true|yes|on|y)$/i.test(String(o.build.skip))) continue;
    outputs.push(finalizeOutput(o.raw, finalizeCtx(o)));
  }
  // Exact pin_subpackage pins name the sibling's build string, known only now.
  const builds = new Map(outputs.map((o) => [placeholder(o.name), o.build]));
  const fill = (specs: string[]) => specs.map((s) => (s.includes('__rebuild_exact_build_of_') ? s.replace(/__rebuild_exact_build_of_[^\s]*?__/g, (p) => builds.get(p) ?? '*') : s));
  for (const o of outputs) {
    for (const k of ['build', 'host', 'run', 'run_constrained'] as const) o.requirements[k] = fill(o.requirements[k]);
    o.test.requires = fill(o.test.requires);
    o.runExports.weak = fill(o.runExports.weak);
    o.runExports.strong = fill(o.runExports.strong);
  }
  // The top-level build environment of a recipe with outputs, finalized as the outputs' build/host.
  const topRequirements = top.requirements && {
    build: fill(pinVariantRequirements(top.requirements.build, full)),
    host: fill(pinVariantRequirements(top.requirements.host, full)),
  };
  return {
    variant: job.variant,
    skip: top.skip,
    outputs,
    source: top.source,
    script: top.script,
    buildNumber: top.buildNumber,
    about: top.about,
    ...(topRequirements ? { requirements: topRequirements } : {}),
    ...metaYamlScriptEnv(top.build),
  };
}

/**
 * Render one meta.yaml recipe for a target: every variant, with warnings. Throws RecipeRenderError.
 * In a process that renders many, on a worker thread of the render pool (same result).
 */
export async function renderMetaYaml(recipe: RecipeRef, target: Target, options: RenderMetaYamlOptions = {}): Promise<RenderedRecipe> {
  const job = { format: 'meta.yaml' as const, recipe, target, options: () => ({ ...options }) };
  return pooledRender(job, () => renderMetaYamlHere(recipe, target, options));
}

// The config with conda-build's default variant (target_platform, native compilers), which is part
// of every config: made once per shared config and target, not once per recipe.
const augmentedConfigs = new WeakMap<object, Map<string, Readonly<VariantConfig>>>();

function withDefaults(config: Readonly<VariantConfig>, target: Target): Readonly<VariantConfig> {
  let perTarget = augmentedConfigs.get(config.values);
  const key = `${target.subdir}\0${target.python}`;
  let augmented = perTarget?.get(key);
  if (augmented) return augmented;
  const defaults = defaultVariant(target);
  // {...defaults as lists, ...config.values}, copied key by key: spreading a large frozen object
  // costs ~100× more in V8 (20 ms for 460 keys).
  const values: Record<string, string[]> = {};
  const put = (key: string, value: string[]) => {
    if (key === '__proto__') Object.defineProperty(values, key, { value, writable: true, enumerable: true, configurable: true });
    else values[key] = value;
  };
  for (const key of Object.keys(defaults)) put(key, [defaults[key]]);
  for (const key of Object.keys(config.values)) put(key, config.values[key]);
  augmented = { ...config, values: Object.freeze(values) };
  if (Object.isFrozen(config.values)) {
    if (!perTarget) augmentedConfigs.set(config.values, (perTarget = new Map()));
    perTarget.set(key, augmented);
  }
  return augmented;
}

/** renderMetaYaml on this thread. */
export async function renderMetaYamlHere(recipe: RecipeRef, target: Target, options: RenderMetaYamlOptions = {}): Promise<RenderedRecipe> {
  let raw: string;
  try {
    // Read synchronously: a small file, and a promise-based read costs more than the render's YAML.
    raw = readFileSync(recipe.file, 'utf8');
  } catch (err) {
    throw new RecipeRenderError(recipe.feedstock, recipe.file, undefined, `cannot read recipe: ${(err as Error).message}`, { cause: err });
  }
  raw = raw.replace(/^\uFEFF/, '');
  const { warnings, warn } = warningCollector(recipe.feedstock);

  let config: Readonly<VariantConfig>;
  const variantWarnings: { file: string; line: number; message: string }[] = [];
  try {
    config = loadSharedVariantConfig(recipe.variantFiles, target, variantWarnings);
  } catch (err) {
    const e = err as { file?: string; line?: number; message?: string };
    const file = e.file ?? recipe.variantFiles.find((f) => String(e.message).includes(f)) ?? recipe.variantFiles[0] ?? recipe.file;
    const detail = String(e.message ?? err).replace(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+)*: `), '');
    throw new RecipeRenderError(recipe.feedstock, file, e.line, `variant config: ${detail}`, { cause: err });
  }
  for (const w of variantWarnings) warn(w.file, w.line, w.message);

  const augmented = withDefaults(config, target);
  const templates = recipeTemplates(raw, recipe.file, recipe.dir, recipe.feedstock);
  // Keys read in imported or included templates are used by the recipe too.
  const used = usedVariantKeys(templates.size ? [raw, ...[...templates.values()].map((t) => t.text)].join('\n') : raw, augmented);
  const variants = expandVariants(augmented, used, target, recipe.variantOverrides);

  const rendered: RenderedVariant[] = [];
  const readScript = scriptReader();
  // The keys this recipe can observe: its text, its templates', its build script's.
  const script = readScript(join(recipe.dir, platformOf(target.subdir) === 'win' ? 'bld.bat' : 'build.sh'));
  const scope = keyScope([raw, ...[...templates.values()].map((t) => t.text), ...(script === null ? [] : [script])], augmented);
  for (const variant of variants) {
    rendered.push(
      renderVariantInScope({ recipe, target, raw, config: augmented, variant, options, readScript, scope, templates, warn: (line, message, file) => warn(file ?? recipe.file, line, message) }),
    );
  }
  return { feedstock: recipe.feedstock, recipe, target, variants: rendered, warnings };
}

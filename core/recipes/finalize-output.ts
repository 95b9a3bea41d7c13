// Output finalisation shared by the meta.yaml (v0) and recipe.yaml (v1) renderers, following
// conda-build (metadata.py / render.py / utils.py):
//   - variant pins: a bare build/host requirement named like a variant key gets the variant value
//     (`python` → `python 3.13.*`), `name x.x` gets it too (insert_variant_versions);
//   - pin_run_as_build: a run requirement of a package that is in host gets `>=3.13,<3.14.0a0`;
//   - the build string: `py313h<hash>_<number>` (build_string_from_metadata + build_id), the hash
//     being sha1 of the used variant keys' values (get_hash_contents / hash_dependencies).
import * as crypto from 'node:crypto';
import type { Noarch, RenderedOutput, Requirements, RunExports, TestSpec } from '../model/types.ts';
import { applyPinExpressions, ensureValidSpec } from './meta-yaml/pins.ts';
import { clonePlain } from './variants.ts';
import { keysOf } from './keyed-object.ts';

/** An output as read from the recipe, before variant pins and build string. */
export interface RawOutput {
  name: string;
  version: string;
  buildNumber: number;
  /** Explicit `build: string:` (already rendered), or null for conda-build's own. */
  buildString: string | null;
  noarch: Noarch;
  requirements: Requirements;
  test: TestSpec;
  runExports: RunExports;
  script: string | null;
  features?: string[];
  license?: string;
  ignoreRunExports?: { names: string[]; from: string[] };
}

export type PinConfig = { min_pin?: string | null; max_pin?: string | null } | string;

export interface FinalizeContext {
  /** The variant the output is rendered with (defaults included), values as strings. */
  variant: Record<string, string>;
  /**
   * Variant keys this output uses outside its requirements (Jinja, selectors, build scripts), and
   * those used by its requirements text: conda-build trims the latter (build-only / run-only deps).
   */
  usedKeys: Iterable<string>;
  requirementsUsedKeys?: Iterable<string>;
  /** Variant `pin_run_as_build` (python and r-base are added as conda-build does). */
  pinRunAsBuild?: Record<string, PinConfig>;
  ignoreVersion?: string[];
  /** Default ['python', 'numpy'], as conda-build's default variant. */
  ignoreBuildOnlyDeps?: string[];
  /** The requirements text uses `numpy x.x` or pin_compatible('numpy', max_pin='x.x') (npXY in the build string). */
  numpyXX?: boolean;
  /** The requirements text uses pin_compatible('numpy') with a 2-place max_pin: numpy leaves the hash. */
  numpyPinCompatibleXX?: boolean;
  /** `build: force_use_keys` / `force_ignore_keys`. */
  forceUseKeys?: string[];
  forceIgnoreKeys?: string[];
}

const NAME_END = /[\s=<>!~]/;

/** A spec's package name: its text up to the first space or operator (a search, not a split). */
export const specName = (spec: string): string => {
  const t = spec.trim();
  const end = t.search(NAME_END);
  return end < 0 ? t : t.slice(0, end);
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The requirement pattern of a variant key (`c_compiler` → /^(c[-_]compiler)\s*$/), made once per key.
const keyPatterns = new Map<string, RegExp>();
function keyPattern(key: string): RegExp {
  let re = keyPatterns.get(key);
  if (!re) {
    re = new RegExp(`^(${key.split('_').map(escapeRe).join('[-_]')})\\s*$`);
    if (keyPatterns.size >= 10000) keyPatterns.clear();
    keyPatterns.set(key, re);
  }
  return re;
}

/**
 * keyPattern(key)'s match of `spec` without a regex (a regex per key is compiled the first time
 * each key is seen): the spec without its trailing whitespace when that is the key with each `_`
 * as `-` or `_`, else null.
 */
function matchKey(spec: string, key: string): string | null {
  const t = spec.trimEnd();
  if (t.length !== key.length) return null;
  for (let i = 0; i < t.length; i++) {
    const k = key.charCodeAt(i);
    const c = t.charCodeAt(i);
    if (c !== k && !(k === 95 && c === 45)) return null;
  }
  return t;
}

interface VariantIndex {
  /** The variant's keys with a value (a non-empty string), in order, and their values. */
  keys: string[];
  values: string[];
  /**
   * Their positions by normal form (`-` as `_`): a position, or the positions in order when keys
   * share a normal form; null when a key holds a space (the regex path).
   */
  byNormal: Map<string, number | number[]> | null;
}

// Per frozen variant (a renderer's full variant: asked for every section of every output).
const variantIndexes = new WeakMap<object, VariantIndex>();

const SPACE = /\s/;

function variantIndex(variant: Record<string, string>): VariantIndex {
  let index = variantIndexes.get(variant);
  if (index) return index;
  // Made once per variant (~35 keys): no array per entry nor per normal form (most have one key).
  const keys: string[] = [];
  const values: string[] = [];
  let spaced = false;
  for (const key of keysOf(variant)) {
    const value = variant[key];
    if (typeof value === 'string' && value) {
      keys.push(key);
      values.push(value);
      if (!spaced && SPACE.test(key)) spaced = true;
    }
  }
  let byNormal: Map<string, number | number[]> | null = null;
  if (!spaced) {
    byNormal = new Map();
    for (let at = 0; at < keys.length; at++) {
      const key = keys[at];
      const n = key.includes('-') ? key.replace(/-/g, '_') : key;
      const same = byNormal.get(n);
      if (same === undefined) byNormal.set(n, at);
      else if (typeof same === 'number') byNormal.set(n, [same, at]);
      else same.push(at);
    }
  }
  index = { keys, values, byNormal };
  if (Object.isFrozen(variant)) variantIndexes.set(variant, index);
  return index;
}

/** A requirement's normal form as a key's (trailing space dropped, `-` as `_`). */
function normalName(spec: string): string {
  const name = spec.trimEnd();
  return name.includes('-') ? name.replace(/-/g, '_') : name;
}

/** conda-build's insert_variant_versions for one section (build and host). */
export function pinVariantRequirements(reqs: string[], variant: Record<string, string>): string[] {
  const out = [...reqs];
  const { keys, values, byNormal } = variantIndex(variant);
  if (!byNormal) {
    for (let at = 0; at < keys.length; at++) {
      const re = keyPattern(keys[at]);
      for (let i = 0; i < out.length; i++) {
        const m = out[i].match(re);
        if (m) out[i] = ensureValidSpec(`${m[1]} ${values[at]}`);
      }
    }
  } else {
    // The same, without a regex per key and requirement: a key's pattern matches only a requirement
    // whose name (trailing space aside) has the key's normal form, so only those keys are tried, in
    // variant order, each on the requirement as the keys before it left it.
    for (let i = 0; i < out.length; i++) {
      let done = -1;
      for (;;) {
        const positions = byNormal.get(normalName(out[i]));
        if (positions === undefined) break;
        let next = -1;
        let m: string | null = null;
        if (typeof positions === 'number') {
          if (positions > done && (m = matchKey(out[i], keys[positions])) !== null) next = positions;
        } else {
          for (const at of positions) {
            if (at > done && (m = matchKey(out[i], keys[at])) !== null) {
              next = at;
              break;
            }
          }
        }
        if (next < 0 || m === null) break;
        out[i] = ensureValidSpec(`${m} ${values[next]}`);
        done = next;
      }
    }
  }
  for (let i = 0; i < out.length; i++) {
    const m = out[i].includes('x.x') ? out[i].match(/^([0-9a-zA-Z.\-_]+)\s+x\.x\s*$/) : null;
    const value = m && (variant[m[1]] ?? variant[m[1].replace(/-/g, '_')]);
    if (m && value) out[i] = ensureValidSpec(`${m[1]} ${value}`);
  }
  return out;
}

/** The version a pinned requirement names, when it is a plain one (`numpy 1.26.*` → 1.26). */
export function plainVersion(spec: string): string | null {
  const v = spec.trim().split(/\s+/)[1];
  if (!v) return null;
  const m = v.match(/^=?=?(\d[\w.]*?)(\.\*|\*)?$/);
  return m ? m[1] : null;
}

/** conda-build's get_pin_from_build over the run requirements. */
export function pinRunAsBuild(run: string[], hostSection: string[], variant: Record<string, string>, config: Record<string, PinConfig>, noarch: Noarch): string[] {
  const hostVersions = new Map<string, string | null>();
  for (const spec of hostSection) hostVersions.set(specName(spec), plainVersion(spec));
  return run.map((dep) => {
    // The name first (the spec up to its first space): most run requirements stop there.
    const t = dep.trim();
    const space = t.search(/\s/);
    const name = space < 0 ? t : t.slice(0, space);
    if (!(name in config) || !hostVersions.has(name)) return dep;
    const parts = t.split(/\s+/);
    if (name === 'python' && noarch) return dep;
    const version = hostVersions.get(name) ?? variant[name] ?? variant[name.replace(/-/g, '_')];
    if (!version) return dep;
    const cfg = config[name];
    const pins = typeof cfg === 'string' ? { min_pin: cfg, max_pin: cfg } : cfg;
    // Unset bounds take apply_pin_expressions' defaults; an explicit null drops that bound.
    const pin = applyPinExpressions(version, pins.min_pin === undefined ? undefined : pins.min_pin, pins.max_pin === undefined ? undefined : pins.max_pin);
    return [name, pin, parts[2] ?? ''].join(' ').trim();
  });
}

const NON_ASCII = /[\u007f-\uffff]/;
const NON_ASCII_ALL = /[\u007f-\uffff]/g;
const asciiEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * json.dumps(obj, sort_keys=True) as Python writes it (separators ', ' / ': ', ASCII only). The
 * text is made with JSON.stringify's strings and its non-ASCII characters escaped once, at the end
 * (the separators are ASCII: the same text as escaping each string), only when it holds one.
 */
export function pythonJsonDumps(obj: Record<string, string>): string {
  const keys = Object.keys(obj).sort();
  let text = '{';
  for (let i = 0; i < keys.length; i++) text += `${i ? ', ' : ''}${JSON.stringify(keys[i])}: ${JSON.stringify(obj[keys[i]])}`;
  text += '}';
  return NON_ASCII.test(text) ? text.replace(NON_ASCII_ALL, asciiEscape) : text;
}

// `^(?:python|r_base|...)`, made once per list of excluded key prefixes.
const excludePatterns = new Map<string, RegExp>();
function excludePattern(excludes: string[]): RegExp {
  // Keyed by the names as they are (escaping them every time cost more than the look-up).
  const id = JSON.stringify(excludes);
  let re = excludePatterns.get(id);
  if (!re) {
    re = new RegExp(`^(?:${excludes.map(escapeRe).join('|')})`);
    if (excludePatterns.size >= 1000) excludePatterns.clear();
    excludePatterns.set(id, re);
  }
  return re;
}

/** The variant values that make up the hash (conda-build's get_hash_contents). */
export function hashContents(out: { requirements: Requirements; noarch: Noarch }, ctx: FinalizeContext): Record<string, string> {
  const variant = ctx.variant;
  const reqsUsed = new Set(ctx.requirementsUsedKeys ?? []);
  let used = new Set([...ctx.usedKeys].filter((k) => !reqsUsed.has(k)));
  // trim_build_only_deps, applied to the keys used by the requirements.
  const norm = (s: string) => {
    const name = specName(s);
    return name.includes('-') ? name.replace(/-/g, '_') : name;
  };
  const buildNames = new Set(out.requirements.build.map(norm));
  const hostNames = new Set(out.requirements.host.map(norm));
  const runRaw = new Set(out.requirements.run.map((s) => s.trim()));
  const ignoreBuildOnly = new Set(ctx.ignoreBuildOnlyDeps ?? ['python', 'numpy']);
  for (const dep of reqsUsed) {
    if (runRaw.has(dep) ? !buildNames.has(dep) && !hostNames.has(dep) : buildNames.has(dep) && !hostNames.has(dep) && ignoreBuildOnly.has(dep)) continue;
    used.add(dep);
  }
  if ('target_platform' in variant && !out.noarch) used.add('target_platform');
  if ('channel_targets' in variant) used.add('channel_targets');
  if (ctx.forceUseKeys?.length || ctx.forceIgnoreKeys?.length) {
    used = new Set([...used].filter((k) => !ctx.forceIgnoreKeys?.includes(k)));
    for (const k of ctx.forceUseKeys ?? []) used.add(k);
  }
  const excludes = ['python', 'r_base', 'perl', 'lua', ...(ctx.ignoreVersion ?? [])];
  if (used.has('numpy') && (ctx.numpyXX || ctx.numpyPinCompatibleXX)) excludes.push('numpy');
  const exclude = excludePattern(excludes);
  const deps = [...used].filter((k) => k in variant && (!exclude.test(k) || variant[k].includes(' ')));
  const contents: Record<string, string> = {};
  if (!(deps.length === 1 && deps[0] === 'target_platform')) for (const k of deps) contents[k] = variant[k];
  for (const spec of out.requirements.run) if (spec.startsWith('__')) contents[spec.split(' ')[0]] = spec;
  return contents;
}

/** `h` + 7 hex digits of the hash contents, or '' when nothing is hashed. */
export function hashDependencies(contents: Record<string, string>): string {
  if (!Object.keys(contents).length) return '';
  return `h${sha1Hex(pythonJsonDumps(contents)).slice(0, 7)}`;
}

// crypto.hash (Node ≥ 20.12) hashes without making a Hash object: several times cheaper.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha1Hex = (text: string): string => (oneShot ? oneShot('sha1', text, 'hex') : crypto.createHash('sha1').update(text).digest('hex'));

const PREFIXES: [string, string[], number][] = [
  ['np', ['numpy'], 2],
  ['py', ['python'], 2],
  ['pl', ['perl'], 3],
  ['lua', ['lua'], 2],
  ['r', ['r', 'r-base'], 2],
  ['mro', ['mro-base'], 3],
  ['mro', ['mro-base_impl'], 3],
];

/** conda-build's build_string_from_metadata followed by build_id's hash insertion. */
export function buildString(out: Omit<RawOutput, 'test' | 'runExports' | 'script'>, hash: string, numpyXX = false, variant: Record<string, string> = {}): string {
  if (out.buildString) return out.buildString;
  const section = out.requirements.host.length ? out.requirements.host : out.requirements.build;
  const sectionNames = new Set(section.map(specName));
  const runNames = out.requirements.run.map(specName);
  const res: string[] = [];
  for (const [s, names, places] of PREFIXES) {
    for (const runName of runNames) {
      for (const name of names) {
        if (runName !== name || !sectionNames.has(name)) continue;
        if (name === 'numpy' && !numpyXX) continue;
        if (out.noarch === name) {
          res.push(s);
          continue;
        }
        let version = '';
        for (const n of [name, ...(name.includes('-') ? [name.replace(/-/g, '_')] : [])]) {
          const pinned = [...section].reverse().find((spec) => specName(spec) === n && spec.trim().split(/\s+/).length > 1);
          const v = pinned?.trim().split(/\s+/)[1] ?? '';
          // A range (`>=3.8`) says nothing about the version built against: use the variant's.
          version = v && !/[<>=!,|~]/.test(v) ? v : (variant[n.replace(/-/g, '_')] ?? '');
          if (version) break;
        }
        const entry = s + version.split('.').slice(0, places).join('');
        if (!res.includes(entry)) res.push(entry);
      }
    }
  }
  if (res.length) res.push('_');
  if (out.features?.length) res.push(out.features.join('_'), '_');
  res.push(String(out.buildNumber));
  let str = res.join('');
  if (!/h[0-9a-f]{7}/.test(str)) {
    const cut = str.lastIndexOf('_');
    const ret = cut < 0 ? [str] : [str.slice(0, cut), str.slice(cut + 1)];
    str = /^[-+]?\d+$/.test(ret[0]) ? (hash ? `${hash}_${ret[0]}` : ret[0]) : ret[0] + hash;
    if (ret.length > 1) str = [str, ...ret.slice(1)].join('_');
  } else if (hash) {
    str = str.replace(/h[0-9a-f]{7}/, hash);
  }
  return str;
}

// pin_run_as_build with python and r-base added (as conda-build does), made once per config's
// mapping (only read: pinRunAsBuild), not copied for every output.
const DEFAULT_PINS: Record<string, PinConfig> = { python: { min_pin: 'x.x', max_pin: 'x.x' }, 'r-base': { min_pin: 'x.x', max_pin: 'x.x' } };
const pinConfigs = new WeakMap<object, Record<string, PinConfig>>();

function pinConfig(pins: Record<string, PinConfig> | undefined): Record<string, PinConfig> {
  if (!pins) return { ...DEFAULT_PINS };
  let merged = pinConfigs.get(pins);
  if (!merged) {
    merged = { ...DEFAULT_PINS, ...pins };
    // Kept only for a mapping that cannot change (a shared config's).
    if (Object.isFrozen(pins)) pinConfigs.set(pins, merged);
  }
  return merged;
}

/** Apply variant pins, pin_run_as_build and the build string: the RenderedOutput of a raw output. */
export function finalizeOutput(raw: RawOutput, ctx: FinalizeContext): RenderedOutput {
  const build = pinVariantRequirements(raw.requirements.build, ctx.variant);
  const host = pinVariantRequirements(raw.requirements.host, ctx.variant);
  const run = pinRunAsBuild(raw.requirements.run, host.length ? host : build, ctx.variant, pinConfig(ctx.pinRunAsBuild), raw.noarch);
  const requirements: Requirements = { build, host, run, run_constrained: [...raw.requirements.run_constrained] };
  const hash = hashDependencies(hashContents({ requirements, noarch: raw.noarch }, ctx));
  const out: RenderedOutput = {
    name: raw.name,
    version: raw.version,
    build: buildString({ ...raw, requirements }, hash, ctx.numpyXX, ctx.variant),
    buildNumber: raw.buildNumber,
    noarch: raw.noarch,
    requirements,
    test: copyTestSpec(raw.test),
    runExports: copyRunExports(raw.runExports),
    script: raw.script,
  };
  if (raw.license !== undefined) out.license = raw.license;
  if (raw.ignoreRunExports) out.ignoreRunExports = clonePlain(raw.ignoreRunExports);
  return out;
}

/** clonePlain of run exports whose values are lists of strings (as outputs.ts makes them), by copying the lists. */
function copyRunExports(r: RunExports): RunExports {
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(r)) {
    const list = (r as unknown as Record<string, unknown>)[key];
    if (key === '__proto__' || !Array.isArray(list) || !list.every((x) => typeof x === 'string')) return clonePlain(r);
    out[key] = list.slice();
  }
  return out as unknown as RunExports;
}

/** A copy of a test spec (optional lists only when present, so specs without them compare equal). */
function copyTestSpec(t: TestSpec): TestSpec {
  const out: TestSpec = { requires: [...t.requires], imports: [...t.imports], commands: [...t.commands] };
  if (t.sourceFiles) out.sourceFiles = [...t.sourceFiles];
  if (t.files) out.files = [...t.files];
  if (t.packageContents) out.packageContents = t.packageContents.map((c) => ({ ...c }));
  return out;
}

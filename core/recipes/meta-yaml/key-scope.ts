// The variant keys one recipe can observe, so that rendering it costs what the recipe reads and not
// what the aggregate's config holds (a real aggregate's conda_build_config.yaml has ~480 keys, a
// recipe reads a dozen). conda-build finds the keys a recipe uses by scanning its text
// (find_used_variables); this scan is broader: a key is in scope when its name, `-` and `_` alike,
// is a token of the recipe, of its imported templates or of its build scripts (quoted strings,
// comments and selectors included), or when the renderer reads it without the recipe naming it
// (compilers and stdlibs through `compiler('c')`, python, numpy, perl, lua, r_base for the build
// variables, cdt_*, target_platform, channel_targets, and keys whose names are not tokens).
// The renderer gives the full variant (every key with its value) restricted to the scope. Text the
// render makes later (a Jinja pass's output, an output's own script) is checked with `covers`:
// when it names a key out of scope (a name built by Jinja, read from a file), the renderer renders
// that variant again with every key, so the result is always the one of the full variant.
import { forEachJinjaBlock, sharedByKeys, type VariantConfig } from '../variants.ts';

const normal = (name: string): string => name.replace(/-/g, '_');

// Keys the renderer reads by a name the recipe need not write.
const IMPLICIT = new Set(['python', 'numpy', 'perl', 'lua', 'r_base', 'target_platform', 'channel_targets', 'cdt_name', 'cdt_arch']);
// compiler()/stdlib() keys, and what they print (`gcc_linux-64`: a key some aggregates pin).
const IMPLICIT_SUFFIX = /_(?:compiler|compiler_version|stdlib|stdlib_version)$|_[a-z0-9]+-[a-z0-9_]+$/i;
const TOKEN_CHARS = /^[\w.-]+$/;
const TOKEN_CHAR_RE = /^[\w.-]$/;

interface ConfigIndex {
  /** Config keys in config order. */
  keys: string[];
  /** Positions of keys (config order) by normal form. */
  byNormal: Map<string, number[]>;
  /** Positions of the keys always in scope. */
  implicit: number[];
  /** The signatures of the normal forms (tokens' filter), made with the index. */
  signatures: Uint8Array;
}

const indexes = new WeakMap<object, ConfigIndex>();

function configIndex(config: Readonly<VariantConfig>): ConfigIndex {
  let index = indexes.get(config.values);
  if (index) return index;
  // Shared by configs with the same keys (variants.ts): a recipe-dir config stacked on the aggregate's.
  index = sharedByKeys(config.values, 'key scope', () => indexKeys(Object.keys(config.values)));
  // Only a config that cannot change (a shared, frozen one) is indexed once.
  if (Object.isFrozen(config.values)) indexes.set(config.values, index);
  return index;
}

function indexKeys(keys: string[]): ConfigIndex {
  const byNormal = new Map<string, number[]>();
  const implicit: number[] = [];
  keys.forEach((key, at) => {
    const n = normal(key);
    const same = byNormal.get(n);
    if (same) same.push(at);
    else byNormal.set(n, [at]);
    if (IMPLICIT.has(key) || IMPLICIT_SUFFIX.test(key) || !TOKEN_CHARS.test(key)) implicit.push(at);
  });
  return { keys, byNormal, implicit, signatures: signatures(byNormal) };
}

/**
 * The normal forms a text names: each token of name characters (a requirement, a pin's name), and
 * with `words`, each word inside one (what Jinja and selector expressions read: `x-y` is x minus y);
 * with `only`, those it holds (the normal forms of config keys: other names select nothing), and
 * `filter` their signatures (`signatures(only)`).
 */
function tokens(text: string, out: Set<string>, words: boolean, lower: boolean, only: ReadonlyMap<string, unknown> | null, filter: Uint8Array | null): void {
  // The runs of [\w.-], scanned by hand: a regex match per token costs more than the scan. With
  // `only`, a token (or word) is copied and looked up only when its signature is one of a name's.
  // The filter comes with the config's index: made here, the first token scan after a new config
  // ran a construction the optimized code had no feedback for (a deoptimization per process).
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c >= 128 || !TOKEN_CHAR[c]) {
      i++;
      continue;
    }
    let j = i;
    let dotOrDash = false;
    let dash = false;
    let upper = false;
    do {
      if (c === 45) dash = dotOrDash = true;
      else if (c === 46) dotOrDash = true;
      else if (c >= 65 && c <= 90) upper = true;
      c = ++j < n ? text.charCodeAt(j) : 0;
    } while (c < 128 && TOKEN_CHAR[c]);
    if (!filter || filter[signature(text, i, j)]) {
      const t = text.slice(i, j);
      const name = dash ? normal(t) : t;
      if (!only || only.has(name)) out.add(name);
    }
    if (words && dotOrDash) {
      // The runs of \w inside the token (split at its `.` and `-`).
      let from = i;
      for (let k = i; k <= j; k++) {
        const d = k < j ? text.charCodeAt(k) : 45;
        if (d === 45 || d === 46) {
          if (k > from && (!filter || filter[signature(text, from, k)])) {
            const word = text.slice(from, k);
            if (!only || only.has(word)) out.add(word);
          }
          from = k + 1;
        }
      }
    }
    if (lower && upper) tokens(text.slice(i, j).toLowerCase(), out, words, false, only, filter);
    i = j;
  }
}

/** `-` read as `_` (a token's normal form), by code. */
const norm = (c: number) => (c === 45 ? 95 : c);

/**
 * A 16-bit signature of text[from, to) as a normal form: its length, first, second and last
 * characters. Two equal normal forms have the same signature.
 */
function signature(text: string, from: number, to: number): number {
  const len = to - from;
  const h = Math.imul(len, 0x9e3779b1) ^ Math.imul(norm(text.charCodeAt(from)), 0x85ebca6b) ^ Math.imul(len > 1 ? norm(text.charCodeAt(from + 1)) : 0, 0xc2b2ae35) ^ Math.imul(norm(text.charCodeAt(to - 1)), 0x27d4eb2f);
  return (h ^ (h >>> 16)) & 0xffff;
}

/** The signatures of a set of names (the normal forms of a config's keys). */
function signatures(names: ReadonlyMap<string, unknown>): Uint8Array {
  const set = new Uint8Array(0x10000);
  for (const name of names.keys()) if (name) set[signature(name, 0, name.length)] = 1;
  return set;
}

/** The characters of a token ([\w.-], ASCII), by code. */
const TOKEN_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) TOKEN_CHAR[c] = TOKEN_CHAR_RE.test(String.fromCharCode(c)) ? 1 : 0;

const SELECTOR = /#\s*\[([^\]]*)\]/g;

export interface KeyScope {
  /** The keys in scope, in config order; null: every key (the recipe may show the whole context). */
  keys: string[] | null;
  /**
   * Does `text` (a render's output: a Jinja pass's text, a build script) name no key out of scope?
   * With `literals` (recipeLiterals of a text made from the scope's texts, such as the recipe with
   * its selectors applied), the parts of `text` equal to them are not read: they name nothing new.
   */
  covers(text: string, literals?: readonly string[]): boolean;
}

// Parts of a recipe shorter than this are not searched for in its render (a newline, a space).
const MIN_LITERAL = 8;

/**
 * The parts of `text` between its Jinja blocks (forEachJinjaBlock) that a render copies as they
 * are, in order (those of MIN_LITERAL characters or more). Each is a substring of `text`: whatever
 * the render did with them, a part of its output equal to one of them holds only tokens of `text`.
 */
export function recipeLiterals(text: string): string[] {
  const parts: string[] = [];
  let from = 0;
  forEachJinjaBlock(text, (_, start, end) => {
    if (start - from >= MIN_LITERAL) parts.push(text.slice(from, start));
    from = end;
  });
  if (text.length - from >= MIN_LITERAL) parts.push(text.slice(from));
  return parts;
}

// After this many parts not found one after the other, the rest of a render is read whole.
const MAX_MISSES = 8;

/**
 * tokens() of `text` outside the parts equal to `literals` (searched in order): what lies between
 * two found parts, widened to whole tokens (a token across a part's end is read whole), is read.
 * A token inside a found part, not at its ends, is a token of the text the literals come from.
 */
function tokensOutside(text: string, literals: readonly string[], out: Set<string>, only: ReadonlyMap<string, unknown>, filter: Uint8Array): void {
  let pos = 0;
  let misses = 0;
  const between = (from: number, to: number) => {
    while (from > 0 && isTokenCode(text.charCodeAt(from - 1))) from--;
    while (to < text.length && isTokenCode(text.charCodeAt(to))) to++;
    if (to > from) tokens(text.slice(from, to), out, false, false, only, filter);
  };
  for (const part of literals) {
    const at = text.indexOf(part, pos);
    if (at < 0) {
      if (++misses > MAX_MISSES) break;
      continue;
    }
    misses = 0;
    between(pos, at);
    pos = at + part.length;
  }
  between(pos, text.length);
}

const isTokenCode = (c: number) => c < 128 && TOKEN_CHAR[c] === 1;

// The scope of a recipe that may print its whole context (made once: a closure made on that rare
// path was a call the optimized keyScope had no feedback for).
const EVERY_KEY: KeyScope = Object.freeze({ keys: null, covers: () => true });

/** The scope of a recipe given its texts (recipe, templates, build scripts). */
export function keyScope(texts: string[], config: Readonly<VariantConfig>): KeyScope {
  // `debug()` prints the whole context.
  for (const t of texts) if (t.includes('debug')) return EVERY_KEY;
  const index = configIndex(config);
  // The normal forms of config keys the texts name (other tokens select no key).
  const seen = new Set<string>();
  // Lower-cased too: `{{ name|lower }}` prints a recipe's name, often a key of the config.
  for (const t of texts) tokens(t, seen, true, true, index.byNormal, index.signatures);
  // In scope, by position: the keys in config order without a sort.
  const inScope = new Uint8Array(index.keys.length);
  for (const at of index.implicit) inScope[at] = 1;
  for (const n of seen) for (const at of index.byNormal.get(n)!) inScope[at] = 1;
  const keys: string[] = [];
  for (let at = 0; at < inScope.length; at++) if (inScope[at]) keys.push(index.keys[at]);
  return {
    keys,
    covers(text, literals) {
      // Rendered text is not read by Jinja again: its words count only in selectors. Every name
      // of the recipe's own lines is in `seen` (they were tokenized with words and lower-cased):
      // the parts of the text equal to parts of the recipe (literals) name nothing new.
      const named = new Set<string>();
      if (literals) tokensOutside(text, literals, named, index.byNormal, index.signatures);
      else tokens(text, named, false, false, index.byNormal, index.signatures);
      for (let hash = text.indexOf('#'); hash >= 0; ) {
        // The selectors of the line holding this `#` (a selector never spans lines).
        const start = text.lastIndexOf('\n', hash) + 1;
        let end = text.indexOf('\n', hash);
        if (end < 0) end = text.length;
        // exec with the regex's lastIndex, not matchAll (which makes a regex per call).
        const line = text.slice(start, end);
        SELECTOR.lastIndex = 0;
        for (let m = SELECTOR.exec(line); m; m = SELECTOR.exec(line)) tokens(m[1], named, true, false, index.byNormal, index.signatures);
        hash = text.indexOf('#', end);
      }
      for (const n of named) {
        if (seen.has(n)) continue;
        for (const at of index.byNormal.get(n)!) if (!inScope[at]) return false;
      }
      return true;
    },
  };
}

// Which variant keys an output "uses", for its hash, the way conda-build's get_used_vars slices the
// recipe text: the top level without the outputs section plus this output's own text; keys used by
// the requirements text are kept apart (they are trimmed when only build or only run needs them);
// build.sh / bld.bat (or the output's script) count too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachJinjaBlock, isRegexSpace, usedVariantKeys, type VariantConfig } from '../variants.ts';
import { keysOf } from '../keyed-object.ts';

export interface RecipeSlices {
  /** Text without the `outputs:` section. */
  topLevel: string;
  /** The text of each `- name:` entry of `outputs:`, in order. */
  outputs: string[];
}

/** Split a recipe text (selectors applied, Jinja intact) into its top level and output entries. */
export function sliceRecipe(text: string): RecipeSlices {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^outputs:/.test(l));
  if (start < 0) return { topLevel: text, outputs: [] };
  let end = lines.findIndex((l, i) => i > start && /^\w/.test(l));
  if (end < 0) end = lines.length;
  const section = lines.slice(start + 1, end);
  const heads = section.map((l, i) => [i, l.match(/^(\s*)-\s+(?:name|type):/)?.[1].length] as const).filter(([, ind]) => ind !== undefined);
  const indent = Math.min(...heads.map(([, ind]) => ind as number));
  const starts = heads.filter(([, ind]) => ind === indent).map(([i]) => i);
  const outputs = starts.map((s, k) => section.slice(s, starts[k + 1] ?? section.length).join('\n'));
  return { topLevel: [...lines.slice(0, start), ...lines.slice(end)].join('\n'), outputs };
}

// What `\s` and a line start (`^` with the m flag) are, by character code.
const isWs = isRegexSpace;
const isLineEnd = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
const isWordCode = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/**
 * The requirements section of an output's text, as conda-build's regex finds it
 * (`/requirements:.+?(?=^\w|(?![\s\S])|^\s+-\s(?=name|type))/ms`; '' when none), by searching line starts instead of trying the
 * lookahead at every character: from the first `requirements:` followed by a character, up to the
 * first line start after that character holding a word character, or whitespace then `- name` /
 * `- type` (the whitespace may span lines), or the end of the text.
 */
export function requirementsSection(text: string): string {
  const start = text.indexOf('requirements:');
  if (start < 0 || start + 13 >= text.length) return '';
  const n = text.length;
  // One slice for every way out (a slice on a rarely taken return was a call the optimized code
  // had no feedback for: a deoptimization per process).
  let end = n;
  // A match ends at a position p >= start + 14 (`.+?` takes one character at least).
  for (let p = start + 14; ; p++) {
    // The next line start at or after p (or the end).
    while (p < n && !isLineEnd(text.charCodeAt(p - 1))) p++;
    if (p >= n) break;
    const c = text.charCodeAt(p);
    if (isWordCode(c)) {
      end = p;
      break;
    }
    if (isWs(c)) {
      let q = p + 1;
      while (q < n && isWs(text.charCodeAt(q))) q++;
      if (text.charCodeAt(q) === 45 && q + 1 < n && isWs(text.charCodeAt(q + 1)) && (text.startsWith('name', q + 2) || text.startsWith('type', q + 2))) {
        end = p;
        break;
      }
    }
  }
  return text.slice(start, end);
}

/**
 * The identifiers of the `# [selector]` comments of a text: in each match of `#\s*\[([^\[\]]+)\]`
 * (global; the bracket's inside may span lines), each match of `[A-Za-z_]` then `\w` repeated
 * (global), by character codes (a regex iterator per text and an array per selector cost more).
 */
export function selectorNames(raw: string): Set<string> {
  const names = new Set<string>();
  const n = raw.length;
  for (let p = raw.indexOf('#'); p >= 0; ) {
    let q = p + 1;
    while (q < n && isWs(raw.charCodeAt(q))) q++;
    let r = q + 1;
    if (q < n && raw.charCodeAt(q) === 91) {
      while (r < n && raw.charCodeAt(r) !== 91 && raw.charCodeAt(r) !== 93) r++;
    }
    if (q >= n || raw.charCodeAt(q) !== 91 || r === q + 1 || r >= n || raw.charCodeAt(r) !== 93) {
      p = raw.indexOf('#', p + 1);
      continue;
    }
    for (let i = q + 1; i < r; ) {
      const c = raw.charCodeAt(i);
      if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
        let j = i + 1;
        while (j < r && isWordCode(raw.charCodeAt(j))) j++;
        names.add(raw.slice(i, j));
        i = j;
      } else i++;
    }
    p = raw.indexOf('#', r + 1);
  }
  return names;
}

// outputKeys is asked for every output of a recipe with the same texts: the last text's slices and
// selector names are kept (one entry each: a recipe's outputs are rendered one after the other).
let lastSlices: { text: string; slices: RecipeSlices } | null = null;
let lastSelectorNames: { raw: string; names: Set<string> } | null = null;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The patterns of a key in a batch file and in a shell script, made once per key (no `g` flag: no state).
const scriptPatterns = new Map<string, [RegExp, RegExp]>();
function scriptPattern(key: string, bat: boolean): RegExp {
  let res = scriptPatterns.get(key);
  if (!res) {
    res = [new RegExp(`%${escapeRe(key)}%`, 'i'), new RegExp(`\\$\\{?\\s*${escapeRe(key)}\\s*(?:[\\s|}]|$)`, 'm')];
    if (scriptPatterns.size >= 10000) scriptPatterns.clear();
    scriptPatterns.set(key, res);
  }
  return res[bat ? 0 : 1];
}

/** Reads a build script's text (null when there is none); renderers memoize it per recipe. */
export type ScriptReader = (file: string) => string | null;

/** A ScriptReader that reads each file once (one per recipe render: scripts may change between renders). */
export function scriptReader(): ScriptReader {
  const texts = new Map<string, string | null>();
  return (file) => {
    let text = texts.get(file);
    if (text === undefined) {
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        text = null;
      }
      texts.set(file, text);
    }
    return text;
  };
}

/** Variant keys a build script reads (`$key`, `${key}` in shell; `%key%` in batch files). */
export function scriptKeys(file: string, keys: Iterable<string>, read: ScriptReader = scriptReader()): Set<string> {
  const text = read(file);
  if (text === null) return new Set();
  const bat = /\.bat$/i.test(file);
  // A key the text does not hold cannot match its pattern: a substring search rules out most keys
  // before their regex runs (`%key%` is case-insensitive: there, ASCII keys in the lower-cased text;
  // a non-ASCII character never matches an ASCII one in a case-insensitive JS regex).
  const lower = bat ? text.toLowerCase() : text;
  const mayHold = (k: string) => (bat ? !ASCII.test(k) || lower.includes(k.toLowerCase()) : text.includes(k));
  return new Set([...keys].filter((k) => mayHold(k) && (bat || !WORD_KEY.test(k) ? scriptPattern(k, bat).test(text) : shellReads(text, k))));
}

const WORD_KEY = /^\w+$/;
const isSpace = (c: string) => /\s/.test(c);

/**
 * scriptPattern(key)'s test on a shell script, for a key of word characters, without a regex (one
 * is compiled the first time each key is seen): some `key` in `text` is preceded by `$`, an
 * optional `{` and whitespace, and followed by whitespace, `|`, `}` or the end of the text.
 */
function shellReads(text: string, key: string): boolean {
  for (let at = text.indexOf(key); at >= 0; at = text.indexOf(key, at + 1)) {
    const after = text[at + key.length];
    if (after !== undefined && after !== '|' && after !== '}' && !isSpace(after)) continue;
    let i = at - 1;
    while (i >= 0 && isSpace(text[i])) i--;
    if (text[i] === '{') i--;
    if (text[i] === '$') return true;
  }
  return false;
}

const ASCII = /^[\x00-\x7f]*$/;

// The keys of the last texts asked for (per use), for the same frozen config: a recipe's outputs share
// its top level, and often its top-level requirements section.
const lastKeys = new Map<string, { text: string; values: object; used: Set<string> }>();

/** usedVariantKeys(text, config), kept for the next call of the same use (frozen configs only). */
function reusedKeys(use: string, text: string, config: VariantConfig): Set<string> | null {
  if (!Object.isFrozen(config.values)) return null;
  let last = lastKeys.get(use);
  if (last?.text !== text || last.values !== config.values) lastKeys.set(use, (last = { text, values: config.values, used: usedVariantKeys(text, config) }));
  return last.used;
}

/** Does every `{{` / `{%` of `text` open a Jinja block that closes in it, or lie inside one? */
export function blocksClosed(text: string): boolean {
  const spans: [number, number][] = [];
  forEachJinjaBlock(text, (_, start, end) => spans.push([start, end]));
  let k = 0;
  for (let at = text.indexOf('{'); at >= 0; at = text.indexOf('{', at + 1)) {
    const next = text[at + 1];
    if (next !== '{' && next !== '%') continue;
    while (k < spans.length && spans[k][1] <= at) k++;
    if (k === spans.length || spans[k][0] > at) return false;
  }
  return true;
}

/**
 * usedVariantKeys of `${topLevel}\n${own}` as the union of the two texts' keys, the top level's made
 * once for all outputs. The same keys when nothing the scan reads crosses the line between them:
 * every Jinja opener of the top level opens a block that closes in it, and its last line is no
 * `-` or `then:` / `else:` waiting for a requirement on the next one (else the joined text is scanned).
 */
function outputTextKeys(topLevel: string, own: string, config: VariantConfig): Set<string> {
  const tail = topLevel.trimEnd();
  if (topLevel.endsWith('\r') || tail.endsWith('-') || tail.endsWith(':') || !blocksClosed(topLevel)) return usedVariantKeys(`${topLevel}\n${own}`, config);
  const used = new Set(reusedKeys('top level', topLevel, config) ?? usedVariantKeys(topLevel, config));
  for (const key of usedVariantKeys(own, config)) used.add(key);
  return used;
}

export interface OutputKeys {
  used: Set<string>;
  requirementsUsed: Set<string>;
  numpyXX: boolean;
  numpyPinCompatibleXX: boolean;
}

/**
 * Keys used by one output. `index` is the output's position in `outputs:` (null for a recipe
 * without outputs); `script` is the output's own script file, if any.
 */
export function outputKeys(opts: {
  raw: string;
  selected: string;
  config: VariantConfig;
  variant: Record<string, string>;
  recipeDir: string;
  index: number | null;
  script: string | null;
  win: boolean;
  /** Reads build scripts (default: from disk, once per call). */
  readScript?: ScriptReader;
}): OutputKeys {
  // A recipe without outputs (index null) reads its whole text: it is not sliced.
  const slices = opts.index === null ? null : lastSlices?.text === opts.selected ? lastSlices.slices : (lastSlices = { text: opts.selected, slices: sliceRecipe(opts.selected) }).slices;
  const own = slices === null ? '' : (slices.outputs[opts.index!] ?? slices.outputs.join('\n'));
  const text = slices === null ? opts.selected : `${slices.topLevel}\n${own}`;
  const keys = keysOf(opts.variant);
  const inVariant = (s: Set<string>) => new Set([...s].filter((k) => k in opts.variant));
  const used = inVariant(slices === null ? usedVariantKeys(text, opts.config) : outputTextKeys(slices.topLevel, own, opts.config));
  const names = lastSelectorNames?.raw === opts.raw ? lastSelectorNames.names : (lastSelectorNames = { raw: opts.raw, names: selectorNames(opts.raw) }).names;
  for (const k of keys) if (names.has(k)) used.add(k);
  const reqsText = requirementsSection(text);
  const requirementsUsed = inVariant(reusedKeys('requirements', reqsText, opts.config) ?? usedVariantKeys(reqsText, opts.config));
  const scripts =
    opts.index === null
      ? [join(opts.recipeDir, opts.win ? 'bld.bat' : 'build.sh')]
      : opts.script && /^[^\n]+\.(sh|bat)$/i.test(opts.script)
        ? [join(opts.recipeDir, opts.script)]
        : [];
  const read = opts.readScript ?? scriptReader();
  for (const f of scripts) for (const k of scriptKeys(f, keys, read)) used.add(k);
  const maxPin = reqsText.match(/pin_\w+\(\s*['"]numpy['"].*max_pin\s*=\s*['"]([x.]*)['"]/);
  const compatible = /pin_\w+\(\s*['"]numpy['"]/.test(reqsText);
  return {
    used,
    requirementsUsed,
    numpyXX: /numpy\s*x\.x|pin_compatible\(\s*['"]numpy.*max_pin\s*=\s*['"]x\.x['"]/.test(reqsText),
    numpyPinCompatibleXX: compatible && !!maxPin && (maxPin[1].match(/x/g)?.length ?? 0) === 2,
  };
}

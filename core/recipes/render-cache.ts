// A cache of renderings in the work dir (`<workDir>/cache/render`), so that planning again after a
// few recipes changed renders only those. One file per rendering, named by the sha256 of every
// input of the render:
//   - the renderer's version: the source files of core/recipes and of the two renderer plugins (and their factory),
//     and the versions of the Jinja and YAML libraries (any change to the code misses the cache);
//   - the recipe's format and reference (paths, variant overrides, extra version), the target, and
//     the renderer's options (the environment `environ` reads);
//   - every file of the recipe dir (recipe, build scripts, imported or included templates,
//     recipe-dir data files, its conda_build_config.yaml) and every variant config file stacked
//     for it (a missing file counts as missing), each by its identity and stat: inode, size,
//     mtime and ctime (in ms, to the µs). Writing a file changes its ctime (which no tool can set
//     back), so any change misses the cache; so does rewriting the same bytes (rendered again).
//     A file changed in the last few seconds counts by its bytes instead (sha256): on a filesystem
//     with coarse timestamps two writes within one tick keep the same stat (git's "racy" files).
//     A recipe dir holding a symlink to a directory gets no key (not stored, rendered every time):
//     what is read through the link is not in the key.
// A rendering that read outside the recipe dir is not stored: a `source: path:` (load_file_data,
// load_setup_py_data read the source tree), a recipe that asks `os.path` about the filesystem, or
// one whose recipe or templates give a file-loading call a path out of the dir (`../setup.py`, an
// absolute path) or a computed one.
// Errors are never stored (they are rendered again, and say the same), nor is a rendering that holds
// a secret value (core/config/redactor.ts).
// A rendering is stored only when the key, made again after the render (every stat taken again), is
// the same: a file changed while it was rendered cannot be stored under the key of before.
// Safe under concurrent runs: a file is written under a temporary name and renamed into place
// (readers see a whole file or none; two writers of a key write the same bytes). A file that cannot
// be read back (partial, foreign, another Node's serialisation) is a miss and is rewritten. A hit costs
// a stat per file (the recipe dir's listing is the one discovery checked in this plan:
// listing-cache.ts) and no read of its own: the renderings a plan used are kept in one pack per
// target (`pack-<hash of the target>.bin`, see Pack below), read at once by the next plan.
// An entry is JSON text (see Entry below), and a rendering read from the cache is parsed when its
// `variants` are first read: a plan that does not look at a recipe's variants does not parse them.
import { createHash, hash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecipeRef, RenderedRecipe, Target } from '../model/types.ts';
import { expectCachedRenders, renderSkipped } from './render-pool.ts';
import { fileStatAhead, type FileStatsAhead, isRacy, listDir, listKeyedDir, newListingGeneration } from './listing-cache.ts';
import { writeFileAtomicSync } from '../conda/atomic-write.ts';
import { hasSecret, secretsKnown } from '../config/redactor.ts';
import { recipeTemplates } from './meta-yaml/templates.ts';

/** Where a run's renderings are cached: `<workDir>/cache/render`. */
export const renderCacheDir = (workDir: string): string => join(workDir, 'cache', 'render');

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

function sourceFiles(dir: string, out: string[]): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'fixtures' && e.name !== 'node_modules') sourceFiles(p, out);
    } else if (/\.[cm]?[jt]s$/.test(e.name) && !/\.test\.[cm]?[jt]s$/.test(e.name)) out.push(p);
  }
  return out;
}

const versions = new Map<string, string>();

/** The version of some code: the source files under `dirs` (relative to the project root) and the versions of `libs`. */
export function sourcesVersion(dirs: string[], libs: string[]): string {
  const id = `${dirs.join('\0')}\n${libs.join('\0')}`;
  let v = versions.get(id);
  if (v) return v;
  const hash = createHash('sha256');
  const files = dirs.flatMap((d) => sourceFiles(join(ROOT, d), []).sort());
  for (const f of files) hash.update(`${relative(ROOT, f)}\0`).update(readFileSync(f)).update('\0');
  for (const lib of libs) {
    try {
      hash.update(`${lib}@${JSON.parse(readFileSync(join(ROOT, 'node_modules', lib, 'package.json'), 'utf8')).version}\0`);
    } catch {
      hash.update(`${lib}@?\0`);
    }
  }
  versions.set(id, (v = hash.digest('hex')));
  return v;
}

let renderer: string | undefined;

/** The renderer's version: its source files and the versions of the libraries it renders with. */
export function rendererVersion(): string {
  return (renderer ??= sourcesVersion(['core/recipes', 'plugins/render-meta-yaml', 'plugins/render-recipe-yaml', 'plugins/renderer-plugin'], ['minijinja-js', 'yaml']));
}

/** What a file contributes to a key: its stat, or its bytes' sha256 when just changed; 'missing'. */
function fileStamp(path: string): string {
  try {
    const s = statSync(path, { throwIfNoEntry: false });
    if (!s) return 'missing';
    if (!s.isFile()) return 'not a file';
    // Just changed: counted by its bytes (its stat may not show a second change yet).
    if (isRacy(s)) return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    return `stat:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * The stamps of the variant config files, shared by the recipes of one plan (every recipe stacks
 * the aggregate's root config): a stat stamp is reused until the plan ends (flushRenderCache), and
 * for at most STAMP_REUSE_MS (renders outside a plan). Sound because a
 * stat stamp names one state of a file that never comes back (a write moves its ctime on): a
 * rendering made while the file changed is stored under a stamp no later key has. A content stamp
 * (a file changed in the last seconds) is never reused, as its bytes may change again.
 */
const STAMP_REUSE_MS = 1000;
const sharedStamps = new Map<string, { stamp: string; at: number }>();

function sharedFileStamp(path: string): string {
  const now = Date.now();
  const hit = sharedStamps.get(path);
  if (hit && now - hit.at < STAMP_REUSE_MS) return hit.stamp;
  const stamp = fileStamp(path);
  if (stamp.startsWith('stat:')) sharedStamps.set(path, { stamp, at: now });
  else sharedStamps.delete(path);
  return stamp;
}

/** `fileStamp` from a stat the listing cache's worker took ahead (at `at`). */
function stampAhead(path: string, ahead: FileStatsAhead, k: number): string {
  const s = fileStatAhead(ahead, k);
  if (s.kind === 'missing') return 'missing';
  if (s.kind === 'other') return 'not a file';
  if (!isRacy(s, ahead.at)) return `stat:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  try {
    return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  } catch {
    return 'missing';
  }
}

function dirFiles(dir: string, prefix: string, out: [string, string][], fresh: boolean): [string, string][] {
  if (fresh) {
    for (const [name, kind] of listDir(dir)) {
      const p = dir + sep + name; // a listed name holds no separator
      if (kind === 'dir') dirFiles(p, `${prefix}${name}/`, out, fresh);
      else out.push([prefix + name, entryStamp(p, kind)]);
    }
    return out;
  }
  // Discovery listed the recipe dir already in this plan: taken as it checked it, with its files'
  // stats when the listing cache's worker took them ahead (listing-cache.ts).
  const { entries, ahead } = listKeyedDir(dir);
  let k = 0; // position among the file entries (the worker's records)
  for (const [name, kind] of entries) {
    const p = dir + sep + name;
    if (kind === 'dir') dirFiles(p, `${prefix}${name}/`, out, fresh);
    else if (kind === 'file' && ahead) out.push([prefix + name, stampAhead(p, ahead, k++)]);
    else out.push([prefix + name, entryStamp(p, kind)]);
  }
  return out;
}

/**
 * The stamp of a listed entry that is no directory. A symlink to a directory (or anything else that
 * is no file) throws: the files read through it (`{% include 'common/x.yaml' %}` with common -> a
 * shared dir) are not in the key, so the recipe gets no key (rendered every time, not stored).
 */
function entryStamp(path: string, kind: string): string {
  const stamp = fileStamp(path);
  if (stamp === 'not a file' && kind !== 'file') throw new Error(`${path}: not a file`);
  return stamp;
}

/**
 * A variant file of the recipe dir itself (its conda_build_config.yaml): the stamp its dir's files
 * took in this key (a stat of this plan, maybe taken ahead), not a second stat.
 */
function stampInDir(dir: string, files: [string, string][], path: string): string | undefined {
  if (path.length <= dir.length + 1 || !path.startsWith(dir) || path[dir.length] !== sep) return undefined;
  const name = path.slice(dir.length + 1);
  for (const [n, stamp] of files) if (n === name) return stamp;
  return undefined;
}

/**
 * The cache key of rendering `recipe` for `target` with `options`; null when its dir cannot be listed.
 * `fresh`: every stat taken now (no listing checked earlier in the plan, no shared variant config stamp).
 */
export function renderCacheKey(recipe: RecipeRef, target: Target, options: unknown, fresh = false): string | null {
  let files: [string, string][];
  try {
    files = dirFiles(recipe.dir, '', [], fresh);
  } catch {
    return null;
  }
  if (files.length > 1) files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // One text, hashed at once: the renderer's version, the target, options and recipe as JSON (one
  // line each), then each file's name and stamp, each followed by NUL (a name, path or stamp holds
  // none; JSON escapes it), the file list ended by an empty name.
  let text = `${rendererVersion()}\n${JSON.stringify(target)}\n${JSON.stringify(options)}\n${JSON.stringify(recipe)}\n`;
  for (const [name, stamp] of files) text += `${name}\0${stamp}\0`;
  text += '\0';
  for (const f of recipe.variantFiles) text += `${f}\0${fresh ? fileStamp(f) : (stampInDir(recipe.dir, files, f) ?? sharedFileStamp(f))}\0`;
  return hash('sha256', text);
}

/**
 * Did the rendering read outside its recipe dir (a local source tree, the filesystem through
 * os.path, a file-loading Jinja call given a path out of the dir), in the recipe or a template it loads?
 */
function readsOutside(recipe: RecipeRef, rendered: RenderedRecipe): boolean {
  if (rendered.variants.some((v) => (v.source ?? []).some((s) => (s as { path?: unknown }).path !== undefined))) return true;
  try {
    const raw = readFileSync(recipe.file, 'utf8');
    if (textReadsOutside(raw)) return true;
    if (!raw.includes('{%')) return false;
    for (const { text } of recipeTemplates(raw, recipe.file, recipe.dir, recipe.feedstock).values()) if (textReadsOutside(text)) return true;
    return false;
  } catch {
    return true;
  }
}

/** A call of conda-build's file-reading Jinja functions, its arguments up to the first `)`. */
const FILE_LOADS = /\bload_(?:setup_py_data|file_regex|file_data)\s*\(([^)]*)/g;
const STRING_LITERALS = /'[^'\n]*'|"[^"\n]*"/g;

/**
 * May this Jinja text read a file outside its recipe dir? `os.path`, or a load_setup_py_data /
 * load_file_regex / load_file_data call with a literal path that is absolute, starts with `~` or has a
 * `..` segment, or an argument that is no literal, keyword name or True/False/None (a computed path:
 * the key cannot know it). A literal relative path stays in the recipe dir (a file of the key) or names the source
 * tree (a local `source: path:`, not stored; none else: not answerable, nothing read).
 */
function textReadsOutside(text: string): boolean {
  if (text.includes('os.path')) return true;
  if (!text.includes('load_')) return false;
  for (const [, args] of text.matchAll(FILE_LOADS)) {
    for (const [literal] of args.matchAll(STRING_LITERALS)) {
      const path = literal.slice(1, -1);
      if (path.startsWith('/') || path.startsWith('~') || /(?:^|[/\\])\.\.(?:[/\\]|$)/.test(path)) return true;
    }
    const rest = args.replace(STRING_LITERALS, '').replace(/\b[A-Za-z_]\w*\s*=/g, '').replace(/\b(?:True|False|None|true|false|none)\b/g, '');
    if (/[^\s,]/.test(rest)) return true;
  }
  return false;
}

/** A rendering as the cache reads it: the variants still as JSON text until first read. */
interface Stored {
  feedstock: string;
  warnings: RenderedRecipe['warnings'];
  /** The entry: bytes[start..end) (a whole per-key file, or a slice of a pack's). */
  bytes: Buffer;
  start: number;
  end: number;
  /** The variants' JSON text: bytes[at..end) (decoded when first read). */
  at: number;
}

/**
 * An entry (a per-key file, a slice of a pack): `R2\n`, a JSON line {key, feedstock, warnings,
 * length: the variants' bytes}, then the variants as JSON. Only renderings JSON gives back exactly
 * are stored (jsonExact: no undefined, NaN, BigInt, Date, Map, class instance, ...).
 */
const ENTRY_MAGIC = 'R2\n';

function readStored(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined; // not stored yet
  }
}

/** A stored rendering of `key` in these bytes, or null (damaged, foreign, truncated). */
function readRendering(bytes: Buffer, key: string): Stored | null {
  try {
    if (bytes.length < 4 || bytes[0] !== 0x52 || bytes[1] !== 0x32 || bytes[2] !== 0x0a) return null;
    const nl = bytes.indexOf(0x0a, 3);
    if (nl < 0) return null;
    const head = JSON.parse(bytes.toString('utf8', 3, nl)) as { key?: unknown; feedstock?: unknown; warnings?: unknown; length?: unknown };
    if (head?.key !== key || typeof head.feedstock !== 'string' || !Array.isArray(head.warnings)) return null;
    // A truncated or padded entry: its variants are not all there.
    if (head.length !== bytes.length - nl - 1 || bytes[nl + 1] !== 0x5b || bytes[bytes.length - 1] !== 0x5d) return null;
    return { feedstock: head.feedstock, warnings: head.warnings as RenderedRecipe['warnings'], bytes, start: 0, end: bytes.length, at: nl + 1 };
  } catch {
    return null;
  }
}

/**
 * `value` as JSON when JSON.parse gives it back exactly: plain objects and arrays, each met once
 * (JSON would copy an object two places share: run exports grow a shared array once), strings,
 * finite numbers, booleans, null.
 */
export function jsonExact(value: unknown): string | undefined {
  let exact = true;
  let text: string | undefined;
  const seen = new Set<object>();
  try {
    text = JSON.stringify(value, function (this: Record<string, unknown>, k: string, v: unknown) {
      const raw = this[k]; // before toJSON
      switch (typeof raw) {
        case 'string':
        case 'boolean':
          break;
        case 'number':
          if (!Number.isFinite(raw) || Object.is(raw, -0)) exact = false;
          break;
        case 'object': {
          if (raw === null) break;
          if (seen.has(raw)) exact = false;
          else seen.add(raw);
          const proto = Object.getPrototypeOf(raw);
          if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) exact = false;
          break;
        }
        default:
          exact = false; // undefined (dropped or made null), function, symbol, bigint
      }
      return v;
    });
  } catch {
    return undefined;
  }
  return exact ? text : undefined;
}

/** The bytes of an entry for `key`, or undefined when JSON would not give the rendering back exactly. */
function entryOf(key: string, rendered: RenderedRecipe): Stored | undefined {
  const variants = jsonExact(rendered.variants);
  const warningsText = jsonExact(rendered.warnings);
  if (variants === undefined || warningsText === undefined || !variants.startsWith('[')) return undefined;
  const body = Buffer.from(variants, 'utf8');
  const warnings = JSON.parse(warningsText) as RenderedRecipe['warnings'];
  const head = Buffer.from(`${ENTRY_MAGIC}${JSON.stringify({ key, feedstock: rendered.feedstock, warnings, length: body.length })}\n`, 'utf8');
  const bytes = Buffer.concat([head, body]);
  return { feedstock: rendered.feedstock, warnings, bytes, start: 0, end: bytes.length, at: head.length };
}

/**
 * A pack: the stored renderings of one target, in one file of the cache dir, so that a plan of
 * 25,000 recipes reads one file instead of 25,000 (each entry is the bytes of its cache file and is
 * only used under its full key, so a stale pack only costs misses). The one-file-per-key layout
 * stays the reference: every rendering is written there, and a key not in the pack is looked up
 * there. `flushRenderCache` rewrites a pack with the renderings this process used when more than 2%
 * of them came from loose files, or when most of the pack went unused.
 * The file: `PACK3\n`, the byte length of the index, `\n`, the index (JSON, per entry: key, entry
 * length, where its variants start in it, feedstock, warnings — what a hit needs, parsed at once for
 * the whole pack instead of each entry's head line), then the entries one after the other.
 */
interface Pack {
  file: string;
  stored: Map<string, Stored>;
  used: Map<string, Stored>;
  /** Renderings used that were not in the pack (read from their own file, or rendered). */
  loose: number;
}

const PACK_MAGIC = 'PACK3\n';
const PACK_FIELDS = 5;
const packs = new Map<string, Pack>();
/** The pack file of each target object, per cache dir (a target is one object for a whole plan). */
const packFiles = new WeakMap<Target, Map<string, string>>();

/** The entries of a pack file, by key (empty when missing, damaged or foreign). */
function readPack(file: string): Map<string, Stored> {
  const stored = new Map<string, Stored>();
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return stored; // no pack yet: every key is looked up in its own file
  }
  try {
    if (buf.toString('latin1', 0, PACK_MAGIC.length) !== PACK_MAGIC) return stored;
    const nl = buf.indexOf(0x0a, PACK_MAGIC.length);
    const indexLength = Number(buf.toString('latin1', PACK_MAGIC.length, nl));
    if (nl < 0 || !Number.isSafeInteger(indexLength)) return stored;
    const index = JSON.parse(buf.toString('utf8', nl + 1, nl + 1 + indexLength)) as unknown;
    if (!Array.isArray(index) || index.length % PACK_FIELDS) return stored;
    let start = nl + 1 + indexLength;
    for (let i = 0; i < index.length; i += PACK_FIELDS) {
      const key: unknown = index[i], length: unknown = index[i + 1], variantsAt: unknown = index[i + 2];
      const feedstock: unknown = index[i + 3], warnings: unknown = index[i + 4];
      if (typeof key !== 'string' || typeof feedstock !== 'string' || !Array.isArray(warnings)) return new Map();
      if (!Number.isSafeInteger(length) || !Number.isSafeInteger(variantsAt)) return new Map();
      const end = start + (length as number), at = start + (variantsAt as number);
      // Each entry whole: its magic, its variants from `at` to its end ('[' ... ']').
      if (at <= start + 3 || end > buf.length || at >= end || buf[start] !== 0x52 || buf[start + 1] !== 0x32 || buf[start + 2] !== 0x0a) return new Map();
      if (buf[at - 1] !== 0x0a || buf[at] !== 0x5b || buf[end - 1] !== 0x5d) return new Map();
      stored.set(key, { feedstock, warnings: warnings as RenderedRecipe['warnings'], bytes: buf, start, end, at });
      start = end;
    }
    return start === buf.length ? stored : new Map();
  } catch {
    return new Map(); // damaged: every key is looked up in its own file
  }
}

function writePack(file: string, entries: Map<string, Stored>): void {
  const index: unknown[] = [];
  const bodies: Buffer[] = [];
  for (const [key, e] of entries) {
    index.push(key, e.end - e.start, e.at - e.start, e.feedstock, e.warnings);
    bodies.push(e.bytes.subarray(e.start, e.end));
  }
  const indexBytes = Buffer.from(JSON.stringify(index), 'utf8');
  writeFileAtomicSync(file, Buffer.concat([Buffer.from(`${PACK_MAGIC}${indexBytes.length}\n`, 'latin1'), indexBytes, ...bodies]));
}

function packOf(dir: string, target: Target): Pack {
  let files = packFiles.get(target);
  if (!files) packFiles.set(target, (files = new Map()));
  let file = files.get(dir);
  // Which pack a target reads only costs misses if wrong: an entry is used under its full key only.
  if (!file) files.set(dir, (file = join(dir, `pack-${createHash('sha256').update(JSON.stringify(target)).digest('hex').slice(0, 16)}.bin`)));
  let pack = packs.get(file);
  if (!pack) {
    packs.set(file, (pack = { file, stored: readPack(file), used: new Map(), loose: 0 }));
    // Most of them are hits to come: no reason to start render workers (render-pool.ts).
    expectCachedRenders(pack.stored.size);
  }
  return pack;
}

/** Forget the packs read or written by this process (tests: the next lookup reads the files again). */
export function forgetRenderPacks(): void {
  packs.clear();
}

/** Rewrite the packs worth it (see Pack): planning calls this once it has rendered every recipe. */
export function flushRenderCache(): void {
  sharedStamps.clear(); // the next plan stats the variant configs again
  newListingGeneration(); // and the recipe dirs
  for (const pack of packs.values()) {
    // Nothing rendered through this pack since its last write (another target's plan flushed):
    // rewriting it would empty it.
    if (!pack.used.size) continue;
    let unused = 0;
    for (const key of pack.stored.keys()) if (!pack.used.has(key)) unused++;
    if (pack.loose <= pack.used.size / 50 && unused <= pack.used.size) continue;
    try {
      writePack(pack.file, pack.used);
      renderCacheStats.packed = pack.used.size;
      pack.stored = pack.used;
      pack.used = new Map();
      pack.loose = 0;
    } catch {
      // not written: the next plan reads the per-key files
    }
  }
}

/**
 * The key of each rendering this cache handed out, by its variants array (callers copy the
 * rendering object but keep its variants), or by the rendering itself while its variants are not
 * parsed: the key says what the rendering holds as handed out, before anything changes it in place
 * (run exports), so it is taken once (takeRenderingKey).
 */
const handedOut = new WeakMap<object, string>();
/** A rendering whose variants are still JSON text: where they are, and what waits for them. */
interface Unparsed {
  key: string;
  taken: boolean;
  /** The first of what waits for the variants when given as a function and its argument (no closure), then the others. */
  call: ((rendered: RenderedRecipe, arg: any) => void) | undefined;
  arg: unknown;
  then: (() => void)[] | undefined;
  stored: Stored;
}
const unparsed = new WeakMap<object, Unparsed>();

/** The render cache key of a rendering this cache handed out, once; undefined when not from the cache (or taken). */
export function takeRenderingKey(rendered: RenderedRecipe): string | undefined {
  const lazy = unparsed.get(rendered);
  if (lazy) {
    if (lazy.taken) return undefined;
    lazy.taken = true;
    return lazy.key;
  }
  const key = handedOut.get(rendered.variants);
  if (key !== undefined) handedOut.delete(rendered.variants);
  return key;
}

/**
 * Run `fn` when the variants of `rendered` are first read, if they are still JSON text (true), right
 * after they are parsed and before the reader sees them; false: they are read already (run it now).
 */
export function whenParsed(rendered: RenderedRecipe, fn: () => void): boolean {
  return whenParsedCall(rendered, callArgument, fn);
}

const callArgument = (_rendered: RenderedRecipe, fn: () => void): void => fn();

/**
 * whenParsed for `fn(rendered, arg)`: the same function for many renderings costs no closure per
 * rendering (the run-exports memo's replays of 25,000 recipes that are mostly never read).
 */
export function whenParsedCall<T>(rendered: RenderedRecipe, fn: (rendered: RenderedRecipe, arg: T) => void, arg: T): boolean {
  const lazy = unparsed.get(rendered);
  if (!lazy) return false;
  if (lazy.call || lazy.then) (lazy.then ??= []).push(() => fn(rendered, arg));
  else {
    lazy.call = fn;
    lazy.arg = arg;
  }
  return true;
}

/** Whether a rendering's variants are still JSON text (tests, bench: which renderings a plan looked at). */
export function isRenderingParsed(rendered: RenderedRecipe): boolean {
  return !unparsed.has(rendered); // the lazy accessor is installed exactly while it is there
}

/** `variants` becomes a plain property of `rendered` (parsed or replaced). */
function settle(rendered: RenderedRecipe, state: Unparsed, variants: RenderedRecipe['variants']): void {
  Object.defineProperty(rendered, 'variants', { value: variants, writable: true, enumerable: true, configurable: true });
  unparsed.delete(rendered);
  if (!state.taken) handedOut.set(variants, state.key);
}

/**
 * The accessor of a lazy `variants`, one for every rendering (no closures per rendering): its state
 * is found by the rendering (`unparsed`), which is `this` for a read or write of its own property.
 */
const LAZY_VARIANTS: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: RenderedRecipe) {
    const state = unparsed.get(this)!;
    const { bytes, at, end } = state.stored;
    const variants = JSON.parse(bytes.toString('utf8', at, end)) as RenderedRecipe['variants'];
    settle(this, state, variants);
    // What was waiting for them (whenParsed, whenParsedCall), in the order it came.
    if (state.call) state.call(this, state.arg);
    if (state.then) for (const fn of state.then) fn();
    return variants;
  },
  set(this: RenderedRecipe, variants: RenderedRecipe['variants']) {
    const state = unparsed.get(this)!;
    state.taken = true; // replaced: not what the key stands for, nor what waited for them
    settle(this, state, variants);
  },
};

/** A rendering from the cache whose `variants` are parsed from the stored text on first read (then a plain property). */
function lazyRendering(key: string, recipe: RecipeRef, target: Target, stored: Stored): RenderedRecipe {
  // `variants` stays in its place among the keys (JSON.stringify, Object.keys see the same order).
  // Warnings are the rendering's own array (the pack's parsed index is shared by its hits).
  const warnings = stored.warnings.length ? (JSON.parse(JSON.stringify(stored.warnings)) as RenderedRecipe['warnings']) : [];
  const rendered: RenderedRecipe = { feedstock: stored.feedstock, recipe, target, variants: [], warnings };
  Object.defineProperty(rendered, 'variants', LAZY_VARIANTS);
  unparsed.set(rendered, { key, taken: false, call: undefined, arg: undefined, then: undefined, stored });
  return rendered;
}

/** What the cache did in this process (for the bench and tests). */
export const renderCacheStats = { hits: 0, misses: 0, stored: 0, uncacheable: 0, packed: 0, changedWhileRendered: 0 };

/** The per-key file of `key` in cache dir `dir`. */
const keyFile = (dir: string, key: string): string => join(dir, key.slice(0, 2), `${key}.bin`);

/**
 * Render through the cache in `dir` (null: no cache): a stored rendering of the same inputs, or
 * `render()`'s, stored when it read nothing outside its recipe dir and no input changed meanwhile.
 */
export async function cachedRender(dir: string | null, recipe: RecipeRef, target: Target, options: unknown, render: () => Promise<RenderedRecipe>): Promise<RenderedRecipe> {
  if (!dir) return render();
  const key = renderCacheKey(recipe, target, options);
  if (!key) return render();
  const pack = packOf(dir, target);
  let stored = pack.stored.get(key);
  const fromPack = !!stored;
  if (!stored) {
    const bytes = readStored(keyFile(dir, key));
    stored = (bytes && readRendering(bytes, key)) || undefined;
  }
  if (stored) {
    renderCacheStats.hits++;
    renderSkipped();
    pack.used.set(key, stored);
    if (!fromPack) pack.loose++;
    return lazyRendering(key, recipe, target, stored);
  }
  renderCacheStats.misses++;
  const rendered = await render();
  // Nor one that holds a secret value (a recipe read an allowed secret): the cache is a file we write.
  if (readsOutside(recipe, rendered) || (secretsKnown() && hasSecret(JSON.stringify(rendered.variants)))) {
    renderCacheStats.uncacheable++;
    return rendered;
  }
  // An input changed while it was rendered: this rendering may hold either state.
  if (renderCacheKey(recipe, target, options, true) !== key) {
    renderCacheStats.changedWhileRendered++;
    return rendered;
  }
  const entry = entryOf(key, rendered);
  if (!entry) {
    renderCacheStats.uncacheable++;
    return rendered;
  }
  try {
    const file = keyFile(dir, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomicSync(file, entry.bytes);
    renderCacheStats.stored++;
    pack.used.set(key, entry);
    pack.loose++;
    handedOut.set(rendered.variants, key);
  } catch {
    // A cache that cannot be written (read-only or full disk) only costs the render next time.
  }
  return rendered;
}

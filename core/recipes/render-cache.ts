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
//     mtime and ctime in nanoseconds. Writing a file changes its ctime (which no tool can set
//     back), so any change misses the cache; so does rewriting the same bytes (rendered again).
//     A file changed in the last few seconds counts by its bytes instead (sha256): on a filesystem
//     with coarse timestamps two writes within one tick keep the same stat (git's "racy" files).
// A rendering that read outside the recipe dir is not stored: a `source: path:` (load_file_data,
// load_setup_py_data read the source tree), or a recipe that asks `os.path` about the filesystem.
// Errors are never stored (they are rendered again, and say the same), nor is a rendering that holds
// a secret value (core/config/redactor.ts).
// Safe under concurrent runs: a file is written under a temporary name and renamed into place
// (readers see a whole file or none; two writers of a key write the same bytes). A file that cannot
// be read back (partial, foreign, another Node's serialisation) is a miss and is rewritten. A hit costs
// a stat of the recipe dir (its listing is reused while unchanged: listing-cache.ts), a stat per file
// and the read of one cache file: no recipe is read. The renderings a plan used are also kept in one
// pack per target (`pack-<hash of the target>.bin`, see Pack below), read at once by the next plan.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serialize, deserialize } from 'node:v8';
import type { RecipeRef, RenderedRecipe, Target } from '../model/types.ts';
import { renderSkipped } from './render-pool.ts';
import { isRacy, listDir } from './listing-cache.ts';
import { writeFileAtomicSync } from '../conda/atomic-write.ts';
import { hasSecret, secretsKnown } from '../config/redactor.ts';

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

/** The renderer's version: its source files and the versions of the libraries it renders with. */
export function rendererVersion(): string {
  return sourcesVersion(['core/recipes', 'plugins/render-meta-yaml', 'plugins/render-recipe-yaml', 'plugins/renderer-plugin'], ['minijinja-js', 'yaml']);
}

/** What a file contributes to a key: its stat, or its bytes' sha256 when just changed; 'missing'. */
function fileStamp(path: string): string {
  try {
    const s = statSync(path, { bigint: true, throwIfNoEntry: false });
    if (!s) return 'missing';
    if (!s.isFile()) return 'not a file';
    // Just changed: counted by its bytes (its stat may not show a second change yet).
    if (isRacy(s)) return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    return `stat:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
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

function dirFiles(dir: string, prefix: string, out: [string, string][]): [string, string][] {
  // Discovery listed the recipe dir already: reused while its stat is the same (listing-cache.ts).
  for (const [name, kind] of listDir(dir)) {
    const p = join(dir, name);
    if (kind === 'dir') dirFiles(p, `${prefix}${name}/`, out);
    else out.push([prefix + name, fileStamp(p)]);
  }
  return out;
}

/** The cache key of rendering `recipe` for `target` with `options`; null when its dir cannot be listed. */
export function renderCacheKey(recipe: RecipeRef, target: Target, options: unknown): string | null {
  let files: [string, string][];
  try {
    files = dirFiles(recipe.dir, '', []).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  } catch {
    return null;
  }
  const inputs = {
    renderer: rendererVersion(),
    recipe,
    target,
    options,
    files,
    variantFiles: recipe.variantFiles.map((f) => [f, sharedFileStamp(f)]),
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}

/** Did the rendering read outside its recipe dir (a local source tree, the filesystem through os.path)? */
function readsOutside(recipe: RecipeRef, rendered: RenderedRecipe): boolean {
  if (rendered.variants.some((v) => (v.source ?? []).some((s) => (s as { path?: unknown }).path !== undefined))) return true;
  try {
    return readFileSync(recipe.file, 'utf8').includes('os.path');
  } catch {
    return true;
  }
}

interface Stored {
  key: string;
  feedstock: string;
  variants: RenderedRecipe['variants'];
  warnings: RenderedRecipe['warnings'];
}

function readStored(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined; // not stored yet
  }
}

/** A stored rendering of `key` in these bytes, or null (damaged, foreign, another Node's serialisation). */
function readRendering(bytes: Uint8Array, key: string): Stored | null {
  try {
    const stored = deserialize(bytes) as Stored;
    return stored?.key === key && Array.isArray(stored.variants) && Array.isArray(stored.warnings) ? stored : null;
  } catch {
    return null;
  }
}

/**
 * A pack: the stored renderings of one target, in one file of the cache dir, so that a plan of
 * 25,000 recipes reads one file instead of 25,000 (each entry is the bytes of its cache file and is
 * only used under its full key, so a stale pack only costs misses). The one-file-per-key layout
 * stays the reference: every rendering is written there, and a key not in the pack is looked up
 * there. `flushRenderCache` rewrites a pack with the renderings this process used when more than 2%
 * of them came from loose files, or when most of the pack went unused.
 */
interface Pack {
  file: string;
  stored: Map<string, Uint8Array>;
  used: Map<string, Uint8Array>;
  /** Renderings used that were not in the pack (read from their own file, or rendered). */
  loose: number;
}

const packs = new Map<string, Pack>();

function packOf(dir: string, target: Target): Pack {
  const file = join(dir, `pack-${createHash('sha256').update(JSON.stringify(target)).digest('hex').slice(0, 16)}.bin`);
  let pack = packs.get(file);
  if (!pack) {
    let stored = new Map<string, Uint8Array>();
    try {
      const read = deserialize(readFileSync(file)) as unknown;
      if (read instanceof Map) stored = read as Map<string, Uint8Array>;
    } catch {
      // no pack yet, or damaged: every key is looked up in its own file
    }
    packs.set(file, (pack = { file, stored, used: new Map(), loose: 0 }));
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
  for (const pack of packs.values()) {
    // Nothing rendered through this pack since its last write (another target's plan flushed):
    // rewriting it would empty it.
    if (!pack.used.size) continue;
    let unused = 0;
    for (const key of pack.stored.keys()) if (!pack.used.has(key)) unused++;
    if (pack.loose <= pack.used.size / 50 && unused <= pack.used.size) continue;
    try {
      writeFileAtomicSync(pack.file, serialize(pack.used));
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
 * rendering object but keep its variants): the key says what the rendering holds as handed out,
 * before anything changes it in place (run exports), so it is taken once (takeRenderingKey).
 */
const handedOut = new WeakMap<object, string>();

/** The render cache key of a rendering this cache handed out, once; undefined when not from the cache (or taken). */
export function takeRenderingKey(rendered: RenderedRecipe): string | undefined {
  const key = handedOut.get(rendered.variants);
  if (key !== undefined) handedOut.delete(rendered.variants);
  return key;
}

/** What the cache did in this process (for the bench and tests). */
export const renderCacheStats = { hits: 0, misses: 0, stored: 0, uncacheable: 0, packed: 0 };

/**
 * Render through the cache in `dir` (null: no cache): a stored rendering of the same inputs, or
 * `render()`'s, stored when it read nothing outside its recipe dir.
 */
export async function cachedRender(dir: string | null, recipe: RecipeRef, target: Target, options: unknown, render: () => Promise<RenderedRecipe>): Promise<RenderedRecipe> {
  if (!dir) return render();
  const key = renderCacheKey(recipe, target, options);
  if (!key) return render();
  const file = join(dir, key.slice(0, 2), `${key}.bin`);
  const pack = packOf(dir, target);
  let bytes: Uint8Array | undefined = pack.stored.get(key);
  let stored = bytes && readRendering(bytes, key);
  const fromPack = !!stored;
  if (!stored) stored = (bytes = readStored(file)) && readRendering(bytes, key);
  if (stored && bytes) {
    renderCacheStats.hits++;
    renderSkipped();
    pack.used.set(key, bytes);
    if (!fromPack) pack.loose++;
    handedOut.set(stored.variants, key);
    return { feedstock: stored.feedstock, recipe, target, variants: stored.variants, warnings: stored.warnings };
  }
  renderCacheStats.misses++;
  const rendered = await render();
  // Nor one that holds a secret value (a recipe read an allowed secret): the cache is a file we write.
  if (readsOutside(recipe, rendered) || (secretsKnown() && hasSecret(JSON.stringify(rendered.variants)))) {
    renderCacheStats.uncacheable++;
    return rendered;
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    const bytes = serialize({ key, feedstock: rendered.feedstock, variants: rendered.variants, warnings: rendered.warnings } satisfies Stored);
    writeFileAtomicSync(file, bytes);
    renderCacheStats.stored++;
    pack.used.set(key, bytes);
    pack.loose++;
    handedOut.set(rendered.variants, key);
  } catch {
    // A cache that cannot be written (read-only or full disk) only costs the render next time.
  }
  return rendered;
}

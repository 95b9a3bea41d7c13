// A worker module as one plain-JavaScript file, so that a worker thread loads it without tsx. Under
// tsx a worker registers its own loader thread, which resolves and transforms each TypeScript
// module (the render worker: ~45 modules, ~0.3 s of CPU and 0.3–1 s before it is ready); a bundle
// is one read and one parse (~0.1 s). The bundle holds our sources only: packages (node_modules)
// stay imports, resolved from the bundle's place inside this package's node_modules, so they are the
// same files as without it. Each source's `import.meta.url` (and dirname/filename) is its own
// file's in the bundle, so paths made from it stay the same.
//
// Built with esbuild (tsx's own transformer) into <package>/node_modules/.cache/rebuild/bundles/,
// beside a manifest listing every source it was made of with the sha-256 of the bytes bundled. A
// bundle is used only while every one of those files reads the same (checked before each use:
// ~45 reads and hashes, a few ms) and the package is where it was built; otherwise the caller loads
// the module through tsx as before and `buildBundle` makes the bundle again for the next process.
// REBUILD_WORKER_BUNDLE=0 turns bundles off.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Changes when the way bundles are made changes (a bundle of another version is stale). */
const BUILDER = 'rebuild-bundle/1';
/** The package's root (this file is core/threads/bundle.ts). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where bundles are kept and the root their sources are named from (tests give their own). */
export interface BundlePlace {
  dir?: string;
  root?: string;
}
/** Bundles of sources changed since are removed after this long (a process may still be loading one). */
const PRUNE_AFTER_MS = 10 * 60_000;

export function bundleCacheDir(): string {
  return join(ROOT, 'node_modules', '.cache', 'rebuild', 'bundles');
}

export function bundlesWanted(): boolean {
  return process.env.REBUILD_WORKER_BUNDLE !== '0';
}

interface Manifest {
  builder: string;
  root: string;
  bundle: string;
  /** [path relative to root, sha-256 hex of the bytes bundled] for every source in the bundle. */
  inputs: [string, string][];
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The manifest's name for `entry`: its path in the package as one file name, and the package's
 * place (checkouts sharing one node_modules keep their own bundles).
 */
function manifestPath(entryPath: string, dir: string, root: string): string {
  return join(dir, `${relative(root, entryPath).replace(/[\\/]/g, '-').replace(/\.[cm]?[jt]s$/, '')}-${sha256(root).slice(0, 8)}.json`);
}

/**
 * The path of a bundle of `entry` (a module of this package) made of its sources as they are now,
 * or null when there is none (never built, a source changed, built by another builder or for the
 * package in another place).
 */
export function freshBundle(entry: URL, { dir = bundleCacheDir(), root = ROOT }: BundlePlace = {}): string | null {
  const entryPath = fileURLToPath(entry);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(entryPath, dir, root), 'utf8')) as Manifest;
  } catch {
    return null;
  }
  if (manifest.builder !== BUILDER || manifest.root !== root || !Array.isArray(manifest.inputs) || !manifest.inputs.length) return null;
  try {
    for (const [path, hash] of manifest.inputs) if (sha256(readFileSync(join(root, path))) !== hash) return null;
    const bundle = join(dir, basename(manifest.bundle));
    statSync(bundle);
    return bundle;
  } catch {
    return null;
  }
}

const LOADERS: Record<string, 'ts' | 'js' | 'json'> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

/**
 * Bundle `entry` and its sources into `dir` (atomically: a reader sees the old manifest or the new
 * one, each with its bundle); the bundle's path, or null when it cannot be made (esbuild missing, a
 * source that does not compile — tsx then reports it as it does without bundles —, a read-only
 * package).
 */
export async function buildBundle(entry: URL, { dir = bundleCacheDir(), root = ROOT }: BundlePlace = {}): Promise<string | null> {
  const entryPath = fileURLToPath(entry);
  try {
    const esbuild = await import('esbuild');
    const bundled = new Map<string, string>();
    const result = await esbuild.build({
      entryPoints: [entryPath],
      absWorkingDir: root,
      bundle: true,
      packages: 'external',
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      // As tsx transforms: function and class names kept.
      keepNames: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [
        {
          name: 'rebuild-own-urls',
          setup(build) {
            build.onLoad({ filter: /.*/, namespace: 'file' }, (args) => {
              const bytes = readFileSync(args.path);
              const rel = relative(root, args.path);
              bundled.set(rel, sha256(bytes));
              const loader = LOADERS[extname(args.path)];
              if (!loader) throw new Error(`cannot bundle ${rel}`);
              if (loader === 'json') return { contents: bytes, loader };
              const url = pathToFileURL(args.path).href;
              const contents = bytes
                .toString('utf8')
                .replaceAll('import.meta.url', JSON.stringify(url))
                .replaceAll('import.meta.filename', JSON.stringify(args.path))
                .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)));
              return { contents, loader };
            });
          },
        },
      ],
    });
    const inputs = Object.keys(result.metafile!.inputs);
    if (!inputs.length || inputs.some((p) => !bundled.has(p))) return null;
    const code = result.outputFiles![0].contents;
    const manifestFile = manifestPath(entryPath, dir, root);
    const stem = basename(manifestFile, '.json');
    const bundle = `${stem}.${sha256(Buffer.from(code)).slice(0, 16)}.mjs`;
    mkdirSync(dir, { recursive: true });
    const tmp = `.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(join(dir, bundle + tmp), code);
    renameSync(join(dir, bundle + tmp), join(dir, bundle));
    const manifest: Manifest = { builder: BUILDER, root, bundle, inputs: inputs.sort().map((p) => [p, bundled.get(p)!]) };
    writeFileSync(manifestFile + tmp, `${JSON.stringify(manifest, null, 1)}\n`);
    renameSync(manifestFile + tmp, manifestFile);
    prune(dir, stem, bundle);
    return join(dir, bundle);
  } catch {
    return null;
  }
}

/** Remove `stem`'s other bundles once nothing can be about to load them. */
function prune(dir: string, stem: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (name === keep || !name.startsWith(`${stem}.`) || !name.endsWith('.mjs')) continue;
    try {
      if (now - statSync(join(dir, name)).mtimeMs > PRUNE_AFTER_MS) unlinkSync(join(dir, name));
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

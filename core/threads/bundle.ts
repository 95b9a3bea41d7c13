// A module of this package as plain JavaScript, so that a thread loads it without tsx. tsx
// registers a loader thread per thread that uses it, which resolves and transforms each TypeScript
// module: ~0.25 s of CPU to start, ~0.3–0.4 s for the render worker's ~45 modules; the render
// worker's bundle loads in ~0.1 s. Used by bin/rebuild.js (the CLI: core/cli/main.ts and every
// module it imports, lazily imported commands in chunks of their own) and by worker threads
// (`workerCode(module, { bundle: true })`, the render pool).
//
// A bundle holds our sources only: packages (node_modules) stay imports, resolved from the bundle's
// place inside this package's node_modules, so they are the same files as without it. Each source's
// `import.meta.url` (and dirname/filename) is its own file's, so paths made from it stay the same
// (a worker module named by URL is found, and bundled, as its source). Function and class names are
// kept (as tsx keeps them); source maps are written beside the chunks (bin/rebuild.js turns them on
// with --debug, so a stack names the TypeScript sources).
//
// Built with esbuild (tsx's own transformer) into <package>/node_modules/.cache/rebuild/bundles/,
// one directory per build, with a manifest of every source it was made of (fresh-bundle.js says
// when it is still fresh). A process that finds none fresh loads through tsx as before and starts
// `buildBundleDetached`: a detached child builds it for the next process (one at a time per module).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILDER, ROOT, bundleCacheDir, manifestPath, sha256, type BundleManifest, type BundlePlace } from './fresh-bundle.js';

export { bundleCacheDir, bundlesWanted, freshBundle, type BundlePlace } from './fresh-bundle.js';

/**
 * Builds of sources changed since are removed once this old: a process started from one loads its
 * lazily imported chunks later (a run's executor and stage code: in its first minutes).
 */
const PRUNE_AFTER_MS = 24 * 3600_000;
/** A build lock older than this is a builder that died. */
const LOCK_STALE_MS = 2 * 60_000;

const LOADERS: Record<string, 'ts' | 'js' | 'json'> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

/**
 * Bundle `entryPath` (a module file of this package) and its sources into `dir`, atomically (a
 * reader sees the old manifest or the new one, each with its files); the bundled entry's path, or
 * null when it cannot be made (esbuild missing, a source that does not compile — tsx then reports
 * it as it does without bundles —, a read-only package).
 */
export async function buildBundle(entryPath: string, { dir = bundleCacheDir(), root = ROOT }: BundlePlace = {}): Promise<string | null> {
  try {
    const esbuild = await import('esbuild');
    const read = new Map<string, [number, number, string]>();
    const manifestFile = manifestPath(entryPath, dir, root);
    const stem = basename(manifestFile, '.json');
    const tmp = join(dir, `.${stem}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    const result = await esbuild.build({
      entryPoints: [entryPath],
      absWorkingDir: root,
      outdir: tmp,
      entryNames: '[name]',
      chunkNames: 'chunk-[hash]',
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      packages: 'external',
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      keepNames: true,
      sourcemap: 'linked',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [
        {
          name: 'rebuild-sources',
          setup(build) {
            // The package by its own name (`import ... from 'rebuild'`): its source, as Node resolves
            // it from the package (from node_modules/.cache it would not: no package scope there).
            const self = selfExports(root);
            if (self) {
              build.onResolve({ filter: new RegExp(`^${self.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/|$)`) }, (args) => {
                const target = self.resolve(`.${args.path.slice(self.name.length)}`);
                return target ? { path: target } : undefined;
              });
            }
            // `import(`./commands/${file}.ts`)` names the tests beside the commands too: never
            // imported, so empty (and not sources of the bundle).
            build.onLoad({ filter: /\.test\.ts$/, namespace: 'file' }, () => ({ contents: 'export {};', loader: 'js' }));
            build.onLoad({ filter: /.*/, namespace: 'file' }, (args) => {
              const st = statSync(args.path);
              const bytes = readFileSync(args.path);
              const rel = relative(root, args.path);
              read.set(rel, [st.size, st.mtimeMs, sha256(bytes)]);
              const loader = LOADERS[extname(args.path)];
              if (!loader) throw new Error(`cannot bundle ${rel}`);
              if (loader === 'json') return { contents: bytes, loader };
              const contents = bytes
                .toString('utf8')
                .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
                .replaceAll('import.meta.filename', JSON.stringify(args.path))
                .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)));
              return { contents, loader };
            });
          },
        },
      ],
    });
    const inputs = Object.keys(result.metafile!.inputs).filter((p) => !p.endsWith('.test.ts'));
    if (!inputs.length || inputs.some((p) => !read.has(p))) return null;
    const files = result.outputFiles!;
    const id = sha256(files.map((f) => `${relative(tmp, f.path)}\0${sha256(f.contents)}`).join('\n')).slice(0, 16);
    const out = `${stem}.${id}`;
    const entryFile = `${basename(entryPath).replace(/\.[cm]?[jt]s$/, '')}.mjs`;
    mkdirSync(dir, { recursive: true });
    for (const f of files) {
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, f.contents);
    }
    try {
      renameSync(tmp, join(dir, out));
    } catch {
      // Built by another process meanwhile: the same files.
      rmSync(tmp, { recursive: true, force: true });
      statSync(join(dir, out, entryFile));
    }
    const manifest: BundleManifest = { builder: BUILDER, root, bundle: `${out}/${entryFile}`, inputs: inputs.sort().map((p) => [p, ...read.get(p)!]) };
    writeFileSync(`${tmp}.json`, `${JSON.stringify(manifest, null, 1)}\n`);
    renameSync(`${tmp}.json`, manifestFile);
    prune(dir, stem, out);
    return join(dir, out, entryFile);
  } catch {
    return null;
  }
}

/**
 * The package's name and its `exports` (the "import" condition, `*` patterns) as file paths; null
 * when its package.json has no name or exports.
 */
function selfExports(root: string): { name: string; resolve(subpath: string): string | undefined } | null {
  let pkg: { name?: string; exports?: Record<string, unknown> };
  try {
    pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  } catch {
    return null;
  }
  if (!pkg.name || !pkg.exports || typeof pkg.exports !== 'object') return null;
  const target = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : value && typeof value === 'object' ? target((value as Record<string, unknown>).import ?? (value as Record<string, unknown>).default) : undefined;
  const exports = pkg.exports;
  return {
    name: pkg.name,
    resolve(subpath) {
      const exact = target(exports[subpath]);
      if (exact) return join(root, exact);
      for (const [key, value] of Object.entries(exports)) {
        const star = key.indexOf('*');
        if (star < 0 || !subpath.startsWith(key.slice(0, star)) || !subpath.endsWith(key.slice(star + 1))) continue;
        const t = target(value);
        if (t) return join(root, t.replace('*', subpath.slice(star, subpath.length - (key.length - star - 1))));
      }
      return undefined;
    },
  };
}

/** Remove `stem`'s other builds once nothing can be about to load them. */
function prune(dir: string, stem: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (name === keep || !(name.startsWith(`${stem}.`) || name.startsWith(`.${stem}.`)) || name.endsWith('.json') || name.endsWith('.lock')) continue;
    try {
      if (now - statSync(join(dir, name)).mtimeMs > PRUNE_AFTER_MS) rmSync(join(dir, name), { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

/**
 * Build `entryPath`'s bundle in a detached child process (this one does not wait for it, nor stay
 * alive for it), unless another is building it. For a process that found no fresh bundle.
 */
export function buildBundleDetached(entryPath: string, { dir = bundleCacheDir(), root = ROOT }: BundlePlace = {}): void {
  try {
    mkdirSync(dir, { recursive: true });
    const lock = `${manifestPath(entryPath, dir, root)}.lock`;
    try {
      closeSync(openSync(lock, 'wx'));
    } catch {
      if (Date.now() - statSync(lock).mtimeMs < LOCK_STALE_MS) return;
      writeFileSync(lock, '');
    }
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./build-bundle.ts', import.meta.url)), entryPath, dir, root, lock], {
      detached: true,
      stdio: 'ignore',
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No bundle this time: the next process tries again.
  }
}

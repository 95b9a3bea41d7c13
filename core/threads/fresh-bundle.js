// Is there a fresh bundle of a module of this package (bundle.ts)? Plain JavaScript, so that
// bin/rebuild.js can ask before tsx is loaded (registering tsx starts its loader thread: ~0.25 s of
// CPU for any command). A bundle is fresh while every source it was made of is as it was: the same
// size and mtime as when it was read for the bundle (its stat is taken before the read, so a write
// during the build leaves a newer mtime), or, when the stat differs, the same bytes (sha-256; a
// checkout that rewrote a file with its own content keeps the bundle).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Changes when the way bundles are made changes (a bundle of another version is stale). */
export const BUILDER = 'rebuild-bundle/2';
/** The package's root (this file is core/threads/fresh-bundle.js). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function bundleCacheDir() {
  return join(ROOT, 'node_modules', '.cache', 'rebuild', 'bundles');
}

/** REBUILD_BUNDLE=0 turns bundles off (every module through tsx, as without them). */
export function bundlesWanted() {
  return process.env.REBUILD_BUNDLE !== '0';
}

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * The manifest of `entryPath`'s bundle: its path in the package as one file name, and the package's
 * place (checkouts sharing one node_modules keep their own bundles).
 */
export function manifestPath(entryPath, dir, root) {
  return join(dir, `${relative(root, entryPath).replace(/[\\/]/g, '-').replace(/\.[cm]?[jt]s$/, '')}-${sha256(root).slice(0, 8)}.json`);
}

/**
 * The path of the bundle of `entryPath` (a module file of this package) made of its sources as they
 * are now, or null (never built, a source changed, built by another builder or for the package in
 * another place).
 */
export function freshBundle(entryPath, { dir = bundleCacheDir(), root = ROOT } = {}) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(entryPath, dir, root), 'utf8'));
  } catch {
    return null;
  }
  if (manifest?.builder !== BUILDER || manifest.root !== root || !Array.isArray(manifest.inputs) || !manifest.inputs.length) return null;
  try {
    for (const [path, size, mtimeMs, hash] of manifest.inputs) {
      const file = join(root, path);
      const st = statSync(file);
      if (st.size === size && st.mtimeMs === mtimeMs) continue;
      if (st.size !== size || sha256(readFileSync(file)) !== hash) return null;
    }
    const bundle = join(dir, manifest.bundle);
    statSync(bundle);
    return bundle;
  } catch {
    return null;
  }
}

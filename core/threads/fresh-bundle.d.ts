// Types of fresh-bundle.js (plain JavaScript: bin/rebuild.js runs it before tsx is loaded).

/** Where bundles are kept and the root their sources are named from (tests give their own). */
export interface BundlePlace {
  dir?: string;
  root?: string;
}

/** A bundle's manifest: what it was made of. */
export interface BundleManifest {
  builder: string;
  root: string;
  /** The entry's bundled file, relative to the bundles dir. */
  bundle: string;
  /** [path relative to root, size, mtimeMs (stat taken before the read), sha-256 hex of the bytes bundled] per source. */
  inputs: [string, number, number, string][];
}

export const BUILDER: string;
export const ROOT: string;
export function bundleCacheDir(): string;
export function bundlesWanted(): boolean;
export function sha256(bytes: string | Uint8Array): string;
export function manifestPath(entryPath: string, dir: string, root: string): string;
export function freshBundle(entryPath: string, place?: BundlePlace): string | null;

#!/usr/bin/env node
// Entry point. The CLI runs from a plain-JS bundle of its TypeScript sources when a fresh one is
// cached (core/threads/bundle.ts: no tsx loader thread, ~0.25 s of CPU less for every command);
// otherwise through the tsx loader, which runs the sources as-is, and a detached process builds
// the bundle for the next run. TypeScript configs are loaded by tsx's tsImport either way
// (core/config/load.ts). REBUILD_BUNDLE=0: always through tsx.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundlesWanted, freshBundle } from '../core/threads/fresh-bundle.js';

// crypto.hash (20.12) and import.meta.dirname (20.11) are used: say so rather than fail to link a module.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) {
  process.stderr.write(`rebuild: Node 20.12 or later is needed; this is Node ${process.versions.node}\n`);
  process.exit(78); // EX_CONFIG
}

const mainTs = fileURLToPath(new URL('../core/cli/main.ts', import.meta.url));
const bundle = bundlesWanted() ? freshBundle(mainTs) : null;
let main;
if (bundle) {
  // A stack printed for --debug names the TypeScript sources (error-exit.ts's debugWanted).
  const debug = process.env.REBUILD_DEBUG;
  if (process.argv.includes('--debug') || (debug !== undefined && debug !== '' && debug !== '0')) process.setSourceMapsEnabled(true);
  // Read by core/config/load.ts: tsx's loader is registered before a TypeScript config loads.
  globalThis[Symbol.for('rebuild.bundled')] = true;
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../core/cli/main.ts'));
  if (bundlesWanted()) (await import('../core/threads/bundle.ts')).buildBundleDetached(mainTs);
}
process.exitCode = await main(process.argv.slice(2));

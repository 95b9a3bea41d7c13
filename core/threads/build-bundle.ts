// `node --import tsx core/threads/build-bundle.ts ENTRY DIR ROOT LOCK`: build ENTRY's bundle
// (bundle.ts) and remove LOCK. What `buildBundleDetached` runs, detached, for the next process.
import { rmSync } from 'node:fs';
import { buildBundle } from './bundle.ts';

const [entry, dir, root, lock] = process.argv.slice(2);
try {
  await buildBundle(entry, { dir, root });
} finally {
  rmSync(lock, { force: true });
}

// Writes the config reference (schema + merge table) into README.md between the config-reference
// markers. `--check` exits 1 when the README is stale (CI). Fails when a schema property has no description.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderConfigReference, spliceReference } from '../core/config/reference.ts';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

try {
  const readme = await readFile(readmePath, 'utf8');
  const next = spliceReference(readme, renderConfigReference());
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error(`${readmePath}: the config reference is stale; run \`npx tsx scripts/gen-config-docs.ts\``);
      process.exit(1);
    }
    console.log('config reference is current');
  } else if (next !== readme) {
    await writeFile(readmePath, next);
    console.log(`wrote the config reference into ${readmePath}`);
  } else console.log('config reference already current');
} catch (err) {
  console.error(`gen-config-docs: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

// Generates core/config/config.generated.ts from schema/rebuild.schema.json.
// `npm run gen:types` writes it; `npm run check:types` fails when it is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const schemaPath = `${root}schema/rebuild.schema.json`;
const outPath = `${root}core/config/config.generated.ts`;

const schema = JSON.parse(await readFile(schemaPath, 'utf8'));
const banner = '/* GENERATED FILE, do not edit: made from schema/rebuild.schema.json by `npm run gen:types`; CI runs `npm run check:types` and fails when it is stale. */';
const ts = await compile(schema, 'RebuildConfig', { bannerComment: banner, additionalProperties: false, style: { singleQuote: true } });

if (process.argv.includes('--check')) {
  const current = await readFile(outPath, 'utf8').catch(() => '');
  if (current !== ts) {
    console.error(`${outPath} is stale: run \`npm run gen:types\``);
    process.exit(1);
  }
  console.log('generated config types are current');
} else {
  await writeFile(outPath, ts);
  console.log(`wrote ${outPath}`);
}

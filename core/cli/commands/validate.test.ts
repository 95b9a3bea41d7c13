// `rebuild validate`: settings that do nothing are warnings, errors under --strict — a blocklist
// entry that matches no package (with a did-you-mean), a config key no plugin reads (plugins declare
// the keys they read) — and paths the config names must exist.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main } from '../main.ts';
import { EXIT } from '../../engine/exit-codes.ts';

const recipe = (name: string, host: string[] = []) =>
  `package:\n  name: ${name}\n  version: 1.0.0\nrequirements:\n  host:\n${['python', ...host].map((h) => `    - ${h}\n`).join('')}  run:\n    - python\n`;

function project(config: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rebuild-validate-')));
  const files: Record<string, string> = {
    'package.json': '{ "type": "module" }\n',
    'rebuild.config.ts': config,
    'agg/python-feedstock/recipe/meta.yaml': 'package:\n  name: python\n  version: 3.13.0\n',
    'agg/heavy-ml-feedstock/recipe/meta.yaml': recipe('heavy-ml'),
    'agg/ml-addon-feedstock/recipe/meta.yaml': recipe('ml-addon', ['heavy-ml']),
    'staging/.keep': '',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const config = (extra: string) => `export default {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: './agg',
  bootstrap: { python: false, chain: [] },
  ${extra}
};
`;

async function rebuild(cwd: string, ...args: string[]) {
  const out = { stdout: '', stderr: '' };
  const write = { stdout: process.stdout.write, stderr: process.stderr.write };
  const before = process.cwd();
  process.chdir(cwd);
  process.stdout.write = ((chunk: string) => ((out.stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((out.stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), ...out };
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
    process.chdir(before);
  }
}

const v = suite('rebuild validate: settings that do nothing', { dirs: [] as string[] });
v.after((ctx) => ctx.dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const BLOCKLIST_WARNING =
  "rebuild.config.ts: /blocklist/0/name: 'heavy_ml' matches no package or feedstock on linux-64, so it blocks nothing; did you mean 'heavy-ml'?";
const STAGING_WARNING =
  "rebuild.config.ts: /channels/staging: set, but nothing reads it (no plugin declares 'channels.staging'); remove it, or add the plugin that uses it";

v('a blocklist typo and a key no plugin reads: warnings (exit 0); --strict: errors (exit 78)', async (ctx) => {
  // The built-in publisher reads channels.staging: a config that puts a publisher of the same name
  // in its place (one that reads no channel) leaves the key unread.
  const quiet = `{ name: 'rebuild:publisher', apply() {} }`;
  const dir = project(config(`blocklist: [{ name: 'heavy_ml', reason: 'too-heavy' }],\n  channels: { staging: './staging' },\n  plugins: [${quiet}],`));
  ctx.dirs.push(dir);
  const plain = await rebuild(dir, 'validate');
  assert.is(plain.code, EXIT.OK, plain.stderr);
  assert.is(
    plain.stdout,
    ['rebuild.config.ts:', '  ok   (no profile)', `       warning: ${STAGING_WARNING}`, `       warning: ${BLOCKLIST_WARNING}`, '1 valid (1 with warnings; --strict makes them errors)', ''].join('\n'),
  );
  const strict = await rebuild(dir, 'validate', '--strict');
  assert.is(strict.code, EXIT.CONFIG);
  assert.is(strict.stdout, ['rebuild.config.ts:', '  FAIL (no profile)', `       ${STAGING_WARNING}`, `       ${BLOCKLIST_WARNING}`, '1 of 1 invalid', ''].join('\n'));
  const json = JSON.parse((await rebuild(dir, 'validate', '--json')).stdout);
  assert.equal(json.profiles[0].warnings, [STAGING_WARNING, BLOCKLIST_WARNING]);
  // Other commands warn too: the plan lists the blocklist entry, the key is named on stderr.
  const plan = await rebuild(dir, 'plan');
  assert.is(plan.code, EXIT.OK, plan.stderr);
  assert.match(plan.stdout, "/blocklist/0/name: 'heavy_ml' matches no package or feedstock on linux-64, so it blocks nothing; did you mean 'heavy-ml'?");
  assert.match(plan.stdout, /ml-addon/);
  assert.is(plan.stderr, `rebuild: warning: ${STAGING_WARNING}\n`);
});

v('the right name, a plugin that declares the key it reads, and the stage keys the core reads (tests, publish): no warning', async (ctx) => {
  const publisher = `{ name: 'acme:publish', apply(engine: any) { engine.configReaders.declare('acme:publish', ['channels.staging']); } }`;
  const stages = `tests: { enabled: false, blocksDependents: true, timeoutSeconds: 60 },\n  publish: { requireArches: ['linux-64'], archExceptions: {} },`;
  const dir = project(config(`blocklist: [{ name: 'heavy-ml', reason: 'too-heavy' }],\n  channels: { staging: './staging' },\n  ${stages}\n  plugins: [${publisher}],`));
  ctx.dirs.push(dir);
  const r = await rebuild(dir, 'validate', '--strict');
  assert.is(r.code, EXIT.OK, r.stdout);
  assert.is(r.stdout, 'rebuild.config.ts:\n  ok   (no profile)\n1 valid\n');
});

v('paths the config names must exist (validate used to say ok): one located line each, exit 78', async (ctx) => {
  const dir = project(config(`variantConfigs: ['./cbc.yaml'],\n  extraVersions: { numpy: [{ version: '1.26', recipe: './old/numpy' }] },\n  channels: { production: './prod' },`).replace("'./agg'", "'./nosuch'"));
  ctx.dirs.push(dir);
  const r = await rebuild(dir, 'validate');
  assert.is(r.code, EXIT.CONFIG);
  assert.is(
    r.stdout,
    [
      'rebuild.config.ts:',
      '  FAIL (no profile)',
      '       rebuild.config.ts: /aggregate: nosuch does not exist; fix the path (relative to the config file) or check out the aggregate there',
      '       rebuild.config.ts: /variantConfigs/0: cbc.yaml does not exist; fix the path (relative to the config file)',
      '       rebuild.config.ts: /extraVersions/numpy/0/recipe: old/numpy does not exist; fix the path (relative to the config file) to the recipe (or feedstock) folder of numpy 1.26',
      '       rebuild.config.ts: /channels/production: prod does not exist; fix the path (relative to the config file), or create the folder (an empty folder is an empty channel)',
      '1 of 1 invalid',
      '',
    ].join('\n'),
  );
});

v('an extra version with no recipe given needs its default folder <aggregate>/<name>-<version>-feedstock', async (ctx) => {
  const dir = project(config(`extraVersions: { 'heavy-ml': [{ version: '0.9' }] },`));
  ctx.dirs.push(dir);
  const r = await rebuild(dir, 'validate');
  assert.is(r.code, EXIT.CONFIG, r.stdout);
  assert.match(r.stdout, "rebuild.config.ts: /extraVersions/heavy-ml/0: agg/heavy-ml-0.9-feedstock does not exist; check out heavy-ml 0.9 there, or set its `recipe`");
});

v.run();

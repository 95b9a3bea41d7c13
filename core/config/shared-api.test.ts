// A config's `import ... from 'rebuild'` is the CLI's own instance of the API (shared-api.ts): a
// plugin in the config sees the CLI's classes, through tsx and from the CLI's bundle, and the
// package's modules are not loaded a second time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildBundle } from '../threads/bundle.ts';
import { apiModuleSource } from './shared-api.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'rebuild.js');

const shared = suite('config: the API shared with configs');

/** A project folder whose config imports `rebuild` (installed as a link to this package). */
function project(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-shared-api-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'rebuild'), 'dir');
  mkdirSync(join(dir, 'aggregate', 'six-feedstock', 'recipe'), { recursive: true });
  writeFileSync(join(dir, 'aggregate', 'six-feedstock', 'recipe', 'meta.yaml'), 'package:\n  name: six\n  version: 1.16.0\nrequirements:\n  host:\n    - python\n  run:\n    - python\n');
  writeFileSync(join(dir, 'rebuild.config.ts'), config);
  return dir;
}

shared('a plugin in the config gets the classes of the CLI itself, through tsx and from the bundle', async () => {
  const dir = project(
    "import { defineConfig, Engine, STAGE } from 'rebuild';\n" +
      "import * as api from 'rebuild';\n" +
      'export default defineConfig({\n' +
      "  python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: './aggregate',\n" +
      "  plugins: [{ name: 'test:same-api', apply(engine: any) { process.stderr.write(`engine is the CLI's Engine: ${engine instanceof Engine}; STAGE.PIN ${STAGE.PIN}; exports ${Object.keys(api).join(',')}\\n`); } }],\n" +
      '});\n',
  );
  try {
    const run = (env: Record<string, string>) => spawnSync(process.execPath, [BIN, 'plan'], { cwd: dir, encoding: 'utf8', env: { ...process.env, REBUILD_RENDER_THREADS: '0', ...env } });
    const viaTsx = run({ REBUILD_BUNDLE: '0' });
    assert.ok(await buildBundle(join(ROOT, 'core/cli/main.ts')), 'bundle built');
    const viaBundle = run({});
    const exports = Object.keys(await import('../index.ts')).join(',');
    for (const r of [viaTsx, viaBundle]) {
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stderr, `engine is the CLI's Engine: true; STAGE.PIN ${(await import('../engine/stage.ts')).STAGE.PIN}; exports ${exports}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

shared('the package modules a config importing rebuild loads: none a second time', () => {
  const dir = project(
    "import { defineConfig } from 'rebuild';\nexport default defineConfig({ python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: './aggregate' });\n",
  );
  try {
    // Every import resolved, with its importer. tsImport loads a config's imports under a query of its
    // own (tsx-namespace): a package module imported from such a URL is a second instance.
    const out = join(dir, 'modules.txt');
    writeFileSync(out, '');
    writeFileSync(join(dir, 'record-hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) {\n  const r = await next(spec, ctx);\n  appendFileSync(${JSON.stringify(out)}, r.url + ' ' + ctx.parentURL + '\\n');\n  return r;\n}\n`);
    writeFileSync(join(dir, 'record.mjs'), `import { register } from 'node:module';\nregister('./record-hooks.mjs', import.meta.url);\n`);
    const r = spawnSync(process.execPath, ['--import', join(dir, 'record.mjs'), BIN, 'plan'], { cwd: dir, encoding: 'utf8', env: { ...process.env, REBUILD_RENDER_THREADS: '0', REBUILD_BUNDLE: '0' } });
    assert.is(r.status, 0, r.stderr);
    const ours = `file://${ROOT}`;
    const lines = readFileSync(out, 'utf8').split('\n').map((l) => l.split(' '));
    assert.ok(lines.some(([url]) => url === `${ours}core/index.ts`), 'the API is loaded');
    const again = lines.filter(([url, parent]) => url?.startsWith(ours) && !url.includes('/node_modules/') && parent?.startsWith(ours) && parent.includes('tsx-namespace'));
    assert.equal(again.map(([url]) => url.slice(ours.length)), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

shared('apiModuleSource: one export per name, read from the instance on globalThis', async () => {
  const key = Symbol.for('rebuild.api');
  const g = globalThis as Record<symbol, unknown>;
  const before = g[key];
  g[key] = { one: 1, two: 'two', default: 'd' };
  try {
    const m = await import(`data:text/javascript,${encodeURIComponent(apiModuleSource(['one', 'two', 'default']))}`);
    assert.equal({ ...m }, { default: 'd', one: 1, two: 'two' });
  } finally {
    g[key] = before;
  }
});

shared('apiModuleSource: a thread without the instance loads the file itself', async () => {
  const key = Symbol.for('rebuild.api');
  const g = globalThis as Record<symbol, unknown>;
  const before = g[key];
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-shared-api-'));
  try {
    writeFileSync(join(dir, 'api.mjs'), "export const one = 'from the file';\n");
    delete g[key];
    const m = await import(`data:text/javascript,${encodeURIComponent(apiModuleSource(['one'], pathToFileURL(join(dir, 'api.mjs')).href))}`);
    assert.is(m.one, 'from the file');
  } finally {
    g[key] = before;
    rmSync(dir, { recursive: true, force: true });
  }
});

shared.run();

// bin/rebuild.js runs the CLI from its plain-JS bundle when a fresh one is cached (bundle.ts), and
// through tsx otherwise (REBUILD_BUNDLE=0 here); same behaviour either way, and --debug stacks name
// the TypeScript sources.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle } from './bundle.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'rebuild.js');

const cli = suite('the CLI from its bundle');

cli('an internal error with --debug: the same message, the stack through the TypeScript sources', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-cli-bundle-'));
  try {
    writeFileSync(
      join(dir, 'rebuild.config.ts'),
      "export default { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: '.', plugins: [{ name: 'test:broken', apply() { (null as any).hooks.run.tap('x', () => {}); } }] };\n",
    );
    // A hook that reports which file the CLI's main module was loaded from.
    writeFileSync(join(dir, 'hooks.mjs'), "export async function resolve(s, c, next) { const r = await next(s, c); if (/\\/main\\.(ts|mjs)$/.test(r.url)) process.stderr.write(`main: ${r.url}\\n`); return r; }\n");
    writeFileSync(join(dir, 'record.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', join(dir, 'record.mjs'), BIN, 'plan', '--debug'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
    const viaTsx = run({ REBUILD_BUNDLE: '0' });
    assert.ok(await buildBundle(join(ROOT, 'core/cli/main.ts')), 'bundle built');
    const viaBundle = run({});
    assert.match(viaTsx.stderr, /main: file:\/\/.*\/core\/cli\/main\.ts/);
    assert.match(viaBundle.stderr, /main: file:\/\/.*\/node_modules\/\.cache\/rebuild\/bundles\/.*\/main\.mjs/);
    for (const r of [viaTsx, viaBundle]) {
      assert.is(r.status, 70, r.stderr);
      assert.match(r.stderr, /rebuild: internal error: PluginHookError: plugin test:broken failed in hook apply/);
      // A frame in the engine's source, not in a chunk of the bundle.
      assert.match(r.stderr, /\n\s+at .*core\/engine\/[a-z-]+\.ts:\d+:\d+/);
      assert.not.match(r.stderr, /\n\s+at .*\.mjs:\d+:\d+/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli('a config without "type": "module" importing a plugin package that imports TypeScript at a hook', async () => {
  // As the built-in plugins do when a config imports them by path (their stage code is imported on
  // first use): tsx compiles such a config as CommonJS, and tsImport's scoped loader does not reach
  // the plugin's later import(), so from the bundle tsx is registered for the process first
  // (core/config/load.ts).
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-cli-bundle-'));
  try {
    mkdirSync(join(dir, 'plugin'));
    writeFileSync(join(dir, 'plugin', 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(dir, 'plugin', 'index.ts'),
      "export const late = { name: 'test:late', apply(engine: any) { engine.hooks.run.tap('test:late', (run: any) => run.hooks.prepareSelect.tapPromise('test:late', async () => { const m = await import('./late.ts'); process.stderr.write(`late import: ${m.answer}\\n`); })); } };\n",
    );
    writeFileSync(join(dir, 'plugin', 'late.ts'), 'export const answer: number = 42;\n');
    writeFileSync(
      join(dir, 'rebuild.config.ts'),
      "import { late } from './plugin/index.ts';\nexport default { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: '.', plugins: [late] };\n",
    );
    const run = (env: Record<string, string>) => spawnSync(process.execPath, [BIN, 'plan'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
    const viaTsx = run({ REBUILD_BUNDLE: '0' });
    assert.ok(await buildBundle(join(ROOT, 'core/cli/main.ts')), 'bundle built');
    const viaBundle = run({});
    for (const r of [viaTsx, viaBundle]) {
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stderr, /late import: 42\n/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli.run();

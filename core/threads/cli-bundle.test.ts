// bin/rebuild.js runs the CLI from its plain-JS bundle when a fresh one is cached (bundle.ts), and
// through tsx otherwise (REBUILD_BUNDLE=0 here); same behaviour either way, and --debug stacks name
// the TypeScript sources.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

cli.run();

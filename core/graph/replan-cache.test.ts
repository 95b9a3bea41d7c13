// Planning again through the render cache and the run exports memo gives the plan a plan without
// any cache gives, after recipes changed in ways that move run_exports pins.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../config/resolve.ts';
import { Engine } from '../engine/engine.ts';
import { defaultPlugins } from '../../plugins/defaults.ts';
import { runExportsMemoStats } from '../recipes/run-exports-memo.ts';
import { planTarget } from './plan-target.ts';
import { toPlanJson } from './plan-json.ts';

const replan = suite('re-plan through the render cache');
let dir = '';
let agg = '';
replan.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebuild-replan-'));
  agg = join(dir, 'agg');
});
replan.after.each(() => rmSync(dir, { recursive: true, force: true }));

function recipe(name: string, body: string): void {
  const at = join(agg, `${name}-feedstock`, 'recipe');
  mkdirSync(at, { recursive: true });
  writeFileSync(join(at, 'meta.yaml'), `package:\n  name: ${name}\n  version: 13.2\n${body}`);
}

const python = (spec = 'python') => `    - ${spec}\n`;

/** mid builds with gcc (strong export libstd) and hosts zlib (weak export); app hosts mid. */
function aggregate(): void {
  recipe('gcc', 'build:\n  run_exports:\n    strong:\n      - libstd >=13\n');
  recipe('libstd', 'build:\n  run_exports:\n    - libstd >=13\n');
  recipe('zlib', 'build:\n  run_exports:\n    - zlib >=13,<14.0a0\n');
  recipe('mid', `requirements:\n  build:\n    - gcc\n  host:\n${python()}    - zlib\n  run:\n${python()}`);
  recipe('zapp', `requirements:\n  host:\n${python()}    - mid\n  run:\n${python()}`);
}

async function plan(cache: boolean): Promise<string> {
  const config = resolveConfig(
    { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: agg, workDir: join(dir, 'work'), plugins: defaultPlugins() },
    { configFile: null, profile: null, cwd: dir },
  );
  const run = new Engine(config).createRun({ renderCache: cache });
  return JSON.stringify(toPlanJson(await planTarget(run, run.targets[0])));
}

replan('after a recipe changes its exports or its build environment: the plan of a plan without cache', async () => {
  aggregate();
  const first = await plan(true);
  assert.is(first, await plan(false));
  assert.match(first, 'libstd >=13', 'zapp reaches libstd through mid');
  const replayed = runExportsMemoStats.replayed;
  assert.is(await plan(true), first);
  assert.ok(runExportsMemoStats.replayed > replayed, 'the second plan replays');

  // zlib exports another pin: every dependent's pin moves.
  recipe('zlib', 'build:\n  run_exports:\n    - zlib >=13.1,<14.0a0\n');
  const pin = await plan(true);
  assert.is(pin, await plan(false));
  assert.match(pin, 'zlib >=13.1,<14.0a0');
  assert.not.match(pin, 'zlib >=13,<14.0a0');

  // mid no longer builds with gcc: zapp no longer reaches libstd through mid's run requirements.
  recipe('mid', `requirements:\n  host:\n${python()}    - zlib\n  run:\n${python()}`);
  const env = await plan(true);
  assert.is(env, await plan(false));
  assert.not.match(env, 'libstd >=13');
});

replan.run();

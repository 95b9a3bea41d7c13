// Planning again through the render cache, the run exports memo and the edges memo gives the plan a
// plan without any cache gives, after recipes changed in ways that move run_exports pins, edges or
// warnings.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../config/resolve.ts';
import { Engine } from '../engine/engine.ts';
import { defaultPlugins } from '../../plugins/defaults.ts';
import { setRacyWindow } from '../recipes/listing-cache.ts';
import { runExportsMemoStats } from '../recipes/run-exports-memo.ts';
import { edgesMemoStats } from './edges-memo.ts';
import { nodeMemoStats } from './node-memo.ts';
import { planTarget } from './plan-target.ts';
import { toPlanJson } from './plan-json.ts';
import type { Plan } from './plan.ts';

const replan = suite('re-plan through the render cache');
let dir = '';
let agg = '';
let racyWindow = 0;
// The counts below assume each file keeps one key from plan to plan: a file written in the last 3 s
// keys by its bytes, then by its stat (a miss), at a moment that depends on the machine's load.
replan.before(() => {
  racyWindow = setRacyWindow(0);
});
replan.after(() => {
  setRacyWindow(racyWindow);
});
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

/** A plan through the cache, without its JSON. */
async function planOnly(): Promise<Plan> {
  const config = resolveConfig(
    { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: agg, workDir: join(dir, 'work'), plugins: defaultPlugins() },
    { configFile: null, profile: null, cwd: dir },
  );
  const run = new Engine(config).createRun({ renderCache: true });
  return planTarget(run, run.targets[0]);
}

replan('after a recipe changes its exports or its build environment: the plan of a plan without cache', async () => {
  aggregate();
  const first = await plan(true);
  assert.is(first, await plan(false));
  assert.match(first, 'libstd >=13', 'zapp reaches libstd through mid');
  const replayed = runExportsMemoStats.replayed;
  const edgesReplayed = edgesMemoStats.replayed;
  const made = edgesMemoStats.attributesMade;
  const planned = await planOnly();
  assert.is(edgesMemoStats.replayed - edgesReplayed, 5, 'the second plan replays the edges into every node');
  assert.ok(runExportsMemoStats.replayed > replayed, 'and the run exports');
  // A replayed edge's attributes are made when read: planning (cycles, build order, the python
  // chain) reads whether it blocks the build only; plan --json reads them all.
  assert.is(edgesMemoStats.attributesMade, made, 'planning makes no attributes of replayed edges');
  assert.is(await plan(true), first);
  assert.is(edgesMemoStats.attributesMade - made, planned.graph.size, 'plan --json makes each once');

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

replan('a node that becomes rebuilt: the edges into the excluded nodes that need it are drawn again', async () => {
  // clib does not depend on python (excluded), duser hosts clib: no edge between two excluded nodes.
  recipe('clib', 'requirements:\n  host:\n    - zlib\n');
  recipe('zlib', '');
  recipe('duser', 'requirements:\n  host:\n    - clib\n');
  recipe('app', `requirements:\n  host:\n${python()}  run:\n${python()}`);
  const first = await plan(true);
  assert.is(first, await plan(false));
  assert.is(await plan(true), first);
  // clib now hosts python: rebuilt, and duser (still excluded) gets its edge from clib. Nothing
  // clib exports changed, so duser's run exports are replayed: its edges must not be.
  recipe('clib', `requirements:\n  host:\n${python()}    - zlib\n`);
  const changed = await plan(true);
  assert.is(changed, await plan(false));
  const duser = (JSON.parse(changed).targets?.[0]?.nodes ?? JSON.parse(changed).nodes).find((n: { id: string }) => n.id === 'duser');
  assert.equal(duser.dependsOn.map((d: { id: string }) => d.id), ['clib']);
});

replan('a warning given while drawing edges is given again when the edges are replayed', async () => {
  recipe('zlib', '');
  recipe('odd', 'requirements:\n  host:\n    - zlib 1.0 2.0 3.0\n');
  recipe('other', `requirements:\n  host:\n${python()}  run:\n${python()}`);
  const first = await plan(true);
  assert.is(first, await plan(false));
  assert.match(first, 'too many fields');
  recipe('other', `requirements:\n  host:\n${python()}    - zlib\n  run:\n${python()}`);
  const changed = await plan(true);
  assert.is(changed, await plan(false));
  assert.match(changed, 'too many fields');
});

replan('a node showing another interface: the edges of the nodes that may read it are computed again, the others replayed', async () => {
  aggregate();
  recipe('solo', `requirements:\n  host:\n${python()}  run:\n${python()}`);
  const first = await plan(true);
  assert.is(await plan(true), first);
  // zlib's version moves (its interface): zlib, mid (hosts zlib) and zapp (hosts mid, whose run
  // names zlib after its exports) are computed; gcc, libstd and solo name nothing zlib reaches.
  const at = join(agg, 'zlib-feedstock', 'recipe', 'meta.yaml');
  writeFileSync(at, readFileSync(at, 'utf8').replace('version: 13.2', 'version: 13.3'));
  const { computed, replayed } = edgesMemoStats;
  const bumped = await plan(true);
  assert.is(edgesMemoStats.computed - computed, 3, 'zlib, mid, zapp');
  assert.is(edgesMemoStats.replayed - replayed, 3, 'gcc, libstd, solo');
  assert.is(bumped, await plan(false));
});

replan("a node gaining a run dependency: the edges of a node reaching it through another's run requirements are computed again", async () => {
  // app hosts lib, lib's run names base; base gains a run dependency on tool: app's build
  // environment now holds tool too (through lib's and base's run requirements), though app names
  // neither base nor tool.
  recipe('tool', '');
  recipe('base', '');
  recipe('lib', 'requirements:\n  run:\n    - base\n');
  recipe('app', `requirements:\n  host:\n${python()}    - lib\n  run:\n${python()}`);
  const first = await plan(true);
  assert.is(await plan(true), first);
  recipe('base', 'requirements:\n  run:\n    - tool\n');
  const changed = await plan(true);
  assert.is(changed, await plan(false));
  const app = JSON.parse(changed).nodes.find((n: { id: string }) => n.id === 'app');
  assert.ok(app.dependsOn.some((d: { id: string }) => d.id === 'tool'), 'app depends on tool through lib and base');
});

replan("a damaged edges memo is none: every node's edges are computed", async () => {
  aggregate();
  const first = await plan(true);
  const cache = join(dir, 'work', 'cache', 'render');
  const [file] = readdirSync(cache).filter((f) => f.startsWith('edges-'));
  const memo = deserialize(readFileSync(join(cache, file))) as { edges: { edges: Uint32Array } };
  memo.edges.edges[0] = 999_999; // a dependency index out of range
  writeFileSync(join(cache, file), serialize(memo));
  const replayed = edgesMemoStats.replayed;
  assert.is(await plan(true), first);
  assert.is(edgesMemoStats.replayed, replayed);
});

replan("a node's summary is made again when the run exports replayed onto its rendering are not the ones it was made with", async () => {
  // clib hosts abi (no python): excluded. Then abi exports python_abi: clib's run gains it, and clib
  // becomes python-dependent without its own recipe changing.
  recipe('abi', '');
  recipe('clib', 'requirements:\n  host:\n    - abi\n');
  recipe('app', `requirements:\n  host:\n${python()}  run:\n${python()}`);
  const first = await plan(true);
  assert.is(first, await plan(false));
  assert.is(await plan(true), first); // exports replayed: the summaries are stored
  const made = nodeMemoStats.made;
  assert.is(await plan(true), first);
  assert.is(nodeMemoStats.made, made, 'the third plan makes no node from its rendering');
  const cache = join(dir, 'work', 'cache', 'render');
  const [file] = readdirSync(cache).filter((f) => f.startsWith('nodes-'));
  const before = readFileSync(join(cache, file));
  recipe('abi', 'build:\n  run_exports:\n    - python_abi 3.13.* *_cp313\n');
  const exported = await plan(true);
  assert.is(exported, await plan(false));
  assert.match(exported, 'run: python_abi 3.13.* *_cp313');
  // The node memo as a plan before the change left it (a write lost, or a concurrent plan's): clib's
  // exports are replayed with the new additions, so its old summary (no python) must not be.
  await plan(true);
  writeFileSync(join(cache, file), before);
  assert.is(await plan(true), exported);
});

replan('the plan after a cold one makes only the changed node from its rendering: the cold plan stored the others', async () => {
  // abi exports python_abi: clib (no python of its own) is python-dependent through its walk's additions.
  recipe('abi', 'build:\n  run_exports:\n    - python_abi 3.13.* *_cp313\n');
  recipe('clib', 'requirements:\n  host:\n    - abi\n');
  recipe('zlib', '');
  recipe('app', `requirements:\n  host:\n${python()}  run:\n${python()}`);
  // noarch: python — vetoed by the select hook from its summary (allNoarch) in the second plan.
  recipe('pure', `build:\n  noarch: python\nrequirements:\n  host:\n${python()}  run:\n${python()}`);
  const cold = await plan(true);
  assert.is(cold, await plan(false));
  assert.match(cold, 'run: python_abi 3.13.* *_cp313');
  assert.match(cold, 'noarch: python (one build serves every python)');
  recipe('app', `requirements:\n  host:\n${python()}    - zlib\n  run:\n${python()}`);
  const made = nodeMemoStats.made;
  const replayed = nodeMemoStats.replayed;
  const changed = await plan(true);
  assert.is(nodeMemoStats.made - made, 1, 'only app is made from its rendering');
  assert.is(nodeMemoStats.replayed - replayed, 4);
  assert.is(changed, await plan(false));
});

replan('one changed recipe among more than 100 does not write the node memo again: its node is made from its rendering until it is written', async () => {
  for (let i = 0; i < 120; i++) recipe(`lib${String(i).padStart(3, '0')}`, `requirements:\n  host:\n${python()}  run:\n${python()}`);
  const written = nodeMemoStats.written;
  const cold = await plan(true);
  assert.is(nodeMemoStats.written - written, 1, 'the cold plan stores every summary');
  recipe('lib007', `requirements:\n  host:\n${python()}    - lib001\n  run:\n${python()}`);
  const made = nodeMemoStats.made;
  const changed = await plan(true);
  assert.is(nodeMemoStats.made - made, 1, 'lib007 is made from its rendering');
  assert.is(nodeMemoStats.written - written, 1, '1 of 120 summaries made: the memo is not written again');
  assert.is(await plan(true), changed);
  assert.is(nodeMemoStats.made - made, 2, 'the next plan makes lib007 again (not stored)');
  assert.is(changed, await plan(false));
  assert.is.not(changed, cold);
  // Two more changed (3 of 120 made, more than 1%): written; the plan after replays all of them.
  recipe('lib008', `requirements:\n  host:\n${python()}    - lib002\n  run:\n${python()}`);
  recipe('lib009', `requirements:\n  host:\n${python()}    - lib003\n  run:\n${python()}`);
  const three = await plan(true);
  assert.is(nodeMemoStats.written - written, 2);
  const before = nodeMemoStats.made;
  assert.is(await plan(true), three);
  assert.is(nodeMemoStats.made, before, 'every node replayed');
  assert.is(three, await plan(false));
});

replan('a recipe whose rendering changed gets a node made from it, not the summary of its last rendering', async () => {
  recipe('zlib', '');
  recipe('clib', 'requirements:\n  host:\n    - zlib\n');
  recipe('app', `requirements:\n  host:\n${python()}  run:\n${python()}`);
  const first = await plan(true);
  await plan(true);
  recipe('clib', `requirements:\n  host:\n${python()}    - zlib\n`);
  await plan(true); // walked: made, not stored
  const again = await plan(true); // replayed, and stored
  assert.is(again, await plan(false));
  assert.is.not(again, first);
  assert.is(await plan(true), again);
});

replan("python's bootstrap build gets the run exports of the aggregate's recipes, with or without the cache", async () => {
  // python hosts openssl (run_exports openssl >=13): so does python@bootstrap, and pip, built against
  // it, gets openssl through its run requirements.
  recipe('openssl', 'build:\n  run_exports:\n    - openssl >=13\n');
  recipe('python', 'requirements:\n  host:\n    - openssl\n');
  const at = join(agg, 'python-feedstock', 'recipe', 'meta.yaml');
  writeFileSync(at, readFileSync(at, 'utf8').replace('version: 13.2', 'version: 3.13.1')); // the target's python
  recipe('pip', `requirements:\n  host:\n${python()}  run:\n${python()}`);
  const first = await plan(false);
  const pip = JSON.parse(first).nodes.find((n: { id: string }) => n.id === 'pip');
  assert.ok(
    pip.dependsOn.some((d: { id: string; spec: string; via?: string[] }) => d.id === 'openssl' && d.spec === 'openssl >=13' && d.via?.join() === 'python'),
    'pip needs openssl through python@bootstrap',
  );
  assert.is(await plan(true), first);
  assert.is(await plan(true), first);
  assert.is(await plan(true), first);
});

replan.run();

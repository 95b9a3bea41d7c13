// Child process of the resume benchmark: writes a state of n finished packages through the state
// database's own API (the rows a run leaves: package, attempt, artifact, complete), one recipe dir
// and one artifact file per package, then times `rebuild run`'s command path (runRunCommand) on
// the same plan until it finds nothing to do. Prints one JSON line.
// Usage: node --import tsx bench/resume-child.ts <packages> <work dir>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { resolveConfig } from '../core/config/resolve.ts';
import { Engine } from '../core/engine/engine.ts';
import { executeRun } from '../core/engine/execute.ts';
import type { Plugin } from '../core/model/plugin.ts';
import type { RecipeRef } from '../core/model/types.ts';
import { buildTaskGraph } from '../core/engine/task-graph.ts';
import { runRunCommand } from '../core/cli/commands/run.ts';
import { fillRecipeHashes } from '../core/recipes/recipe-hash.ts';
import { StateDb } from '../core/state/state-db.ts';
import { hashFile } from '../core/state/file-hash.ts';
import { syntheticPlan } from './synthetic-plan.ts';

const [nArg, workDir] = process.argv.slice(2);
const n = Number(nArg);
mkdirSync(workDir, { recursive: true });
const plan = syntheticPlan(n);

// A recipe dir per package (what `rebuild run` hashes to detect changed recipes), as small as a
// real one's meta.yaml + build.sh.
const nodes = plan.graph.mapNodes((_, node) => node);
for (const node of nodes) {
  const dir = join(workDir, 'recipes', `${node.id}-feedstock`, 'recipe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'meta.yaml'), `package:\n  name: ${node.id}\n  version: 1.0\nrequirements:\n  host:\n    - python\n    - pip\n`);
  writeFileSync(join(dir, 'build.sh'), '$PYTHON -m pip install . -vv\n');
  node.recipe = { feedstock: node.id, dir, file: join(dir, 'meta.yaml'), format: 'meta.yaml', aggregate: join(workDir, 'recipes'), variantFiles: [] } as unknown as RecipeRef;
}
fillRecipeHashes(nodes);

// One small artifact per package, as a finished run leaves them.
const artifactsDir = join(workDir, 'channel', 'linux-64');
mkdirSync(artifactsDir, { recursive: true });
const t0 = performance.now();
const db = StateDb.open(workDir);
const runId = db.startRun(['bench', 'state']);
const tasks = buildTaskGraph([plan]);
const rows: { key: { node: string; subdir: string; python: string }; path: string; filename: string; recipeHash: string | null }[] = [];
for (const t of tasks.values()) {
  const filename = `${t.node.id}-1.0-0.tar.bz2`;
  const path = join(artifactsDir, filename);
  writeFileSync(path, `artifact of ${t.node.id}\n`);
  rows.push({ key: { node: t.node.id, subdir: t.target.subdir, python: t.target.python }, path, filename, recipeHash: t.node.recipeHash });
}
const hashes = await Promise.all(rows.map((r) => hashFile(r.path)));
db.db.transaction(() => {
  rows.forEach((r, i) => {
    const pkg = db.ensurePackage(r.key, { feedstock: r.key.node, outputs: [r.key.node], recipeHash: r.recipeHash });
    const attempt = db.startAttempt(pkg.id, runId, 1, join(workDir, 'logs', `${r.key.node}.log`), r.recipeHash);
    db.recordBuilt(attempt, runId, [{ path: r.path, filename: r.filename, ...hashes[i] }], 1000, 'built', 'built by bench:state');
    db.completeAttempt(attempt, runId, 'published', '1 artifact(s) published');
  });
})();
db.endRun(runId, 'success');
db.close();
const stateMs = performance.now() - t0;

// The hashes are computed again by the command, as `rebuild run` does after planning.
for (const node of nodes) node.recipeHash = null;

// When the executor has decided (resume decisions made, starting statuses written).
let decidedAt = 0;
const timing: Plugin = {
  name: 'bench:timing',
  apply: (engine) => engine.hooks.run.tap('bench:timing', (run) => run.hooks.executionStart.tap('bench:timing', () => void (decidedAt ||= performance.now()))),
};
// The progress reporter writes what it would write to a non-TTY stderr, here to nowhere.
const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
const configFor = () => resolveConfig(
  { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: workDir, workDir, concurrency: 8, plugins: [timing] },
  { configFile: null, profile: null, cwd: workDir },
);

// Timed: config, engine, then the command: lock, progress reporter, run, recipe hashes, executeRun
// (state database, resume decisions with every artifact's size and sha256 verified, starting
// statuses, report). Planning itself is handed in (the plan hook), see the planning figures.
const start = performance.now();
let planned = 0;
const exit = await runRunCommand(new Engine(configFor()), {}, { progress: sink, notice: () => {}, argv: ['run'] }, {
  plan: async () => {
    planned = performance.now();
    return [plan];
  },
});
const resumeMs = performance.now() - start;

// The command's recipe hashing alone (core/recipes/recipe-hash.ts), for the note.
for (const node of nodes) node.recipeHash = null;
const h0 = performance.now();
fillRecipeHashes(nodes);
const recipeHashMs = performance.now() - h0;

// For comparison with the figure's earlier definition: executeRun alone, on the same state.
const engine = new Engine(configFor());
const e0 = performance.now();
const outcome = await executeRun(engine.createRun(), [plan], { notice: () => {} });
const executeMs = performance.now() - e0;

process.stdout.write(
  JSON.stringify({
    packages: n, stateMs, resumeMs, exit, executeMs, executeExit: outcome.exitCode,
    untilPlanMs: planned - start, recipeHashMs, hashAndDecideMs: decidedAt && planned ? decidedAt - planned : null,
    counts: outcome.summary.counts, maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);

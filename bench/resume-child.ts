// Child process of the resume benchmark: writes a state of n finished packages through the state
// database's own API (the rows a run leaves: package, attempt, artifact, complete), then times a
// real executeRun on the same plan until it finds nothing to do. Prints one JSON line.
// Usage: node --import tsx bench/resume-child.ts <packages> <work dir>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../core/config/resolve.ts';
import { Engine } from '../core/engine/engine.ts';
import { executeRun } from '../core/engine/execute.ts';
import { buildTaskGraph } from '../core/engine/task-graph.ts';
import { StateDb } from '../core/state/state-db.ts';
import { hashFile } from '../core/state/file-hash.ts';
import { syntheticPlan } from './synthetic-plan.ts';

const [nArg, workDir] = process.argv.slice(2);
const n = Number(nArg);
mkdirSync(workDir, { recursive: true });
const plan = syntheticPlan(n);

// One small artifact per package, as a finished run leaves them.
const artifactsDir = join(workDir, 'channel', 'linux-64');
mkdirSync(artifactsDir, { recursive: true });
const t0 = performance.now();
const db = StateDb.open(workDir);
const runId = db.startRun(['bench', 'state']);
const tasks = buildTaskGraph([plan]);
const rows: { key: { node: string; subdir: string; python: string }; path: string; filename: string }[] = [];
for (const t of tasks.values()) {
  const filename = `${t.node.id}-1.0-0.tar.bz2`;
  const path = join(artifactsDir, filename);
  writeFileSync(path, `artifact of ${t.node.id}\n`);
  rows.push({ key: { node: t.node.id, subdir: t.target.subdir, python: t.target.python }, path, filename });
}
const hashes = await Promise.all(rows.map((r) => hashFile(r.path)));
db.db.transaction(() => {
  rows.forEach((r, i) => {
    const pkg = db.ensurePackage(r.key, { feedstock: r.key.node, outputs: [r.key.node], recipeHash: null });
    const attempt = db.startAttempt(pkg.id, runId, 1, join(workDir, 'logs', `${r.key.node}.log`), null);
    db.recordBuilt(attempt, runId, [{ path: r.path, filename: r.filename, ...hashes[i] }], 1000, 'built', 'built by bench:state');
    db.completeAttempt(attempt, runId, 'published', '1 artifact(s) published');
  });
})();
db.endRun(runId, 'success');
db.close();
const stateMs = performance.now() - t0;

const config = resolveConfig(
  { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: workDir, workDir, concurrency: 8, plugins: [] },
  { configFile: null, profile: null, cwd: workDir },
);
const engine = new Engine(config);
const start = performance.now();
const outcome = await executeRun(engine.createRun(), [plan], { notice: () => {} });
const resumeMs = performance.now() - start;

process.stdout.write(
  JSON.stringify({ packages: n, stateMs, resumeMs, exit: outcome.exitCode, counts: outcome.summary.counts, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n',
);

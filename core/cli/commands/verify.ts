// `rebuild verify <name> [--arch A] [--json]`: build one package again, into a temp work dir, and
// compare each artifact the state database recorded for it with the new one, byte for byte. The
// rebuild resolves its dependencies from the work dir's own channels first (what the package was
// built against), then the configured build channels; it runs the same builder and transmuter
// plugins. Where an artifact differs, the report names the member and the field: tar header fields,
// content (size, sha256), and for info/*.json the JSON field paths.
// Exit codes: 0 every artifact identical; 1 some differ; 64 unknown name; 65 not built yet, or the
// rebuild failed.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { GlobalOptions } from '../options.ts';
import { Engine } from '../../engine/engine.ts';
import { UserError } from '../../model/errors.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import { targetKey, type Artifact, type BuildTask, type PackageNode, type Target } from '../../model/types.ts';
import type { Plan } from '../../graph/plan.ts';
import { artifactFromRecord } from '../../engine/stage-runner.ts';
import { errorMessage } from '../../model/failure.ts';
import { loadEngine } from '../context.ts';
import { planRun } from '../../graph/plan-target.ts';
import { assertConfiguredArches } from '../../config/arch-flag.ts';
import { UnknownNameError } from '../../explain/find-nodes.ts';
import { openBuildTask } from '../../engine/build-task.ts';
import { sha256File } from '../../conda/file-hash.ts';
import { CONTENT_FIELDS, compareManifests, HEADER_FIELDS, jsonDifferences, packageManifest } from '../../conda/package-manifest.ts';
import { readPackageInfoFiles } from '../../conda/read-package.ts';
import { openState } from './status.ts';

export interface VerifiedArtifact {
  filename: string;
  subdir: string;
  identical: boolean;
  recorded: { path: string; sha256: string };
  rebuilt: { path: string; sha256: string } | null;
  /** Where the bytes differ: `<member>: <field> ...`, `info/index.json: timestamp: a → b`, or the archive container. */
  differences: string[];
}

export interface VerifyReport {
  name: string;
  packages: { node: string; subdir: string; python: string; artifacts: VerifiedArtifact[] }[];
}

/** info/ JSON files whose fields are compared one by one when they differ. */
const JSON_MEMBERS = ['info/index.json', 'info/paths.json', 'info/about.json', 'info/run_exports.json', 'info/link.json'];

/** Where two package files differ, member by member (and JSON field by field for info/*.json). */
export async function packageDifferences(recorded: string, rebuilt: string): Promise<string[]> {
  const [a, b] = await Promise.all([packageManifest(recorded), packageManifest(rebuilt)]);
  const out = compareManifests(a, b, { fields: [...CONTENT_FIELDS, ...HEADER_FIELDS], labels: ['recorded', 'rebuilt'] });
  const changed = new Set(out.map((line) => line.slice(0, line.indexOf(':'))));
  const json = JSON_MEMBERS.filter((m) => changed.has(m) && a.some((e) => e.name === m) && b.some((e) => e.name === m));
  if (json.length) {
    const [fa, fb] = await Promise.all([readPackageInfoFiles(recorded, json), readPackageInfoFiles(rebuilt, json)]);
    for (const m of json) {
      try {
        for (const d of jsonDifferences(JSON.parse(fa.get(m)!.toString()), JSON.parse(fb.get(m)!.toString()))) out.push(`${m}: ${d}`);
      } catch {
        // Not JSON on one side: the member line above says it differs.
      }
    }
  }
  if (!out.length) out.push('every member is the same (content and tar headers): the archive container differs (compression, zip headers or member order)');
  return out;
}

interface Found {
  node: PackageNode;
  target: Target;
  artifacts: { path: string; filename: string; sha256: string }[];
}

export async function verifyCommand(args: string[], opts: GlobalOptions & { json?: boolean }): Promise<number> {
  return runVerifyCommand(await loadEngine(opts), args[0], opts);
}

/** The command on an engine already made (tests and embedders). */
export async function runVerifyCommand(
  engine: Engine,
  name: string | undefined,
  opts: GlobalOptions & { json?: boolean },
  io: { write(text: string): void } = { write: (t) => void process.stdout.write(t) },
): Promise<number> {
  if (!name) throw new UserError('verify needs a package name (node id, feedstock or output)', EXIT.USAGE);
  assertConfiguredArches(opts.arch, engine.config);
  const config = engine.config;

  // What the state database recorded for the name (the same name rules as `rebuild logs`).
  const db = openState(config.workDir);
  const recorded = new Map<string, Found['artifacts']>();
  let rows;
  try {
    const all = db.packages().filter((p) => !opts.arch?.length || opts.arch.includes(p.subdir));
    rows = all.filter((p) => p.node === name);
    if (!rows.length) rows = all.filter((p) => p.feedstock === name || p.outputs.includes(name));
    if (!rows.length) throw new UnknownNameError(name, all.flatMap((p) => [p.node, p.feedstock, ...p.outputs]));
    for (const r of rows) recorded.set(`${r.subdir} ${r.python} ${r.node}`, db.artifacts(r.id).filter((a) => existsSync(a.path)));
  } finally {
    db.close();
  }
  const built = rows.filter((r) => recorded.get(`${r.subdir} ${r.python} ${r.node}`)!.length);
  if (!built.length) {
    throw new UserError(`verify: ${rows.map((r) => `${r.subdir} ${r.node} (${r.status})`).join(', ')} has no artifact in the work dir yet: build it first (rebuild run --only ${name})`, EXIT.DATAERR);
  }

  // The nodes, from a plan of the configured aggregate (the recipe as it is now).
  // Arches the config no longer has are left out (createRun refuses them): their rows are "not in today's plan" below.
  const planRunOf = engine.createRun({ arches: [...new Set(built.map((r) => r.subdir))].filter((a) => config.arches.includes(a as never)) });
  const plans = await planRun(planRunOf);
  const found: Found[] = [];
  for (const r of built) {
    const plan = plans.find((p) => p.target.subdir === r.subdir && p.target.python === r.python);
    const node = plan?.graph.hasNode(r.node) ? plan.graph.getNodeAttributes(r.node) : undefined;
    if (!plan || !node) throw new UserError(`verify: ${r.subdir} ${r.node} is not in today's plan of the aggregate (recipe removed or renamed?)`, EXIT.DATAERR);
    found.push({ node: node as PackageNode, target: plan.target, artifacts: recorded.get(`${r.subdir} ${r.python} ${r.node}`)! });
  }

  const report: VerifyReport = { name, packages: [] };
  const tmp = await mkdtemp(join(tmpdir(), 'rebuild-verify-'));
  try {
    // The work dir's channels come first: the package is built against what it was built against.
    const own = ['channel', 'bootstrap-channel'].map((c) => join(config.workDir, c)).filter((d) => existsSync(d));
    const tempConfig = Object.freeze({ ...config, workDir: tmp, channels: Object.freeze({ ...config.channels, build: [...own, ...config.channels.build] }) });
    const again = new Engine(tempConfig as typeof config);
    const run = again.createRun({ arches: found.map((f) => f.target.subdir) });
    const rebuiltOf = new Map<string, Artifact[]>();
    for (const f of found) {
      const rebuilt = await rebuild(run, f, sourceOf(run, f, plans, found, rebuiltOf));
      rebuiltOf.set(targetKey(f.target), rebuilt);
      const artifacts: VerifiedArtifact[] = [];
      for (const a of f.artifacts) {
        const twin = rebuilt.find((r) => r.filename === a.filename);
        const sha = twin ? await sha256File(twin.path) : null;
        const identical = sha === a.sha256;
        const differences = !twin
          ? [`the rebuild made no ${a.filename} (it made ${rebuilt.map((r) => r.filename).join(', ') || 'nothing'})`]
          : identical
            ? []
            : await packageDifferences(a.path, twin.path);
        artifacts.push({ filename: a.filename, subdir: f.target.subdir, identical, recorded: { path: a.path, sha256: a.sha256 }, rebuilt: twin && sha ? { path: twin.path, sha256: sha } : null, differences });
      }
      report.packages.push({ node: f.node.id, subdir: f.target.subdir, python: f.target.python, artifacts });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }

  const all = report.packages.flatMap((p) => p.artifacts);
  if (opts.json) io.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    for (const a of all) {
      io.write(`${a.subdir}/${a.filename}: ${a.identical ? `identical (sha256 ${a.recorded.sha256.slice(0, 16)}…)` : 'DIFFERS'}\n`);
      for (const d of a.differences.slice(0, 50)) io.write(`  ${d}\n`);
      if (a.differences.length > 50) io.write(`  … ${a.differences.length - 50} more (--json lists every one)\n`);
    }
  }
  return all.every((a) => a.identical) ? 0 : 1;
}

/**
 * A build the executor makes from another target's (run.hooks.buildFrom: a conversion) gets that
 * target's artifacts here too: rebuilt by this verify when it came first, else as recorded.
 */
function sourceOf(run: ReturnType<Engine['createRun']>, f: Found, plans: readonly Plan[], found: readonly Found[], rebuiltOf: ReadonlyMap<string, Artifact[]>): BuildTask['source'] {
  const s = run.hooks.buildFrom.taps.length ? run.hooks.buildFrom.call(f.node, plans) : undefined;
  if (!s?.from) return undefined;
  const key = targetKey(s.from);
  const artifacts = rebuiltOf.get(key) ?? found.find((x) => targetKey(x.target) === key)?.artifacts.map((a) => artifactFromRecord({ ...a, size: 0 }));
  return artifacts ? { target: s.from, artifacts, reason: s.reason } : undefined;
}

/** Build the node again in the run's (temp) work dir, through the same hooks the executor calls. */
async function rebuild(run: ReturnType<Engine['createRun']>, f: Found, source?: BuildTask['source']): Promise<Artifact[]> {
  const controller = new AbortController();
  const opened = openBuildTask(run, f.node, f.target, { runId: 1, attempt: 1 }, controller.signal, run.config.timeouts.buildSeconds * 1000);
  try {
    if (source) (opened.task as BuildTask).source = source;
    const task = ((await run.hooks.prepareTask.promise(opened.task)) ?? opened.task) as BuildTask;
    const result = await run.hooks.build.for(f.target.subdir).promise(task);
    if (!result?.artifacts.length) throw new Error(`no builder for ${f.target.subdir} made an artifact`);
    const out = await run.hooks.transmute.promise(result.artifacts, task as never); // the transmute task of the stages contract: the same fields
    return out ?? result.artifacts;
  } catch (err) {
    throw new UserError(`verify: rebuilding ${f.target.subdir} ${f.node.id} failed: ${errorMessage(err)} (log: ${basename(opened.logFile)} in the temp work dir, removed)`, EXIT.DATAERR);
  } finally {
    opened.close();
  }
}

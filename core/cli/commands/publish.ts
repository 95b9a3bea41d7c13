// `rebuild publish [--dry-run] [--json]`: publish the groups that are ready — every member on every
// required arch finished its last stage (in an earlier run) and the group is not published yet —
// without building anything. `rebuild promote <name>... [--json]`: run validation + copy again for
// groups that failed (after the cause was fixed: the config's publish.owners, the production
// channel, a credential). Both go through the run's publish hook (the publisher plugin and any
// other), record the group (and its members) in the state database as a run does, and exit 1 when
// a group failed. The group's members, their artifacts and the outputs map come from the state
// database: nothing is planned or rendered.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GlobalOptions } from '../options.ts';
import type { Engine } from '../../engine/engine.ts';
import { loadEngine } from '../context.ts';
import { UserError } from '../../model/errors.ts';
import { errorMessage, failureClassOf } from '../../model/failure.ts';
import type { PackageNode, PublishGroup, PublishMember, Subdir } from '../../model/types.ts';
import type { ResolvedConfig } from '../../config/resolved.ts';
import { redact } from '../../config/redactor.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import { artifactFromRecord } from '../../engine/stage-runner.ts';
import { LOCK_HELD_EXIT_CODE, LockHeldError, acquireLock } from '../../state/lock.ts';
import { StateDb, StateNotFoundError, type GroupRow, type PackageRow } from '../../state/state-db.ts';
import { createPublisher, PLUGIN_NAME as PUBLISHER, publisherOf, type PublisherOptions } from '../../../plugins/publisher/index.ts';
import { dryRunGroup, type PlannedCopy } from '../../../plugins/publisher/publish-group.ts';

type Io = { write(text: string): void };
const stdout: Io = { write: (t) => void process.stdout.write(t) };

/** A group as the state knows it: ready (with its members) or held (with why). */
export interface StateGroup {
  row: GroupRow;
  ready: boolean;
  reason: string | null;
  members: PublishMember[];
}

const nodeOf = (row: PackageRow): PackageNode => ({
  id: row.node, feedstock: row.feedstock, target: { subdir: row.subdir as Subdir, python: row.python }, outputs: row.outputs,
  status: 'planned', reason: null, recipe: null, variants: [], bootstrap: false, pythonDependency: null, recipeHash: row.recipeHash,
});

/**
 * The groups of the state database with what publishing them needs: each required arch (the
 * config's publish.archExceptions, requireArches, else every configured arch) has a package row
 * that finished every stage it has, or is excluded / present there; else the group is held.
 * Groups a run recorded come first; a package that finished with no group (its run had publishing
 * off, `publish.enabled: false`) gets one, keyed as a run keys it (feedstock-version-pyX.Y, the
 * version from its artifacts).
 */
export function stateGroups(db: StateDb, config: ResolvedConfig): StateGroup[] {
  const stages = db.stageRows();
  const finished = (row: PackageRow) => {
    const done = stages.get(row.id);
    return !!done && done.get('build')?.status === 'done' && [...done.values()].every((s) => s.status === 'done');
  };
  const rows = db.groups();
  const grouped = new Set(rows.flatMap((g) => g.members));
  const derived = new Map<string, GroupRow>();
  for (const pkg of db.packages()) {
    if (grouped.has(pkg.id) || pkg.node.includes('@bootstrap') || !finished(pkg)) continue;
    const first = db.artifacts(pkg.id)[0];
    if (!first) continue;
    const version = artifactFromRecord(first).version;
    const key = `${pkg.feedstock}-${version}-py${pkg.python}`;
    const known = derived.get(key);
    if (known) known.members.push(pkg.id);
    else derived.set(key, { id: -1, key, name: pkg.feedstock, version, python: pkg.python, status: 'waiting', reason: null, failure: null, publisher: null, channel: null, label: null, attempts: 0, runId: null, updated: '', members: [pkg.id] });
  }
  const out: StateGroup[] = [];
  for (const row of [...rows, ...[...derived.values()].filter((g) => !rows.some((r) => r.key === g.key))].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const first = row.members.length ? db.getPackageById(row.members[0]) : null;
    if (!first) {
      out.push({ row, ready: false, reason: 'no member package is recorded', members: [] });
      continue;
    }
    const { publish } = config;
    const required = publish.archExceptions[first.feedstock] ?? publish.archExceptions[first.node] ?? publish.requireArches ?? config.arches;
    const members: PublishMember[] = [];
    const missing: string[] = [];
    for (const subdir of [...required].sort()) {
      const pkg = db.getPackage({ node: first.node, subdir, python: row.python });
      if (pkg && (pkg.status === 'excluded' || pkg.status === 'present')) continue;
      if (!pkg || !finished(pkg)) {
        missing.push(`${subdir} (${pkg ? `${pkg.status}${pkg.stage ? ` at ${pkg.stage}` : ''}` : 'not built yet'})`);
        continue;
      }
      members.push({ node: nodeOf(pkg), target: { subdir: pkg.subdir as Subdir, python: pkg.python }, artifacts: db.artifacts(pkg.id).map(artifactFromRecord) });
    }
    const ready = !missing.length && members.length > 0;
    out.push({ row, ready, reason: ready ? null : missing.length ? `waiting for ${missing.join(', ')}` : 'nothing to publish on the required arches', members });
  }
  return out;
}

function openWritable(workDir: string): StateDb {
  try {
    return StateDb.open(workDir);
  } catch (err) {
    if (err instanceof StateNotFoundError) throw new UserError(err.message);
    throw err;
  }
}

interface GroupOutcome {
  key: string;
  status: 'published' | 'failed' | 'held' | 'unclaimed' | 'would-publish' | 'would-fail';
  reason: string | null;
  files?: PlannedCopy[];
}

function publisherOptions(config: ResolvedConfig): PublisherOptions | null {
  const p = config.plugins.find((x) => x.name === PUBLISHER) as { options?: PublisherOptions } | undefined;
  return p ? (p.options ?? {}) : null;
}

/** Publish (or, dry, examine) the chosen groups; returns the exit code. */
async function publishGroups(engine: Engine, opts: PublishOptions, pick: (groups: StateGroup[]) => StateGroup[], argv: string[], io: Io): Promise<number> {
  const config = engine.config;
  let lock;
  if (!opts.dryRun) {
    try {
      lock = acquireLock(config.workDir);
    } catch (err) {
      if (err instanceof LockHeldError) throw new UserError(err.message, LOCK_HELD_EXIT_CODE);
      throw err;
    }
  }
  const db = openWritable(config.workDir);
  const outcomes: GroupOutcome[] = [];
  try {
    const chosen = pick(stateGroups(db, config));
    const run = engine.createRun({ json: !!opts.json });
    const owners = publisherOf(run)?.owners;
    for (const pkg of db.packages()) owners?.add(pkg.feedstock, pkg.outputs);
    const runId = opts.dryRun ? 0 : db.startRun(argv);
    for (const g of chosen) {
      // A derived group gets its row (and its members) when it is first touched for real.
      if (g.row.id < 0 && !opts.dryRun) g.row.id = db.ensureGroup(g.row, g.row.members);
      if (!g.ready) {
        outcomes.push({ key: g.row.key, status: 'held', reason: g.reason });
        if (!opts.dryRun) db.setGroupStatus(g.row.id, runId, 'held', g.reason);
        continue;
      }
      const logFile = join(config.workDir, 'logs', 'publish', `${g.row.key}.log`);
      const group: PublishGroup = {
        key: g.row.key, name: g.row.name, version: g.row.version, python: g.row.python, members: g.members, runId, attempt: g.row.attempts + 1,
        workDir: join(config.workDir, 'tasks', 'publish', g.row.key), logFile, signal: new AbortController().signal,
        log: (line) => {
          if (opts.dryRun) return;
          mkdirSync(dirname(logFile), { recursive: true });
          appendFileSync(logFile, redact(`${line}\n`));
        },
      };
      if (opts.dryRun) {
        const options = publisherOptions(config);
        if (!options) {
          outcomes.push({ key: g.row.key, status: 'unclaimed', reason: `no publisher plugin (${PUBLISHER}) is configured` });
          continue;
        }
        const publisher = createPublisher(config, options);
        for (const pkg of db.packages()) publisher.owners.add(pkg.feedstock, pkg.outputs);
        const ctx = publisher.context(group, async () => {});
        try {
          const files = await dryRunGroup(group, ctx);
          const refused = files.filter((f) => f.action === 'refused');
          outcomes.push({ key: g.row.key, status: refused.length ? 'would-fail' : 'would-publish', reason: refused.length ? `${refused.length} file(s) would be refused` : null, files });
        } finally {
          await Promise.all([ctx.staging.close(), ctx.production.close()]);
        }
        continue;
      }
      db.setGroupStatus(g.row.id, runId, 'publishing', `attempt ${group.attempt}`, { attempt: true });
      group.log(`=== publish ${g.row.key} attempt ${group.attempt}, run ${runId} (rebuild ${argv[0]}): ${g.members.map((m) => m.target.subdir).join(', ')}`);
      const memberIds = g.members.map((m) => db.getPackage({ node: m.node.id, subdir: m.target.subdir, python: m.target.python })!.id);
      try {
        const result = await run.hooks.publish.promise(group);
        if (!result) {
          db.setGroupStatus(g.row.id, runId, 'unclaimed', 'no publisher took it');
          outcomes.push({ key: g.row.key, status: 'unclaimed', reason: 'no publisher took it' });
          continue;
        }
        const reason = `${result.published.length} artifact(s) published to ${result.channel}${result.label ? ` (${result.label})` : ''} by ${result.publisher}`;
        db.setGroupStatus(g.row.id, runId, 'published', reason, { publisher: result.publisher, channel: result.channel, label: result.label ?? null });
        db.setStatuses(memberIds.map((packageId) => ({ packageId, to: 'published' as const, reason, stage: 'publish' })), runId);
        group.log(`=== published: ${reason}`);
        outcomes.push({ key: g.row.key, status: 'published', reason });
      } catch (err) {
        const failure = failureClassOf(err, 'publish');
        const reason = errorMessage(err);
        db.setGroupStatus(g.row.id, runId, 'failed', reason, { failure });
        db.setStatuses(memberIds.map((packageId) => ({ packageId, to: 'failed' as const, reason: `publish failed: ${reason}`, failure, stage: 'publish' })), runId);
        group.log(`=== publish failed (${failure}): ${reason}`);
        outcomes.push({ key: g.row.key, status: 'failed', reason });
      }
    }
    if (!opts.dryRun) db.endRun(runId, outcomes.some((o) => o.status === 'failed') ? 'failed' : 'success');
  } finally {
    db.close();
    lock?.release();
  }
  io.write(opts.json ? JSON.stringify({ dryRun: !!opts.dryRun, groups: outcomes }, null, 2) + '\n' : formatOutcomes(outcomes, !!opts.dryRun));
  return outcomes.some((o) => o.status === 'failed' || o.status === 'would-fail') ? EXIT.FAILURES : EXIT.OK;
}

function formatOutcomes(outcomes: readonly GroupOutcome[], dry: boolean): string {
  if (!outcomes.length) return dry ? 'nothing to publish\n' : 'nothing to publish: no group is waiting\n';
  const lines: string[] = [];
  for (const o of outcomes) {
    lines.push(`${o.key}: ${o.status}${o.reason ? ` — ${o.reason}` : ''}`);
    for (const f of o.files ?? []) lines.push(`  ${f.action.padEnd(8)} ${f.subdir}/${f.filename}${f.reason ? `: ${f.reason}` : ''}`);
  }
  const count = (s: string) => outcomes.filter((o) => o.status === s).length;
  const tally = dry
    ? `${count('would-publish')} would publish, ${count('would-fail')} would fail, ${count('held')} held`
    : `${count('published')} published, ${count('failed')} failed, ${count('held')} held${count('unclaimed') ? `, ${count('unclaimed')} unclaimed` : ''}`;
  return `${lines.join('\n')}\n${tally}\n`;
}

const PUBLISHABLE: ReadonlySet<GroupRow['status']> = new Set(['waiting', 'held', 'interrupted', 'unclaimed']);

type PublishOptions = GlobalOptions & { dryRun?: boolean; json?: boolean };

/** `rebuild publish [--dry-run] [--json]`: the groups not published and not failed. */
export async function publishCommand(_args: string[], opts: PublishOptions, io: Io = stdout): Promise<number> {
  return runPublishCommand(await loadEngine(opts, process.cwd(), { paths: false }), opts, io);
}

export function runPublishCommand(engine: Engine, opts: PublishOptions, io: Io = stdout): Promise<number> {
  return publishGroups(engine, opts, (groups) => groups.filter((g) => PUBLISHABLE.has(g.row.status)), ['publish', ...(opts.dryRun ? ['--dry-run'] : [])], io);
}

/** `rebuild promote <name>... [--json]`: the failed groups of these names (group name or key). */
export async function promoteCommand(args: string[], opts: PublishOptions, io: Io = stdout): Promise<number> {
  if (!args.length) throw new UserError('rebuild promote: name the groups to promote (rebuild status lists the failed ones)', EXIT.USAGE);
  return runPromoteCommand(await loadEngine(opts, process.cwd(), { paths: false }), args, opts, io);
}

export function runPromoteCommand(engine: Engine, args: string[], opts: PublishOptions, io: Io = stdout): Promise<number> {
  return publishGroups(
    engine,
    { ...opts, dryRun: false },
    (groups) => {
      const picked: StateGroup[] = [];
      for (const name of args) {
        const matches = groups.filter((g) => g.row.name === name || g.row.key === name);
        if (!matches.length) throw new UserError(`rebuild promote: no publish group named ${name}; the groups are: ${groups.map((g) => g.row.key).join(', ') || '(none yet: run rebuild run first)'}`, EXIT.USAGE);
        const failed = matches.filter((g) => g.row.status === 'failed');
        if (!failed.length) throw new UserError(`rebuild promote: ${name} did not fail (${matches.map((g) => `${g.row.key}: ${g.row.status}`).join(', ')}); promote re-runs failed groups only (rebuild publish publishes waiting ones)`, EXIT.USAGE);
        picked.push(...failed.filter((g) => !picked.includes(g)));
      }
      return picked;
    },
    ['promote', ...args],
    io,
  );
}

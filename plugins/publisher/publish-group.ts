// One publish group through staging → validation → production:
//   1. upload: every artifact of every member (arch) is put in the staging channel under its label;
//   2. validate: each staged file — its name is owned by the feedstock that built it (outputs map),
//      its sha256 is the one recorded at build, info/index.json agrees with its file name and subdir,
//      production does not hold a file of that name with other content;
//   3. copy: each to production (label configurable), then its hash there is checked again (the
//      file read back, or the server's answer); a copy that came out different is removed;
//   4. the staged files are removed.
// Nothing is copied unless every artifact of the group passed (all arches or none). Each step is
// idempotent (a file already in place with the same content is skipped), so a killed or failed
// publish runs again without uploading anything twice. A failure fires `publishFailed` for each
// problem and throws a PublishError: class `publish` (not retried), or `network` when a server or
// the network failed (retried as the config's retry.transient says).
import { BuildFailureError } from '../../core/model/failure.ts';
import type { Artifact, PublishGroup, PublishResult } from '../../core/model/types.ts';
import { ChannelConflictError, MAIN_LABEL, TransientUploadError, type ChannelDestination, type PackageFile } from './destination.ts';
import type { PublishNoticeFailure } from './notice.ts';
import type { OutputsMap } from './owners.ts';
import { checkHash, checkIndex, checkProduction } from './validate.ts';

export interface PublishContext {
  publisher: string;
  /** A local folder (validation reads the staged files where they are). */
  staging: ChannelDestination;
  stagingLabel: string;
  production: ChannelDestination;
  productionLabel: string;
  owners: OutputsMap;
  /** Fire `run.hooks.publishFailed`. */
  fire(failure: PublishNoticeFailure): Promise<void>;
  /** What each step did (staged, copied, already there), for `rebuild publish` / `promote` output (the group's log gets it too). */
  note?(line: string): void;
}

/** A group could not be published; `failures` are what was fired. */
export class PublishError extends BuildFailureError {
  override name = 'PublishError';
  constructor(
    message: string,
    readonly failures: PublishNoticeFailure[],
    failure: 'publish' | 'network' = 'publish',
  ) {
    super(message, failure);
  }
}

interface Item {
  artifact: Artifact;
  feedstock: string;
  file: PackageFile;
}

const ADVICE = {
  owner: 'Publishing a name another feedstock owns is refused. Rename the output in the recipe, or, if this feedstock should own it, add it to `publish.owners` in the config and run `rebuild promote <name>`.',
  hash: 'The package file changed after its build recorded it (another process wrote it, or the disk corrupted it). Rebuild it: `rebuild run --retry <name>`.',
  index: "The package's info/index.json does not match its file name or subdir: the builder wrote it wrong. Fix the recipe or the builder and rebuild (`rebuild run --retry <name>`).",
  production: 'A published file is never replaced. Raise the build number in the recipe and rebuild (`rebuild run --retry <name>`); or, if the production file is wrong, remove it from production and run `rebuild promote <name>`.',
  recheck: 'The copy in production does not have the hash recorded at build, so it was removed where the channel allows it. Check the production channel (its storage, its server), then run `rebuild promote <name>`.',
  transient: 'A server or the network failed (after retries). The publish task is retried by the run; when it keeps failing, check the service and run `rebuild promote <name>` later.',
  auth: 'The upload was refused or failed. Check the credentials (the token in the environment) and the channel settings, then run `rebuild promote <name>`.',
} as const;

/** The group's items, sorted; its own nodes join the outputs map (a resumed run, `rebuild publish`: no plan). */
function itemsOf(group: PublishGroup, owners: OutputsMap): Item[] {
  for (const m of group.members) owners.add(m.node.feedstock, m.node.outputs);
  const items: Item[] = [];
  for (const m of group.members) {
    for (const a of m.artifacts) {
      items.push({
        artifact: a,
        feedstock: m.node.feedstock,
        file: { path: a.path, filename: a.filename, subdir: a.subdir, name: a.name, version: a.version, sha256: a.sha256, size: a.size },
      });
    }
  }
  return items.sort((x, y) => (x.file.subdir + '/' + x.file.filename).localeCompare(y.file.subdir + '/' + y.file.filename));
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What a dry run finds for one artifact. */
export interface PlannedCopy {
  subdir: string;
  filename: string;
  /** 'copy' (would be copied), 'present' (production has it already), or the reason it would fail. */
  action: 'copy' | 'present' | 'refused';
  reason?: string;
}

/** Validate a group's files where they are and look production up: what a publish would do. Writes nothing. */
export async function dryRunGroup(group: PublishGroup, ctx: PublishContext): Promise<PlannedCopy[]> {
  const out: PlannedCopy[] = [];
  for (const it of itemsOf(group, ctx.owners)) {
    const problems = [
      ctx.owners.check(it.file.name, it.feedstock),
      await checkHash(it.file.path, it.file).catch((err) => `cannot read ${it.file.path}: ${message(err)}`),
      await checkIndex(it.file.path, it.file),
    ];
    let existing: string | null = null;
    try {
      existing = await ctx.production.lookup(it.file, ctx.productionLabel);
      problems.push(checkProduction(existing, it.file, ctx.production.channel));
    } catch (err) {
      problems.push(`cannot look up production: ${message(err)}`);
    }
    const reasons = problems.filter((p): p is string => !!p);
    out.push({
      subdir: it.file.subdir,
      filename: it.file.filename,
      action: reasons.length ? 'refused' : existing === it.file.sha256 ? 'present' : 'copy',
      ...(reasons.length ? { reason: reasons.join('; ') } : {}),
    });
  }
  return out;
}

export async function publishGroup(group: PublishGroup, ctx: PublishContext): Promise<PublishResult> {
  const items = itemsOf(group, ctx.owners);
  const note = (line: string) => {
    group.log(line);
    ctx.note?.(line);
  };
  const failures: PublishNoticeFailure[] = [];
  let transient = false;
  const fail = async (step: PublishNoticeFailure['step'], reason: string, advice: string, artifact?: Artifact) => {
    const f: PublishNoticeFailure = { group, step, reason, advice, ...(artifact ? { artifact } : {}) };
    failures.push(f);
    group.log(`publish ${group.key}: ${step} failed${artifact ? ` for ${artifact.subdir}/${artifact.filename}` : ''}: ${reason}`);
    await ctx.fire(f);
  };
  const classify = (err: unknown) => {
    if (err instanceof TransientUploadError) transient = true;
    return err instanceof TransientUploadError ? ADVICE.transient : ADVICE.auth;
  };
  const stop = (step: string): never => {
    const first = failures[0];
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
    throw new PublishError(`${step} of ${group.key} failed: ${first.artifact ? `${first.artifact.subdir}/${first.artifact.filename}: ` : ''}${first.reason}${more}`, failures, transient ? 'network' : 'publish');
  };
  if (!items.length) {
    await fail('validate', 'the group has no package files', ADVICE.index);
    stop('validation');
  }

  // 1. upload to staging (a stale staged file of the same name is a leftover of an earlier attempt: replaced).
  const staged = new Map<Item, string>();
  for (const it of items) {
    try {
      const existing = await ctx.staging.lookup(it.file, ctx.stagingLabel);
      if (existing !== null && existing !== it.file.sha256) await ctx.staging.remove(it.file, ctx.stagingLabel);
      const put = await ctx.staging.put(it.file, ctx.stagingLabel);
      staged.set(it, put.location);
      note(`${group.key}: ${put.skipped ? 'already staged' : 'staged'} ${it.file.subdir}/${it.file.filename}`);
    } catch (err) {
      await fail('upload', `cannot stage it in ${ctx.staging.channel}: ${message(err)}`, DEFAULT_UPLOAD_ADVICE, it.artifact);
    }
  }
  if (failures.length) stop('upload');

  // 2. validate every staged file (all problems of the group are reported, not only the first).
  const present = new Set<Item>();
  for (const it of items) {
    const path = staged.get(it)!;
    const owner = ctx.owners.check(it.file.name, it.feedstock);
    if (owner) await fail('validate', owner, ADVICE.owner, it.artifact);
    const hash = await checkHash(path, it.file);
    if (hash) await fail('validate', hash, ADVICE.hash, it.artifact);
    const index = await checkIndex(path, it.file);
    if (index) await fail('validate', index, ADVICE.index, it.artifact);
    try {
      const existing = await ctx.production.lookup(it.file, ctx.productionLabel);
      const conflict = checkProduction(existing, it.file, ctx.production.channel);
      if (conflict) await fail('validate', conflict, ADVICE.production, it.artifact);
      else if (existing !== null) present.add(it);
    } catch (err) {
      await fail('validate', `cannot look ${it.file.filename} up in ${ctx.production.channel}: ${message(err)}`, classify(err), it.artifact);
    }
  }
  if (failures.length) stop('validation');

  // 3. copy to production and check the copy's hash again.
  const published: Artifact[] = [];
  for (const it of items) {
    const source: PackageFile = { ...it.file, path: staged.get(it)! };
    try {
      const put = await ctx.production.put(source, ctx.productionLabel);
      if (put.sha256 !== it.file.sha256) {
        await ctx.production.remove(source, ctx.productionLabel).catch(() => {});
        await fail('copy', `the copy in ${ctx.production.channel} has sha256 ${put.sha256 || '(none reported)'}, not the one recorded at build ${it.file.sha256}`, ADVICE.recheck, it.artifact);
        continue;
      }
      note(`${group.key}: ${put.skipped || present.has(it) ? 'already in production' : 'copied to production'} ${it.file.subdir}/${it.file.filename} (sha256 checked)`);
      published.push({ ...it.artifact, path: ctx.production.kind === 'local' ? put.location : it.artifact.path });
    } catch (err) {
      const advice = err instanceof ChannelConflictError ? ADVICE.production : classify(err);
      await fail('copy', `cannot copy it to ${ctx.production.channel}: ${message(err)}`, advice, it.artifact);
    }
  }
  if (failures.length) stop('copy');

  // 4. production holds the group: the staged files go.
  for (const it of items) await ctx.staging.remove(it.file, ctx.stagingLabel);
  return { publisher: ctx.publisher, published, channel: ctx.production.channel, ...(ctx.productionLabel !== MAIN_LABEL ? { label: ctx.productionLabel } : {}) };
}

const DEFAULT_UPLOAD_ADVICE = 'The package could not be put in the staging channel. Check that the staging folder is writable and has room, then run `rebuild promote <name>`.';

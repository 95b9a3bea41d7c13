// The default `publishFailed` handler: a markdown notice per feedstock in `<workDir>/notices/`
// (`<feedstock>.md`), one section per publish group that failed — what failed, why, what to do —
// rewritten as failures arrive and dropped once the group publishes. No wall-clock time in it:
// the same failures give the same bytes.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/conda/atomic-write.ts';
import { redact } from '../../core/config/redactor.ts';
import type { PublishFailure, PublishGroup } from '../../core/model/types.ts';

/** A failure as the publisher fires it: with what to do about it. */
export interface PublishNoticeFailure extends PublishFailure {
  advice?: string;
}

const DEFAULT_ADVICE: Record<PublishFailure['step'], string> = {
  upload: 'The package could not be put in the staging channel. Check that the work dir is writable and has room, then run `rebuild promote <name>`.',
  validate: 'Fix the cause in the recipe or the config, rebuild the package (`rebuild run --retry <name>`), or, when the check was wrong, fix the config and run `rebuild promote <name>`.',
  copy: 'The copy to production failed or came out different. Check the production channel (its credentials, its space, the file it holds), then run `rebuild promote <name>`.',
};

/** The feedstock a failure is about (the member that built the artifact, else the group's first). */
export function feedstockOf(failure: PublishFailure): string {
  const { group, artifact } = failure;
  const member = (artifact && group.members.find((m) => m.artifacts.some((a) => a.filename === artifact.filename && a.subdir === artifact.subdir))) || group.members[0];
  return member?.node.feedstock ?? group.name;
}

const cell = (text: string) => redact(text).replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** One group's section: its failures as a table, then what to do. */
export function renderGroupSection(group: PublishGroup, failures: readonly PublishNoticeFailure[]): string {
  const rows = failures.map((f) => `| ${f.step} | ${f.artifact ? `${f.artifact.subdir}/${f.artifact.filename}` : '(group)'} | ${cell(f.reason)} |`);
  const advice = [...new Set(failures.map((f) => f.advice ?? DEFAULT_ADVICE[f.step]))];
  const arches = [...new Set(group.members.map((m) => m.target.subdir))].sort().join(', ');
  return [
    `<!-- rebuild:group ${group.key} -->`,
    `## ${group.key}`,
    '',
    `${group.name} ${group.version} for python ${group.python} (${arches}) was not published (run ${group.runId}, attempt ${group.attempt}).`,
    '',
    '| step | package | why |',
    '|---|---|---|',
    ...rows,
    '',
    'What to do:',
    '',
    ...advice.map((a) => `- ${cell(a)}`),
    `<!-- /rebuild:group ${group.key} -->`,
    '',
  ].join('\n');
}

/** The whole notice of a feedstock from its sections (sorted by group key). */
export function renderNotice(feedstock: string, sections: ReadonlyMap<string, string>): string {
  const keys = [...sections.keys()].sort();
  return [
    `# ${feedstock}: packages not published`,
    '',
    'rebuild could not publish these packages to the production channel. Each section says which step',
    'failed and why; the group stays unpublished until `rebuild promote <name>` (or a later run) succeeds.',
    '',
    ...keys.map((k) => sections.get(k)!),
  ].join('\n');
}

const SECTION_RE = /<!-- rebuild:group (\S+) -->\n[\s\S]*?<!-- \/rebuild:group \1 -->\n/g;

function parseSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(SECTION_RE)) out.set(m[1], m[0]);
  return out;
}

/** Writes and clears the notices of one work dir. Failures of one group attempt accumulate. */
export class NoticeWriter {
  private readonly current = new Map<string, { attempt: string; failures: PublishNoticeFailure[] }>();
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  pathOf(feedstock: string): string {
    return join(this.dir, `${feedstock.replace(/[^A-Za-z0-9._-]/g, '_')}.md`);
  }

  /** Record a failure: rewrite its feedstock's notice with the group's failures of this attempt. */
  record(failure: PublishNoticeFailure): Promise<string> {
    const { group } = failure;
    const attempt = `${group.runId}/${group.attempt}`;
    let entry = this.current.get(group.key);
    if (!entry || entry.attempt !== attempt) this.current.set(group.key, (entry = { attempt, failures: [] }));
    const same = (f: PublishNoticeFailure) => f.step === failure.step && f.reason === failure.reason && f.artifact?.filename === failure.artifact?.filename && f.artifact?.subdir === failure.artifact?.subdir;
    if (!entry.failures.some(same)) entry.failures.push(failure);
    const failures = [...entry.failures];
    const path = this.pathOf(feedstockOf(failure));
    return this.serial(async () => {
      await this.edit(feedstockOf(failure), (sections) => sections.set(group.key, renderGroupSection(group, failures)));
      return path;
    });
  }

  /** The group published: drop its section (and the notice, when it was the last). */
  clear(group: PublishGroup): Promise<void> {
    this.current.delete(group.key);
    const feedstocks = new Set(group.members.map((m) => m.node.feedstock));
    return this.serial(async () => {
      for (const f of feedstocks) await this.edit(f, (sections) => sections.delete(group.key));
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async edit(feedstock: string, change: (sections: Map<string, string>) => void): Promise<void> {
    const path = this.pathOf(feedstock);
    const before = await readFile(path, 'utf8').catch(() => null);
    const sections = before === null ? new Map<string, string>() : parseSections(before);
    change(sections);
    if (!sections.size) {
      if (before !== null) await rm(path, { force: true });
      return;
    }
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(path, renderNotice(feedstock, sections));
  }
}

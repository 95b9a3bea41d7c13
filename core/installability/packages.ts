// Which packages the matrix checks on a subdir: every package name of the tested channel (the
// subdir's and noarch's), and the reference channel's package list — the names it built for the old
// python on that subdir (as the report's "missing" list reads it, core/report/reference.ts), and
// its noarch packages that depend on python.
import { existsSync } from 'node:fs';
import { channelDir, readRepodata, repodataRecords } from '../conda/repodata-read.ts';
import { tryParseMatchSpec } from '../conda/match-spec.ts';
import { recordPinsPython } from '../graph/python-dependency.ts';
import { subdirsOf } from './channel-index.ts';

export type PackageSource = 'tested' | 'reference';

export interface PackageToCheck {
  name: string;
  /** Where the name comes from (both when both list it). */
  sources: PackageSource[];
}

const dependsOnPython = (depends: readonly string[] | undefined) => (depends ?? []).some((d) => tryParseMatchSpec(d)?.name === 'python');

async function testedNames(tested: string, subdir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const dir = channelDir(tested);
  if (dir !== null && !existsSync(dir)) return names; // nothing passed its tests yet
  for (const s of subdirsOf(subdir))
    for (const { record } of repodataRecords(await readRepodata(tested, s))) names.add(record.name);
  return names;
}

async function referenceNames(reference: string, subdir: string, pythonFrom: string): Promise<Set<string>> {
  const names = new Set<string>();
  if (subdir !== 'noarch')
    for (const { record } of repodataRecords(await readRepodata(reference, subdir))) if (recordPinsPython(record, pythonFrom)) names.add(record.name);
  for (const { record } of repodataRecords(await readRepodata(reference, 'noarch'))) if (dependsOnPython(record.depends)) names.add(record.name);
  return names;
}

/** The packages to check on `subdir`, sorted by name. A reference channel that cannot be read throws (ChannelError). */
export async function packagesToCheck(opts: { tested: string | null; reference: string | null; pythonFrom: string; subdir: string }): Promise<PackageToCheck[]> {
  const tested = opts.tested ? await testedNames(opts.tested, opts.subdir) : new Set<string>();
  const reference = opts.reference ? await referenceNames(opts.reference, opts.subdir, opts.pythonFrom) : new Set<string>();
  return [...new Set([...tested, ...reference])]
    .sort()
    .map((name) => ({ name, sources: [...(tested.has(name) ? ['tested' as const] : []), ...(reference.has(name) ? ['reference' as const] : [])] }));
}

// Which records of a channel index stand for a package of the old python: per package name, the
// newest record built for it. "Built for" is what conda-build leaves behind: a python pin in
// `depends` that admits the old python and not its neighbours, or a `py36` build string
// (recordPinsPython); a `noarch: python` record whose python spec admits the old python; and the
// old python itself.
import type { PackageRecord, Repodata } from '../../core/conda/repodata-read.ts';
import { repodataRecords } from '../../core/conda/repodata-read.ts';
import { compareVersions, tryParseMatchSpec, versionMatchesOrFalse } from '../../core/conda/match-spec.ts';
import { recordPinsPython } from '../../core/graph/python-dependency.ts';

/** A record with the file name it has in its subdir. */
export interface ChannelRecord {
  filename: string;
  record: PackageRecord;
}

/** Does a `noarch: python` record install for `python`? (No python spec, or one that admits it.) */
function noarchAdmits(record: PackageRecord, python: string): boolean {
  for (const dep of record.depends ?? []) {
    const spec = tryParseMatchSpec(dep);
    if (spec?.name !== 'python') continue;
    if (spec.version !== null && !versionMatchesOrFalse(spec.version, `${python}.0`)) return false;
  }
  return true;
}

/** Was this record built for `python` (major.minor), so that a rebuild for a new python redoes it? */
export function builtForPython(record: PackageRecord, python: string): boolean {
  if (record.name === 'python') return versionMatchesOrFalse(`${python}.*`, record.version);
  if (record.noarch === 'python') return noarchAdmits(record, python);
  return recordPinsPython(record, python);
}

function safeCompare(a: string, b: string): number {
  try {
    return compareVersions(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

/** Newest first: version, build number, timestamp, then file name so the choice is stable. */
export function compareRecords(a: ChannelRecord, b: ChannelRecord): number {
  return (
    safeCompare(b.record.version, a.record.version) ||
    (b.record.build_number ?? 0) - (a.record.build_number ?? 0) ||
    (b.record.timestamp ?? 0) - (a.record.timestamp ?? 0) ||
    (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0)
  );
}

/** Per package name (lower case), the newest record built for `python` among the given indexes. */
export function newestForPython(indexes: readonly Repodata[], python: string): Map<string, ChannelRecord> {
  const out = new Map<string, ChannelRecord>();
  for (const repodata of indexes) {
    for (const entry of repodataRecords(repodata)) {
      if (!entry.record?.name || !builtForPython(entry.record, python)) continue;
      const name = entry.record.name.toLowerCase();
      const best = out.get(name);
      if (!best || compareRecords(entry, best) < 0) out.set(name, entry);
    }
  }
  return out;
}

/** The newest record of `name` whose version is `python`'s (e.g. python 3.7.0 for '3.7'), or null. */
export function newestVersionOf(indexes: readonly Repodata[], name: string, python: string): ChannelRecord | null {
  let best: ChannelRecord | null = null;
  for (const repodata of indexes) {
    for (const entry of repodataRecords(repodata)) {
      if (entry.record?.name !== name || !versionMatchesOrFalse(`${python}.*`, entry.record.version)) continue;
      if (!best || compareRecords(entry, best) < 0) best = entry;
    }
  }
  return best;
}

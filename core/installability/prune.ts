// The records a solve can use, as one channel: every record of a name reachable from the specs
// through `depends`, taken from the first channel that has the name (strict channel priority, as
// the solver applies it: a name found in an earlier channel is taken from there only). A record of
// any other name can never be installed by this solve (`constrains` only restrict names that are
// installed), so the solver gets the same answer from these alone, its cost follows the size of the
// package's dependency closure instead of the channels' size, and it reads one channel, not several.
import { tryParseMatchSpec } from '../conda/match-spec.ts';
import { emptyRepodata, type Repodata } from '../conda/repodata-read.ts';
import { subdirsOf, type ChannelIndex, type IndexedRecord } from './channel-index.ts';

const nameOf = (spec: string): string | null => tryParseMatchSpec(spec)?.name ?? null;

/** A name's records from the first channel that has it (in the subdir or noarch), per subdir read. */
function recordsOf(indexes: readonly ChannelIndex[], subdir: string, name: string): [string, IndexedRecord[]][] {
  for (const index of indexes) {
    const found = subdirsOf(subdir).map((s): [string, IndexedRecord[]] => [s, index.byName.get(s)?.get(name) ?? []]);
    if (found.some(([, list]) => list.length)) return found;
  }
  return [];
}

/** The dependency closure of `specs` by name (sorted), through the records the solver can use. */
export function closureNames(indexes: readonly ChannelIndex[], subdir: string, specs: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = specs.map(nameOf).filter((n): n is string => n !== null);
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const [, list] of recordsOf(indexes, subdir, name))
      for (const { record } of list)
        for (const dep of record.depends ?? []) {
          const d = nameOf(dep);
          if (d !== null && !seen.has(d)) queue.push(d);
        }
  }
  return [...seen].sort();
}

/** Per subdir read (the subdir and noarch): the repodata.json text of the one pruned channel. */
export function prunedChannel(indexes: readonly ChannelIndex[], subdir: string, specs: readonly string[]): Map<string, string> {
  const repodata = new Map<string, Repodata>(subdirsOf(subdir).map((s) => [s, emptyRepodata(s)]));
  for (const name of closureNames(indexes, subdir, specs))
    for (const [s, list] of recordsOf(indexes, subdir, name))
      for (const { filename, record } of list) {
        const r = repodata.get(s)!;
        if (filename.endsWith('.conda')) r['packages.conda'][filename] = record;
        else r.packages[filename] = record;
      }
  return new Map([...repodata].map(([s, r]) => [s, JSON.stringify(r)]));
}

// The records a solve can use: every record, in every channel, of a name reachable from the specs
// through `depends`. A record of any other name can never be installed by this solve (`constrains`
// only restrict names that are installed), so the solver gets the same answer from these alone, and
// its cost follows the size of the package's dependency closure instead of the channels' size.
import { tryParseMatchSpec } from '../conda/match-spec.ts';
import { emptyRepodata, type Repodata } from '../conda/repodata.ts';
import { subdirsOf, type ChannelIndex } from './channel-index.ts';

const nameOf = (spec: string): string | null => tryParseMatchSpec(spec)?.name ?? null;

/** The dependency closure of `specs` by name, over every channel (sorted). */
export function closureNames(indexes: readonly ChannelIndex[], subdir: string, specs: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = specs.map(nameOf).filter((n): n is string => n !== null);
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const index of indexes)
      for (const s of subdirsOf(subdir))
        for (const { record } of index.byName.get(s)?.get(name) ?? [])
          for (const dep of record.depends ?? []) {
            const d = nameOf(dep);
            if (d !== null && !seen.has(d)) queue.push(d);
          }
  }
  return [...seen].sort();
}

/** Per channel (in order), per subdir read: the repodata.json text holding only the closure's records. */
export function prunedRepodata(indexes: readonly ChannelIndex[], subdir: string, specs: readonly string[]): Map<string, string>[] {
  const names = closureNames(indexes, subdir, specs);
  return indexes.map((index) => {
    const files = new Map<string, string>();
    for (const s of subdirsOf(subdir)) {
      const repodata: Repodata = emptyRepodata(s);
      for (const name of names)
        for (const { filename, record } of index.byName.get(s)?.get(name) ?? []) {
          if (filename.endsWith('.conda')) repodata['packages.conda'][filename] = record;
          else repodata.packages[filename] = record;
        }
      files.set(s, JSON.stringify(repodata));
    }
    return files;
  });
}

// A blocklist entry that matches no package or feedstock of a target is a silent no-op (a typo such
// as `heavy_ml` for `heavy-ml` lets the package be built): each one becomes a warning at plan time,
// with the closest name, and an error under `rebuild validate --strict`.
import type { BlocklistEntry, Target } from '../model/types.ts';
import { didYouMean } from '../config/did-you-mean.ts';
import type { PackageGraph } from './package-graph.ts';

export interface UnmatchedBlocklistEntry {
  /** Index in the resolved blocklist. */
  index: number;
  entry: BlocklistEntry;
  /** `; did you mean 'x'?` or ''. */
  suggestion: string;
}

/** Entries that apply to this target's subdir and match no node's feedstock or output (case-insensitive, as blocklistApplies). */
export function unmatchedBlocklist(blocklist: readonly BlocklistEntry[], graph: PackageGraph, target: Target): UnmatchedBlocklistEntry[] {
  const applying = blocklist.map((entry, index) => ({ entry, index })).filter(({ entry }) => !entry.arches?.length || entry.arches.includes(target.subdir));
  if (!applying.length) return [];
  const names = new Set<string>();
  graph.forEachNode((_, n) => {
    names.add(n.feedstock);
    for (const o of n.outputs) names.add(o);
  });
  const lower = new Set([...names].map((n) => n.toLowerCase()));
  return applying
    .filter(({ entry }) => !lower.has(entry.name.toLowerCase()))
    .map(({ entry, index }) => ({ index, entry, suggestion: didYouMean(entry.name, names) }));
}

/** Where the entry is in the config (a JSON pointer). */
export const unmatchedBlocklistPointer = (u: UnmatchedBlocklistEntry): string => `/blocklist/${u.index}/name`;

/** What is wrong and what to do, for the subdirs it matches nothing on. */
export function unmatchedBlocklistMessage(u: UnmatchedBlocklistEntry, subdirs: readonly string[]): string {
  return `'${u.entry.name}' matches no package or feedstock on ${subdirs.join(', ')}, so it blocks nothing${u.suggestion || '; check the name (rebuild why <name>)'}`;
}

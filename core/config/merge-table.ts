// How each config key merges when a profile (or the file, over the defaults) sets it. This table is
// the only place merging is decided: never by a value's type. The config reference in the README is
// generated from it (scripts/gen-config-docs.ts), and a test checks it covers every profile key.
import type { Profile } from './config.generated.ts';

export type MergeStrategy =
  /** The later value replaces the earlier one. */
  | { readonly kind: 'replace' }
  /** Arrays: the later items are appended, except those deep-equal to an earlier item. */
  | { readonly kind: 'union' }
  /** Objects: per key, the later keys merge over the earlier ones (by `keys[k]`, default replace); other keys are kept. */
  | { readonly kind: 'assign'; readonly keys?: Readonly<Record<string, MergeStrategy>> }
  /** Plugins: a later plugin with an earlier plugin's name replaces it in place; new names are appended. */
  | { readonly kind: 'by-name' };

const replace: MergeStrategy = { kind: 'replace' };
const union: MergeStrategy = { kind: 'union' };
const byName: MergeStrategy = { kind: 'by-name' };
const assign = (keys?: Record<string, MergeStrategy>): MergeStrategy => ({ kind: 'assign', ...(keys ? { keys } : {}) });

/** Keys of a profile that carry config (not `extends` / `description`). */
export type MergeableKey = Exclude<keyof Profile, 'extends' | 'description'>;

export const MERGE_TABLE: Readonly<Record<MergeableKey, MergeStrategy>> = Object.freeze({
  python: assign(),
  // A profile's arches are the arches to build: `smoke: { arches: ['linux-64'] }` narrows.
  arches: replace,
  aggregate: replace,
  channels: assign(),
  workDir: replace,
  concurrency: replace,
  limits: assign({ arch: assign(), builder: assign() }),
  // Profiles add to the blocklist (a release profile blocks more); they cannot silently drop entries.
  blocklist: union,
  extraVersions: assign(),
  // `chain` replaces: a user chain must be able to drop a default link.
  bootstrap: assign({ variants: assign() }),
  selection: assign({ prefer: assign() }),
  variantConfigs: union,
  timeouts: assign(),
  retry: assign(),
  failFast: replace,
  // Profiles add variables (allowed or secret); they cannot silently drop a secret.
  environment: assign({ allow: union, secrets: union }),
  // `classes` replaces (a profile's rule list is the list); groups merge per name.
  report: assign({ groups: assign() }),
  tests: assign(),
  transmute: assign(),
  // `to` replaces (a profile's list of converting arches is the list).
  convert: assign(),
  // requireArches replaces (a profile's list is the list); exceptions and owners merge per package.
  publish: assign({ archExceptions: assign(), owners: assign() }),
  queue: assign(),
  plugins: byName,
} satisfies Record<MergeableKey, MergeStrategy>);

/** One-line description of a strategy, as shown in the config reference. */
export function describeStrategy(s: MergeStrategy): string {
  if (s.kind !== 'assign') return s.kind;
  const nested = Object.entries(s.keys ?? {}).map(([k, v]) => `${k}: ${describeStrategy(v)}`);
  return nested.length ? `assign (${nested.join(', ')})` : 'assign';
}

export const STRATEGY_MEANING: Readonly<Record<MergeStrategy['kind'], string>> = Object.freeze({
  replace: 'The later value replaces the earlier one.',
  union: 'The later items are appended after the earlier ones; an item equal to an earlier one is not repeated.',
  assign: 'Per key: keys set later replace (or, where noted, merge into) the same keys; keys not set are kept.',
  'by-name': 'A later plugin with the name of an earlier one replaces it in place; plugins with new names are appended.',
});

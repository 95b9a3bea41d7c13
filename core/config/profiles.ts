// Profile selection and `extends` chains. A chain is listed base-most first: applying it in order
// gives the profile's config. Problems are returned as issues naming the profile at fault.
import type { ConfigIssue } from './errors.ts';
import { didYouMean } from './did-you-mean.ts';

type Profiles = Record<string, Record<string, unknown>>;

export function unknownProfileMessage(name: string, known: string[]): string {
  if (!known.length) return `unknown profile '${name}'; the config defines no profiles`;
  const hint = didYouMean(name, known).replace(/^; /, ' (').replace(/\?$/, '?)');
  return `unknown profile '${name}'; known: ${known.join(', ')}${hint}`;
}

/**
 * The `extends` chain of `name`, base-most first (`release` extending `smoke` → ['smoke', 'release']).
 * Returns issues instead for an unknown profile in the chain or a cycle (naming the whole loop).
 */
export function profileChain(
  profiles: Profiles,
  name: string,
  file: string | null,
): { chain: string[]; issues: ConfigIssue[] } {
  const known = Object.keys(profiles);
  const chain: string[] = [];
  let current = name;
  let from: string | null = null;
  for (;;) {
    if (!Object.hasOwn(profiles, current)) {
      const message = unknownProfileMessage(current, known);
      // The selected profile itself is missing: a CLI/defaultProfile problem, not a profile's.
      return { chain: [], issues: [{ file, profile: from, path: from === null ? '' : '/extends', message }] };
    }
    if (chain.includes(current)) {
      const loop = [...chain.slice(chain.indexOf(current)), current];
      // Named on the profile whose `extends` closes the loop.
      return { chain: [], issues: [{ file, profile: from, path: '/extends', message: `extends cycle: ${loop.join(' → ')}` }] };
    }
    chain.push(current);
    const next = profiles[current]?.extends;
    if (typeof next !== 'string') break;
    from = current;
    current = next;
  }
  return { chain: chain.reverse(), issues: [] };
}

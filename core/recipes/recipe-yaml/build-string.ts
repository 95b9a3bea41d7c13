// The build string of a recipe.yaml output, as rattler-build makes it: `<prefix>h<hash>_<number>`,
// the hash covering the variant keys the output uses (and the target platform unless noarch), the
// prefix `py313` for python builds, `py` for noarch: python. `${{ hash }}` in build.string is
// `<prefix>h<hash>`. (Variant pins on requirements are the shared finalize-output.ts's.)
import { createHash } from 'node:crypto';

/** The name of a match spec (`numpy >=1.2` → `numpy`). */
export const specName = (spec: string): string => spec.trim().split(/[\s=<>!~[]/)[0].toLowerCase();

/** 7 hex digits of the sha1 of the sorted JSON of the used variant. */
export function variantHash(used: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(used).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha1').update(JSON.stringify(sorted)).digest('hex').slice(0, 7);
}

/** `py313` for python builds, `py` for noarch: python, '' otherwise. */
export function buildPrefix(usesPython: boolean, noarch: string | null, python: string): string {
  if (noarch === 'python') return 'py';
  if (!usesPython || noarch) return '';
  const [major = '', minor = ''] = python.split('.');
  return `py${major}${minor}`;
}

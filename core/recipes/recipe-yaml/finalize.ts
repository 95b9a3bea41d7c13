// Finishing touches conda-build and rattler-build give a rendered output: variant values pinned onto
// bare build/host requirements (`python` → `python 3.13.*`), and the build string
// `<prefix>h<hash>_<number>` where the hash covers the variant keys the output uses.
// NOTE for the lead: core/recipes/finalize-output.ts (v0 renderer) is meant to own this; it had not
// landed when this was written. Replace these with it once it exists.
import { createHash } from 'node:crypto';

/** The name of a match spec (`numpy >=1.2` → `numpy`). */
export const specName = (spec: string): string => spec.trim().split(/[\s=<>!~[]/)[0].toLowerCase();

/** A spec with no version constraint (only a name). */
const isBare = (spec: string): boolean => /^[A-Za-z0-9_][A-Za-z0-9_.\-+]*$/.test(spec.trim());

/** `3.13` → `3.13.*`; a value that already has an operator or wildcard is used as is. */
export function variantVersionSpec(value: string): string {
  const v = value.trim();
  if (/[<>=!~*|,]/.test(v) || v.includes(' ')) return v;
  return `${v}.*`;
}

/** Pin a bare requirement whose name is a variant key to the variant's value. */
export function applyVariantPin(spec: string, variant: Record<string, string>): string {
  if (!isBare(spec)) return spec;
  const name = spec.trim();
  const value = variant[name] ?? variant[name.toLowerCase()];
  if (value === undefined || value === '') return spec;
  return `${name} ${variantVersionSpec(value)}`;
}

/** 7 hex digits of the sha1 of the sorted JSON of the used variant (conda-build's hash length). */
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

// conda-build's pin arithmetic: `apply_pin_expressions` (min_pin/max_pin as 'x.x') and
// `ensure_valid_spec` ('name 1.2' → 'name 1.2.*'). Used by pin_subpackage, pin_compatible,
// compiler() and the variant pins of requirements.
import { compareVersions } from '../../conda/match-spec.ts';

/** Version places as conda's VersionOrder flattens them: '1.2rc3' → [1, 2, 'rc', 3]; parts keep their dot. */
function flatten(version: string): { items: (string | number)[]; dotAfter: boolean[] } {
  const v = version.replace(/^\d+!/, '').replace(/\+.*$/, '').replace(/\.?\*$/, '');
  const items: (string | number)[] = [];
  const dotAfter: boolean[] = [];
  for (const part of v.split(/[._]/)) {
    const runs = part.match(/\d+|[A-Za-z]+/g) ?? [];
    runs.forEach((r, i) => {
      items.push(/^\d+$/.test(r) ? Number(r) : r.toLowerCase());
      dotAfter.push(i === runs.length - 1);
    });
  }
  return { items, dotAfter };
}

function safeCompare(a: string, b: string): number {
  try {
    return compareVersions(a, b);
  } catch {
    return 0;
  }
}

/**
 * `>=lower,<upper` from a version and pin expressions, as conda-build writes it:
 * apply('1.2.3', 'x.x.x.x.x.x', 'x.x') → '>=1.2.3,<1.3.0a0'.
 */
export function applyPinExpressions(version: string, minPin: string | null = 'x.x.x.x.x.x', maxPin: string | null = 'x'): string {
  // A function of its three strings, asked again for the same ones (python's pin in every output
  // that hosts it): kept.
  const key = JSON.stringify([version, minPin, maxPin]);
  let pin = pinCache.get(key);
  if (pin === undefined) {
    pin = computePin(version, minPin, maxPin);
    if (pinCache.size >= 10_000) pinCache.clear();
    pinCache.set(key, pin);
  }
  return pin;
}

const pinCache = new Map<string, string>();

function computePin(version: string, minPin: string | null, maxPin: string | null): string {
  const { items, dotAfter } = flatten(version);
  const count = (p: string | null) => (p ? p.split('.').length : 0);
  const lowerPlaces = count(minPin);
  let upperPlaces = count(maxPin);
  if (upperPlaces > items.length) upperPlaces = items.length;
  const join = (places: (string | number)[]) =>
    places.map((p, i) => `${p}${i < places.length - 1 && dotAfter[i] ? '.' : ''}`).join('');
  let lower = '';
  if (lowerPlaces) {
    lower = join(items.slice(0, lowerPlaces));
    // A pre-release below its own truncation (2.0rc1 < 2.0): keep the full version as the bound.
    const bare = version.replace(/\.?\*$/, '');
    lower = lower && safeCompare(bare, lower) < 0 ? bare : lower;
  }
  let upper = '';
  if (upperPlaces) {
    const places = items.slice(0, upperPlaces);
    // Bump the last numeric place (an alphabetic last place, e.g. openssl's 1.0.2k, bumps the number before it).
    while (places.length && typeof places[places.length - 1] !== 'number') places.pop();
    if (places.length) {
      places[places.length - 1] = (places[places.length - 1] as number) + 1;
      upper = `${join(places)}.0a0`;
    }
  }
  return [lower && `>=${lower}`, upper && `<${upper}`].filter(Boolean).join(',');
}

/** conda-build's ensure_valid_spec: a bare `name version` (no operator, no build) gets `.*`. */
export function ensureValidSpec(spec: string): string {
  const m = spec.trim().match(/^([\w.\-]+)\s+([0-9A-Za-z.]+)$/);
  if (!m || m[2].endsWith('*')) return spec.trim();
  return `${m[1]} ${m[2]}.*`;
}

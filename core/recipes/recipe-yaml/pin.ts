// rattler-build pin expressions (docs: reference/jinja.md, "The pin functions"): `lower_bound`
// (default x.x.x.x.x.x) and `upper_bound` (default x) are either pin expressions made of `x` and `.`,
// applied to a version, or literal versions; `exact` pins `==version build`.

export interface PinArgs {
  /** Pin expression or literal version; null for no lower bound. */
  lowerBound: string | null;
  /** Pin expression or literal version; null for no upper bound. */
  upperBound: string | null;
  exact: boolean;
  /** Build string glob appended to the spec. */
  build: string | null;
}

export const DEFAULT_PIN: PinArgs = { lowerBound: 'x.x.x.x.x.x', upperBound: 'x', exact: false, build: null };

export class PinError extends Error {
  override name = 'PinError';
}

const isExpression = (s: string): boolean => /^x(\.x)*$/.test(s);

/** `3.10.5` with `x.x` → `3.10`. */
function lower(version: string, expr: string): string {
  const n = expr.split('.').length;
  return version.split('.').slice(0, n).join('.');
}

/** `3.10.5` with `x.x` → `3.11.0a0`; a last segment with letters (`9e`, `1j`) → `10a`, no `.0a0`. */
function upper(version: string, expr: string): string {
  const n = expr.split('.').length;
  const segs = version.split('.');
  while (segs.length < n) segs.push('0');
  const kept = segs.slice(0, n);
  const last = kept[n - 1];
  const m = last.match(/^(\d+)(.*)$/);
  if (!m) throw new PinError(`cannot apply upper bound '${expr}' to version '${version}'`);
  const bumped = String(Number(m[1]) + 1);
  if (m[2]) {
    kept[n - 1] = `${bumped}a`;
    return kept.join('.');
  }
  kept[n - 1] = bumped;
  return `${kept.join('.')}.0a0`;
}

/** The match spec for `name` pinned against `version` (and its `build` string, for exact pins). */
export function applyPin(name: string, version: string, build: string | null, args: PinArgs): string {
  if (args.exact) return build ? `${name} ==${version} ${build}` : `${name} ==${version}`;
  const bounds: string[] = [];
  if (args.lowerBound !== null) bounds.push(`>=${isExpression(args.lowerBound) ? lower(version, args.lowerBound) : args.lowerBound}`);
  if (args.upperBound !== null) bounds.push(`<${isExpression(args.upperBound) ? upper(version, args.upperBound) : args.upperBound}`);
  let spec = bounds.length ? `${name} ${bounds.join(',')}` : name;
  if (args.build) spec += bounds.length ? ` ${args.build}` : ` * ${args.build}`;
  return spec;
}

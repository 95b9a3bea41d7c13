// Conda match specs: parse `name`, `name >=1.2,<2`, `name 1.2.* py311_0`, `name=1.2`, `name==1.2`,
// `name>=1.2`, `chan::name 1.0`, `name[version='>=1', build=py*]`, and test them against a
// (name, version, build). Version ordering and spec semantics are rattler's (VersionSpec).
import { Version, VersionSpec } from './rattler.ts';

export interface MatchSpec {
  name: string;
  /** Version spec text (conda syntax), or null for any version. */
  version: string | null;
  /** Build string glob, or null for any build. */
  build: string | null;
  channel: string | null;
  /** The text as written. */
  source: string;
}

export class MatchSpecError extends Error {
  override name = 'MatchSpecError';
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-+]*/;

export function parseMatchSpec(text: string): MatchSpec {
  const source = text;
  let s = text.trim();
  let channel: string | null = null;
  const sep = s.indexOf('::');
  if (sep >= 0) {
    channel = s.slice(0, sep);
    s = s.slice(sep + 2);
  }
  let bracket: Record<string, string> = {};
  const open = s.indexOf('[');
  if (open >= 0) {
    const close = s.lastIndexOf(']');
    if (close < open) throw new MatchSpecError(`invalid match spec '${source}': unclosed '['`);
    for (const part of s.slice(open + 1, close).split(/,(?=\s*[a-z_]+\s*=)/)) {
      const m = part.match(/^\s*([a-z_]+)\s*=\s*(.*?)\s*$/);
      if (m) bracket[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
    }
    s = (s.slice(0, open) + s.slice(close + 1)).trim();
  }
  const m = s.match(NAME);
  if (!m) throw new MatchSpecError(`invalid match spec '${source}': no package name`);
  const name = m[0].toLowerCase();
  let rest = s.slice(m[0].length).trim();
  let version: string | null = null;
  let build: string | null = null;
  if (rest.startsWith('=') && !rest.startsWith('==')) {
    // name=1.2 → 1.2.*, name=1.2=build
    const [v, b] = rest.slice(1).split('=');
    // With a build string the version is exact (conda's `name=1.2=build`), else a prefix.
    version = b !== undefined || v.endsWith('*') ? v : `${v}.*`;
    build = b ?? null;
  } else if (rest) {
    // Operators may be separated from their versions by spaces ("numpy >= 1.21"): glue them back.
    rest = rest.replace(/([<>=!~]=?)\s+(?=\d)/g, '$1').replace(/\s*([,|])\s*/g, '$1');
    const parts = rest.split(/\s+/);
    version = parts[0] || null;
    build = parts[1] ?? null;
    if (parts.length > 2) throw new MatchSpecError(`invalid match spec '${source}': too many fields`);
  }
  if (bracket.version) version = bracket.version;
  if (bracket.build) build = bracket.build;
  if (version === '*' || version === '') version = null;
  return { name, version, build, channel, source };
}

/** The spec, or null when it does not parse (channel records may hold specs we cannot read). */
export function tryParseMatchSpec(text: string): MatchSpec | null {
  try {
    return parseMatchSpec(text);
  } catch {
    return null;
  }
}

const specCache = new Map<string, VersionSpec | Error>();
const versionCache = new Map<string, Version | Error>();

function versionSpec(text: string): VersionSpec {
  let spec = specCache.get(text);
  if (!spec) {
    try {
      spec = new VersionSpec(text, 'lenient');
    } catch (err) {
      spec = new MatchSpecError(`invalid version spec '${text}': ${String((err as Error)?.message ?? err).split('\n')[0]}`);
    }
    specCache.set(text, spec);
  }
  if (spec instanceof Error) throw spec;
  return spec;
}

export function parseVersion(text: string): Version {
  let v = versionCache.get(text);
  if (!v) {
    try {
      v = new Version(text);
    } catch (err) {
      v = new MatchSpecError(`invalid version '${text}'`);
    }
    versionCache.set(text, v);
  }
  if (v instanceof Error) throw v;
  return v;
}

/** Does `version` satisfy the version spec text? Invalid specs or versions throw MatchSpecError. */
export function versionMatches(spec: string | null, version: string): boolean {
  if (spec === null) return true;
  return versionSpec(spec).matches(parseVersion(version));
}

/** versionMatches, with an unparsable spec or version counting as no match (no evidence either way). */
export function versionMatchesOrFalse(spec: string, version: string): boolean {
  try {
    return versionMatches(spec, version);
  } catch {
    return false;
  }
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** Does the spec match this package? (name equal, version in spec, build string glob). */
export function specMatches(spec: MatchSpec, pkg: { name: string; version: string; build?: string }): boolean {
  if (spec.name !== pkg.name.toLowerCase()) return false;
  if (spec.version !== null && !versionMatches(spec.version, pkg.version)) return false;
  if (spec.build !== null && pkg.build !== undefined && !globToRegExp(spec.build).test(pkg.build)) return false;
  return true;
}

/** Compare two conda versions (rattler ordering): negative, 0 or positive. */
export function compareVersions(a: string, b: string): number {
  return parseVersion(a).compare(parseVersion(b));
}

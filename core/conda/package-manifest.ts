// What a package holds, member by member (type, mode, size, sha256 of the content, link target,
// tar header fields), and the differences between two such lists, named by member and field: what
// the transmuter verifies its output with and what `rebuild verify` reports.
import { createHash } from 'node:crypto';
import { walkPackage } from './read-package.ts';

export interface ManifestEntry {
  name: string;
  type: 'file' | 'symlink' | 'link' | 'directory' | 'other';
  mode: number;
  size: number;
  sha256: string | null;
  linkname: string | null;
  /** Tar header fields (packageManifest fills them). */
  mtime?: number | null;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
}

/** What the content comparison looks at. */
export const CONTENT_FIELDS = ['type', 'mode', 'size', 'sha256', 'linkname'] as const;
/** And the tar headers (reproducibility: the same content must give the same bytes). */
export const HEADER_FIELDS = ['mtime', 'uid', 'gid', 'uname', 'gname'] as const;
export type ManifestField = (typeof CONTENT_FIELDS)[number] | (typeof HEADER_FIELDS)[number];

/** Every member of a package (info/ included), sorted by name, content hashed as it streams. */
export async function packageManifest(path: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  await walkPackage(path, async (entry, content) => {
    const m: ManifestEntry = { name: entry.name, type: entry.type, mode: entry.mode & 0o7777, size: 0, sha256: null, linkname: entry.linkname, ...entry.header };
    if (entry.type === 'file') {
      const h = createHash('sha256');
      for await (const chunk of content) {
        h.update(chunk as Buffer);
        m.size += (chunk as Buffer).length;
      }
      m.sha256 = h.digest('hex');
    }
    out.push(m);
  });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Differences between two manifests, one line each: `<member>: <field> <a> in the <labels[0]>, <b> in the <labels[1]>`. */
export function compareManifests(
  a: readonly ManifestEntry[],
  b: readonly ManifestEntry[],
  opts: { fields?: readonly ManifestField[]; labels?: [string, string] } = {},
): string[] {
  const fields = opts.fields ?? CONTENT_FIELDS;
  const [la, lb] = opts.labels ?? ['source', 'output'];
  const out: string[] = [];
  const left = new Map(a.map((m) => [m.name, m]));
  const right = new Map(b.map((m) => [m.name, m]));
  for (const [name, m] of left) {
    const o = right.get(name);
    if (!o) {
      out.push(`${name}: missing from the ${lb}`);
      continue;
    }
    for (const field of fields) {
      if (m[field] !== o[field]) out.push(`${name}: ${field} ${show(m[field], field)} in the ${la}, ${show(o[field], field)} in the ${lb}`);
    }
  }
  for (const name of right.keys()) if (!left.has(name)) out.push(`${name}: in the ${lb}, not in the ${la}`);
  return out;
}

function show(v: unknown, field: string): string {
  if (field === 'mode' && typeof v === 'number') return `0${v.toString(8)}`;
  if (field === 'sha256' && typeof v === 'string') return `${v.slice(0, 12)}…`;
  return JSON.stringify(v);
}

/** Field paths where two JSON values differ (`timestamp`, `paths[3].sha256`), each with both values. */
export function jsonDifferences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...jsonDifferences(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (isObj(a) && isObj(b)) {
    const out: string[] = [];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) out.push(...jsonDifferences(a[k], b[k], path ? `${path}.${k}` : k));
    return out;
  }
  const cut = (v: unknown) => {
    const s = JSON.stringify(v) ?? 'absent';
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  };
  return [`${path || '(whole)'}: ${cut(a)} → ${cut(b)}`];
}

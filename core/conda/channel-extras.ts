// Index files of a channel besides repodata.json: `<subdir>/run_exports.json` (CEP 12) and the
// channel's `channeldata.json`, serialised as conda-index lays them out (sorted keys, one-space
// indent), and the shared writer of a `{ info, packages, packages.conda }` map from cached entries.
import type { PackageRecord } from './repodata-read.ts';
import { compareVersions } from './match-spec.ts';

/** info/run_exports.json of a package: lists of specs by kind (weak, strong, noarch, weak_constrains, strong_constrains). */
export type RunExports = Record<string, string[]>;

const EMPTY_OBJECT = Buffer.from('{}');
const OPEN = Buffer.from('{\n');
const CLOSE = Buffer.from('\n }');
const PACKAGES_KEY = Buffer.from(' "packages": ');
const CONDA_KEY = Buffer.from(',\n "packages.conda": ');

/**
 * `head` + `"packages": {...}` + `"packages.conda": {...}` + `tail`, from each section's entries
 * already joined (`  "<file>": {...}` separated by `,\n`, as SortedBlocks.joined gives them).
 */
export function packagesMapBytes(head: string, tarBz2: Buffer[], conda: Buffer[], tail: string): Buffer[] {
  const parts: Buffer[] = [Buffer.from(head), PACKAGES_KEY];
  const section = (joined: Buffer[]) => {
    if (!joined.length) return void parts.push(EMPTY_OBJECT);
    parts.push(OPEN, ...joined, CLOSE);
  };
  section(tarBz2);
  parts.push(CONDA_KEY);
  section(conda);
  parts.push(Buffer.from(tail));
  return parts;
}

/**
 * `JSON.stringify(record, null, 1)` with every line after the first indented by two more spaces (a
 * record's text at its depth in repodata.json), byte for byte, without the slow indenting path of
 * JSON.stringify for what records hold (strings, numbers, booleans, null, lists of strings); any
 * other value takes the general path.
 */
export function indentedRecordJson(record: object): string {
  let out = '{';
  let first = true;
  for (const key of Object.keys(record)) {
    const v = (record as Record<string, unknown>)[key];
    let text: string;
    const type = typeof v;
    if (type === 'string' || type === 'number' || type === 'boolean' || v === null) text = JSON.stringify(v);
    else if (v === undefined || type === 'function' || type === 'symbol') continue; // left out, as JSON.stringify does
    else if (Array.isArray(v) && (text = stringList(v)) !== '') {
      // a list of strings
    } else return JSON.stringify(record, null, 1).replace(/\n/g, '\n  ');
    out += `${first ? '\n   ' : ',\n   '}${JSON.stringify(key)}: ${text}`;
    first = false;
  }
  return first ? '{}' : `${out}\n  }`;
}

/** A list of strings at a record's depth (`[]`, or one item a line); '' when an item is not a string. */
function stringList(list: unknown[]): string {
  if (!list.length) return '[]';
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== 'string') return '';
    out += `${i ? ',\n    ' : '\n    '}${JSON.stringify(x)}`;
  }
  return `${out}\n   ]`;
}

function sortedKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]]));
}

/** A file's entry in run_exports.json: `  "<file>": { "run_exports": {...} }`. */
export function runExportsEntry(filename: string, runExports: RunExports): Buffer {
  const body = JSON.stringify({ run_exports: sortedKeys(runExports ?? {}) }, null, 1).replace(/\n/g, '\n  ');
  return Buffer.from(`  ${JSON.stringify(filename)}: ${body}`);
}

/** What channeldata.json needs of one subdir: its package files' records and run_exports. */
export interface SubdirFiles {
  subdir: string;
  files: readonly { record: PackageRecord; runExports: RunExports }[];
}

/**
 * `channeldata.json`: per package name the subdirs that hold it, its latest version (conda's
 * version order) and that version's newest timestamp, license, and the run_exports of each version
 * (those that have some); `subdirs`: every subdir of the channel. A subset of conda-index's fields:
 * what a package's info/index.json and info/run_exports.json hold (no about.json fields).
 */
export function channeldataBytes(subdirs: readonly SubdirFiles[]): Buffer {
  interface Entry { subdirs: Set<string>; version: string; timestamp: number; license?: string; runExports: Map<string, RunExports> }
  const packages = new Map<string, Entry>();
  for (const { subdir, files } of subdirs) {
    for (const { record, runExports } of files) {
      let e = packages.get(record.name);
      if (!e) packages.set(record.name, (e = { subdirs: new Set(), version: record.version, timestamp: 0, runExports: new Map() }));
      e.subdirs.add(subdir);
      const order = e.version === record.version ? 0 : safeCompare(record.version, e.version);
      if (order > 0) Object.assign(e, { version: record.version, timestamp: 0, license: undefined });
      if (order >= 0) {
        e.timestamp = Math.max(e.timestamp, record.timestamp ?? 0);
        e.license ??= record.license;
      }
      if (runExports && Object.keys(runExports).length && !e.runExports.has(record.version)) {
        e.runExports.set(record.version, sortedKeys(runExports) as RunExports);
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const name of [...packages.keys()].sort()) {
    const e = packages.get(name)!;
    const entry: Record<string, unknown> = {
      run_exports: Object.fromEntries([...e.runExports.keys()].sort(safeCompare).map((v) => [v, e.runExports.get(v)])),
      subdirs: [...e.subdirs].sort(),
      timestamp: e.timestamp,
      version: e.version,
    };
    if (e.license) entry.license = e.license;
    out[name] = sortedKeys(entry);
  }
  const subdirNames = subdirs.map((s) => s.subdir).sort();
  return Buffer.from(`${JSON.stringify({ channeldata_version: 1, packages: out, subdirs: subdirNames }, null, 1)}\n`);
}

/** conda's version order; a version it cannot parse sorts by its text. */
function safeCompare(a: string, b: string): number {
  try {
    return compareVersions(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

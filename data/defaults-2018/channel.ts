// The real 2018 defaults channel metadata carried by the repository (gzip; see PROVENANCE.md), for
// the tests and the benchmarks: read as text, or laid out as a conda channel in a folder.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const DEFAULTS_2018_DIR = dirname(fileURLToPath(import.meta.url));
export const DEFAULTS_2018_SUBDIRS = ['linux-64', 'noarch'] as const;
export type Defaults2018Subdir = (typeof DEFAULTS_2018_SUBDIRS)[number];

/** The repodata.json text of pkgs/main for this subdir. */
export function defaults2018Repodata(subdir: Defaults2018Subdir): string {
  return gunzipSync(readFileSync(join(DEFAULTS_2018_DIR, `main-${subdir}.repodata.json.gz`))).toString('utf8');
}

/** Writes `<dir>/<subdir>/repodata.json` for every subdir of the data; returns dir. */
export function writeDefaults2018Channel(dir: string): string {
  for (const subdir of DEFAULTS_2018_SUBDIRS) {
    mkdirSync(join(dir, subdir), { recursive: true });
    writeFileSync(join(dir, subdir, 'repodata.json'), defaults2018Repodata(subdir));
  }
  return dir;
}

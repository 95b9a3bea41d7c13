// The reference channel's packages built for the old python: name → newest version, per subdir.
// The report's "missing" list is every one of them with no build for the new python.
import type { ResolvedConfig } from '../config/resolved.ts';
import { readRepodata, type Repodata } from '../conda/repodata-read.ts';
import { recordPinsPython } from '../graph/python-dependency.ts';
import { compareVersions } from '../conda/match-spec.ts';

/** subdir → (lower-case package name → newest version built for the old python). */
export type ReferencePackages = Map<string, Map<string, string>>;

export function referenceNames(repodata: Repodata, python: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const map of [repodata.packages ?? {}, repodata['packages.conda'] ?? {}]) {
    for (const record of Object.values(map)) {
      if (!recordPinsPython(record, python)) continue;
      const name = record.name.toLowerCase();
      const seen = out.get(name);
      if (seen === undefined || compareVersions(record.version, seen) > 0) out.set(name, record.version);
    }
  }
  return out;
}

/** Read channels.reference for every configured arch; `error` says why it could not be read. */
export async function readReference(config: Pick<ResolvedConfig, 'channels' | 'arches' | 'python'>): Promise<{ reference: ReferencePackages | null; error?: string }> {
  const channel = config.channels.reference;
  if (!channel) return { reference: null };
  const out: ReferencePackages = new Map();
  try {
    for (const subdir of config.arches) out.set(subdir, referenceNames(await readRepodata(channel, subdir), config.python.from));
  } catch (err) {
    return { reference: null, error: `reference channel not read: ${(err as Error).message}` };
  }
  return { reference: out };
}

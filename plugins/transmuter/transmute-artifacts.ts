// The transmuter's conversion of a task's artifacts (index.ts loads this module at the first
// transmute): each artifact's other format made next to it on the worker pool (pool.ts), verified
// against the source (convert.ts).
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sha256File } from '../../core/conda/file-hash.ts';
import { isPackageFile } from '../../core/conda/package-types.ts';
import type { Artifact } from '../../core/model/types.ts';
import { otherFormat } from './convert.ts';
import { defaultThreads, sharedPool } from './pool.ts';

export { defaultThreads, sharedPool };

/**
 * The artifacts with, for each, its other format converted next to it (`convert` does one, keeping
 * an existing output only when it holds what the source holds). A `.conda` already among the
 * artifacts beside its `.tar.bz2` is not taken on trust either: the `.tar.bz2` is converted onto it
 * (kept when equal in content, else replaced) and the entry carries the resulting file's hash.
 */
export async function transmuteArtifacts(
  artifacts: Artifact[],
  convert: (source: string, target: string) => Promise<unknown>,
  log: (line: string) => void = () => {},
): Promise<Artifact[]> {
  const have = new Set(artifacts.map((a) => a.path));
  const converted = await Promise.all(
    // Files that are not conda packages (a plugin's wheels) pass through unchanged.
    artifacts.filter((a) => isPackageFile(a.filename)).map(async (a): Promise<Artifact | null> => {
      const other = otherFormat(a.filename);
      const target = join(dirname(a.path), other.filename);
      // Both formats given: the .tar.bz2 is the source, the .conda the output to check.
      if (have.has(target) && other.format === 'tar.bz2') return null;
      const started = performance.now();
      const r = (await convert(a.path, target)) as { status?: string };
      log(`transmute: ${a.filename} → ${other.filename} (${r?.status ?? 'written'}, ${Math.round(performance.now() - started)} ms)`);
      const [sha256, st] = await Promise.all([sha256File(target), stat(target)]);
      return { ...a, path: target, filename: basename(target), sha256, size: st.size };
    }),
  );
  const made = converted.filter((a): a is Artifact => a !== null);
  const byPath = new Map(made.map((a) => [a.path, a]));
  return [...artifacts.map((a) => byPath.get(a.path) ?? a), ...made.filter((a) => !have.has(a.path))];
}


// Plugin `rebuild:transmuter` (default set): taps run.hooks.transmute. Each artifact gets its other
// format next to it (a .tar.bz2 its .conda, a .conda its .tar.bz2) unless the artifacts already
// hold it; the conversion runs on worker threads (pool.ts), is verified against the source
// (convert.ts) and keeps an output already there only when it holds what the source holds (a .conda
// beside its .tar.bz2 in the artifacts is checked too). Returns the artifacts plus the new ones.
// Config: `transmute: { enabled, zstdLevel, threads }`.
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sha256File } from '../../core/conda/file-hash.ts';
import { isPackageFile } from '../../core/conda/package-types.ts';
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import type { Artifact } from '../../core/model/types.ts';
import { otherFormat } from './convert.ts';
import { defaultThreads, sharedPool } from './pool.ts';

export const PLUGIN_NAME = 'rebuild:transmuter';

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

export function transmuter(): Plugin {
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      const { transmute } = engine.config;
      engine.configReaders.declare(PLUGIN_NAME, ['transmute']);
      if (!transmute.enabled) return;
      const options = { zstdLevel: transmute.zstdLevel };
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        run.hooks.transmute.tapPromise(PLUGIN_NAME, async (artifacts, task) => {
          const p = sharedPool(transmute.threads ?? defaultThreads());
          // Nothing goes to the task's log on success (a build that logged nothing keeps no log file);
          // a failure reaches it through the engine with the error's message.
          void task;
          return transmuteArtifacts(artifacts, (source, target) => p.convert(source, target, options));
        });
      });
    },
  };
}

// The installability plugin's check at the end of a run (index.ts loads this module then): every
// package of the tested channel and of the reference list solved with the new python on each arch,
// written next to the report. Never changes the run's outcome: a failure is a notice.
import { basename } from 'node:path';
import type { Run } from '../../core/engine/run.ts';
import { installabilityMatrix } from '../../core/installability/matrix.ts';
import { installabilityOptions, installabilityOutDir } from '../../core/installability/from-config.ts';
import { installabilitySummaries } from '../../core/installability/summary.ts';
import { writeInstallabilities } from '../../core/installability/write.ts';
import type { InstallabilityPluginOptions } from './index.ts';

export async function checkInstallability(run: Run, opts: InstallabilityPluginOptions, notice: (message: string) => void): Promise<void> {
  const config = run.config;
  try {
    const subdirs = [...new Set(run.targets.map((t) => t.subdir))];
    const results = [];
    for (const o of installabilityOptions(config, { subdirs, threads: opts.threads })) results.push(await installabilityMatrix(o));
    if (!results.some((r) => r.cases.length)) return; // nothing tested yet and no reference list: nothing to say
    const outDir = opts.outDir ?? installabilityOutDir(config.workDir);
    const written = await writeInstallabilities(results, outDir);
    notice(`installability: ${installabilitySummaries(results)}; written to ${outDir}/ (${written.map((f) => basename(f)).join(', ')})`);
  } catch (err) {
    notice(`installability not checked: ${(err as Error).message}`);
  }
}

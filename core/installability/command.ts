// `rebuild report --installability [--out DIR] [--json]`: the matrix of a config (from-config.ts),
// written into DIR (default <workDir>/report); prints the files written and the one-line summary
// (with --json: `{ written, summary, cases, notInstallable }`). Exit 0 once written, whatever the
// matrix says: the JUnit file carries the failures for CI.
import type { ResolvedConfig } from '../config/resolved.ts';
import { EXIT } from '../engine/exit-codes.ts';
import { installabilityOptions, installabilityOutDir } from './from-config.ts';
import { installabilityMatrix } from './matrix.ts';
import { installabilitySummary } from './summary.ts';
import { writeInstallability } from './write.ts';

export async function installabilityCommand(config: ResolvedConfig, opts: { out?: string; json?: boolean }, io: { write(text: string): void }): Promise<number> {
  const result = await installabilityMatrix(installabilityOptions(config));
  const written = await writeInstallability(result, opts.out ?? installabilityOutDir(config.workDir));
  const summary = result.cases.length ? installabilitySummary(result) : 'nothing to check (no tested package, no reference channel)';
  const notInstallable = result.cases.filter((c) => !c.outcome.ok).length;
  io.write(opts.json ? `${JSON.stringify({ written, summary, cases: result.cases.length, notInstallable }, null, 2)}\n` : `${written.map((p) => `${p}\n`).join('')}${summary}\n`);
  return EXIT.OK;
}

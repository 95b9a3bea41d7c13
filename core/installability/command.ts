// `rebuild report --installability [--out DIR] [--json]`: the matrices of a config (from-config.ts, one per python),
// written into DIR (default <workDir>/report); prints the files written and the one-line summary
// (with --json: `{ written, summary, cases, notInstallable }`). Exit 0 once written, whatever the
// matrix says: the JUnit file carries the failures for CI.
import type { ResolvedConfig } from '../config/resolved.ts';
import { EXIT } from '../engine/exit-codes.ts';
import { installabilityOptions, installabilityOutDir } from './from-config.ts';
import { installabilityMatrix } from './matrix.ts';
import { installabilitySummaries } from './summary.ts';
import { writeInstallabilities } from './write.ts';

export async function installabilityCommand(config: ResolvedConfig, opts: { out?: string; json?: boolean }, io: { write(text: string): void }): Promise<number> {
  const results = [];
  for (const o of installabilityOptions(config)) results.push(await installabilityMatrix(o));
  const written = await writeInstallabilities(results, opts.out ?? installabilityOutDir(config.workDir));
  const cases = results.flatMap((r) => r.cases);
  const summary = cases.length ? installabilitySummaries(results) : 'nothing to check (no tested package, no reference channel)';
  const notInstallable = cases.filter((c) => !c.outcome.ok).length;
  io.write(opts.json ? `${JSON.stringify({ written, summary, cases: cases.length, notInstallable }, null, 2)}\n` : `${written.map((p) => `${p}\n`).join('')}${summary}\n`);
  return EXIT.OK;
}

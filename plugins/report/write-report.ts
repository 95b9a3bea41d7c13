// The report plugin's end of a run (index.ts loads this module then): the report collected from
// the state database and written in the configured formats into <workDir>/report/.
import type { ResolvedConfig } from '../../core/config/resolved.ts';
import { StateDb } from '../../core/state/state-db.ts';
import { collectReport } from '../../core/report/collect.ts';
import { readReference } from '../../core/report/reference.ts';
import { reportDir, writeReport, reportFormats } from '../../core/report/writers.ts';

export async function writeRunReport(config: ResolvedConfig, formats: string[] | undefined, notice: (message: string) => void): Promise<void> {
  const { reference, error } = await readReference(config);
  const db = StateDb.open(config.workDir, { readonly: true });
  let written: string[];
  try {
    const r = collectReport(db, config, { running: false, reference, ...(error ? { referenceError: error } : {}) });
    written = await writeReport(r, { outDir: reportDir(config.workDir), workDir: config.workDir }, formats ?? reportFormats());
  } finally {
    db.close();
  }
  notice(`report written to ${reportDir(config.workDir)}/ (${written.map((p) => p.slice(p.lastIndexOf('/') + 1)).join(', ')})`);
}

// rebuild:installability — at the end of every `rebuild run`, checks that every package of the
// tested channel and of the reference channel's list installs with the new python on each arch
// (core/installability), and writes installability.junit.xml and installability.html next to the
// run's report. It never changes the run's outcome: a matrix that cannot be computed is a notice.
// The check's code (core/installability: solver, pools, writers) is loaded when a run reports, not
// by every command that loads the config (check.ts).
import type { Plugin } from '../../core/model/plugin.ts';
import type { Engine } from '../../core/engine/engine.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { STAGE } from '../../core/engine/stage.ts';

export const PLUGIN_NAME = 'rebuild:installability';

export interface InstallabilityPluginOptions {
  /** Check at the end of every run (default true). */
  enabled?: boolean;
  /** Where the files go (default `<workDir>/report`). */
  outDir?: string;
  /** Worker threads solving side by side (default: one per core, at most 8). */
  threads?: number;
  /** Where the run says what was found (default: stderr, `rebuild: installability: ...`). */
  notice?: (message: string) => void;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { description: 'Check the installability of every tested and reference package at the end of every run (default true).', type: 'boolean' },
    outDir: { description: 'Folder for installability.junit.xml and installability.html (default <workDir>/report).', type: 'string' },
    threads: { description: 'Worker threads solving side by side (default: one per core, at most 8).', type: 'integer', minimum: 1 },
    notice: { description: 'Called with the line that says what was found and where it was written (default: printed on stderr).' },
  },
} as const;

export function installability(options: InstallabilityPluginOptions = {}): Plugin {
  const opts = validatePluginOptions<InstallabilityPluginOptions>(PLUGIN_NAME, optionsSchema, options);
  const notice = opts.notice ?? ((m: string) => void process.stderr.write(`rebuild: ${m}\n`));
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      if (opts.enabled === false) return;
      engine.configReaders.declare(PLUGIN_NAME, ['python', 'arches', 'channels.tested', 'channels.reference', 'channels.build']);
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        run.hooks.report.tapPromise({ name: PLUGIN_NAME, stage: STAGE.OBSERVE }, async (summary) => {
          if (summary.interrupted) return;
          await (await import('./check.ts')).checkInstallability(run, opts, notice);
        });
      });
    },
  };
}

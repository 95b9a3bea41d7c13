// rebuild:report — at the end of every `rebuild run`, writes the report (core/report: report.md,
// report.json, report.junit.xml, and whatever other writers are registered) into
// `<workDir>/report/` and says where. When a run starts it records what the plan knew of each
// package (version, exclusion kind, blocklist entry, root blocker: core/report/plan-details.ts) in
// the state database, so `rebuild report` needs nothing but the state afterwards.
import type { Plugin } from '../../core/model/plugin.ts';
import type { Engine } from '../../core/engine/engine.ts';
import type { Plan } from '../../core/graph/plan.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { StateDb } from '../../core/state/state-db.ts';
import { detailsOf, hasPlanDetails, writePlanDetails } from '../../core/report/plan-details.ts';

export const PLUGIN_NAME = 'rebuild:report';

export interface ReportPluginOptions {
  /** Formats written at the end of a run (default: every registered format). */
  formats?: string[];
  /** Where the run says where the report is (default: stderr, `rebuild: report written to ...`). */
  notice?: (message: string) => void;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    formats: { description: 'Formats written at the end of a run (default: every registered format: md, json, junit, ...).', type: 'array', items: { type: 'string' } },
    notice: { description: 'Called with the line that says where the report was written (default: printed on stderr).' },
  },
} as const;

export function report(options: ReportPluginOptions = {}): Plugin {
  const opts = validatePluginOptions<ReportPluginOptions>(PLUGIN_NAME, optionsSchema, options);
  const notice = opts.notice ?? ((m: string) => void process.stderr.write(`rebuild: ${m}\n`));
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.configReaders.declare(PLUGIN_NAME, ['report', 'channels.reference', 'blocklist']);
      const config = engine.config;
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        const plans: Plan[] = [];
        run.hooks.planned.tap({ name: PLUGIN_NAME, stage: STAGE.OBSERVE }, (plan) => void plans.push(plan));
        run.hooks.executionStart.tap({ name: PLUGIN_NAME, stage: STAGE.OBSERVE }, (start) => {
          // Details are a help to the report, never a reason to stop a run: a failure is a notice.
          let db: StateDb | undefined;
          try {
            db = StateDb.open(start.workDir);
            if (!hasPlanDetails(db)) return;
            const rows: Parameters<typeof writePlanDetails>[2][number][] = [];
            for (const plan of plans)
              plan.graph.forEachNode((id, node) => rows.push({ node: id, subdir: plan.target.subdir, python: plan.target.python, details: detailsOf(node) }));
            writePlanDetails(db, start.runId, rows);
          } catch (err) {
            notice(`plan details not recorded for the report (versions and blocklist notes of packages not built may be missing): ${(err as Error).message}`);
          } finally {
            db?.close();
          }
        });
        // The report's code (collect, writers, reference) is loaded when a run reports (write-report.ts).
        run.hooks.report.tapPromise({ name: PLUGIN_NAME, stage: STAGE.OBSERVE }, async () =>
          (await import('./write-report.ts')).writeRunReport(config, opts.formats, notice));
      });
    },
  };
}

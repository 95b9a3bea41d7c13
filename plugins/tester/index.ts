// rebuild:tester — tests every built package in a fresh prefix (run.hooks.test): the recipe's
// imports, commands, run_test.* scripts, files and v1 tests, through `task.exec` (host or container),
// and copies the packages that pass to the tested channel (channels.tested), indexed.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import type { TestReport, TestTask } from '../../core/model/types.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { LocalChannel } from '../../core/conda/channel.ts';
import { isPackageFile } from '../../core/conda/package-types.ts';
import { packagesUnderTest, testPackage, type RunTestsOptions } from './run-tests.ts';

export const PLUGIN_NAME = 'rebuild:tester';

export interface TesterOptions {
  /** Each test's time limit (one import, one command, one script), seconds. Default 600. */
  checkTimeoutSeconds?: number;
  /** Interpreter (and flags) a test command's script file is appended to. Default ['/bin/sh', '-e']. */
  shell?: string[];
  /** Let tests reach the network. Default false. */
  network?: boolean;
  /** Copy the packages that pass to the tested channel. Default true. */
  copyToTested?: boolean;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    checkTimeoutSeconds: { description: 'Time limit of each test (one import, command or script), seconds.', type: 'number', exclusiveMinimum: 0 },
    shell: { description: "Interpreter and flags a test command's script file is appended to.", type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    network: { description: 'Let tests reach the network.', type: 'boolean' },
    copyToTested: { description: 'Copy the packages that pass to the tested channel (channels.tested).', type: 'boolean' },
  },
} as const;

function normalize(options: TesterOptions): RunTestsOptions & { copyToTested: boolean } {
  validatePluginOptions<TesterOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    checkTimeoutMs: (options.checkTimeoutSeconds ?? 600) * 1000,
    shell: options.shell ?? ['/bin/sh', '-e'],
    network: options.network ?? false,
    copyToTested: options.copyToTested ?? true,
  };
}

/**
 * Test the task's packages, appending their checks to `report`; when no check of the report failed,
 * copy the task's artifacts (every format) into `tested` and index it.
 */
export async function testTask(task: TestTask, report: TestReport, options: TesterOptions = {}, tested: LocalChannel | null = null): Promise<void> {
  const opts = normalize(options);
  // Files that are not conda packages (a plugin's wheels) are that plugin's to test (its own test tap).
  const condaFiles = task.artifacts.filter((a) => isPackageFile(a.filename));
  if (!condaFiles.length && task.artifacts.length) return;
  const packages = packagesUnderTest({ ...task, artifacts: condaFiles });
  task.log(`${PLUGIN_NAME}: testing ${packages.map((p) => p.artifact.filename).join(', ') || 'nothing'} for ${task.target.subdir}`);
  for (const pkg of packages) {
    const label = packages.length > 1 ? `${pkg.artifact.name}: ` : '';
    report.checks.push(...(await testPackage(task, pkg, opts, label)));
  }
  const failed = report.checks.filter((c) => !c.ok);
  if (failed.length) {
    task.log(`${PLUGIN_NAME}: ${failed.length} test(s) failed: ${failed.map((c) => c.name).join(', ')}; not copied to the tested channel`);
    return;
  }
  if (!tested || !opts.copyToTested || !condaFiles.length) return;
  // The tested channel follows the latest build: a rebuilt package (same name, new bytes) replaces the old one.
  // Its derived index files follow at the writer's interval and when the run ends (report: close()),
  // not with every package: each is a rewrite of the whole channel's index.
  const added = await tested.add(condaFiles, { replace: true, complete: false });
  task.log(`${PLUGIN_NAME}: tested channel ${tested.root}: ${added.map((a) => `${a.subdir}/${a.filename} (${a.status})`).join(', ')}`);
}

export function tester(options: TesterOptions = {}): Plugin {
  normalize(options); // bad options fail when the config is loaded, not at the first test
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.configReaders.declare(PLUGIN_NAME, ['channels.tested']);
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        const tested = new LocalChannel(run.config.channels.tested);
        run.hooks.test.tapPromise(PLUGIN_NAME, (task, report) => testTask(task, report, options, tested));
        run.hooks.report.tapPromise(PLUGIN_NAME, () => tested.close());
      });
    },
  };
}

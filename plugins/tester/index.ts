// rebuild:tester — tests every built package in a fresh prefix (run.hooks.test): the recipe's
// imports, commands, run_test.* scripts, files and v1 tests, through `task.exec` (host or container),
// and copies the packages that pass to the tested channel (channels.tested), indexed.
// The tests' code (test-task.ts: installs, the channel index) is loaded at the first test, not by
// every command that loads the config.
import { resolve } from 'node:path';
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import type { LocalChannel } from '../../core/conda/channel.ts';
import type { RunTestsOptions } from './run-tests.ts';

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

/** The options with their defaults (validated: bad options fail when the config is loaded). */
export function normalize(options: TesterOptions): RunTestsOptions & { copyToTested: boolean } {
  validatePluginOptions<TesterOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    checkTimeoutMs: (options.checkTimeoutSeconds ?? 600) * 1000,
    shell: options.shell ?? ['/bin/sh', '-e'],
    network: options.network ?? false,
    copyToTested: options.copyToTested ?? true,
  };
}

export function tester(options: TesterOptions = {}): Plugin {
  normalize(options); // bad options fail when the config is loaded, not at the first test
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.configReaders.declare(PLUGIN_NAME, ['channels.tested']);
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        // The tested channel is opened at the first test (its folder resolved now, as it was opened now).
        const root = resolve(run.config.channels.tested);
        let tested: LocalChannel | undefined;
        run.hooks.test.tapPromise(PLUGIN_NAME, async (task, report) => {
          const { testTask, LocalChannel } = await import('./test-task.ts');
          return testTask(task, report, options, (tested ??= new LocalChannel(root)));
        });
        run.hooks.report.tapPromise(PLUGIN_NAME, async () => tested?.close());
      });
    },
  };
}

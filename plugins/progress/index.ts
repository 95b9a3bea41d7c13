// rebuild:progress — shows a run's progress: a live view on a TTY, plain lines off a TTY, or an
// NDJSON event stream (`--json`). Taps only observing hooks, at STAGE.OBSERVE.
// From the package root, as a third-party plugin would.
import { STAGE, validatePluginOptions, type Plugin } from 'rebuild';
import { compositeReporter, type Reporter } from './reporter.ts';
import { ndjsonReporter } from './ndjson-reporter.ts';
import { plainReporter } from './plain-reporter.ts';
import { ttyReporter } from './tty-reporter.ts';

export const PLUGIN_NAME = 'rebuild:progress';

export type ProgressFormat = 'auto' | 'tty' | 'plain' | 'json';

export interface ProgressOptions {
  /** 'auto' (default): json when the command has --json, else tty when the stream is a TTY, else plain. */
  format?: ProgressFormat;
  /** Where to write; default process.stdout for json, process.stderr otherwise. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Extra life-cycle reporters to fan out to. */
  reporters?: Reporter[];
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { description: "'auto' (default): json when the command has --json, else tty on a TTY, else plain.", enum: ['auto', 'tty', 'plain', 'json'] },
    stream: { description: 'Where to write: default process.stdout for json, process.stderr otherwise.', type: 'object' },
    reporters: { description: 'Extra life-cycle reporters to fan out to.', type: 'array', items: { type: 'object' } },
  },
} as const;

export function createReporter(options: ProgressOptions = {}): Reporter {
  validatePluginOptions<ProgressOptions>(PLUGIN_NAME, optionsSchema, options);
  const format = options.format ?? 'auto';
  const stream = options.stream ?? (format === 'json' ? process.stdout : process.stderr);
  // A closed pipe (`rebuild run --json | head`) must not crash the run: stop writing instead.
  let closed = false;
  (stream as NodeJS.EventEmitter).on?.('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    closed = true;
  });
  const write = (text: string) => void (closed || stream.write(text));
  const main =
    format === 'json' ? ndjsonReporter(write)
    : format === 'tty' || (format === 'auto' && stream.isTTY) ? ttyReporter(stream as any)
    : plainReporter(write);
  return options.reporters?.length ? compositeReporter([main, ...options.reporters]) : main;
}

export function progress(options: ProgressOptions = {}): Plugin {
  validatePluginOptions<ProgressOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        // 'auto' follows the command: `--json` (run.options.json) means the NDJSON stream.
        const auto = (options.format ?? 'auto') === 'auto';
        const reporter = createReporter({ ...options, format: auto && run.options.json ? 'json' : options.format });
        const tap = { name: PLUGIN_NAME, stage: STAGE.OBSERVE };
        run.hooks.executionStart.tap(tap, (s) => reporter.start?.(s));
        run.hooks.taskStart.tap(tap, (t) => reporter.taskStart?.(t));
        run.hooks.taskEnd.tap(tap, (r) => reporter.taskEnd?.(r));
        run.hooks.report.tapPromise(tap, async (s) => reporter.end?.(s));
      });
    },
  };
}

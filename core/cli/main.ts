// argv → commands. Definitions only: each command's implementation lives in ./commands/.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { GlobalOptions } from './options.ts';
import { redactStream } from '../config/redactor.ts';
import { EXIT } from '../engine/exit-codes.ts';
import { debugWanted, errorExit } from './error-exit.ts';

type Action = (args: string[], opts: GlobalOptions & Record<string, any>) => Promise<number>;

const lazy =
  (file: string, fn: string): Action =>
  async (args, opts) => {
    const mod = await import(`./commands/${file}.ts`);
    return mod[fn](args, opts);
  };

/** The version in the package's package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter(Boolean)];
}

function withGlobals(cmd: Command): Command {
  return cmd
    .option('-c, --config <path>', 'config file (default: search up from the working directory)')
    .option('-p, --profile <name>', 'profile to apply (beats defaultProfile)')
    .option('-a, --arch <subdir>', "arch to plan and build, replacing the config's arches (repeatable, or comma-separated)", collect)
    .option('--concurrency <n>', 'concurrent build slots')
    .option('--work-dir <dir>', 'work dir for state, logs and output channel')
    .option('--debug', 'on an error, print its stack too (also REBUILD_DEBUG=1)');
}

export function buildProgram(exit: { code: number }): Command {
  const program = new Command('rebuild')
    .description('Mass-rebuild a conda Python package ecosystem against a new Python version.')
    .version(packageVersion(), '-V, --version', "print rebuild's version")
    .showHelpAfterError()
    .exitOverride();

  const add = (name: string, description: string, action: Action, extra?: (c: Command) => Command) => {
    let cmd = withGlobals(program.command(name).description(description));
    if (extra) cmd = extra(cmd);
    cmd.action(async (...raw: any[]) => {
      const command = raw[raw.length - 1] as Command;
      exit.code = await action(command.args, command.opts());
    });
  };

  add('run', 'build the plan: scheduler, durable state, resume', lazy('run', 'runCommand'), (c) =>
    c
      .option('--json', 'NDJSON event stream')
      .option('--retry-failed', 'retry packages that failed in an earlier run')
      .option('--retry <names...>', 'retry these failed packages')
      .option('--only <names...>', 'build only these (and what they need)')
      .option('--from <name>', 'build this and everything that depends on it (and what they need)')
      .option('--fail-fast', 'stop starting builds after the first failure')
      .option('--queue <url>', 'build on workers: enqueue builds on this Redis (redis://HOST:PORT[/DB]; beats queue.url) for `rebuild worker` processes')
      .option('--no-cache', 'render every recipe again (ignore and do not fill the render cache in the work dir)'),
  );
  add('worker', 'take build jobs of one arch (--arch) from the queue of a `rebuild run --queue` until SIGINT/SIGTERM', lazy('worker', 'workerCommand'), (c) =>
    c
      .option('--queue <url>', 'the Redis of the coordinator (redis://HOST:PORT[/DB]; beats queue.url)')
      .option('--lock-duration <ms>', 'how long a job stays locked to this worker without its heartbeat; a killed worker\'s job is given back after it (default 30000)'),
  );
  add('plan', 'what must be rebuilt, in which order, and why', lazy('plan', 'planCommand'), (c) =>
    c
      .option('--json', 'JSON output (same as --format json)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'dot', 'scripts']).default('text'))
      .option('--out <dir>', 'output dir for --format scripts')
      .option('--channel <url>', 'plan from this channel\'s repodata.json alone (no recipes)')
      .option('--warnings', 'list every warning (text output ends with them grouped by kind otherwise)')
      .option('--no-cache', 'render every recipe again (ignore and do not fill the render cache in the work dir)'),
  );
  add('ready', 'what can be built now, what waits, the top blockers', lazy('ready', 'readyCommand'), (c) =>
    c.option('--json', 'JSON output'),
  );
  add('status', 'tally per arch and status, and the last run', lazy('status', 'statusCommand'), (c) =>
    c
      .option('--json', 'JSON output')
      .option('--workers', 'list the workers connected to the queue instead: host, arch, concurrency, what each builds, last heartbeat')
      .option('--queue <url>', 'with --workers: the Redis (redis://HOST:PORT[/DB]; beats queue.url)'),
  );
  add('why', 'why a package is in the set, what it waits on, or why it is excluded', lazy('why', 'whyCommand'), (c) =>
    c.argument('<name>').option('--json', 'JSON output'),
  );
  // render --all / --aggregate renders every recipe: the render pool's workers start before the
  // command's modules load (~0.3 s of this thread), so they load meanwhile (render.ts says when it
  // stops them again).
  const renderCommand = lazy('render', 'renderCommand');
  const render: Action = async (args, opts) => {
    if (opts.all || opts.aggregate) (await import('../recipes/render-pool.ts')).prestartRenderPool();
    return renderCommand(args, opts);
  };
  add('render', 'render a recipe for a target', render, (c) =>
    c
      .argument('[feedstock]', 'feedstock name or recipe path')
      .option('--python <x.y>', 'python version (default: each python of config python.to)')
      .option('--aggregate <dir>', 'aggregate dir (default: from the config)')
      .option('--all', 'render every recipe of the aggregate')
      .option('--json', 'JSON output')
      .option('--no-cache', 'render again (ignore and do not fill the render cache in the work dir)'),
  );
  add('logs', 'print or follow a package\'s build log', lazy('logs', 'logsCommand'), (c) =>
    c.argument('<name>').option('-f, --follow', 'follow the log').option('--python <x.y>', 'only this python\'s log (python.to a list)'),
  );
  add('report', 'write the report of the work dir: report.md, report.json, report.junit.xml, dashboard.html into <workDir>/report/', lazy('report', 'reportCommand'), (c) =>
    c
      .option('--format <format>', 'only these formats: md, json, junit, html (repeatable, or comma-separated; default all)', collect)
      .option('--out <dir>', 'write into this folder (default <workDir>/report)')
      .option('--json', 'print the report object (report.json) instead of writing files; with --failures, the groups as JSON')
      .option('--failures', 'print the failures grouped by class: counts, the first matching log line, the packages each blocks')
      .option('--screenshot', 'also save dashboard.png next to dashboard.html (needs a Chromium: /usr/bin/chromium or $REBUILD_CHROMIUM)')
      .option('--serve', 'serve the report on loopback until Ctrl-C; the page follows a run in progress (polls report.json)')
      .option('--port <n>', 'port for --serve (default: any free port)')
      .option('--installability', 'check that every tested and reference package installs with the new python on each arch: installability.junit.xml and installability.html (with --out: into that folder)'),
  );
  add('publish', 'publish the groups ready in the work dir (every required arch through its last stage) without building', lazy('publish', 'publishCommand'), (c) =>
    c.option('--dry-run', 'validate and look production up, write nothing; say what would be published or refused').option('--json', 'JSON output'),
  );
  add('promote', 'run validation and the copy to production again for publish groups that failed', lazy('publish', 'promoteCommand'), (c) =>
    c.argument('<names...>', 'group names (feedstock) or keys (name-version-pyX.Y)').option('--json', 'JSON output'),
  );
  add('verify', 'build one package again in a temp dir and compare it with the recorded artifacts byte for byte (where it differs: member, field)', lazy('verify', 'verifyCommand'), (c) =>
    c.argument('<name>').option('--json', 'JSON output'),
  );
  add('config', 'print the resolved, frozen config (secrets redacted)', lazy('config', 'configCommand'), (c) =>
    c.option('--json', 'JSON output'),
  );
  add('validate', 'validate the config and every profile: schema, paths, settings that do nothing', lazy('validate', 'validateCommand'), (c) =>
    c.option('--json', 'JSON output').option('--strict', 'warnings (unread keys, blocklist entries matching nothing) are errors'),
  );
  return program;
}

/**
 * Runs the CLI; returns the exit code (EXIT, core/engine/exit-codes.ts). The one top-level handler:
 * every error ends here and becomes one exit code and a message (error-exit.ts).
 */
export async function main(argv: string[], stderr: { write(text: string): unknown } = process.stderr): Promise<number> {
  const exit = { code: 0 };
  // Everything the CLI prints (command output, progress, errors) passes the one redactor.
  redactStream(process.stdout);
  redactStream(process.stderr);
  const program = buildProgram(exit);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit.code;
  } catch (err) {
    // Commander has printed its message (and the help) already.
    if (err instanceof CommanderError) return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.OK : EXIT.USAGE;
    const { code, text } = errorExit(err, debugWanted(argv));
    stderr.write(text);
    return code;
  }
}

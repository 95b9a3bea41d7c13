// What the CLI does with an error that reached the top: one exit code per kind of problem (sysexits,
// core/engine/exit-codes.ts) and what to print. An error a user can cause prints its message only
// (located: file, line or path, and what to do); anything else is an internal error, one line with
// a hint, and the stack only with --debug / REBUILD_DEBUG=1.
//
// Errors are classified by their `name`, so the CLI needs to load none of the modules that throw
// them: a `UserError` (and its subclasses) carries its own exit code; the table below classes the
// library errors that report bad input or a state a user can fix.
import { EXIT, type ExitCode } from '../engine/exit-codes.ts';

/** Errors whose message already says where and what (thrown by readers, renderers, the state). */
const BY_NAME: Readonly<Record<string, ExitCode>> = Object.freeze({
  // Bad input data: recipes, channel indexes, archives, a state database that cannot be read.
  RecipeDiscoveryError: EXIT.DATAERR,
  RecipeRenderError: EXIT.DATAERR,
  RecipeYamlError: EXIT.DATAERR,
  RecipeShapeError: EXIT.DATAERR,
  MissingRecipeFileError: EXIT.DATAERR,
  VariantConfigError: EXIT.DATAERR,
  SelectorError: EXIT.DATAERR,
  JinjaEvalError: EXIT.DATAERR,
  PythonSyntaxError: EXIT.DATAERR,
  PythonEvalError: EXIT.DATAERR,
  PinError: EXIT.DATAERR,
  MatchSpecError: EXIT.DATAERR,
  ChannelError: EXIT.DATAERR,
  PackageFormatError: EXIT.DATAERR,
  UnsafeArchiveError: EXIT.DATAERR,
  PackageFileNameError: EXIT.DATAERR,
  StateSchemaError: EXIT.DATAERR,
  StateCorruptError: EXIT.DATAERR,
  // Invalid configuration: a plugin's options are part of the config.
  PluginOptionsError: EXIT.CONFIG,
  // Temporarily unavailable.
  LockHeldError: EXIT.TEMPFAIL,
  ChannelServerError: EXIT.TEMPFAIL,
  // Interrupted.
  RunInterruptedError: EXIT.INTERRUPTED,
});

const CODES: ReadonlySet<number> = new Set(Object.values(EXIT));

export interface ErrorExit {
  code: ExitCode;
  /** What to print on stderr (ends with a newline). */
  text: string;
}

/** The error a user should read: plugin wrappers (PluginHookError) are kept for their message, classed by their cause. */
function classify(err: unknown): ExitCode | null {
  for (let e: any = err, depth = 0; e && typeof e === 'object' && depth < 8; e = e.cause, depth++) {
    if (e.name === 'PluginHookError') continue;
    if (typeof e.exitCode === 'number' && CODES.has(e.exitCode) && e.name !== 'CommanderError') return e.exitCode as ExitCode;
    const code = BY_NAME[e.name];
    if (code !== undefined) return code;
    return null;
  }
  return null;
}

/** Whether the stack is wanted: `--debug` on the command line or REBUILD_DEBUG=1 (any value but '' / 0). */
export function debugWanted(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.REBUILD_DEBUG;
  return argv.includes('--debug') || (v !== undefined && v !== '' && v !== '0');
}

/** The stack of the error and of each of its causes (a plugin's error is the cause of PluginHookError). */
function stacks(err: unknown): string {
  const out: string[] = [];
  for (let e: any = err, depth = 0; e && depth < 8; e = e.cause, depth++) {
    out.push(`${depth ? 'caused by: ' : ''}${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  return out.join('');
}

export function errorExit(err: unknown, debug: boolean): ErrorExit {
  const message = err instanceof Error ? err.message : String(err);
  const stack = debug ? stacks(err) : '';
  const code = classify(err);
  if (code !== null) return { code, text: `rebuild: ${message}\n${stack}` };
  // A dependency missing from node_modules (package.json changed since the last install, e.g. after a pull).
  const missing = (err as NodeJS.ErrnoException | null)?.code === 'ERR_MODULE_NOT_FOUND' ? /^Cannot find package '([^']+)' imported from (\S+)/.exec(message) : null;
  if (missing) {
    return { code: EXIT.SOFTWARE, text: `rebuild: package '${missing[1]}' is not installed (imported from ${missing[2]}): run \`npm ci\` in rebuild's folder (its dependencies changed since the last install), or install it if a plugin of yours needs it\n${stack}` };
  }
  const name = err instanceof Error ? err.name : typeof err;
  const hint = debug ? '' : ' (run again with --debug or REBUILD_DEBUG=1 for the stack)';
  const firstLine = message.split('\n')[0];
  return { code: EXIT.SOFTWARE, text: `rebuild: internal error: ${name}: ${firstLine}${hint}\n${stack}` };
}

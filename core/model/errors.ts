// Errors raised by the engine itself. Each names what failed and where, for humans.

/** A tap threw or rejected: names the plugin (tap name) and the hook. */
export class PluginHookError extends Error {
  override name = 'PluginHookError';
  constructor(
    readonly plugin: string,
    readonly hook: string,
    override readonly cause: unknown,
  ) {
    super(`plugin ${plugin} failed in hook ${hook}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** A tap did not settle within the configured time. */
export class HookTimeoutError extends Error {
  override name = 'HookTimeoutError';
  constructor(
    readonly plugin: string,
    readonly hook: string,
    readonly timeoutMs: number,
  ) {
    super(`plugin ${plugin} did not settle in hook ${hook} after ${timeoutMs} ms`);
  }
}

/** A user-facing error with an exit code; the CLI prints only its message. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

// Exit codes of the CLI, after BSD sysexits(3): the same kind of problem always gives the same code,
// so scripts can tell "packages failed" from "bad config" from "someone else holds the lock".

export const EXIT = Object.freeze({
  /** Everything asked for was done. */
  OK: 0,
  /** Finished, but with package failures, blocked packages or plan (render) errors. */
  FAILURES: 1,
  /** Usage: a bad flag value, an unknown --arch or --profile given on the command line, an unknown name. */
  USAGE: 64,
  /** Bad input data: a recipe, an archive, a channel index, a state database that cannot be read. */
  DATAERR: 65,
  /** Internal error: a bug in rebuild or a plugin (the stack is shown with --debug). */
  SOFTWARE: 70,
  /** Temporarily unavailable: the work dir is locked by another run, a service is down; try again. */
  TEMPFAIL: 75,
  /** Invalid configuration. */
  CONFIG: 78,
  /** Interrupted (Ctrl-C / SIGTERM): 128 + SIGINT. */
  INTERRUPTED: 130,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

// Errors of the container runner. `failure` is the class the scheduler reads (container-start is retried).

/** The container could not be started: engine missing, image missing, the engine's own error (125-127). */
export class ContainerStartError extends Error {
  override name = 'ContainerStartError';
  readonly failure = 'container-start' as const;
  constructor(
    message: string,
    readonly engine: string,
    readonly exitCode: number | null,
    /** The end of the engine's stderr, for the log and the report. */
    readonly stderr: string,
  ) {
    super(message);
  }
}

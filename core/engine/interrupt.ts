// Ctrl-C / SIGTERM for a run: the first signal aborts the returned controller (the executor stops
// starting work and aborts running builds); a second one exits at once with 130.
export interface InterruptHandle {
  signal: AbortSignal;
  /** Remove the handlers (at the end of the run). */
  dispose(): void;
}

export function handleInterrupts(
  options: { notice?: (message: string) => void; exit?: (code: number) => void } = {},
): InterruptHandle {
  const controller = new AbortController();
  const notice = options.notice ?? ((m: string) => process.stderr.write(`rebuild: ${m}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      notice(`${sig} again: exiting now`);
      exit(130);
      return;
    }
    notice(`${sig}: stopping running builds (press Ctrl-C again to exit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

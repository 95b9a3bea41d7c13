// Build failures carry a FailureClass so the scheduler can tell a broken recipe from a timeout.
import type { FailureClass } from '../../core/model/types.ts';

export class ScriptBuildError extends Error {
  override name = 'ScriptBuildError';
  constructor(
    message: string,
    readonly failure: FailureClass,
    readonly exitCode: number | null = null,
  ) {
    super(message);
  }
}

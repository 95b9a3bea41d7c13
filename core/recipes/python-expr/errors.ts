// Errors of the Python-subset expression language used by recipe selectors.

/** The expression does not tokenize or parse; `column` is 1-based in the expression text. */
export class PythonSyntaxError extends Error {
  override name = 'PythonSyntaxError';
  constructor(
    readonly expr: string,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`invalid expression \`${expr}\` at column ${column}: ${detail}`);
  }
}

/** The expression parsed but cannot be evaluated (Python would raise TypeError, ValueError, ...). */
export class PythonEvalError extends Error {
  override name = 'PythonEvalError';
  constructor(
    readonly pythonType: string,
    readonly detail: string,
  ) {
    super(`${pythonType}: ${detail}`);
  }
}

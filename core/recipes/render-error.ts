// A recipe that cannot be rendered: names the feedstock, the file and (when known) the line at fault.

export class RecipeRenderError extends Error {
  override name = 'RecipeRenderError';
  constructor(
    readonly feedstock: string,
    readonly file: string,
    readonly line: number | undefined,
    /** What went wrong, without the location prefix. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${detail}`, options);
  }
}

// A recipe that cannot be rendered: names the feedstock, the file and (when known) the line at fault.

// minijinja appends a debug block to an error's text (the template lines around the fault between
// dashed rulers, then the referenced variables): our message already names the file and line, and
// an error a user can cause is one line, so the block is cut.
const JINJA_DEBUG_BLOCK = /\n-{3,} .* -{3,}\n[\s\S]*$/;

/** `text` without minijinja's trailing debug block. */
export function withoutJinjaDebug(text: string): string {
  return text.replace(JINJA_DEBUG_BLOCK, '');
}

export class RecipeRenderError extends Error {
  override name = 'RecipeRenderError';
  /** What went wrong, without the location prefix (and without minijinja's debug block). */
  readonly detail: string;
  constructor(
    readonly feedstock: string,
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const text = withoutJinjaDebug(detail);
    super(`${file}${line ? `:${line}` : ''}: ${text}`, options);
    this.detail = text;
  }
}

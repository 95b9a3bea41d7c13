// YAML as conda recipes need it: numbers keep their source text (`3.10` stays "3.10", not 3.1),
// booleans and null stay typed, and errors carry the file, line and column.
import { LineCounter, parseDocument, visit, type Scalar } from 'yaml';

export class RecipeYamlError extends Error {
  override name = 'RecipeYamlError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: invalid YAML: ${detail}`);
  }
}

/** Parse recipe YAML; numeric scalars become their source text. Throws RecipeYamlError. */
export function parseRecipeYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, lineCounter });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = lineCounter.linePos(e.pos[0]);
    throw new RecipeYamlError(file, pos?.line, pos?.col, e.message.split('\n')[0]);
  }
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'number' && node.source !== undefined) {
        node.value = String(node.source);
      }
    },
  });
  return doc.toJS({ maxAliasCount: -1 }) ?? null;
}



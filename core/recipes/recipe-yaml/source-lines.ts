// Lines of a YAML document's keys and list items, by path, so that errors found while evaluating the
// parsed value can name the line at fault.
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

export type YamlPath = (string | number)[];

export const pathKey = (path: YamlPath): string => path.join('\u0001');

/** `requirements.host[2]` for messages. */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** A message with the key path it is about: `... (at requirements.host[1])`. */
export const withPath = (message: string, path: YamlPath): string => (path.length ? `${message} (at ${formatPath(path)})` : message);

/** Parses the text again with positions, lazily: only errors and warnings need lines. */
export class SourceLines {
  private index: Map<string, number> | null = null;

  constructor(private readonly text: string) {}

  private get lines(): Map<string, number> {
    if (!this.index) this.index = this.build(this.text);
    return this.index;
  }

  private build(text: string): Map<string, number> {
    const lines = new Map<string, number>();
    const counter = new LineCounter();
    // The text already parsed (parseRecipeYaml); errors here are impossible or irrelevant.
    const doc = parseDocument(text, { uniqueKeys: false, lineCounter: counter });
    const walk = (node: unknown, path: YamlPath): void => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          const range = (pair.key as Node | null)?.range;
          const p = [...path, key];
          if (range) lines.set(pathKey(p), counter.linePos(range[0]).line);
          walk(pair.value, p);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => {
          const range = (item as Node | null)?.range;
          const p = [...path, i];
          if (range) lines.set(pathKey(p), counter.linePos(range[0]).line);
          walk(item, p);
        });
      }
    };
    walk(doc.contents, []);
    return lines;
  }

  /** Line of the path, or of its nearest ancestor with a known line. */
  lineOf(path: YamlPath): number | undefined {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(pathKey(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

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
  const fast = parseSimpleYaml(text);
  return fast !== UNSUPPORTED ? fast : parseFullYaml(text, file);
}

/** The `yaml` library's reading (every YAML feature, errors with line and column). */
export function parseFullYaml(text: string, file: string): unknown {
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
  try {
    return doc.toJS({ maxAliasCount: -1 }) ?? null;
  } catch (err) {
    // What parses but cannot be built (an alias whose anchor is not set before it) is invalid YAML
    // too, located at the alias's line (found by fuzzing: it escaped as a bare ReferenceError).
    const detail = (err as Error).message.split('\n')[0];
    const alias = /: (\S+)$/.exec(detail)?.[1];
    const index = alias ? text.split('\n').findIndex((l) => l.includes(`*${alias}`)) : -1;
    throw new RecipeYamlError(file, index >= 0 ? index + 1 : undefined, undefined, detail);
  }
}



// ---------------------------------------------------------------- the common subset, fast

/** What parseSimpleYaml answers for a text outside the subset it reads. */
export const UNSUPPORTED: unique symbol = Symbol('unsupported YAML');

// Anything outside the subset: tabs, CR, control characters, BOM, NEL and the Unicode line
// separators; a line starting a directive or a document marker.
const OUTSIDE = /[\t\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u2028\u2029]|^(?:%|---|\.\.\.)/m;
// `key:` or `key: rest`: a plain key of word characters, dots and dashes, not starting with a digit.
const MAP_LINE = /^([A-Za-z_][\w.-]*):(?: +(.*))?$/;
// Keys the core schema reads as something else than a string, and the key objects treat specially.
const SPECIAL_KEY = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|__proto__)$/;
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
// Characters a plain scalar may not start with here (indicators, or plain only in some positions).
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

interface Line {
  indent: number;
  /** The line without its indentation, right-trimmed. */
  content: string;
  /** Its index among all lines of the text (block scalars read the lines as they are). */
  row: number;
}

class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

/**
 * The YAML that recipes, rendered recipes and variant configs almost always are, read without the
 * `yaml` library's document model: block mappings with plain keys, block sequences (also `- key:`
 * compact mappings), one-line plain and quoted scalars, literal and folded block scalars (`|`,
 * `>`, with `-`/`+` chomping; see blockScalar), comments. Scalars resolve as the core
 * schema does, numbers keeping their text (as parseFullYaml): null, booleans, else the text.
 * Anything else, including anything the library would report as an error, is UNSUPPORTED, so the
 * caller falls back to the library: for every text this reads, the result equals parseFullYaml's.
 */
export function parseSimpleYaml(text: string): unknown {
  if (OUTSIDE.test(text)) return UNSUPPORTED;
  const lines: Line[] = [];
  const rows = text.split('\n');
  // After a final line break there is no line.
  if (rows[rows.length - 1] === '') rows.pop();
  rows.forEach((raw, row) => {
    const content = raw.trim();
    if (!content || content[0] === '#') return;
    lines.push({ indent: raw.length - raw.trimStart().length, content, row });
  });
  if (!lines.length) return null;
  try {
    const reader = new SimpleReader(lines, rows);
    const value = reader.node(0);
    if (reader.at < lines.length) return UNSUPPORTED;
    return value;
  } catch (err) {
    if (err instanceof Unsupported) return UNSUPPORTED;
    throw err;
  }
}

const isSeqItem = (content: string) => content === '-' || content.startsWith('- ');

class SimpleReader {
  at = 0;
  constructor(
    private readonly lines: Line[],
    private readonly rows: string[],
  ) {}

  /** The block node starting at the current line (a mapping or a sequence). */
  node(minIndent: number): unknown {
    const line = this.lines[this.at];
    if (line.indent < minIndent) unsupported();
    if (isSeqItem(line.content)) return this.sequence(line.indent);
    if (MAP_LINE.test(line.content)) return this.mapping(line.indent);
    return unsupported();
  }

  /** The value of a key or item whose line holds nothing more: a nested block, or null. */
  private nested(indent: number, sequenceAtSameIndent: boolean): unknown {
    const next = this.lines[this.at];
    if (!next) return null;
    if (next.indent > indent) return this.node(indent + 1);
    if (sequenceAtSameIndent && next.indent === indent && isSeqItem(next.content)) return this.sequence(indent);
    return null;
  }

  /** A scalar written on the current line; the next line must not continue it. */
  private inline(rest: string, indent: number): unknown {
    const header = BLOCK_HEADER.exec(rest);
    if (header) return this.blockScalar(header[1], header[2], indent);
    this.at++;
    const next = this.lines[this.at];
    if (next && next.indent > indent) unsupported();
    return scalar(rest);
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.lines[this.at]; line && line.indent === indent && isSeqItem(line.content); line = this.lines[this.at]) {
      const rest = line.content.slice(1).trimStart();
      if (!rest || rest[0] === '#') {
        this.at++;
        out.push(this.nested(indent, false));
      } else if (isSeqItem(rest) || MAP_LINE.test(rest)) {
        // `- key: value` / `- - x`: a block node whose first line starts after the dash.
        const column = indent + line.content.length - rest.length;
        this.lines[this.at] = { indent: column, content: rest, row: line.row };
        out.push(this.node(column));
      } else out.push(this.inline(rest, indent));
    }
    return out;
  }

  /**
   * A block scalar whose header (`|`, `>-`, ...) ends the current line, its content on the rows
   * after it, indented more than `parent`: the content's indentation is that of its first non-empty
   * row; the scalar ends at the first non-empty row indented less. Left to the library: an
   * indentation indicator, rows of spaces only longer than the indentation, and in folded scalars,
   * rows indented more than the first (where folding keeps the line breaks).
   */
  private blockScalar(style: string, chomping: string, parent: number): string {
    const start = this.lines[this.at].row + 1;
    let n = -1;
    let end = start;
    for (; end < this.rows.length; end++) {
      const row = this.rows[end];
      const indent = row.length - row.trimStart().length;
      if (indent === row.length) continue; // empty (spaces only): checked below
      if (n < 0) {
        if (indent <= parent) break;
        n = indent;
      } else if (indent < n) break;
    }
    const content = this.rows.slice(start, end);
    if (n < 0) {
      // No content: the empty rows belong to the scalar only for keep chomping.
      if (chomping === '+' && content.length) unsupported();
      while (this.lines[this.at] && this.lines[this.at].row < end) this.at++;
      return '';
    }
    const text: string[] = [];
    for (const row of content) {
      if (row.trim() === '') {
        if (row.length > n) unsupported();
        text.push('');
      } else {
        if (style === '>' && row[n] === ' ') unsupported();
        text.push(row.slice(n));
      }
    }
    let last = text.length - 1;
    while (last >= 0 && text[last] === '') last--;
    const trailing = text.length - 1 - last;
    const body = text.slice(0, last + 1);
    let value: string;
    if (style === '|') value = body.join('\n');
    else {
      value = '';
      let empties = 0;
      let started = false;
      for (const line of body) {
        if (line === '') {
          empties++;
          continue;
        }
        value += started ? (empties ? '\n'.repeat(empties) : ' ') + line : '\n'.repeat(empties) + line;
        started = true;
        empties = 0;
      }
    }
    if (chomping === '') value += '\n';
    else if (chomping === '+') value += '\n'.repeat(1 + trailing);
    // Past the scalar's rows (its content lines are not block nodes).
    while (this.lines[this.at] && this.lines[this.at].row < end) this.at++;
    return value;
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.lines[this.at]; line && line.indent === indent; line = this.lines[this.at]) {
      const m = MAP_LINE.exec(line.content);
      if (!m || SPECIAL_KEY.test(m[1]) || m[1].length > 1000) return unsupported();
      const rest = m[2] ?? '';
      let value: unknown;
      if (!rest || rest[0] === '#') {
        this.at++;
        value = this.nested(indent, true);
      } else value = this.inline(rest, indent);
      out[m[1]] = value;
    }
    return out;
  }
}

// `|` or `>`, an optional chomping indicator, an optional comment (no indentation indicator).
const BLOCK_HEADER = /^([|>])([-+]?)(?: +#.*)?$/;

// `[a, b_c, 1.2]`: a one-line flow sequence of names and numbers (zip_keys groups), then an optional comment.
const FLOW_SEQUENCE = /^\[([^\[\]{}#'"]*)\](?: +#.*)?$/;
const FLOW_ITEM = /^[A-Za-z0-9_][\w.-]*$/;

/** A flow sequence of plain names and numbers, resolved as the core schema does (numbers as text). */
function flowSequence(rest: string): unknown[] {
  const m = FLOW_SEQUENCE.exec(rest);
  if (!m) return unsupported();
  const inner = m[1].trim();
  if (!inner) return [];
  return inner.split(',').map((item) => {
    const text = item.trim();
    if (!FLOW_ITEM.test(text)) unsupported();
    return scalar(text);
  });
}

/** A one-line scalar (with its comment, if any) as the core schema resolves it, numbers as text. */
function scalar(rest: string): unknown {
  const q = rest[0];
  if (q === '"' || q === "'") {
    let value = '';
    let i = 1;
    for (;;) {
      const c = rest[i];
      if (c === undefined) return unsupported(); // not closed on this line
      if (q === '"' && c === '\\') return unsupported(); // escapes: left to the library
      if (c === q) {
        if (q === "'" && rest[i + 1] === "'") {
          value += "'";
          i += 2;
          continue;
        }
        break;
      }
      value += c;
      i++;
    }
    const after = rest.slice(i + 1);
    if (after && !/^ +#/.test(after)) unsupported();
    return value;
  }
  if (rest[0] === '[') return flowSequence(rest);
  if (INDICATOR.test(rest)) return unsupported();
  const hash = rest.indexOf(' #');
  const text = (hash < 0 ? rest : rest.slice(0, hash)).trimEnd();
  if (text.includes(': ') || text.endsWith(':')) return unsupported();
  if (NULL.test(text)) return null;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  return text;
}

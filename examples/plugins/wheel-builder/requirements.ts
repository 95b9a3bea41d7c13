// requirements.txt → the local source folders to build wheels of. The example builds sources it
// carries: each line is a folder relative to the file (`./tinyunits`, `pkgs/foo/`), with `#`
// comments and blank lines as pip reads them. Anything else (a `name==1.0` to download, `-e`,
// `--index-url`) is refused with the file, the line and what to write instead.
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError, EXIT } from 'rebuild';

export interface SourceRequirement {
  /** Absolute folder of the project (holds pyproject.toml). */
  dir: string;
  /** `<file>:<line>`, for messages. */
  where: string;
}

/** Comments start at `#` at the line start or after whitespace (pip's rule: `a#b` is not a comment). */
function stripComment(line: string): string {
  const m = /(^|\s)#/.exec(line);
  return (m ? line.slice(0, m.index) : line).trim();
}

const isPath = (entry: string): boolean => entry.startsWith('.') || entry.startsWith('/') || entry.includes('/');

/** The source folders `text` (the content of `file`) lists, in order; a bad line throws (exit 65). */
export function parseRequirements(text: string, file: string): SourceRequirement[] {
  const out: SourceRequirement[] = [];
  const seen = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    if (/\\\s*$/.test(lines[i])) throw new UserError(`${where}: line continuations (\\) are not supported: write one folder a line`, EXIT.DATAERR);
    const entry = stripComment(lines[i]);
    if (!entry) continue;
    if (entry.startsWith('-')) {
      throw new UserError(`${where}: '${entry}': options are not supported here (the builder sets pip's options): list source folders, one a line`, EXIT.DATAERR);
    }
    if (!isPath(entry)) {
      throw new UserError(`${where}: '${entry}' is not a source folder: this builder builds local sources only; write its folder as ./<folder>`, EXIT.DATAERR);
    }
    const dir = resolve(dirname(file), entry);
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw new UserError(`${where}: ${entry}: no such folder (${dir})`, EXIT.DATAERR);
    const earlier = seen.get(dir);
    if (earlier) throw new UserError(`${where}: ${entry} is listed twice (first at ${earlier})`, EXIT.DATAERR);
    seen.set(dir, where);
    out.push({ dir, where });
  }
  return out;
}

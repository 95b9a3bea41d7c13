// A source folder's `[project]` table (PEP 621, pyproject.toml): the name, version and dependencies
// the plan needs before anything is built. Static metadata only: a project whose version is
// `dynamic` cannot be planned, and says so with the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { UserError, EXIT } from 'rebuild';
import { isProjectName, normalizeProjectName } from './pep503.ts';

export interface ProjectMeta {
  /** As written (`unit_conv`). */
  name: string;
  /** PEP 503 normalized (`unit-conv`): the package name in the plan and the index. */
  project: string;
  version: string;
  /** Normalized names of the `dependencies` (extras, versions and markers dropped): the plan's edges. */
  dependencies: string[];
  requiresPython: string | null;
  summary: string | null;
  /** The pyproject.toml read. */
  file: string;
}

/** The name a PEP 508 requirement is about: `tinyunits[fast] >=1.2; python_version>"3"` → `tinyunits`. */
export function requirementName(spec: string): string | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec);
  return m && isProjectName(m[1]) ? normalizeProjectName(m[1]) : null;
}

export function readProject(dir: string): ProjectMeta {
  const file = join(dir, 'pyproject.toml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: missing: the wheel builder plans from a pyproject.toml with a [project] table`, EXIT.DATAERR);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    // smol-toml's message names the line and column.
    throw new UserError(`${file}: ${(err as Error).message.split('\n')[0]}`, EXIT.DATAERR);
  }
  const project = doc.project as Record<string, unknown> | undefined;
  if (!project || typeof project !== 'object') throw new UserError(`${file}: no [project] table (name, version, dependencies)`, EXIT.DATAERR);
  const { name, version } = project;
  if (typeof name !== 'string' || !isProjectName(name)) throw new UserError(`${file}: [project] name must be a project name (letters, digits, '-', '_', '.'), got ${JSON.stringify(name)}`, EXIT.DATAERR);
  if (typeof version !== 'string' || !version) {
    throw new UserError(`${file}: [project] version must be written in the file (a dynamic version cannot be planned before the build)`, EXIT.DATAERR);
  }
  const deps = project.dependencies ?? [];
  if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string')) throw new UserError(`${file}: [project] dependencies must be a list of strings`, EXIT.DATAERR);
  const dependencies: string[] = [];
  for (const d of deps as string[]) {
    const n = requirementName(d);
    if (!n) throw new UserError(`${file}: [project] dependencies: '${d}' is not a requirement (PEP 508)`, EXIT.DATAERR);
    if (!dependencies.includes(n)) dependencies.push(n);
  }
  return {
    name,
    project: normalizeProjectName(name),
    version,
    dependencies,
    requiresPython: typeof project['requires-python'] === 'string' ? (project['requires-python'] as string) : null,
    summary: typeof project.description === 'string' ? (project.description as string) : null,
    file,
  };
}

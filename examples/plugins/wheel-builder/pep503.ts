// PEP 503 ("Simple Repository API", https://peps.python.org/pep-0503/): project name normalization,
// wheel file names (https://packaging.python.org/en/latest/specifications/binary-distribution-format/)
// and the two pages of a static index — `simple/index.html` (one anchor per project) and
// `simple/<project>/index.html` (one anchor per file, `#sha256=` fragment, `data-requires-python`).
// Same inputs, same bytes.

/** PEP 503 normalization: runs of `-`, `_`, `.` become one `-`, lower case (`Unit_Conv` → `unit-conv`). */
export function normalizeProjectName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** A valid project name (PEP 508): letters and digits, with `-`, `_`, `.` inside. */
export function isProjectName(name: string): boolean {
  return /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/.test(name);
}

export interface WheelName {
  /** The distribution part of the file name (`unit_conv`), not normalized. */
  distribution: string;
  /** Its PEP 503 normalized project name (`unit-conv`). */
  project: string;
  version: string;
  /** The tags: `py3-none-any` (with the build tag first when there is one). */
  tags: string;
}

/** `unit_conv-0.3.1-py3-none-any.whl` → its parts, or null for a name that is not a wheel's. */
export function parseWheelName(filename: string): WheelName | null {
  const m = /^([A-Za-z0-9][A-Za-z0-9._]*?)-([^-/]+)-((?:\d[^-/]*-)?[^-/]+-[^-/]+-[^-/]+)\.whl$/.exec(filename);
  if (!m) return null;
  return { distribution: m[1], project: normalizeProjectName(m[1]), version: m[2], tags: m[3] };
}

/** A file of a project page. */
export interface IndexFile {
  filename: string;
  sha256: string;
  /** The wheel's `Requires-Python` (pip skips files whose python does not match). */
  requiresPython?: string | null;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const page = (title: string, body: string[]): string =>
  [
    '<!DOCTYPE html>',
    '<html>',
    '  <head>',
    '    <meta name="pypi:repository-version" content="1.0">',
    `    <title>${escapeHtml(title)}</title>`,
    '  </head>',
    '  <body>',
    ...body.map((line) => `    ${line}`),
    '  </body>',
    '</html>',
    '',
  ].join('\n');

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `simple/index.html`: one anchor per project (normalized names, sorted), each to `<project>/`. */
export function renderRootIndex(projects: readonly string[]): string {
  const names = [...new Set(projects.map(normalizeProjectName))].sort(byCodePoint);
  return page('Simple index', names.map((n) => `<a href="${escapeHtml(encodeURIComponent(n))}/">${escapeHtml(n)}</a><br>`));
}

/** `simple/<project>/index.html`: one anchor per file (sorted by name), `href` relative with its sha256. */
export function renderProjectIndex(project: string, files: readonly IndexFile[]): string {
  const name = normalizeProjectName(project);
  const sorted = [...files].sort((a, b) => byCodePoint(a.filename, b.filename));
  for (const f of sorted) {
    if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw new Error(`${f.filename}: sha256 must be 64 lower-case hex digits, got '${f.sha256}'`);
  }
  // No PEP 658 `data-dist-info-metadata`: pip 22.x–23.1 (Debian 12 ships 23.0.1) refuse a served
  // METADATA whose Name is not written normalized (pypa/pip#12038), e.g. TinyUnits asked for as tinyunits.
  const anchor = (f: IndexFile): string => {
    const requires = f.requiresPython ? ` data-requires-python="${escapeHtml(f.requiresPython)}"` : '';
    return `<a href="${escapeHtml(encodeURIComponent(f.filename))}#sha256=${f.sha256}"${requires}>${escapeHtml(f.filename)}</a><br>`;
  };
  return page(`Links for ${name}`, [`<h1>Links for ${escapeHtml(name)}</h1>`, ...sorted.map(anchor)]);
}

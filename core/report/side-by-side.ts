// The report of a run of several pythons (`python.to` a list), side by side: per subdir, each
// package's state on every python, for the packages whose state differs between pythons (what is
// built for one python and not for another, and why). Made from the report object alone.
import type { Report, ReportPackage, ReportTarget } from './types.ts';

/** Whether a report holds several pythons (two targets share a subdir). */
export function reportHasSeveralPythons(r: Pick<Report, 'targets' | 'config'>): boolean {
  return r.targets.some((t) => t.python !== r.targets[0].python) || (Array.isArray(r.config.python.to) && r.config.python.to.length > 1);
}

/** How tables name a target: `linux-64`, or `linux-64 py3.14` in a report of several pythons. */
export const targetColumn = (t: Pick<ReportTarget, 'subdir' | 'python'>, several: boolean): string => (several ? `${t.subdir} py${t.python}` : t.subdir);

/** One cell: the status, with the stage of a failure or the kind of an exclusion. */
export function stateCell(p: ReportPackage | undefined): string {
  if (!p) return 'not planned';
  if ((p.status === 'failed' || p.status === 'test-failed') && p.stage) return `${p.status} (${p.stage})`;
  if ((p.status === 'excluded' || p.status === 'present') && p.exclusion) return `${p.status} (${p.exclusion.kind})`;
  return p.status;
}

export interface SideBySide {
  /** Column heads: one per target (`linux-64 py3.13`), subdirs in report order, then pythons. */
  columns: string[];
  /** Packages whose state differs between the pythons of a subdir: name and one cell per column. */
  rows: { name: string; cells: string[] }[];
  /** Packages with the same state on every python of every subdir. */
  same: number;
}

export function sideBySide(r: Pick<Report, 'targets'>): SideBySide {
  const columns = r.targets.map((t) => targetColumn(t, true));
  const byTarget = r.targets.map((t) => new Map(t.packages.map((p) => [p.name, p])));
  const names = [...new Set(r.targets.flatMap((t) => t.packages.map((p) => p.name)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rows: SideBySide['rows'] = [];
  let same = 0;
  for (const name of names) {
    const cells = byTarget.map((m) => stateCell(m.get(name)));
    const differs = r.targets.some((t, i) => r.targets.some((u, j) => j > i && u.subdir === t.subdir && cells[j] !== cells[i]));
    if (differs) rows.push({ name, cells });
    else same++;
  }
  return { columns, rows, same };
}

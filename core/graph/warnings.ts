// The warnings of a plan: once per file they are about, grouped by kind for the text output.
// Every recipe of an aggregate stacks the aggregate's conda_build_config.yaml, so each rendering
// repeats that file's warnings (a real aggregate: 459 warnings for 69 recipes). A warning about a
// file outside the recipe's own dir is the aggregate's: the plan keeps it once, without a feedstock.
import { isAbsolute, relative } from 'node:path';
import type { RecipeRef, RenderWarning } from '../model/types.ts';

const inside = (file: string, dir: string) => {
  const rel = relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * A plan's warnings with those about a shared file (an aggregate or extra variant config: outside
 * the recipe dirs of the warning's feedstock) kept once per file, line and message, without a
 * feedstock; the others as they are, in order.
 */
export function dedupeSharedWarnings(warnings: readonly RenderWarning[], recipes: readonly RecipeRef[]): RenderWarning[] {
  const dirs = new Map<string, string[]>();
  for (const r of recipes) dirs.set(r.feedstock, [...(dirs.get(r.feedstock) ?? []), r.dir]);
  const seen = new Set<string>();
  const out: RenderWarning[] = [];
  for (const w of warnings) {
    const own = dirs.get(w.feedstock);
    if (!w.file || !own || own.some((d) => inside(w.file, d))) {
      out.push(w);
      continue;
    }
    const key = `${w.file}\0${w.line ?? ''}\0${w.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...w, feedstock: '' });
  }
  return out;
}

/** The kind of a warning: its message with quoted names and numbers left out. */
export function warningKind(message: string): string {
  return message
    .replace(/'[^']*'/g, "'…'")
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\b\d+(?:\.\d+)*\b/g, 'N');
}

export interface WarningGroup {
  kind: string;
  count: number;
  /** The first warning of the kind. */
  first: RenderWarning;
}

/** Warnings grouped by kind, the most frequent first (ties: first seen first). */
export function groupWarnings(warnings: readonly RenderWarning[]): WarningGroup[] {
  const groups = new Map<string, WarningGroup>();
  for (const w of warnings) {
    const kind = warningKind(w.message);
    const g = groups.get(kind);
    if (g) g.count++;
    else groups.set(kind, { kind, count: 1, first: w });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** Where a warning is: `file:line: ` or `feedstock: `. */
export function warningPlace(w: RenderWarning): string {
  return w.file ? `${w.file}${w.line !== undefined ? `:${w.line}` : ''}: ` : w.feedstock ? `${w.feedstock}: ` : '';
}

/** The text lines of a plan's warnings: every one (`all`), else one line per kind with its count and first place. */
export function formatWarnings(warnings: readonly RenderWarning[], all: boolean): string[] {
  if (!warnings.length) return [];
  if (all) return [`warnings (${warnings.length}):`, ...warnings.map((w) => `  ${warningPlace(w)}${w.message}`)];
  const groups = groupWarnings(warnings);
  const width = String(groups[0].count).length;
  return [
    `warnings (${warnings.length}, ${groups.length} kind${groups.length === 1 ? '' : 's'}; rebuild plan --warnings lists them all):`,
    ...groups.map((g) =>
      g.count === 1
        ? `  ${'1'.padStart(width)} × ${warningPlace(g.first)}${g.first.message}`
        : `  ${String(g.count).padStart(width)} × ${g.kind}  (first: ${warningPlace(g.first).replace(/: $/, '')})`,
    ),
  ];
}

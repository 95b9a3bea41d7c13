// Render warnings of one recipe, each (file, line, message) kept once: both renderers collect them so.
import type { RenderWarning } from '../model/types.ts';

export function warningCollector(feedstock: string): {
  warnings: RenderWarning[];
  warn: (file: string, line: number | undefined, message: string) => void;
} {
  const warnings: RenderWarning[] = [];
  const seen = new Set<string>();
  const warn = (file: string, line: number | undefined, message: string) => {
    const key = `${file}:${line}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    warnings.push({ feedstock, file, ...(line ? { line } : {}), message });
  };
  return { warnings, warn };
}

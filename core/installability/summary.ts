import type { InstallabilityResult } from './matrix.ts';

/** One line: per subdir, how many of the packages install (`linux-64 41/42, osx-arm64 40/42 installable`). */
export function installabilitySummary(r: InstallabilityResult): string {
  const parts = r.subdirs.map((s) => {
    const cases = r.cases.filter((c) => c.subdir === s);
    return `${s} ${cases.filter((c) => c.outcome.ok).length}/${cases.length}`;
  });
  return `${parts.join(', ')} installable with python ${r.python}`;
}

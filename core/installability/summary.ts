import type { InstallabilityResult } from './matrix.ts';

/** One line: per subdir, how many of the packages install (`linux-64 41/42, osx-arm64 40/42 installable`). */
export function installabilitySummary(r: InstallabilityResult): string {
  const parts = r.subdirs.map((s) => {
    const cases = r.cases.filter((c) => c.subdir === s);
    return `${s} ${cases.filter((c) => c.outcome.ok).length}/${cases.length}`;
  });
  return `${parts.join(', ')} installable with python ${r.python}`;
}

/** The matrices of a config (one per python), one line: `...installable with python 3.13; ...with python 3.14`. */
export function installabilitySummaries(results: readonly InstallabilityResult[]): string {
  return results.map(installabilitySummary).join('; ');
}

// v1 `package_contents:` tests against the paths a package holds (its info/paths.json), as
// rattler-build checks them: files (exist / not_exists), site_packages modules, bin, lib, include,
// and `strict` (every file matched by one of the checks).
import type { PackageContentsSpec } from '../../core/model/types.ts';
import { matchesGlob } from './glob.ts';

export interface ContentsLayout {
  /** The site-packages folder in the package: `site-packages` (noarch: python) or `lib/pythonX.Y/site-packages`. */
  sitePackages: string;
}

/** What is wrong with the package's paths, one line each; empty when the test passes. */
export function checkPackageContents(spec: PackageContentsSpec, paths: string[], layout: ContentsLayout): string[] {
  const problems: string[] = [];
  const matched = new Set<string>();
  const expect = (what: string, globs: string[]) => {
    const hits = paths.filter((p) => globs.some((g) => matchesGlob(p, g)));
    if (!hits.length) problems.push(`${what}: no file matches ${globs.join(' or ')}`);
    for (const h of hits) matched.add(h);
  };
  for (const g of spec.files) expect(`files ${g}`, [g]);
  for (const g of spec.notFiles) {
    const hits = paths.filter((p) => matchesGlob(p, g));
    if (hits.length) problems.push(`files not_exists ${g}: the package has ${hits.slice(0, 3).join(', ')}${hits.length > 3 ? ', …' : ''}`);
  }
  for (const m of spec.sitePackages) {
    const sp = layout.sitePackages;
    if (m.includes('/') || m.includes('*')) expect(`site_packages ${m}`, [`${sp}/${m}`]);
    else {
      const rel = m.replace(/\./g, '/');
      // A package folder (its files count as matched) or a single module, compiled or not.
      expect(`site_packages ${m}`, [`${sp}/${rel}/**`, `${sp}/${rel}.py`, `${sp}/${rel}.*.so`, `${sp}/${rel}.so`]);
    }
  }
  for (const b of spec.bin) expect(`bin ${b}`, [`bin/${b}`]);
  for (const l of spec.lib) expect(`lib ${l}`, [`lib/lib${l}.so`, `lib/lib${l}.so.*`, `lib/lib${l}.dylib`, `lib/lib${l}.*.dylib`, `lib/lib${l}.a`]);
  for (const i of spec.include) expect(`include ${i}`, [`include/${i}`]);
  if (spec.strict) {
    const extra = paths.filter((p) => !matched.has(p));
    if (extra.length) problems.push(`strict: ${extra.length} file(s) matched by no check: ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''}`);
  }
  return problems;
}

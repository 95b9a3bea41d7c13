// The checks a staged package must pass before it is copied to production. Each returns null when
// the package passes, else one sentence: what is wrong (and the values seen).
import { sha256File } from '../../core/conda/file-hash.ts';
import { readPackageIndex } from '../../core/conda/read-package.ts';
import { packageStem } from '../../core/conda/package-types.ts';
import type { PackageFile } from './destination.ts';

/** The staged copy still has the sha256 the build recorded. */
export async function checkHash(staged: string, file: PackageFile): Promise<string | null> {
  const sha = await sha256File(staged);
  return sha === file.sha256 ? null : `sha256 in staging ${sha} is not the one recorded at build ${file.sha256} (the file changed after it was built)`;
}

/** info/index.json agrees with the file name (`name-version-build.ext`) and the subdir it is in. */
export async function checkIndex(staged: string, file: PackageFile): Promise<string | null> {
  let index;
  try {
    index = await readPackageIndex(staged);
  } catch (err) {
    return `info/index.json cannot be read: ${(err as Error).message}`;
  }
  const problems: string[] = [];
  const stem = packageStem(file.filename);
  const expected = `${index.name}-${index.version}-${index.build}`;
  if (stem !== expected) problems.push(`name-version-build is ${expected}, the file name says ${stem}`);
  if (index.subdir !== file.subdir) problems.push(`subdir is ${index.subdir ?? '(none)'}, the file is in ${file.subdir}`);
  if (index.name !== file.name) problems.push(`name is ${index.name}, the build recorded ${file.name}`);
  if (index.version !== file.version) problems.push(`version is ${index.version}, the build recorded ${file.version}`);
  return problems.length ? `info/index.json disagrees: ${problems.join('; ')}` : null;
}

/** Production has no file of that name, or the same file (then the copy is skipped). */
export function checkProduction(existing: string | null, file: PackageFile, channel: string): string | null {
  if (existing === null || existing === file.sha256) return null;
  return `${channel} holds ${file.subdir}/${file.filename} already with other content (sha256 ${existing}, this build ${file.sha256})`;
}

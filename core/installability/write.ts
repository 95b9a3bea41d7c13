// Write the matrix's files into a dir: installability.junit.xml and installability.html; with
// several pythons (one matrix each), installability-py<X.Y>.junit.xml and .html per python.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../conda/atomic-write.ts';
import { formatInstallabilityHtml } from './format-html.ts';
import { formatInstallabilityJunit } from './format-junit.ts';
import type { InstallabilityResult } from './matrix.ts';

/** `tag` (e.g. `py3.14`) goes into the file names: `installability-py3.14.junit.xml`. */
export async function writeInstallability(r: InstallabilityResult, outDir: string, tag?: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const stem = join(outDir, tag ? `installability-${tag}` : 'installability');
  const files: [string, string][] = [
    [`${stem}.junit.xml`, formatInstallabilityJunit(r)],
    [`${stem}.html`, formatInstallabilityHtml(r)],
  ];
  for (const [path, text] of files) await writeFileAtomic(path, text);
  return files.map(([path]) => path);
}

/** The matrices of a config (one per python): one python keeps the plain names, several get a `py<X.Y>` tag each. */
export async function writeInstallabilities(results: readonly InstallabilityResult[], outDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const r of results) written.push(...(await writeInstallability(r, outDir, results.length > 1 ? `py${r.python}` : undefined)));
  return written;
}

// Write the matrix's files into a dir: installability.junit.xml and installability.html.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../conda/atomic-write.ts';
import { formatInstallabilityHtml } from './format-html.ts';
import { formatInstallabilityJunit } from './format-junit.ts';
import type { InstallabilityResult } from './matrix.ts';

export async function writeInstallability(r: InstallabilityResult, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const files: [string, string][] = [
    [join(outDir, 'installability.junit.xml'), formatInstallabilityJunit(r)],
    [join(outDir, 'installability.html'), formatInstallabilityHtml(r)],
  ];
  for (const [path, text] of files) await writeFileAtomic(path, text);
  return files.map(([path]) => path);
}

// Test fixture: a small real wheel (a zip with a module and its dist-info/METADATA), written
// without pip, so the index and publish tests run where no python is installed.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';
import type { Artifact, Subdir } from 'rebuild';
import { parseWheelName } from './pep503.ts';

export interface TestWheelOptions {
  requiresPython?: string;
  /** The module's text (changes the bytes). */
  content?: string;
  subdir?: Subdir;
}

/** The METADATA member of a test wheel. */
function metadataText(distribution: string, version: string, requiresPython?: string): string {
  return [`Metadata-Version: 2.1`, `Name: ${distribution}`, `Version: ${version}`, ...(requiresPython ? [`Requires-Python: ${requiresPython}`] : []), '', ''].join('\n');
}

/** Write `<dir>/<filename>` (a wheel name) and return it as the artifact a build records. */
export async function writeTestWheel(dir: string, filename: string, options: TestWheelOptions = {}): Promise<Artifact> {
  const parsed = parseWheelName(filename);
  if (!parsed) throw new Error(`${filename}: not a wheel name`);
  const { distribution, version } = parsed;
  const metadata = metadataText(distribution, version, options.requiresPython);
  const zip = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(1980, 0, 2));
  zip.addBuffer(Buffer.from(options.content ?? `NAME = ${JSON.stringify(distribution)}\n`), `${distribution.toLowerCase()}/__init__.py`, { mtime });
  zip.addBuffer(Buffer.from(metadata), `${distribution}-${version}.dist-info/METADATA`, { mtime });
  zip.end();
  const path = join(dir, filename);
  mkdirSync(dirname(path), { recursive: true });
  await finished(zip.outputStream.pipe(createWriteStream(path)));
  const bytes = readFileSync(path);
  return {
    path,
    filename,
    subdir: options.subdir ?? 'linux-64',
    name: parsed.project,
    version,
    build: parsed.tags,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
  };
}

/** The metadata member `writeTestWheel` wrote. */
export function testWheelMetadata(filename: string, requiresPython?: string): string {
  const { distribution, version } = parseWheelName(filename)!;
  return metadataText(distribution, version, requiresPython);
}

// A wheel's core metadata: the `<name>-<version>.dist-info/METADATA` member, whose `Requires-Python`
// becomes the anchor's `data-requires-python` (PEP 503); reading it also tells a wheel from a file
// that only has a wheel's name.
import yauzl from 'yauzl';

/** A file with a wheel's name that is not a readable wheel. */
export class WheelFormatError extends Error {
  override name = 'WheelFormatError';
}

/** The METADATA member of the wheel at `path` (the one dist-info folder at the top). */
export async function readWheelMetadata(path: string): Promise<Buffer> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  } catch (err) {
    throw new WheelFormatError(`${path}: not a readable wheel (zip): ${(err as Error).message}`);
  }
  try {
    const entries: yauzl.Entry[] = await new Promise((resolve, reject) => {
      const out: yauzl.Entry[] = [];
      zip.on('entry', (e: yauzl.Entry) => (out.push(e), zip.readEntry()));
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
    const found = entries.filter((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.fileName));
    if (found.length !== 1) throw new WheelFormatError(`${path}: ${found.length ? 'several' : 'no'} <name>-<version>.dist-info/METADATA member${found.length ? 's' : ''}`);
    const stream = await zip.openReadStreamPromise(found[0]);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    zip.close();
  }
}

/** A header of core metadata (RFC 822 style, the headers end at the first blank line), or null. */
export function metadataField(metadata: string, field: string): string | null {
  const head = metadata.split(/\r?\n\r?\n/, 1)[0];
  const want = field.toLowerCase();
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === want) return line.slice(colon + 1).trim();
  }
  return null;
}

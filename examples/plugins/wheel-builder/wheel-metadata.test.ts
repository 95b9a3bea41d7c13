import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';
import { metadataField, readWheelMetadata, WheelFormatError } from './wheel-metadata.ts';
import { testWheelMetadata, writeTestWheel } from './test-wheel.ts';

const read = suite('readWheelMetadata', { dir: '' });
read.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'wheel-metadata-'));
});
read.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

read('the dist-info METADATA member, byte for byte', async ({ dir }) => {
  const w = await writeTestWheel(dir, 'unit_conv-0.3.1-py3-none-any.whl', { requiresPython: '>=3.8' });
  assert.is((await readWheelMetadata(w.path)).toString('utf8'), testWheelMetadata(w.filename, '>=3.8'));
});

read('a zip without METADATA, and a file that is no zip, are refused with the path', async ({ dir }) => {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('x = 1\n'), 'foo/__init__.py');
  zip.end();
  const path = join(dir, 'foo-1.0-py3-none-any.whl');
  await finished(zip.outputStream.pipe(createWriteStream(path)));
  const err = await readWheelMetadata(path).then(() => null, (e) => e);
  assert.instance(err, WheelFormatError);
  assert.is(err.message, `${path}: no <name>-<version>.dist-info/METADATA member`);
  const none = await readWheelMetadata(join(dir, 'missing.whl')).then(() => null, (e) => e);
  assert.match(none?.message ?? '', /missing\.whl: not a readable wheel \(zip\)/);
});

read.run();

const field = suite('metadataField');

field('a header, case-insensitive, only before the blank line that starts the description', () => {
  const text = 'Metadata-Version: 2.1\nName: foo\nrequires-python:  >=3.9 \n\nRequires-Python: in the description\n';
  assert.is(metadataField(text, 'Requires-Python'), '>=3.9');
  assert.is(metadataField(text, 'Name'), 'foo');
  assert.is(metadataField('Name: foo\n\nSummary: no\n', 'Summary'), null);
});

field.run();

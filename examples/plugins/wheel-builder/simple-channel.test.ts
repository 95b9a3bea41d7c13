import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderProjectIndex, renderRootIndex } from './pep503.ts';
import { SimpleIndexChannel, WheelConflictError } from './simple-channel.ts';
import { writeTestWheel } from './test-wheel.ts';

const s = suite('SimpleIndexChannel', { dir: '', built: '' });
s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'simple-channel-'));
  ctx.built = join(ctx.dir, 'built');
  mkdirSync(ctx.built);
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const wheel = (built: string, filename: string, content?: string) => writeTestWheel(built, filename, content ? { content } : {});

/** Every file under `dir`, relative, sorted. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

s('wheels go to label/<label>/simple/<project>/, with the project pages and the root page', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  const a = await wheel(built, 'TinyUnits-1.2.0-py3-none-any.whl');
  const b = await writeTestWheel(built, 'unit_conv-0.3.1-py3-none-any.whl', { requiresPython: '>=3.8' });
  const added = await channel.add([b, a], 'wheels');
  assert.equal(added.map((x) => [x.project, x.status]), [['unit-conv', 'added'], ['tinyunits', 'added']]);
  const simple = join(dir, 'ch/label/wheels/simple');
  assert.is(channel.dir('wheels'), simple);
  assert.equal(files(simple), [
    'index.html',
    'tinyunits/TinyUnits-1.2.0-py3-none-any.whl',
    'tinyunits/index.html',
    'unit-conv/index.html',
    'unit-conv/unit_conv-0.3.1-py3-none-any.whl',
  ]);
  assert.is(readFileSync(join(simple, 'index.html'), 'utf8'), renderRootIndex(['tinyunits', 'unit-conv']));
  // The wheel's Requires-Python (its METADATA) on its anchor.
  const page = readFileSync(join(simple, 'unit-conv/index.html'), 'utf8');
  assert.is(page, renderProjectIndex('unit-conv', [{ filename: b.filename, sha256: b.sha256, requiresPython: '>=3.8' }]));
  assert.ok(page.includes(`#sha256=${b.sha256}" data-requires-python="&gt;=3.8">`), page);
  assert.not.match(readFileSync(join(simple, 'tinyunits/index.html'), 'utf8'), /data-requires-python/);
  assert.is(await channel.lookup(a.filename, 'wheels'), a.sha256);
  assert.is(await channel.lookup(a.filename, 'other'), null);
});

s('the main label is the channel itself: <channel>/simple', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  await channel.add([await wheel(built, 'foo-1.0-py3-none-any.whl')], 'main');
  assert.ok(existsSync(join(dir, 'ch/simple/foo/foo-1.0-py3-none-any.whl')));
  assert.ok(existsSync(join(dir, 'ch/simple/index.html')));
});

s('a second version joins the project page; the same bytes again are skipped, the pages unchanged', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  const one = await wheel(built, 'foo-1.0-py3-none-any.whl');
  await channel.add([one], 'wheels');
  const two = await wheel(built, 'foo-1.1-py3-none-any.whl');
  await channel.add([two], 'wheels');
  const page = join(channel.dir('wheels'), 'foo/index.html');
  const before = readFileSync(page, 'utf8');
  const entry = (w: typeof one) => ({ filename: w.filename, sha256: w.sha256 });
  assert.is(before, renderProjectIndex('foo', [one, two].map(entry)));
  const again = await channel.add([one, two], 'wheels');
  assert.equal(again.map((x) => x.status), ['identical', 'identical']);
  assert.is(readFileSync(page, 'utf8'), before);
});

s('a published name with other bytes is refused, and nothing of that call is written', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  await channel.add([await wheel(built, 'foo-1.0-py3-none-any.whl', 'first')], 'wheels');
  const other = join(dir, 'other');
  mkdirSync(other);
  const changed = await wheel(other, 'foo-1.0-py3-none-any.whl', 'second');
  const fresh = await wheel(other, 'bar-2.0-py3-none-any.whl');
  const err = await channel.add([fresh, changed], 'wheels').then(() => null, (e) => e);
  assert.instance(err, WheelConflictError);
  assert.match(err.message, /foo-1\.0-py3-none-any\.whl exists with other content .*a published wheel is never replaced/);
  assert.ok(readFileSync(join(channel.dir('wheels'), 'foo/foo-1.0-py3-none-any.whl')).equals(readFileSync(join(built, 'foo-1.0-py3-none-any.whl'))));
  assert.not.ok(existsSync(join(channel.dir('wheels'), 'bar')));
  assert.equal(files(channel.dir('wheels')), ['foo/foo-1.0-py3-none-any.whl', 'foo/index.html', 'index.html']);
});

s('adds side by side (two publish groups at once) both reach the root page', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  const names = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, '0')}`);
  const ws = await Promise.all(names.map((n) => wheel(built, `${n}-1.0-py3-none-any.whl`)));
  await Promise.all(ws.map((w) => new SimpleIndexChannel(channel.root).add([w], 'wheels')));
  assert.is(readFileSync(join(channel.dir('wheels'), 'index.html'), 'utf8'), renderRootIndex(names));
});

s('the same wheels give the same bytes in two channels, whatever the order', async ({ dir, built }) => {
  const ws = await Promise.all(['b-1.0-py3-none-any.whl', 'a-1.0-py3-none-any.whl', 'a-1.1-py3-none-any.whl'].map((f) => wheel(built, f)));
  const one = new SimpleIndexChannel(join(dir, 'one'));
  const two = new SimpleIndexChannel(join(dir, 'two'));
  await one.add(ws, 'wheels');
  for (const w of [...ws].reverse()) await two.add([w], 'wheels');
  const list = files(one.dir('wheels'));
  assert.equal(files(two.dir('wheels')), list);
  for (const f of list) assert.ok(readFileSync(join(one.dir('wheels'), f)).equals(readFileSync(join(two.dir('wheels'), f))), f);
});

s('a file that is not a wheel, or a bad label, is refused', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  writeFileSync(join(built, 'foo-1.0-py313_0.conda'), 'conda');
  const err = await channel.add([{ path: join(built, 'foo-1.0-py313_0.conda'), filename: 'foo-1.0-py313_0.conda' }], 'wheels').then(() => null, (e) => e);
  assert.match(err?.message ?? '', /not a wheel file name/);
  // A wheel's name on a file that is not a wheel: refused, nothing written.
  writeFileSync(join(built, 'fake-1.0-py3-none-any.whl'), 'not a zip');
  const fake = await channel.add([{ path: join(built, 'fake-1.0-py3-none-any.whl'), filename: 'fake-1.0-py3-none-any.whl' }], 'wheels').then(() => null, (e) => e);
  assert.match(fake?.message ?? '', /fake-1\.0-py3-none-any\.whl: not a readable wheel \(zip\)/);
  assert.not.ok(existsSync(channel.dir('wheels')));
  assert.throws(() => channel.dir('../up'), /channel label '\.\.\/up'/);
});

s.run();

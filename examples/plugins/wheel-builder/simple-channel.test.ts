import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderProjectIndex, renderRootIndex } from './pep503.ts';
import { SimpleIndexChannel, WheelConflictError } from './simple-channel.ts';

const sha = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

const s = suite('SimpleIndexChannel', { dir: '', built: '' });
s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'simple-channel-'));
  ctx.built = join(ctx.dir, 'built');
  mkdirSync(ctx.built);
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

/** A file with a wheel's name (the index never opens it). */
function wheel(built: string, filename: string, bytes = `wheel ${filename}`) {
  const path = join(built, filename);
  writeFileSync(path, bytes);
  return { path, filename };
}

/** Every file under `dir`, relative, sorted. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

s('wheels go to label/<label>/simple/<project>/, with the project pages and the root page', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  const a = wheel(built, 'TinyUnits-1.2.0-py3-none-any.whl');
  const b = wheel(built, 'unit_conv-0.3.1-py3-none-any.whl');
  const added = await channel.add([b, a], 'wheels');
  assert.equal(added.map((x) => [x.project, x.status]), [['unit-conv', 'added'], ['tinyunits', 'added']]);
  const simple = join(dir, 'ch/label/wheels/simple');
  assert.is(channel.dir('wheels'), simple);
  assert.equal(files(simple), ['index.html', 'tinyunits/TinyUnits-1.2.0-py3-none-any.whl', 'tinyunits/index.html', 'unit-conv/index.html', 'unit-conv/unit_conv-0.3.1-py3-none-any.whl']);
  assert.is(readFileSync(join(simple, 'index.html'), 'utf8'), renderRootIndex(['tinyunits', 'unit-conv']));
  assert.is(
    readFileSync(join(simple, 'unit-conv/index.html'), 'utf8'),
    renderProjectIndex('unit-conv', [{ filename: b.filename, sha256: sha(`wheel ${b.filename}`) }]),
  );
  assert.is(await channel.lookup(a.filename, 'wheels'), sha(`wheel ${a.filename}`));
  assert.is(await channel.lookup(a.filename, 'other'), null);
});

s('the main label is the channel itself: <channel>/simple', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  await channel.add([wheel(built, 'foo-1.0-py3-none-any.whl')], 'main');
  assert.ok(existsSync(join(dir, 'ch/simple/foo/foo-1.0-py3-none-any.whl')));
  assert.ok(existsSync(join(dir, 'ch/simple/index.html')));
});

s('a second version joins the project page; the same bytes again are skipped, the pages unchanged', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  const one = wheel(built, 'foo-1.0-py3-none-any.whl');
  await channel.add([one], 'wheels');
  const two = wheel(built, 'foo-1.1-py3-none-any.whl');
  await channel.add([two], 'wheels');
  const page = join(channel.dir('wheels'), 'foo/index.html');
  const before = readFileSync(page, 'utf8');
  assert.is(before, renderProjectIndex('foo', [one, two].map((w) => ({ filename: w.filename, sha256: sha(`wheel ${w.filename}`) }))));
  const again = await channel.add([one, two], 'wheels');
  assert.equal(again.map((x) => x.status), ['identical', 'identical']);
  assert.is(readFileSync(page, 'utf8'), before);
});

s('a published name with other bytes is refused, and nothing of that call is written', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  await channel.add([wheel(built, 'foo-1.0-py3-none-any.whl', 'first')], 'wheels');
  const other = join(dir, 'other');
  mkdirSync(other);
  const changed = wheel(other, 'foo-1.0-py3-none-any.whl', 'second');
  const fresh = wheel(other, 'bar-2.0-py3-none-any.whl');
  const err = await channel.add([fresh, changed], 'wheels').then(() => null, (e) => e);
  assert.instance(err, WheelConflictError);
  assert.match(err.message, /foo-1\.0-py3-none-any\.whl exists with other content .*a published wheel is never replaced/);
  assert.is(readFileSync(join(channel.dir('wheels'), 'foo/foo-1.0-py3-none-any.whl'), 'utf8'), 'first');
  assert.not.ok(existsSync(join(channel.dir('wheels'), 'bar')));
  assert.equal(files(channel.dir('wheels')), ['foo/foo-1.0-py3-none-any.whl', 'foo/index.html', 'index.html']);
});

s('adds side by side (two publish groups at once) both reach the root page', async ({ dir, built }) => {
  const channel = new SimpleIndexChannel(join(dir, 'ch'));
  const names = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, '0')}`);
  await Promise.all(names.map((n) => new SimpleIndexChannel(channel.root).add([wheel(built, `${n}-1.0-py3-none-any.whl`)], 'wheels')));
  assert.is(readFileSync(join(channel.dir('wheels'), 'index.html'), 'utf8'), renderRootIndex(names));
});

s('the same wheels give the same bytes in two channels, whatever the order', async ({ dir, built }) => {
  const ws = ['b-1.0-py3-none-any.whl', 'a-1.0-py3-none-any.whl', 'a-1.1-py3-none-any.whl'].map((f) => wheel(built, f));
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
  const err = await channel.add([wheel(built, 'foo-1.0-py313_0.conda')], 'wheels').then(() => null, (e) => e);
  assert.match(err?.message ?? '', /not a wheel file name/);
  assert.throws(() => channel.dir('../up'), /channel label '\.\.\/up'/);
});

s.run();

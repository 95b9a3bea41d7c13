import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import { failureClassOf } from '../../core/model/failure.ts';
import type { PublishFailure, PublishGroup, PublishResult } from '../../core/model/types.ts';
import { sha256File } from '../../core/conda/file-hash.ts';
import { LocalChannel } from '../../core/conda/channel.ts';
import { publisher } from './index.ts';
import { configIn, group, makePackage, tempDir } from './test-fixtures.ts';

/** A run of an engine with the publisher; `failures` collects what publishFailed saw. */
function setup(extra: Record<string, unknown> = {}, options: Parameters<typeof publisher>[0] = {}) {
  const t = tempDir();
  const config = configIn(t.dir, [publisher(options)], extra);
  const run = new Engine(config).createRun();
  const failures: PublishFailure[] = [];
  run.hooks.publishFailed.tap('test', (f) => void failures.push(f));
  const work = config.workDir;
  return {
    ...t, run, work, failures,
    built: join(work, 'channel'),
    production: join(work, 'production'),
    staging: join(work, 'staging'),
    publish: (g: PublishGroup) => run.hooks.publish.promise(g) as Promise<PublishResult>,
  };
}

const repodataNames = (channel: string, subdir: string) => {
  const path = join(channel, subdir, 'repodata.json');
  if (!existsSync(path)) return [];
  const r = JSON.parse(readFileSync(path, 'utf8'));
  return [...Object.keys(r.packages), ...Object.keys(r['packages.conda'])].sort();
};

const files = (dir: string): string[] => {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(conda|tar\.bz2)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
};

const s = suite('rebuild:publisher');

s('a group of two arches goes to production under the label, hashes checked, staging emptied', async () => {
  const x = setup({ publish: { productionLabel: 'py313' } });
  try {
    const linux = await makePackage(x.built, { name: 'foo' });
    const osx = await makePackage(x.built, { name: 'foo', subdir: 'osx-arm64' });
    const lines: string[] = [];
    const result = await x.publish(group(x.work, 'foo', ['foo'], [[linux], [osx]], lines));
    assert.is(result.publisher, 'rebuild:publisher');
    assert.is(result.label, 'py313');
    assert.equal(result.published.map((a) => a.path), [join(x.production, 'label/py313/linux-64', linux.filename), join(x.production, 'label/py313/osx-arm64', osx.filename)]);
    assert.equal(files(x.production), [`label/py313/linux-64/${linux.filename}`, `label/py313/osx-arm64/${osx.filename}`]);
    assert.is(await sha256File(join(x.production, 'label/py313/linux-64', linux.filename)), linux.sha256);
    assert.equal(repodataNames(join(x.production, 'label/py313'), 'osx-arm64'), [osx.filename]);
    // Staged under publish.label (main: the staging channel itself), then removed from there, index too.
    assert.equal(files(x.staging), []);
    assert.equal(repodataNames(x.staging, 'linux-64'), []);
    assert.equal(x.failures, []);
    assert.ok(lines.includes('foo-1.0-py3.13: copied to production osx-arm64/foo-1.0-py313h0_0.conda (sha256 checked)'), lines.join('\n'));
    assert.not.ok(existsSync(join(x.work, 'notices')));
  } finally {
    x.cleanup();
  }
});

s('publishing again (a resume, or promote) copies nothing twice and gives the same result', async () => {
  const x = setup();
  try {
    const a = await makePackage(x.built, { name: 'foo' });
    const first = await x.publish(group(x.work, 'foo', ['foo'], [[a]]));
    const mtime = (await import('node:fs')).statSync(first.published[0].path).mtimeMs;
    const second = await x.publish(group(x.work, 'foo', ['foo'], [[a]]));
    assert.equal(second, first);
    assert.is((await import('node:fs')).statSync(second.published[0].path).mtimeMs, mtime);
  } finally {
    x.cleanup();
  }
});

s('groups published at the same time (the engine runs publish tasks side by side): each published, production and staging indexes exact', async () => {
  const x = setup();
  try {
    const names = Array.from({ length: 12 }, (_, i) => `pkg${String(i).padStart(2, '0')}`);
    const built = await Promise.all(names.map((name) => makePackage(x.built, { name })));
    const results = await Promise.allSettled(built.map((a) => x.publish(group(x.work, a.name, [a.name], [[a]]))));
    assert.equal(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), []);
    assert.equal(repodataNames(x.production, 'linux-64'), built.map((a) => a.filename).sort());
    assert.equal(files(x.staging), []);
    assert.equal(repodataNames(x.staging, 'linux-64'), []);
  } finally {
    x.cleanup();
  }
});

s('the end of a run says where the production channel is', async () => {
  const x = setup();
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    await x.run.hooks.report.promise({ runId: 1, startedAt: '', endedAt: '', counts: { published: 3, failed: 1 }, results: [], notBuilt: [], planErrors: 0, interrupted: false });
  } finally {
    process.stderr.write = write;
    x.cleanup();
  }
  assert.equal(lines, [`rebuild: production channel: ${x.production} (3 package(s) published; staging: ${x.staging})\n`]);
});

s('a name the feedstock does not own fails validation: publishFailed, a notice, nothing in production :: owner', async () => {
  const x = setup();
  try {
    // bar-feedstock's build produced a package named foo (its recipe declares bar), next to its bar.
    const bar = await makePackage(x.built, { name: 'bar' });
    const foo = await makePackage(x.built, { name: 'foo', build: 'py313h1_0' });
    const g = group(x.work, 'bar', ['bar'], [[bar, foo]]);
    const err = await x.publish(g).then(() => null, (e) => e);
    assert.ok(err, 'publish must fail');
    assert.is(failureClassOf(err, 'internal'), 'publish');
    assert.match(err.message, /validation of bar-1.0-py3.13 failed: linux-64\/foo-1.0-py313h1_0.conda: no feedstock declares an output named foo/);
    assert.equal(x.failures.map((f) => [f.step, f.artifact?.filename]), [['validate', foo.filename]]);
    assert.equal(files(x.production), [], 'the valid bar is not published either: all or nothing');
    const notice = readFileSync(join(x.work, 'notices', 'bar.md'), 'utf8');
    assert.match(notice, /^# bar: packages not published/);
    assert.match(notice, /\| validate \| linux-64\/foo-1.0-py313h1_0.conda \| no feedstock declares an output named foo/);
    assert.match(notice, /publish.owners: \{ 'bar': \['foo'\] \}/);
    assert.match(notice, /What to do:/);
  } finally {
    x.cleanup();
  }
});

s('publish.owners extends the outputs map: the same group publishes', async () => {
  const x = setup({ publish: { owners: { bar: ['foo'] } } });
  try {
    const bar = await makePackage(x.built, { name: 'bar' });
    const foo = await makePackage(x.built, { name: 'foo', build: 'py313h1_0' });
    const result = await x.publish(group(x.work, 'bar', ['bar'], [[bar, foo]]));
    assert.is(result.published.length, 2);
  } finally {
    x.cleanup();
  }
});

s('a name another feedstock of the aggregate owns is refused, naming the owner :: outputs map from the plans', async () => {
  const x = setup();
  try {
    // The plans say numpy-feedstock builds numpy-base; foo-feedstock builds a numpy-base too.
    x.run.hooks.planned.call({ nodes: [{ id: 'numpy', feedstock: 'numpy', outputs: ['numpy', 'numpy-base'] }] } as any);
    const a = await makePackage(x.built, { name: 'numpy-base' });
    const err = await x.publish(group(x.work, 'foo', ['foo'], [[a]])).then(() => null, (e) => e);
    assert.match(err?.message ?? '', /numpy-base is owned by numpy \(outputs map\), not foo/);
  } finally {
    x.cleanup();
  }
});

s('a file changed after its build fails validation :: sha256 recorded at build', async () => {
  const x = setup();
  try {
    const a = await makePackage(x.built, { name: 'foo' });
    const other = await makePackage(join(x.dir, 'elsewhere'), { name: 'foo', content: 'tampered\n' });
    writeFileSync(a.path, readFileSync(other.path));
    const err = await x.publish(group(x.work, 'foo', ['foo'], [[a]])).then(() => null, (e) => e);
    assert.match(err?.message ?? '', new RegExp(`sha256 in staging ${other.sha256} is not the one recorded at build ${a.sha256}`));
    assert.equal(x.failures.map((f) => f.step), ['validate']);
    assert.equal(files(x.production), []);
    assert.match(readFileSync(join(x.work, 'notices', 'foo.md'), 'utf8'), /rebuild run --retry <name>/);
  } finally {
    x.cleanup();
  }
});

s('info/index.json that disagrees with the file name fails validation :: index.json', async () => {
  const x = setup();
  try {
    const a = await makePackage(x.built, { name: 'foo', build: 'py313h0_0' });
    // The same bytes under another build string: the name says _1, index.json says _0.
    const renamed = a.path.replace('_0.conda', '_1.conda');
    writeFileSync(renamed, readFileSync(a.path));
    const wrong = { ...a, path: renamed, filename: a.filename.replace('_0.conda', '_1.conda'), build: 'py313h0_1' };
    const err = await x.publish(group(x.work, 'foo', ['foo'], [[wrong]])).then(() => null, (e) => e);
    assert.match(err?.message ?? '', /info\/index.json disagrees: name-version-build is foo-1.0-py313h0_0, the file name says foo-1.0-py313h0_1/);
  } finally {
    x.cleanup();
  }
});

s('a file in the wrong subdir fails validation :: index.json subdir', async () => {
  const x = setup();
  try {
    const a = await makePackage(x.built, { name: 'foo', subdir: 'linux-64' });
    const err = await x.publish(group(x.work, 'foo', ['foo'], [[{ ...a, subdir: 'osx-arm64' }]])).then(() => null, (e) => e);
    assert.match(err?.message ?? '', /subdir is linux-64, the file is in osx-arm64/);
  } finally {
    x.cleanup();
  }
});

s('production holding the name with other content fails validation; no arch is copied :: production conflict', async () => {
  const x = setup();
  try {
    const linux = await makePackage(x.built, { name: 'foo' });
    const osx = await makePackage(x.built, { name: 'foo', subdir: 'osx-arm64' });
    const older = await makePackage(join(x.dir, 'old'), { name: 'foo', subdir: 'osx-arm64', content: 'an earlier build\n' });
    await new LocalChannel(x.production).add([older.path]);
    const err = await x.publish(group(x.work, 'foo', ['foo'], [[linux], [osx]])).then(() => null, (e) => e);
    assert.match(err?.message ?? '', /holds osx-arm64\/foo-1.0-py313h0_0.conda already with other content/);
    assert.equal(files(x.production), [`osx-arm64/${osx.filename}`]);
    assert.is(await sha256File(join(x.production, 'osx-arm64', osx.filename)), older.sha256, 'the production file is untouched');
    assert.match(readFileSync(join(x.work, 'notices', 'foo.md'), 'utf8'), /Raise the build number/);
  } finally {
    x.cleanup();
  }
});

s('a failed group publishes once fixed, and its notice goes :: promote after a fix', async () => {
  const x = setup();
  try {
    const a = await makePackage(x.built, { name: 'foo' });
    const bad = { ...a, sha256: '0'.repeat(64) };
    await x.publish(group(x.work, 'foo', ['foo'], [[bad]])).catch(() => {});
    assert.ok(existsSync(join(x.work, 'notices', 'foo.md')));
    await x.publish({ ...group(x.work, 'foo', ['foo'], [[a]]), attempt: 2 });
    assert.not.ok(existsSync(join(x.work, 'notices', 'foo.md')));
    assert.equal(files(x.production), [`linux-64/${a.filename}`]);
  } finally {
    x.cleanup();
  }
});

s('notices: one file per feedstock, a section per group, same failures same bytes', async () => {
  const x = setup();
  try {
    const a = await makePackage(x.built, { name: 'foo' });
    const b = await makePackage(x.built, { name: 'foo-extra' });
    await x.publish(group(x.work, 'foo', ['foo', 'foo-extra'], [[{ ...a, sha256: '1'.repeat(64) }]])).catch(() => {});
    await x.publish(group(x.work, 'foo', ['foo', 'foo-extra'], [[{ ...b, sha256: '2'.repeat(64) }]])).catch(() => {});
    const text = readFileSync(join(x.work, 'notices', 'foo.md'), 'utf8');
    assert.equal([...text.matchAll(/^## (\S+)$/gm)].map((m) => m[1]), ['foo-1.0-py3.13', 'foo-extra-1.0-py3.13']);
    await x.publish(group(x.work, 'foo', ['foo', 'foo-extra'], [[{ ...b, sha256: '2'.repeat(64) }]])).catch(() => {});
    assert.is(readFileSync(join(x.work, 'notices', 'foo.md'), 'utf8'), text);
  } finally {
    x.cleanup();
  }
});

s('notices: false writes none; publishFailed still fires', async () => {
  const x = setup({}, { notices: false });
  try {
    const a = await makePackage(x.built, { name: 'foo' });
    await x.publish(group(x.work, 'foo', ['foo'], [[{ ...a, sha256: '1'.repeat(64) }]])).catch(() => {});
    assert.is(x.failures.length, 1);
    assert.not.ok(existsSync(join(x.work, 'notices')));
  } finally {
    x.cleanup();
  }
});

s('publish.enabled false: the publisher does not take the group', async () => {
  const x = setup({ publish: { enabled: false } });
  try {
    const a = await makePackage(x.built, { name: 'foo' });
    assert.is(await x.run.hooks.publish.promise(group(x.work, 'foo', ['foo'], [[a]])), undefined);
    assert.equal(files(x.production), []);
  } finally {
    x.cleanup();
  }
});

s('bad options are refused with the option named', () => {
  assert.throws(() => publisher({ kind: 'ftp' } as any), /options.kind must be one of "local", "anaconda", "prefix"/);
  assert.throws(() => publisher({ anaconda: { token: 'x' } } as any), /options.anaconda: unknown option 'token'/);
});

s.run();

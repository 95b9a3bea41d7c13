// The plugin's publish tap, on the example's config loaded as a user loads it: a group of wheels goes
// to the label's simple index (the same wheel of two arches once), a group of conda packages is
// left to the built-in publisher; a wheel changed since its build, or a published name with other
// bytes, fails the group (class publish) with a publishFailed notice. No pip needed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigContext } from '../../../core/cli/context.ts';
import { Engine } from '../../../core/engine/engine.ts';
import { failureClassOf } from '../../../core/model/failure.ts';
import type { Artifact, PublishFailure, Subdir } from '../../../core/model/types.ts';
import { writeTestWheel } from './test-wheel.ts';
import { group, makePackage, tempDir } from '../../../plugins/publisher/test-fixtures.ts';
import { sha256File } from '../../../core/conda/file-hash.ts';
import { renderProjectIndex } from './pep503.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

async function exampleRun(workDir: string) {
  const { config } = await loadConfigContext({ config: join(here, 'rebuild.config.ts'), workDir }, here);
  const run = new Engine(config).createRun();
  const failures: PublishFailure[] = [];
  run.hooks.publishFailed.tapPromise('test', async (f) => void failures.push(f));
  return { config, run, failures, simple: join(config.workDir, 'production/label/wheels/simple') };
}

/** A wheel in the output channel, as the builder leaves it, hashed as the engine records it. */
const wheel = (channel: string, filename: string, content: string, subdir: Subdir = 'linux-64'): Promise<Artifact> =>
  writeTestWheel(join(channel, subdir), filename, { content, subdir });

const s = suite('examples/plugins/wheel-builder: publish');

s('a group of wheels goes to label/wheels/simple: one file for two arches, the pages written', async () => {
  const t = tempDir('wheel-publish-');
  try {
    const { config, run, failures, simple } = await exampleRun(t.dir);
    const channel = join(config.workDir, 'channel');
    const a = await wheel(channel, 'unit_conv-0.3.1-py3-none-any.whl', 'VALUE = 1\n');
    const b = await wheel(channel, 'unit_conv-0.3.1-py3-none-any.whl', 'VALUE = 1\n', 'osx-arm64');
    assert.is(a.sha256, b.sha256);
    const lines: string[] = [];
    const result = await run.hooks.publish.promise(group(config.workDir, 'unitconv', ['unit-conv'], [[a], [b]], lines));
    assert.equal([result?.publisher, result?.label, result?.published.length], ['acme:wheel-builder', 'wheels', 2]);
    assert.is(readFileSync(join(simple, 'unit-conv/index.html'), 'utf8'), renderProjectIndex('unit-conv', [{ filename: a.filename, sha256: a.sha256 }]));
    assert.ok(existsSync(join(simple, 'index.html')));
    assert.equal(lines, [`acme:wheel-builder: ${a.filename} → ${join(simple, 'unit-conv', a.filename)} (added)`]);
    assert.equal(failures, []);
  } finally {
    t.cleanup();
  }
});

s('a group of conda packages is left to the built-in publisher', async () => {
  const t = tempDir('wheel-publish-');
  try {
    const { config, run, simple } = await exampleRun(t.dir);
    const pkg = await makePackage(join(config.workDir, 'channel'), { name: 'foo' });
    const result = await run.hooks.publish.promise(group(config.workDir, 'foo', ['foo'], [[pkg]]));
    assert.is(result?.publisher, 'rebuild:publisher');
    assert.ok(existsSync(join(config.workDir, 'production/label/wheels/linux-64', pkg.filename)));
    assert.not.ok(existsSync(simple));
  } finally {
    t.cleanup();
  }
});

s('a wheel changed since its build fails validation; a published name with other bytes fails the upload', async () => {
  const t = tempDir('wheel-publish-');
  try {
    const { config, run, failures, simple } = await exampleRun(t.dir);
    const channel = join(config.workDir, 'channel');
    const changed = { ...(await wheel(channel, 'foo-1.0-py3-none-any.whl', 'built')), sha256: 'b'.repeat(64) };
    const err = await run.hooks.publish.promise(group(config.workDir, 'foo', ['foo'], [[changed]])).then(() => null, (e) => e);
    assert.is(failureClassOf(err, 'internal'), 'publish');
    assert.equal(failures.map((f) => f.step), ['validate']);
    assert.match(failures[0].reason, /is not the one recorded at build b{64}: rebuild it \(rebuild run --retry foo\)/);
    assert.not.ok(existsSync(join(simple, 'foo')));

    const first = await wheel(channel, 'bar-2.0-py3-none-any.whl', 'first build');
    await run.hooks.publish.promise(group(config.workDir, 'bar', ['bar'], [[first]]));
    const second = await wheel(channel, 'bar-2.0-py3-none-any.whl', 'second build, same version');
    const conflict = await run.hooks.publish.promise(group(config.workDir, 'bar', ['bar'], [[second]])).then(() => null, (e) => e);
    assert.is(failureClassOf(conflict, 'internal'), 'publish');
    assert.equal(failures.map((f) => f.step), ['validate', 'upload']);
    assert.match(failures[1].reason, /bar-2\.0-py3-none-any\.whl exists with other content .*a published wheel is never replaced; raise the version/);
    assert.is(failures[1].artifact?.filename, 'bar-2.0-py3-none-any.whl');
    assert.is(await sha256File(join(simple, 'bar', 'bar-2.0-py3-none-any.whl')), first.sha256);
    // The built-in publisher's notice handler wrote the markdown notice too.
    assert.ok(existsSync(join(config.workDir, 'notices', 'bar.md')));
  } finally {
    t.cleanup();
  }
});

s.run();

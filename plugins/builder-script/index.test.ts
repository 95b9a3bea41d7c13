import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildTask, RenderedOutput, RenderedVariant, RecipeRef } from '../../core/model/types.ts';
import { writeCondaPackage } from '../../core/conda/write-package.ts';
import { indexChannel } from '../../core/conda/repodata.ts';
import { placeholderPrefix } from '../../core/conda/prefix-placeholder.ts';
import { cph } from '../../core/conda/fixtures/cph.ts';
import { runOnHost } from '../runner-host/index.ts';
import { PluginOptionsError } from '../../core/engine/plugin-options.ts';
import { scriptBuilder, ScriptBuildError, PLUGIN_NAME } from './index.ts';
import { buildWithScript, packagedPlaceholder } from './build.ts';

const FIXTURE = new URL('./fixtures/hello', import.meta.url).pathname;

function output(over: Partial<RenderedOutput> = {}): RenderedOutput {
  return {
    name: 'hello', version: '1.0', build: 'py313h1234567_0', buildNumber: 0, noarch: null,
    requirements: { build: [], host: ['python 3.13.*'], run: ['python >=3.13,<3.14'], run_constrained: ['hello-extras >=1'] },
    test: { requires: [], imports: ['hello'], commands: [] },
    runExports: { weak: [], strong: [] }, script: null, license: 'MIT',
    ...over,
  };
}

function variant(over: Partial<RenderedVariant> = {}): RenderedVariant {
  return {
    variant: { python: '3.13', target_platform: 'linux-64' }, skip: false, outputs: [output()],
    source: [{ path: 'src' }], script: null, buildNumber: 0, about: { license: 'MIT', summary: 'test' },
    ...over,
  };
}

/** A work area with a channel holding a tiny "python" whose files contain its own build prefix. */
async function setup(recipeDir = FIXTURE) {
  const root = mkdtempSync(join(tmpdir(), 'builder-script-'));
  const channel = join(root, 'channel');
  const pyBuild = placeholderPrefix(join(root, 'pybuild'));
  mkdirSync(join(pyBuild, 'lib/python3.13'), { recursive: true });
  mkdirSync(join(pyBuild, 'bin'), { recursive: true });
  writeFileSync(join(pyBuild, 'lib/python3.13/prefix.txt'), `${pyBuild}\n`);
  writeFileSync(join(pyBuild, 'bin/python'), '#!/bin/sh\necho fake python\n');
  chmodSync(join(pyBuild, 'bin/python'), 0o755);
  await writeCondaPackage({
    prefix: pyBuild, files: ['bin/python', 'lib/python3.13/prefix.txt'],
    info: { name: 'python', version: '3.13.1', build: 'h0_0', buildNumber: 0, depends: [], subdir: 'linux-64' },
    outDir: join(channel, 'linux-64'),
  });
  await indexChannel(channel, ['linux-64']);
  const recipe: RecipeRef = {
    feedstock: 'hello', dir: recipeDir, file: join(recipeDir, 'meta.yaml'), format: 'meta.yaml',
    aggregate: root, variantFiles: [],
  };
  const logFile = join(root, 'logs', 'hello.log');
  const ac = new AbortController();
  const makeTask = (variants: RenderedVariant[]): BuildTask => {
    const task: BuildTask = {
      id: 'hello', target: { subdir: 'linux-64', python: '3.13' }, stage: 'build', attempt: 1,
      node: {
        id: 'hello', feedstock: 'hello', target: { subdir: 'linux-64', python: '3.13' }, outputs: variants[0].outputs.map((o) => o.name),
        status: 'planned', reason: null, recipe, variants, bootstrap: false, pythonDependency: 'host: python 3.13.*', recipeHash: null,
      },
      workDir: join(root, 'work'), outputChannel: join(root, 'out'), channels: [channel], logFile,
      log: (line) => {
        mkdirSync(join(root, 'logs'), { recursive: true });
        appendFileSync(logFile, `${line}\n`);
      },
      signal: ac.signal, timeoutMs: 30_000,
      exec: (req) => runOnHost({ ...req, task }),
    };
    return task;
  };
  return { root, channel, makeTask, logFile, ac, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function extractWithCph(pkg: string, dest: string) {
  cph(['extract', '--dest', dest, pkg]);
  const json = (p: string) => JSON.parse(readFileSync(join(dest, p), 'utf8'));
  return { index: json('info/index.json'), paths: json('info/paths.json').paths as any[] };
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

const s = suite('buildWithScript');

s('builds a recipe end to end :: host env from a channel, build.sh, both formats accepted by cph', async () => {
  const ctx = await setup();
  try {
    const task = ctx.makeTask([variant()]);
    const result = await buildWithScript(task, { formats: ['tar.bz2', 'conda'], zstdLevel: 3 });
    assert.ok(result);
    assert.is(result!.builder, PLUGIN_NAME);
    assert.equal(result!.artifacts.map((a) => a.filename), ['hello-1.0-py313h1234567_0.tar.bz2', 'hello-1.0-py313h1234567_0.conda']);
    const hostPrefix = placeholderPrefix(task.workDir, 'h_env');
    assert.is(hostPrefix.length, 255);
    const log = readFileSync(ctx.logFile, 'utf8');
    assert.match(log, 'host environment: install python 3.13.1 h0_0');
    assert.match(log, `built hello 1.0 py313h1234567_0 py=3.13 subdir=linux-64 python=${hostPrefix}/bin/python`);
    // The host package's placeholder was replaced by the host prefix at install time.
    assert.match(log, `host python says: ${hostPrefix}`);

    for (const a of result!.artifacts) {
      assert.is(a.path, join(ctx.root, 'out', 'linux-64', a.filename));
      assert.is(a.sha256, sha256(readFileSync(a.path)));
      const dest = join(ctx.root, `cph-${a.filename}`);
      const { index, paths } = extractWithCph(a.path, dest);
      assert.equal(index.depends, ['python >=3.13,<3.14']);
      assert.equal(index.constrains, ['hello-extras >=1']);
      assert.is(index.build, 'py313h1234567_0');
      assert.is(index.subdir, 'linux-64');
      assert.is(index.license, 'MIT');
      // Only what build.sh added: none of the host environment's files.
      assert.equal(paths.map((p) => p._path), ['bin/hello', 'lib/python3.13/site-packages/hello/__init__.py']);
      const init = readFileSync(join(dest, 'lib/python3.13/site-packages/hello/__init__.py'));
      assert.is(paths[1].sha256, sha256(init));
      assert.is(paths[1].size_in_bytes, init.length);
      assert.is(paths[1].prefix_placeholder, undefined);
      // The package carries a fixed placeholder of the host prefix's length, not the work dir's path.
      const placeholder = packagedPlaceholder(hostPrefix);
      assert.is(placeholder.length, hostPrefix.length);
      assert.is(paths[0].prefix_placeholder, placeholder);
      assert.is(paths[0].file_mode, 'text');
      assert.is(readFileSync(join(dest, 'bin/hello'), 'utf8'), `#!${placeholder}/bin/python\nimport hello\n`);
      assert.is(readFileSync(join(dest, 'info/recipe/build.sh'), 'utf8'), readFileSync(join(FIXTURE, 'build.sh'), 'utf8'));
    }
  } finally {
    ctx.cleanup();
  }
});

s('fetches a url source, checks its sha256 and strips the top folder :: file:// tar.gz', async () => {
  const ctx = await setup();
  try {
    const tree = join(ctx.root, 'tree', 'hello-1.0');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'hello.py'), 'X = 1\n');
    const tarball = join(ctx.root, 'hello-1.0.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', join(ctx.root, 'tree'), 'hello-1.0']);
    const url = pathToFileURL(tarball).href;
    const good = variant({ source: [{ url: [url], sha256: sha256(readFileSync(tarball)) }] });
    const result = await buildWithScript(ctx.makeTask([good]), {});
    const dest = join(ctx.root, 'x');
    extractWithCph(result!.artifacts[0].path, dest);
    assert.is(readFileSync(join(dest, 'lib/python3.13/site-packages/hello/__init__.py'), 'utf8'), 'X = 1\n');

    const bad = variant({ source: [{ url: [url], sha256: '0'.repeat(64) }] });
    try {
      await buildWithScript(ctx.makeTask([bad]), {});
      assert.unreachable('a sha256 mismatch must fail');
    } catch (err) {
      assert.instance(err, ScriptBuildError);
      assert.is((err as ScriptBuildError).failure, 'build');
      assert.match((err as Error).message, 'sha256 mismatch');
    }
  } finally {
    ctx.cleanup();
  }
});

s('a failing script is a build failure with the exit code and the log tail :: exit 3', async () => {
  const ctx = await setup();
  try {
    const v = variant({ script: 'echo about to fail\nexit 3' });
    await buildWithScript(ctx.makeTask([v]), {});
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, ScriptBuildError);
    assert.is((err as ScriptBuildError).failure, 'build');
    assert.is((err as ScriptBuildError).exitCode, 3);
    assert.match((err as Error).message, 'exit code 3');
    assert.match((err as Error).message, 'about to fail');
  } finally {
    ctx.cleanup();
  }
});

s('a host requirement that needs __glibc (a compiler run_export) installs: the environments get the target\'s virtual packages', async () => {
  const ctx = await setup();
  try {
    const files = join(ctx.root, 'libz');
    mkdirSync(join(files, 'lib'), { recursive: true });
    writeFileSync(join(files, 'lib', 'libz.txt'), 'z\n');
    await writeCondaPackage({
      prefix: files, files: ['lib/libz.txt'], outDir: join(ctx.channel, 'linux-64'),
      info: { name: 'libz', version: '1.3', build: 'h0_0', buildNumber: 0, depends: ['__glibc >=2.17,<3.0.a0'], subdir: 'linux-64' },
    });
    await indexChannel(ctx.channel, ['linux-64']);
    const v = variant({ outputs: [output({ requirements: { build: [], host: ['python 3.13.*', 'libz'], run: [], run_constrained: [] } })] });
    const result = await buildWithScript(ctx.makeTask([v]), {});
    assert.ok(result?.artifacts.length);
    assert.match(readFileSync(ctx.logFile, 'utf8'), /host environment: install libz 1\.3 h0_0/);
  } finally {
    ctx.cleanup();
  }
});

s('an unsatisfiable host requirement fails before the script runs :: missing package', async () => {
  const ctx = await setup();
  try {
    const v = variant({ outputs: [output({ requirements: { build: [], host: ['no-such-pkg'], run: [], run_constrained: [] } })] });
    await buildWithScript(ctx.makeTask([v]), {});
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, ScriptBuildError);
    assert.is((err as ScriptBuildError).failure, 'build');
    assert.match((err as Error).message, /cannot solve the host environment \(no-such-pkg\)/);
  } finally {
    ctx.cleanup();
  }
});

s('a timed out or cancelled script gets its failure class :: timeout, cancelled', async () => {
  const ctx = await setup();
  try {
    const slow = variant({ script: 'sleep 20' });
    const task = ctx.makeTask([slow]);
    task.timeoutMs = 300;
    await buildWithScript(task, {}).then(
      () => assert.unreachable('should time out'),
      (err) => assert.is((err as ScriptBuildError).failure, 'timeout'),
    );
    const task2 = ctx.makeTask([slow]);
    setTimeout(() => ctx.ac.abort(), 300);
    await buildWithScript(task2, {}).then(
      () => assert.unreachable('should be cancelled'),
      (err) => assert.is((err as ScriptBuildError).failure, 'cancelled'),
    );
  } finally {
    ctx.cleanup();
  }
});

s('multi-output: top-level files go to the script-less output, an output script packs its own :: lib + py', async () => {
  const ctx = await setup();
  try {
    const lib = output({ name: 'libhello', build: 'h1234567_0', requirements: { build: [], host: [], run: [], run_constrained: [] } });
    const py = output({
      name: 'py-hello', build: 'py313h1234567_0', noarch: null,
      requirements: { build: [], host: ['python 3.13.*', 'libhello 1.0'], run: ['libhello 1.0', 'python'], run_constrained: [] },
      script: 'mkdir -p "$SP_DIR" && echo "$PKG_NAME" > "$SP_DIR/py_hello.txt"',
    });
    const v = variant({ outputs: [lib, py], script: 'mkdir -p "$PREFIX/lib" && echo lib > "$PREFIX/lib/libhello.txt"' });
    const result = await buildWithScript(ctx.makeTask([v]), {});
    const files = result!.artifacts.map((a) => {
      const dest = join(ctx.root, `x-${a.name}`);
      return [a.name, extractWithCph(a.path, dest).paths.map((p) => p._path)];
    });
    // libhello (a sibling) is not resolved from the channel: it is built here.
    assert.equal(files, [
      ['libhello', ['lib/libhello.txt']],
      ['py-hello', ['lib/python3.13/site-packages/py_hello.txt']],
    ]);
  } finally {
    ctx.cleanup();
  }
});

s('multi-output: the top-level requirements are installed for the top-level script :: python only there', async () => {
  const ctx = await setup();
  try {
    const lib = output({ name: 'libhello', build: 'h1234567_0', requirements: { build: [], host: [], run: [], run_constrained: [] } });
    // Only the top-level build environment has python: the top-level script runs it.
    const v = variant({
      outputs: [lib],
      requirements: { build: [], host: ['python 3.13.*'] },
      script: 'mkdir -p "$PREFIX/lib" && "$PREFIX/bin/python" > "$PREFIX/lib/libhello.txt"',
    });
    const result = await buildWithScript(ctx.makeTask([v]), {});
    const files = extractWithCph(result!.artifacts[0].path, join(ctx.root, 'x-lib')).paths.map((p) => p._path);
    assert.ok(files.includes('lib/libhello.txt'), files.join(', '));
    assert.match(readFileSync(ctx.logFile, 'utf8'), 'python');
    const missing = variant({ outputs: [lib], requirements: { build: [], host: ['no-such-top-level-pkg'] }, script: 'true' });
    await buildWithScript(ctx.makeTask([missing]), {}).then(
      () => assert.unreachable('should fail'),
      (err) => assert.match((err as Error).message, /cannot solve the host environment \(no-such-top-level-pkg\)/),
    );
  } finally {
    ctx.cleanup();
  }
});

s('noarch: python outputs use the noarch layout and go to noarch/ :: site-packages, python-scripts', async () => {
  const ctx = await setup();
  try {
    const v = variant({ outputs: [output({ noarch: 'python', build: 'pyh1234567_0' })] });
    const result = await buildWithScript(ctx.makeTask([v]), {});
    const a = result!.artifacts[0];
    assert.is(a.subdir, 'noarch');
    assert.is(a.path, join(ctx.root, 'out', 'noarch', 'hello-1.0-pyh1234567_0.tar.bz2'));
    const { index, paths } = extractWithCph(a.path, join(ctx.root, 'x'));
    assert.is(index.noarch, 'python');
    assert.is(index.arch, null);
    assert.equal(paths.map((p) => p._path), ['python-scripts/hello', 'site-packages/hello/__init__.py']);
    const link = JSON.parse(readFileSync(join(ctx.root, 'x', 'info/link.json'), 'utf8'));
    assert.equal(link.noarch, { type: 'python' });
  } finally {
    ctx.cleanup();
  }
});

s('a node without a recipe is left to other builders :: undefined', async () => {
  const ctx = await setup();
  try {
    const task = ctx.makeTask([variant()]);
    task.node = { ...task.node, recipe: null };
    assert.is(await buildWithScript(task, {}), undefined);
  } finally {
    ctx.cleanup();
  }
});

s.run();

const opts = suite('scriptBuilder options');

opts('rejects bad options at creation, naming the option :: formats, zstdLevel', () => {
  assert.throws(() => scriptBuilder({ formats: ['zip' as any] }), (e: Error) => e instanceof PluginOptionsError && /formats/.test(e.message));
  assert.throws(() => scriptBuilder({ zstdLevel: 40 }), /zstdLevel/);
  assert.is(scriptBuilder().name, PLUGIN_NAME);
});

opts.run();

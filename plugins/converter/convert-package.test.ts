// convertToPlatform: a pure-Python linux-64 package converted to win-64 and osx-64, read by Debian's
// cph (extract, transmute) and installed with the shared installer into a prefix of that subdir;
// packages with compiled files or platform requirements refused with the reason; same bytes twice.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cph } from '../../core/conda/fixtures/cph.ts';
import { readPackageInfoFiles } from '../../core/conda/read-package.ts';
import { ChannelIndexWriter } from '../../core/conda/repodata.ts';
import { installEnvironment } from '../../core/conda/install.ts';
import { openChannels } from '../../core/conda/solve.ts';
import { virtualPackagesFor } from '../../core/conda/virtual-packages.ts';
import { sha256File } from '../../core/conda/file-hash.ts';
import type { IndexJson, PathsJson } from '../../core/conda/package-types.ts';
import { NotConvertibleError, convertToPlatform } from './convert-package.ts';
import { ELF_HEAD, PY, purePackage, pythonStandIn } from './fixtures/pure-package.ts';

const s = suite('convertToPlatform');

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-converter-'));
  ctx.channel = join(ctx.dir, 'channel');
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

async function info(path: string): Promise<{ index: IndexJson; paths: PathsJson; files: string[] }> {
  const m = await readPackageInfoFiles(path, ['info/index.json', 'info/paths.json', 'info/files']);
  return {
    index: JSON.parse(m.get('info/index.json')!.toString()),
    paths: JSON.parse(m.get('info/paths.json')!.toString()),
    files: m.get('info/files')!.toString().trim().split('\n'),
  };
}

/** Where `cph x --dest` put the files: the dest itself (.tar.bz2) or a folder named after the package (.conda). */
const extracted = (dest: string) => (existsSync(join(dest, 'greetings-1.0-py313h0_0')) ? join(dest, 'greetings-1.0-py313h0_0') : dest);

async function installInto(dir: string, channel: string, subdir: string, prefix: string): Promise<string[]> {
  await new ChannelIndexWriter(channel).update([subdir]);
  const channels = await openChannels([channel]);
  try {
    const installed = await installEnvironment({
      label: 'test', specs: ['greetings'], subdir, prefix, channels, virtualPackages: virtualPackagesFor(subdir),
      downloadDir: join(dir, 'downloads'), pythonVersion: PY, log: () => {},
    });
    return installed.map((p) => `${p.name}-${p.version}-${p.build}`).sort();
  } finally {
    await channels.close();
  }
}

s('linux-64 → win-64: index.json subdir/platform/arch, Lib/site-packages, Scripts/<name>-script.py and .bat, paths.json hashes; cph reads it; installs into a win-64 prefix and its script runs', async (ctx) => {
  const [source] = await purePackage(ctx.channel);
  const out = await convertToPlatform(source.path, { to: 'win-64', outDir: join(ctx.channel, 'win-64'), python: PY });
  assert.equal(out.launchers, ['greetings']);
  const { index, paths, files } = await info(out.target);
  assert.equal([index.subdir, index.platform, index.arch], ['win-64', 'win', 'x86_64']);
  assert.equal(index.depends, ['python >=3.13,<3.14.0a0']);
  assert.equal(files, [
    'Lib/site-packages/greetings-1.0.dist-info/METADATA', 'Lib/site-packages/greetings-1.0.dist-info/entry_points.txt',
    'Lib/site-packages/greetings/__init__.py', 'Lib/site-packages/greetings/data/words.txt',
    'Scripts/greetings-script.py', 'Scripts/greetings.bat',
  ]);
  assert.equal(paths.paths.map((p) => p._path), files);
  // The `#!` line held the build prefix: the script has no placeholder left, and no has_prefix.
  assert.not.ok(paths.paths.some((p) => p.prefix_placeholder));

  // cph extracts it; every file's sha256 and size is what paths.json says.
  const x = join(ctx.dir, 'x');
  cph(['x', out.target, '--dest', x]);
  const root = extracted(x);
  for (const p of paths.paths) {
    assert.is(await sha256File(join(root, p._path)), p.sha256, p._path);
    assert.is(readFileSync(join(root, p._path)).length, p.size_in_bytes, p._path);
  }
  assert.not.ok(existsSync(join(root, 'bin')));
  assert.not.ok(existsSync(join(root, 'lib')));
  assert.not.ok(readFileSync(join(root, 'Scripts/greetings-script.py'), 'utf8').startsWith('#!'));
  assert.match(readFileSync(join(root, 'Scripts/greetings.bat'), 'utf8'), /"%~dp0\.\.\\python\.exe" "%~dp0greetings-script\.py" %\*/);
  // cph transmutes it to .conda, and that extracts to the same files.
  mkdirSync(join(ctx.dir, 't'));
  cph(['t', out.target, '.conda', '--out-folder', join(ctx.dir, 't')]);
  cph(['x', join(ctx.dir, 't', 'greetings-1.0-py313h0_0.conda'), '--dest', join(ctx.dir, 'xc')]);
  assert.ok(existsSync(join(extracted(join(ctx.dir, 'xc')), 'Lib/site-packages/greetings/__init__.py')));

  // Installed with the shared installer for win-64 (solved against win-64's virtual packages).
  await pythonStandIn(ctx.channel, 'win-64');
  const prefix = join(ctx.dir, 'win-prefix');
  assert.equal(await installInto(ctx.dir, ctx.channel, 'win-64', prefix), ['greetings-1.0-py313h0_0', 'python-3.13.1-h0_0']);
  assert.ok(existsSync(join(prefix, 'Lib/site-packages/greetings/__init__.py')));
  assert.ok(existsSync(join(prefix, 'Scripts/greetings.bat')));
  assert.ok(existsSync(join(prefix, 'conda-meta/greetings-1.0-py313h0_0.json')));
  // What the .bat does (python.exe with the script), done with this machine's python3.
  const r = spawnSync('python3', [join(prefix, 'Scripts/greetings-script.py')], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(prefix, 'Lib/site-packages') } });
  assert.is(r.stdout, 'hello from greetings\n', r.stderr);
  assert.is(r.status, 0);
});

s('linux-64 → osx-64: same layout, index.json says osx; the entry point keeps its prefix placeholder; cph reads it; installs into an osx-64 prefix with the placeholder replaced', async (ctx) => {
  const [source] = await purePackage(ctx.channel, { formats: ['conda'] });
  const out = await convertToPlatform(source.path, { to: 'osx-64', outDir: join(ctx.channel, 'osx-64'), python: PY });
  assert.ok(out.target.endsWith('osx-64/greetings-1.0-py313h0_0.conda'));
  const before = await info(source.path);
  const { index, paths } = await info(out.target);
  assert.equal([index.subdir, index.platform, index.arch], ['osx-64', 'osx', 'x86_64']);
  assert.equal(paths, before.paths);
  cph(['x', out.target, '--dest', join(ctx.dir, 'x')]);
  assert.ok(existsSync(join(extracted(join(ctx.dir, 'x')), `lib/python${PY}/site-packages/greetings/__init__.py`)));
  mkdirSync(join(ctx.dir, 't'));
  cph(['t', out.target, '.tar.bz2', '--out-folder', join(ctx.dir, 't')]);
  assert.ok(existsSync(join(ctx.dir, 't', 'greetings-1.0-py313h0_0.tar.bz2')));

  await pythonStandIn(ctx.channel, 'osx-64');
  const prefix = join(ctx.dir, 'osx-prefix');
  assert.equal(await installInto(ctx.dir, ctx.channel, 'osx-64', prefix), ['greetings-1.0-py313h0_0', 'python-3.13.1-h0_0']);
  assert.ok(readFileSync(join(prefix, 'bin/greetings'), 'utf8').startsWith(`#!${prefix}/bin/python${PY}\n`));
});

s('win-64 → linux-64 back: Lib/site-packages returns to lib/python3.13/site-packages (a package without entry points)', async (ctx) => {
  const [source] = await purePackage(ctx.channel, { entryPoint: false });
  const win = await convertToPlatform(source.path, { to: 'win-64', outDir: join(ctx.dir, 'win'), python: PY });
  const back = await convertToPlatform(win.target, { to: 'linux-64', outDir: join(ctx.dir, 'linux'), python: PY });
  assert.equal((await info(back.target)).paths, (await info(source.path)).paths);
  assert.equal((await info(back.target)).index, (await info(source.path)).index);
});

s("the target's build strings (its rendering hashes the platform): file name, index.json (and an exact sibling pin) and the .conda's member names follow; cph reads it", async (ctx) => {
  // greetings pins a sibling output exactly (pin_subpackage exact): its win-64 build is named too.
  const [source] = await purePackage(ctx.channel, { formats: ['conda'], depends: ['python >=3.13,<3.14.0a0', 'greetings-core 1.0 py313h0_0'] });
  const builds = new Map([['greetings-1.0-py313h0_0', 'py313ha763781_0'], ['greetings-core-1.0-py313h0_0', 'py313h5f3a9c1_0']]);
  const out = await convertToPlatform(source.path, { to: 'win-64', outDir: join(ctx.dir, 'out'), python: PY, builds });
  assert.is(out.target, join(ctx.dir, 'out', 'greetings-1.0-py313ha763781_0.conda'));
  const { index } = await info(out.target);
  assert.equal([index.name, index.version, index.build, index.subdir], ['greetings', '1.0', 'py313ha763781_0', 'win-64']);
  assert.equal(index.depends, ['python >=3.13,<3.14.0a0', 'greetings-core 1.0 py313h5f3a9c1_0']);
  cph(['x', out.target, '--dest', join(ctx.dir, 'x')]);
  assert.ok(existsSync(join(ctx.dir, 'x', 'Scripts/greetings.bat')) || existsSync(join(ctx.dir, 'x', 'greetings-1.0-py313ha763781_0', 'Scripts/greetings.bat')));
});

s('the same source converts to the same bytes', async (ctx) => {
  const [source] = await purePackage(ctx.channel, { formats: ['tar.bz2', 'conda'] });
  for (const file of [source.path, source.path.replace(/\.tar\.bz2$/, '.conda')]) {
    const a = await convertToPlatform(file, { to: 'win-64', outDir: join(ctx.dir, 'a'), python: PY });
    const b = await convertToPlatform(file, { to: 'win-64', outDir: join(ctx.dir, 'b'), python: PY });
    assert.is(await sha256File(a.target), await sha256File(b.target));
  }
});

const refused = async (path: string, to: string, outDir: string): Promise<NotConvertibleError> => {
  const err = await convertToPlatform(path, { to, outDir, python: PY }).then(() => assert.unreachable('converted'), (e) => e);
  assert.instance(err, NotConvertibleError);
  assert.not.ok(existsSync(join(outDir, 'greetings-1.0-py313h0_0.tar.bz2')), 'no output written');
  return err as NotConvertibleError;
};

s('refused: a compiled extension by name, an ELF file by its header, a virtual-package requirement, a shell script for Windows', async (ctx) => {
  const [ext] = await purePackage(join(ctx.dir, 'a'), { extra: { [`lib/python${PY}/site-packages/greetings/_speed.cpython-313-x86_64-linux-gnu.so`]: ELF_HEAD } });
  assert.match((await refused(ext.path, 'osx-64', join(ctx.dir, 'out'))).message, /_speed\.cpython-313-x86_64-linux-gnu\.so: compiled file \(\.so\)/);
  const [elf] = await purePackage(join(ctx.dir, 'b'), { extra: { 'bin/greetings-helper': ELF_HEAD } });
  assert.match((await refused(elf.path, 'osx-64', join(ctx.dir, 'out'))).message, /bin\/greetings-helper: compiled file \(ELF header\)/);
  const [virt] = await purePackage(join(ctx.dir, 'c'), { depends: ['python >=3.13,<3.14.0a0', '__linux >=4'] });
  assert.match((await refused(virt.path, 'win-64', join(ctx.dir, 'out'))).message, /requirement '__linux >=4' is a virtual package of one platform/);
  const [sh] = await purePackage(join(ctx.dir, 'd'), { extra: { 'etc/conda/activate.d/greetings.sh': 'export GREETINGS=1\n' } });
  const err = await refused(sh.path, 'win-64', join(ctx.dir, 'out'));
  assert.equal(err.reasons, ['etc/conda/activate.d/greetings.sh: a Unix shell script (no Windows form)']);
  // The same package converts to osx-64: the script has a form there.
  await convertToPlatform(sh.path, { to: 'osx-64', outDir: join(ctx.dir, 'osx'), python: PY });
});

s("linux-64 → win-64: an entry point pip wrote for an interpreter path too long for `#!` (#!/bin/sh, '''exec' \"…/python\" \"$0\" \"$@\", ' ''') converts; the script drops that header and runs", async (ctx) => {
  const python = `/opt/rebuild/h_env_${'placehold_'.repeat(24)}/bin/python${PY}`;
  const pipStyle = `#!/bin/sh\n'''exec' "${python}" "$0" "$@"\n' '''\n# -*- coding: utf-8 -*-\nimport sys\nfrom greetings import main\nif __name__ == '__main__':\n    sys.exit(main())\n`;
  const [source] = await purePackage(ctx.channel, { entryPoint: false, extra: { 'bin/greetings': pipStyle } });
  const out = await convertToPlatform(source.path, { to: 'win-64', outDir: join(ctx.dir, 'win'), python: PY });
  assert.equal(out.launchers, ['greetings']);
  cph(['x', out.target, '--dest', join(ctx.dir, 'x')]);
  const script = readFileSync(join(extracted(join(ctx.dir, 'x')), 'Scripts/greetings-script.py'), 'utf8');
  assert.is(script, pipStyle.split('\n').slice(3).join('\n'));
  const r = spawnSync('python3', [join(extracted(join(ctx.dir, 'x')), 'Scripts/greetings-script.py')], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(extracted(join(ctx.dir, 'x')), 'Lib/site-packages') } });
  assert.is(r.stdout, 'hello from greetings\n', r.stderr);
});

s('refused for Windows: a bin/ file that is not a Python script; an entry point with windowsEntryPoints refuse', async (ctx) => {
  const [tool] = await purePackage(join(ctx.dir, 'a'), { extra: { 'bin/greetings-env': '#!/bin/sh\necho hi\n' } });
  assert.equal((await refused(tool.path, 'win-64', join(ctx.dir, 'out'))).reasons, ['bin/greetings-env: not a Python script (only Python entry points have a Windows form)']);
  const [ep] = await purePackage(join(ctx.dir, 'b'));
  const err = await convertToPlatform(ep.path, { to: 'win-64', outDir: join(ctx.dir, 'out'), python: PY, windowsEntryPoints: 'refuse' }).catch((e) => e);
  assert.equal(err.reasons, ["bin/greetings: an entry point, and convert.windowsEntryPoints is 'refuse'"]);
});

s.run();

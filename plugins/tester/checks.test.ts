// The pure parts of the tester: globs, the first error line of a test's output, package_contents.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { matchesGlob } from './glob.ts';
import { firstErrorLine } from './first-error.ts';
import { checkPackageContents } from './package-contents.ts';

const g = suite('matchesGlob');
g('* stays in a folder, ** crosses folders, a trailing / is the folder', () => {
  assert.ok(matchesGlob('include/foo.h', 'include/*.h'));
  assert.not.ok(matchesGlob('include/sub/foo.h', 'include/*.h'));
  assert.ok(matchesGlob('include/sub/foo.h', 'include/**/*.h'));
  assert.ok(matchesGlob('a.pyc', '**/*.pyc'));
  assert.ok(matchesGlob('tests/unit/test_a.py', 'tests/'));
  assert.not.ok(matchesGlob('testsuite/a.py', 'tests/'));
  assert.not.ok(matchesGlob('aXb', 'a.b'));
});
g.run();

const f = suite('firstErrorLine');
f("a traceback's last line", () => {
  const out = 'Traceback (most recent call last):\n  File "<string>", line 1, in <module>\nModuleNotFoundError: No module named \'x\'\n';
  assert.is(firstErrorLine(out), "ModuleNotFoundError: No module named 'x'");
});
f('else the first line that reads as an error; runner lines are not the command\'s', () => {
  assert.is(firstErrorLine('checking...\nerror: bad thing\nmore\n[rebuild:runner-host] timed out\n'), 'error: bad thing');
  assert.is(firstErrorLine('just output\nlast line\n'), 'last line');
  assert.is(firstErrorLine('\n[rebuild:runner-host] x\n'), null);
});
f.run();

const c = suite('checkPackageContents');
const spec = { files: [], notFiles: [], sitePackages: [], bin: [], lib: [], include: [], strict: false };
const paths = ['bin/tool', 'include/tool.h', 'lib/libtool.so.1', 'site-packages/tool/__init__.py', 'site-packages/tool/core.py', 'share/doc.txt'];
const layout = { sitePackages: 'site-packages' };
c('every kind passes on what the package has', () => {
  assert.equal(checkPackageContents({ ...spec, files: ['share/*.txt'], sitePackages: ['tool', 'tool.core'], bin: ['tool'], lib: ['tool'], include: ['*.h'] }, paths, layout), []);
});
c('each missing entry is one problem; not_exists and strict', () => {
  assert.equal(checkPackageContents({ ...spec, sitePackages: ['tool.missing'], bin: ['other'], notFiles: ['include/**'] }, paths, layout), [
    'files not_exists include/**: the package has include/tool.h',
    'site_packages tool.missing: no file matches site-packages/tool/missing/** or site-packages/tool/missing.py or site-packages/tool/missing.*.so or site-packages/tool/missing.so',
    'bin other: no file matches bin/other',
  ]);
  assert.equal(checkPackageContents({ ...spec, bin: ['tool'], strict: true }, paths, layout), ['strict: 5 file(s) matched by no check: include/tool.h, lib/libtool.so.1, site-packages/tool/__init__.py, …']);
});
c.run();

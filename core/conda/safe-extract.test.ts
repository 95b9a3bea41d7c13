import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../model/errors.ts';
import { EXIT } from '../engine/exit-codes.ts';
import { failureClassOf } from '../model/failure.ts';
import { infoMembers, sentinel, snapshotTree, writeHostilePackage } from './fixtures/hostile.ts';
import { PackageFormatError } from './package-types.ts';
import { extractPackage } from './read-package.ts';
import { ArchiveError, linkTargetProblem, SafeExtractor, UnsafeArchiveError } from './safe-extract.ts';

const targets = suite('linkTargetProblem');

targets('keeps targets that stay inside, refuses the rest :: siblings, leading .., absolute, climbing, .. after a name', () => {
  const ok: [string, string][] = [
    ['lib/libz.so', 'libz.so.1'],
    ['lib/libz.so', './libz.so.1'],
    ['share/man/man1/x.1', '../../../lib/x'],
    ['bin/python', 'python3.13'],
    ['x', 'sub/dir/file'],
  ];
  for (const [rel, target] of ok) assert.is(linkTargetProblem(rel, target), null, `${rel} -> ${target}`);
  const refused: [string, string, RegExp][] = [
    ['lib/evil', '/etc', /absolute/],
    ['lib/evil', '../../outside', /outside the destination/],
    ['x', '..', /outside the destination/],
    ['deep/y', 'x/../outside', /'\.\.' after a name/],
    ['x', '', /empty/],
  ];
  for (const [rel, target, why] of refused) assert.match(linkTargetProblem(rel, target) ?? '', why, `${rel} -> ${target}`);
});

const writer = suite('SafeExtractor');

writer('a moved symlink is checked from its new folder :: a/b/link -> ../../x moved to the top', async () => {
  const root = mkdtempSync(join(tmpdir(), 'safe-extract-'));
  try {
    await SafeExtractor.within(join(root, 'dest'), 'test.tar', async (out) => {
      await out.symlink('a/b/link', '../../x');
      await out.move('a/b/link', 'lib/python3.13/site-packages/a/b/link');
      await out.move('lib/python3.13/site-packages/a/b/link', 'a/b/link');
      await out.move('a/b/link', 'link').then(
        () => assert.unreachable('moved'),
        (err) => assert.match(err.message, /symlink 'a\/b\/link' moved to 'link' would have a target '\.\.\/\.\.\/x' outside/),
      );
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

writer('creates names under a directory handle, not by path :: a folder swapped for a symlink to outside between two members', async () => {
  const root = mkdtempSync(join(tmpdir(), 'safe-extract-'));
  try {
    const outside = sentinel(root);
    const before = snapshotTree(outside);
    const dest = join(root, 'dest');
    const err = await SafeExtractor.within(dest, 'test.tar', async (out) => {
      await out.file('a/x', Buffer.from('x'));
      renameSync(join(dest, 'a'), join(dest, 'a.old'));
      symlinkSync(outside, join(dest, 'a'));
      await out.file('a/y', Buffer.from('y'));
    }).then(() => null, (e: unknown) => e);
    assert.equal(snapshotTree(outside), before, 'nothing written through the swapped folder');
    // Either refused, or written into the folder it checked (now a.old): never outside.
    if (err) assert.instance(err, UnsafeArchiveError);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

targets.run();
writer.run();

const errors = suite('ArchiveError');

errors('is bad input data :: exit 65 at the CLI, failure class build in a run, for refusals and corrupt packages alike', () => {
  for (const err of [new ArchiveError('x'), new UnsafeArchiveError('x'), new PackageFormatError('x')]) {
    assert.instance(err, UserError);
    assert.instance(err, ArchiveError);
    assert.is(err.exitCode, EXIT.DATAERR);
    assert.is(failureClassOf(new Error('wrapped', { cause: err }), 'internal'), 'build');
  }
});

errors.run();

const disk = suite('extractPackage: what is already in the prefix');

async function attempt(prepare: (prefix: string, outside: string) => void, members: Parameters<typeof writeHostilePackage>[2], placeholders: Parameters<typeof infoMembers>[0] = [], noarch = false) {
  const root = mkdtempSync(join(tmpdir(), 'safe-extract-'));
  const outside = sentinel(root);
  const before = snapshotTree(outside);
  const prefix = join(root, 'prefix');
  mkdirSync(prefix);
  prepare(prefix, outside);
  const info = infoMembers(placeholders);
  if (noarch) info[0] = { name: 'info/index.json', type: 'file', data: JSON.stringify({ name: 'evil', version: '1.0', build: '0', build_number: 0, depends: [], noarch: 'python', subdir: 'noarch' }) };
  const path = await writeHostilePackage(join(root, 'pkgs'), 'tar.bz2', members, info);
  const err = await extractPackage(path, prefix, { pythonVersion: '3.13' }).then(
    () => null,
    (e: unknown) => e,
  );
  return { root, prefix, outside, before, err, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

disk('never writes through a symlinked folder already in the prefix :: lib -> outside, then lib/x', async () => {
  const r = await attempt((prefix, outside) => symlinkSync(outside, join(prefix, 'lib')), [{ name: 'lib/x', type: 'file', data: 'x' }]);
  try {
    assert.equal(snapshotTree(r.outside), r.before);
    assert.instance(r.err, UnsafeArchiveError);
    assert.match((r.err as Error).message, /member 'lib\/x' needs directory 'lib', which is a symlink/);
  } finally {
    r.cleanup();
  }
});

disk('relocates noarch python only into real folders :: lib/python3.13 -> outside, then site-packages/', async () => {
  const r = await attempt(
    (prefix, outside) => {
      mkdirSync(join(prefix, 'lib'));
      symlinkSync(outside, join(prefix, 'lib/python3.13'));
    },
    [{ name: 'site-packages/evil/__init__.py', type: 'file', data: 'x' }],
    [],
    true,
  );
  try {
    assert.equal(snapshotTree(r.outside), r.before);
    assert.instance(r.err, UnsafeArchiveError);
  } finally {
    r.cleanup();
  }
});

disk('replaces placeholders only in files the package installed :: another package\'s file listed in paths.json is left alone', async () => {
  const r = await attempt(
    (prefix) => {
      mkdirSync(join(prefix, 'etc'));
      writeFileSync(join(prefix, 'etc/shared.cfg'), 'root=/opt/placeholder\n');
    },
    [{ name: 'etc/own.cfg', type: 'file', data: 'root=/opt/placeholder\n' }],
    [
      { _path: 'etc/own.cfg', prefix_placeholder: '/opt/placeholder', file_mode: 'text' },
      { _path: 'etc/shared.cfg', prefix_placeholder: '/opt/placeholder', file_mode: 'text' },
    ],
  );
  try {
    assert.is(r.err, null);
    assert.is(readFileSync(join(r.prefix, 'etc/own.cfg'), 'utf8'), `root=${r.prefix}\n`);
    assert.is(readFileSync(join(r.prefix, 'etc/shared.cfg'), 'utf8'), 'root=/opt/placeholder\n');
  } finally {
    r.cleanup();
  }
});

disk.run();

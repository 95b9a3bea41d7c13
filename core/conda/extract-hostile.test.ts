import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostileCases, infoMembers, sentinel, snapshotTree, writeHostilePackage } from './fixtures/hostile.ts';
import { extractPackage } from './read-package.ts';
import { ArchiveError } from './safe-extract.ts';

const hostile = suite('extractPackage: hostile packages');

for (const format of ['tar.bz2', 'conda'] as const) {
  for (const c of hostileCases('<outside>')) {
    hostile(`refuses, writes nothing outside :: ${format}: ${c.what}`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'extract-hostile-'));
      try {
        const outside = sentinel(root);
        const [h] = hostileCases(outside).filter((x) => x.what === c.what);
        const before = snapshotTree(outside);
        const path = await writeHostilePackage(join(root, 'pkgs'), format, h.members, infoMembers(h.placeholders));
        const prefix = join(root, 'dest');
        const err = await extractPackage(path, prefix).then(
          () => null,
          (e: unknown) => e,
        );
        assert.equal(snapshotTree(outside), before, 'the folder outside is unchanged');
        assert.equal(readdirSync(root).sort(), ['dest', 'outside', 'pkgs'], 'nothing new next to the prefix');
        assert.instance(err, ArchiveError, `refused with an ArchiveError, got ${String(err)}`);
        assert.match((err as Error).message, path, 'the message names the package');
        assert.match((err as Error).message, h.reason);
        assert.is((err as ArchiveError).exitCode, 65);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
}

hostile('keeps what real packages hold :: symlinks to siblings and up the tree, hard links to earlier files, a placeholder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'extract-hostile-'));
  try {
    for (const format of ['tar.bz2', 'conda'] as const) {
      const members = [
        { name: 'lib/libz.so.1.3', type: 'file', data: 'ELF', mode: 0o755 },
        { name: 'lib/libz.so', type: 'symlink', linkname: 'libz.so.1.3' },
        { name: 'lib/pkgconfig/z.pc', type: 'file', data: 'prefix=/opt/placeholder\n' },
        { name: 'share/z/z.pc', type: 'symlink', linkname: '../../lib/pkgconfig/z.pc' },
        { name: 'bin/z', type: 'file', data: '#!/bin/sh\n', mode: 0o755 },
        { name: 'bin/z2', type: 'link', linkname: 'bin/z' },
        { name: './include/', type: 'directory' },
      ] as const;
      const path = await writeHostilePackage(join(root, format), format, [...members], infoMembers([{ _path: 'lib/pkgconfig/z.pc', prefix_placeholder: '/opt/placeholder', file_mode: 'text' }]));
      const prefix = join(root, `env-${format}`);
      const res = await extractPackage(path, prefix);
      assert.equal(res.files, ['bin/z', 'bin/z2', 'lib/libz.so', 'lib/libz.so.1.3', 'lib/pkgconfig/z.pc', 'share/z/z.pc']);
      const tree = snapshotTree(prefix);
      assert.is(tree['share/z/z.pc'], '-> ../../lib/pkgconfig/z.pc');
      assert.is(tree['lib/pkgconfig/z.pc'], `100644 prefix=${prefix}\n`);
      assert.is(tree['bin/z2'], '100755 #!/bin/sh\n');
      assert.is(tree.include, 'dir');
      assert.ok(existsSync(join(prefix, 'conda-meta/evil-1.0-0.json')));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

hostile.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hostileCases, sentinel, snapshotTree, writeHostileSource, type Member } from '../../core/conda/fixtures/hostile.ts';
import { ArchiveError } from '../../core/conda/safe-extract.ts';
import { fetchSources, unpack } from './source.ts';

const hostile = suite('unpack: hostile source archives');

async function attempt(root: string, archives: { name: string; members: Member[] }[]) {
  const dest = join(root, 'src');
  for (const a of archives) {
    const file = await writeHostileSource(join(root, 'dl'), a.name, a.members);
    const err = await unpack(file, dest).then(
      () => null,
      (e: unknown) => e,
    );
    if (err) return err;
  }
  return null;
}

function check(root: string, outside: string, before: Record<string, string>, err: unknown) {
  assert.equal(snapshotTree(outside), before, 'the folder outside is unchanged');
  assert.equal(readdirSync(root).sort(), ['dl', 'outside', 'src'], 'nothing new next to SRC_DIR');
  assert.instance(err, ArchiveError, `refused with an ArchiveError, got ${String(err)}`);
}

for (const kind of ['tar', 'tar.gz', 'tar.bz2', 'tar.xz', 'zip'] as const) {
  for (const c of hostileCases('<outside>').filter((x) => !x.packageOnly)) {
    // zip has no hard links or devices (Info-ZIP stores neither)
    if (kind === 'zip' && c.members.some((m) => m.type === 'link' || m.type === 'character-device')) continue;
    hostile(`refuses, writes nothing outside :: .${kind}: ${c.what}`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'unpack-hostile-'));
      try {
        const outside = sentinel(root);
        const before = snapshotTree(outside);
        const [h] = hostileCases(outside).filter((x) => x.what === c.what);
        // Inside a single top-level folder, as real sources are (it is stripped), so every '../' climbs one more.
        const members = h.members.map((m) => ({ ...m, name: `pkg-1.0/${m.name}`, ...('linkname' in m && m.type === 'link' ? { linkname: `pkg-1.0/${m.linkname}` } : {}) })) as Member[];
        check(root, outside, before, await attempt(root, [{ name: `pkg-1.0.${kind}`, members }]));
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
  hostile(`refuses a symlink that leaves SRC_DIR once the top folder is stripped :: .${kind}, then a second source writes through it`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'unpack-hostile-'));
    try {
      const outside = sentinel(root);
      const before = snapshotTree(outside);
      const err = await attempt(root, [
        { name: `a-1.0.${kind}`, members: [{ name: 'a-1.0/link', type: 'symlink', linkname: '../outside' }] },
        { name: `b-1.0.${kind}`, members: [{ name: 'b-1.0/link/pwned.txt', type: 'file', data: 'x' }] },
      ]);
      check(root, outside, before, err);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

hostile('unpacks real-shaped sources :: top folder stripped, symlinks inside kept, two sources merged', async () => {
  const root = mkdtempSync(join(tmpdir(), 'unpack-hostile-'));
  try {
    const dest = join(root, 'src');
    for (const kind of ['tar.gz', 'zip']) {
      const file = await writeHostileSource(join(root, 'dl'), `zlib-1.3.${kind}`, [
        { name: 'zlib-1.3/', type: 'directory' },
        { name: 'zlib-1.3/configure', type: 'file', data: '#!/bin/sh\n', mode: 0o755 },
        { name: 'zlib-1.3/doc/README', type: 'symlink', linkname: '../README' },
        { name: 'zlib-1.3/README', type: 'file', data: kind },
      ]);
      await unpack(file, dest);
    }
    const tree = snapshotTree(dest);
    assert.equal(tree, { 'README': '100644 zip', 'configure': '100755 #!/bin/sh\n', 'doc': 'dir', 'doc/README': '-> ../README' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

hostile("a source's folder must be a real directory in SRC_DIR :: a path source copies in sub -> outside, a url source with folder: sub", async () => {
  const root = mkdtempSync(join(tmpdir(), 'unpack-hostile-'));
  try {
    const outside = sentinel(root);
    const before = snapshotTree(outside);
    const recipeDir = join(root, 'recipe');
    mkdirSync(join(recipeDir, 'src'), { recursive: true });
    symlinkSync(outside, join(recipeDir, 'src/sub'));
    const archive = await writeHostileSource(join(root, 'dl'), 'extra-1.0.tar.gz', [{ name: 'extra-1.0/pwned.txt', type: 'file', data: 'x' }]);
    const err = await fetchSources([{ path: 'src' }, { url: [pathToFileURL(archive).href], folder: 'sub' }], {
      recipeDir, srcDir: join(root, 'src'), cacheDir: join(root, 'cache'), log: () => {},
    }).then(() => null, (e: unknown) => e);
    assert.equal(snapshotTree(outside), before, 'the folder outside is unchanged');
    assert.instance(err, ArchiveError, `refused with an ArchiveError, got ${String(err)}`);
    assert.match((err as Error).message, /needs directory 'sub', which is a symlink/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

hostile.run();

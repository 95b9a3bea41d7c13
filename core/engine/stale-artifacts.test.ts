import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStale, staleArtifacts } from './stale-artifacts.ts';

const s = suite('stale artifacts of a rebuilt package');

s('an earlier artifact the new build does not make (its .conda) is stale; a path the build wrote again is not; nothing outside the output channel', async () => {
  const root = mkdtempSync(join(tmpdir(), 'stale-'));
  try {
    const ch = join(root, 'channel');
    mkdirSync(join(ch, 'linux-64'), { recursive: true });
    const bz2 = join(ch, 'linux-64', 'x-1-py313_0.tar.bz2');
    const conda = join(ch, 'linux-64', 'x-1-py313_0.conda');
    const elsewhere = join(root, 'elsewhere', 'x-1-py313_0.conda');
    for (const p of [bz2, conda]) writeFileSync(p, 'old');
    const stale = staleArtifacts([{ path: bz2 }, { path: conda }, { path: elsewhere }], [{ path: bz2 }], `${ch}/`);
    assert.equal(stale.map((a) => a.path), [conda]);
    assert.equal(await removeStale([...stale, { path: join(ch, 'linux-64', 'gone-1-0.conda') }]), [conda, join(ch, 'linux-64', 'gone-1-0.conda')]);
    assert.not.ok(existsSync(conda));
    assert.ok(existsSync(bz2));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s.run();

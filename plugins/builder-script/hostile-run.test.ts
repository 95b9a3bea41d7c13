// A whole `rebuild run` (the CLI, the script builder on the host) whose build channel holds a
// hostile package that a recipe needs in host: the run fails that package with the reason, and
// nothing appears or changes outside the temp dir's prefix (a sentinel folder next to it).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostileCases, infoMembers, sentinel, snapshotTree, writeHostilePackage } from '../../core/conda/fixtures/hostile.ts';
import { indexChannel } from '../../core/conda/repodata.ts';
import { writeFakePython } from '../../tests/fixtures/fake-python-package.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

const RECIPE = `package:
  name: victim
  version: "1.0"
build:
  number: 0
  script: echo built
requirements:
  host:
    - python
    - evil
  run:
    - python
`;

const CONFIG = `export default {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: './aggregate',
  workDir: './work',
  channels: { build: ['./build-channel'] },
};
`;

/** A project dir: config, a one-recipe aggregate, and a build channel with python and the hostile `evil`. */
async function project(root: string, format: 'tar.bz2' | 'conda', what: string) {
  const outside = sentinel(root);
  const dir = join(root, 'project');
  mkdirSync(join(dir, 'aggregate/victim-feedstock/recipe'), { recursive: true });
  writeFileSync(join(dir, 'aggregate/victim-feedstock/recipe/meta.yaml'), RECIPE);
  writeFileSync(join(dir, 'rebuild.config.ts'), CONFIG);
  const channel = join(dir, 'build-channel');
  await writeFakePython(join(channel, 'linux-64'));
  const [h] = hostileCases(outside).filter((c) => c.what === what);
  await writeHostilePackage(join(channel, 'linux-64'), format, h.members, infoMembers(h.placeholders));
  await indexChannel(channel, ['linux-64']);
  return { dir, outside };
}

const run = suite('rebuild run: a hostile package in the build channel');

for (const [format, what] of [
  ['tar.bz2', 'absolute symlink, then a file written through it'],
  ['conda', 'hard link to a file outside, then placeholder replacement through it'],
] as const) {
  run(`fails the package that needs it, writes nothing outside :: ${format}: ${what}`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'hostile-run-'));
    try {
      const { dir, outside } = await project(root, format, what);
      const before = snapshotTree(outside);
      const r = spawnSync(process.execPath, [join(repo, 'bin/rebuild.js'), 'run'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
      const out = r.stdout + r.stderr;
      assert.equal(snapshotTree(outside), before, 'the sentinel folder is unchanged');
      assert.equal(readdirSync(root).sort(), ['outside', 'project'], 'nothing new next to the project');
      assert.is(r.status, 1, out);
      assert.match(out, /victim: FAILED \(build\) .*host environment: cannot install evil 1\.0 0: .*evil-1\.0-0\./);
      assert.match(out, format === 'tar.bz2' ? /symlink 'lib\/evil' has an absolute target/ : /hard link 'share\/h' points to '(\.\.\/)+.*victim\.txt', which is not an earlier regular file/);
      const published = join(dir, 'work/channel/linux-64');
      assert.equal(existsSync(published) ? readdirSync(published).filter((f) => f.startsWith('victim')) : [], [], 'victim is not published');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

run.run();

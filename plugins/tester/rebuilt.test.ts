// A package rebuilt after its recipe changed (same name-version-build, new bytes), through two whole
// `rebuild run`s with the default plugins (builder, tester, transmuter): the new build's bytes reach
// the tested channel, the .conda the transmuter made from the earlier build leaves the output channel
// before a dependent solves against it, and the dependent is built against the new build.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { walkPackage } from '../../core/conda/read-package.ts';
import { indexChannel } from '../../core/conda/repodata.ts';
import { StateDb } from '../../core/state/state-db.ts';
import { testChannels, type TestChannels } from './fixtures/test-channel.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

const libRecipe = (value: number) => `package:
  name: libpkg
  version: "1.0"

build:
  number: 0
  script: mkdir -p "$SP_DIR/libpkg" && echo "VALUE = ${value}" > "$SP_DIR/libpkg/__init__.py"

requirements:
  host:
    - python
  run:
    - python

test:
  imports:
    - libpkg

about:
  summary: A library whose recipe changes between two runs (rebuild:tester fixture)
  license: MIT
`;

// Built against the libpkg of its host environment: it keeps a copy of that libpkg's module.
const appRecipe = `package:
  name: apppkg
  version: "2.0"

build:
  number: 0
  script: mkdir -p "$SP_DIR/apppkg" && cp "$SP_DIR/libpkg/__init__.py" "$SP_DIR/apppkg/__init__.py"

requirements:
  host:
    - python
    - libpkg
  run:
    - python
    - libpkg

test:
  imports:
    - apppkg

about:
  summary: Built against libpkg (rebuild:tester fixture)
  license: MIT
`;

const write = (file: string, text: string) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
};

async function member(pkg: string, name: string): Promise<string | null> {
  let text: string | null = null;
  await walkPackage(pkg, async (entry, content) => {
    if (entry.name !== name) {
      content.resume();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of content) chunks.push(c as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  });
  return text;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const s = suite('a rebuilt package replaces its earlier artifacts', { ch: null as unknown as TestChannels });
s.before(async (ctx) => {
  ctx.ch = await testChannels();
  const agg = join(ctx.ch.root, 'aggregate');
  write(join(agg, 'libpkg-feedstock', 'recipe', 'meta.yaml'), libRecipe(1));
  write(join(agg, 'apppkg-feedstock', 'recipe', 'meta.yaml'), appRecipe);
  writeFileSync(join(ctx.ch.root, 'rebuild.config.ts'), `export default {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: './aggregate',
  workDir: './work',
  channels: { build: ['./build-channel'] },
};
`);
});
s.after((ctx) => ctx.ch.cleanup());

const rebuild = (cwd: string, args: string[]) => {
  const r = spawnSync(process.execPath, [join(repo, 'bin/rebuild.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: r.status, out: r.stdout + r.stderr };
};

s('after a recipe change: the tested channel takes the new bytes, the stale .conda is gone before the dependent builds', async ({ ch }) => {
  const out = join(ch.root, 'work', 'channel', 'linux-64');
  const tested = join(ch.root, 'work', 'tested', 'linux-64');
  const first = rebuild(ch.root, ['run']);
  assert.is(first.status, 0, first.out);
  assert.ok(existsSync(join(out, 'libpkg-1.0-py313_0.conda')), 'the transmuter made a .conda');
  copyFileSync(join(out, 'libpkg-1.0-py313_0.conda'), join(ch.root, 'first-libpkg.conda'));
  assert.is(await member(join(out, 'apppkg-2.0-py313_0.conda'), 'lib/python3.13/site-packages/apppkg/__init__.py'), 'VALUE = 1\n');

  write(join(ch.root, 'aggregate', 'libpkg-feedstock', 'recipe', 'meta.yaml'), libRecipe(2));
  const second = rebuild(ch.root, ['run']);
  // Production keeps refusing a different file under a published name (the publisher's validation).
  assert.is(second.status, 1, second.out);
  assert.match(second.out, /libpkg: FAILED \(publish\) .*production holds linux-64\/libpkg-1\.0-py313_0\.conda already with other content/);
  // apppkg, rebuilt against the new libpkg, has new bytes too: refused by production likewise.
  assert.match(second.out, /apppkg: FAILED \(publish\) .*production holds linux-64\/apppkg-2\.0-py313_0\.conda already with other content/);
  assert.not.match(second.out, /FAILED \((?!publish)/);
  // The tested channel holds the new build (the old bytes under the same name were replaced, re-indexed).
  const lib = 'libpkg-1.0-py313_0.tar.bz2';
  assert.is(sha(join(tested, lib)), sha(join(out, lib)));
  const testedIndex = JSON.parse(readFileSync(join(tested, 'repodata.json'), 'utf8'));
  assert.is(testedIndex.packages[lib].sha256, sha(join(out, lib)));
  // The .conda in the output channel is the new build's, and the dependent was built against it.
  assert.is(await member(join(out, 'libpkg-1.0-py313_0.conda'), 'lib/python3.13/site-packages/libpkg/__init__.py'), 'VALUE = 2\n');
  assert.is(await member(join(out, 'apppkg-2.0-py313_0.tar.bz2'), 'lib/python3.13/site-packages/apppkg/__init__.py'), 'VALUE = 2\n');
  const outIndex = JSON.parse(readFileSync(join(out, 'repodata.json'), 'utf8'));
  assert.is(outIndex['packages.conda']['libpkg-1.0-py313_0.conda'].sha256, sha(join(out, 'libpkg-1.0-py313_0.conda')));
});

s('a work dir an earlier version left with an unrecorded .conda of an earlier build beside the recorded .tar.bz2: the next run removes it before anything solves', async ({ ch }) => {
  const out = join(ch.root, 'work', 'channel', 'linux-64');
  const conda = join(out, 'libpkg-1.0-py313_0.conda');
  // What the reported bug left: the state records the new .tar.bz2 only; the first build's .conda is on disk and indexed.
  copyFileSync(join(ch.root, 'first-libpkg.conda'), conda);
  const db = StateDb.open(join(ch.root, 'work'));
  try {
    const row = db.getPackage({ node: 'libpkg', subdir: 'linux-64', python: '3.13' })!;
    db.replaceArtifacts(row.id, db.artifacts(row.id).filter((a) => a.filename.endsWith('.tar.bz2')));
  } finally {
    db.close();
  }
  await indexChannel(join(ch.root, 'work', 'channel'));
  assert.ok(JSON.parse(readFileSync(join(out, 'repodata.json'), 'utf8'))['packages.conda']['libpkg-1.0-py313_0.conda']);
  const third = rebuild(ch.root, ['run']);
  assert.not.ok(existsSync(conda), third.out);
  assert.match(third.out, /removed 1 package file\(s\) of earlier builds no package records \(libpkg-1\.0-py313_0\.conda\)/);
  assert.is(JSON.parse(readFileSync(join(out, 'repodata.json'), 'utf8'))['packages.conda']['libpkg-1.0-py313_0.conda'], undefined);
});

s.run();

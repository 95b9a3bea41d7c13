// Same inputs, same bytes: one aggregate built by `rebuild run` (the CLI, the script builder on the
// host) into two work dirs gives byte-identical channels — packages (.tar.bz2 and .conda) and
// repodata.json — although the build prefix (which holds the work dir's path) differs and the
// builds run at different times. The package time is SOURCE_DATE_EPOCH when set, else the recipe's
// last commit time, else 1980-01-01 (build-time.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexChannel } from '../../core/conda/repodata.ts';
import { readPackageInfoFiles, walkPackage } from '../../core/conda/read-package.ts';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';
import { buildTime } from './build-time.ts';
import { writeFakePython } from '../../tests/fixtures/fake-python-package.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

// A script that writes its prefix into a text file and into a binary one (a NUL byte), as
// pkg-config files and compiled libraries do, and stamps a file with SOURCE_DATE_EPOCH.
const RECIPE = `package:
  name: stamped
  version: "2.1"
source:
  path: src
build:
  number: 3
  script: |
    mkdir -p $PREFIX/lib/pkgconfig $PREFIX/share/stamped
    printf 'prefix=%s\\nlibdir=\${prefix}/lib\\n' "$PREFIX" > $PREFIX/lib/pkgconfig/stamped.pc
    printf 'ELF\\000%s/lib\\000tail' "$PREFIX" > $PREFIX/lib/libstamped.so
    cp notes.txt $PREFIX/share/stamped/notes.txt
    echo "built at $SOURCE_DATE_EPOCH" > $PREFIX/share/stamped/when.txt
requirements:
  host:
    - python
  run:
    - python
about:
  summary: A package whose files hold its prefix
  license: MIT
`;

const config = (aggregate: string, channel: string, formats: string) => `import { scriptBuilder } from '${join(repo, 'plugins/builder-script/index.ts')}';
export default {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: '${aggregate}',
  workDir: './work',
  channels: { build: ['${channel}'] },
  plugins: [scriptBuilder({ formats: ${formats} })],
};
`;

async function shared(root: string): Promise<{ aggregate: string; channel: string }> {
  const aggregate = join(root, 'aggregate');
  const recipe = join(aggregate, 'stamped-feedstock/recipe');
  mkdirSync(join(recipe, 'src'), { recursive: true });
  writeFileSync(join(recipe, 'meta.yaml'), RECIPE);
  writeFileSync(join(recipe, 'src/notes.txt'), 'notes\n');
  const channel = join(root, 'build-channel');
  await writeFakePython(join(channel, 'linux-64'));
  await indexChannel(channel, ['linux-64']);
  return { aggregate, channel };
}

function run(dir: string, env: NodeJS.ProcessEnv = {}): void {
  const base: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  delete base.SOURCE_DATE_EPOCH;
  const r = spawnSync(process.execPath, [join(repo, 'bin/rebuild.js'), 'run'], { cwd: dir, encoding: 'utf8', env: { ...base, ...env } });
  assert.is(r.status, 0, r.stdout + r.stderr);
}

const s = suite('script builder: reproducible packages');

s.before((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'reproducible-'));
});
s.after((ctx) => rmSync(ctx.root, { recursive: true, force: true }));

s('the same recipe built into two work dirs gives the same channel bytes (.tar.bz2 and .conda, repodata.json)', async (ctx) => {
  const { aggregate, channel } = await shared(ctx.root);
  // The second project's path is longer: a different work dir, a different build prefix.
  const dirs = [join(ctx.root, 'one'), join(ctx.root, 'second-project-with-a-longer-path')];
  for (const dir of dirs) {
    mkdirSync(dir);
    writeFileSync(join(dir, 'rebuild.config.ts'), config(aggregate, channel, "['tar.bz2', 'conda']"));
  }
  run(dirs[0]);
  await new Promise((r) => setTimeout(r, 1100)); // the second build starts in a later second
  run(dirs[1]);
  const [a, b] = dirs.map((d) => channelBytes(join(d, 'work')));
  assert.ok(Object.keys(a).some((f) => f.endsWith('.tar.bz2')) && Object.keys(a).some((f) => f.endsWith('.conda')), JSON.stringify(a));
  assert.ok(Object.keys(a).some((f) => f.endsWith('repodata.json')));
  assert.equal(b, a);

  // The packages record a fixed placeholder, not a work dir, and the default time.
  const pkg = Object.keys(a).find((f) => f.endsWith('.tar.bz2'))!;
  const info = await readPackageInfoFiles(join(dirs[0], 'work', pkg), ['info/paths.json', 'info/has_prefix']);
  const text = [...info.values()].join('\n');
  assert.not.match(text, ctx.root);
  assert.match(text, /\/opt\/rebuild\/h_env_placehold/);
  const index = JSON.parse(readFileSync(join(dirs[0], 'work/channel/linux-64/repodata.json'), 'utf8'));
  const [record] = Object.values(index.packages) as { timestamp: number }[];
  assert.is(record.timestamp, 315_532_800_000);
});

s('SOURCE_DATE_EPOCH sets the package time and the script sees it', async (ctx) => {
  const { aggregate, channel } = await shared(join(ctx.root, 'epoch'));
  const dir = join(ctx.root, 'epoch', 'project');
  mkdirSync(dir);
  writeFileSync(join(dir, 'rebuild.config.ts'), config(aggregate, channel, "['tar.bz2']"));
  run(dir, { SOURCE_DATE_EPOCH: '1760000000' });
  const index = JSON.parse(readFileSync(join(dir, 'work/channel/linux-64/repodata.json'), 'utf8'));
  const [record] = Object.values(index.packages) as { timestamp: number }[];
  assert.is(record.timestamp, 1_760_000_000_000);
  let when = '';
  await walkPackage(join(dir, 'work/channel/linux-64/stamped-2.1-py313_3.tar.bz2'), async (entry, content) => {
    if (entry.name === 'share/stamped/when.txt') for await (const c of content) when += c;
  });
  assert.is(when, 'built at 1760000000\n');
});

s('buildTime: SOURCE_DATE_EPOCH, else the recipe dir\'s last commit, else 1980-01-01; a bad value is refused', async (ctx) => {
  const dir = join(ctx.root, 'git', 'feedstock', 'recipe');
  mkdirSync(dir, { recursive: true });
  assert.equal(await buildTime(dir, { PATH: process.env.PATH, SOURCE_DATE_EPOCH: '1700000000' }), { epoch: 1_700_000_000, source: 'SOURCE_DATE_EPOCH' });
  assert.is((await buildTime(dir, { PATH: process.env.PATH })).epoch, 315_532_800);
  writeFileSync(join(dir, 'meta.yaml'), 'package: {name: x, version: 1}\n');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: join(ctx.root, 'git'),
      env: { PATH: process.env.PATH, HOME: ctx.root, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org', GIT_COMMITTER_DATE: '@1650000000 +0000', GIT_AUTHOR_DATE: '@1650000000 +0000' },
    });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'recipe');
  assert.is((await buildTime(dir, { PATH: process.env.PATH, HOME: ctx.root })).epoch, 1_650_000_000);
  try {
    await buildTime(dir, { SOURCE_DATE_EPOCH: 'yesterday' });
    assert.unreachable('a bad SOURCE_DATE_EPOCH is refused');
  } catch (err) {
    assert.match(String(err), /SOURCE_DATE_EPOCH='yesterday' is not a whole number of seconds/);
  }
});

s.run();

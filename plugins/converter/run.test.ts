// A whole `rebuild run` (default plugins) on linux-64, osx-64 and win-64 with
// `convert: { from: 'linux-64', to: ['win-64'] }`: win-64 converts the pure-Python package from its
// linux-64 build (and that package goes on through test, transmute and publish), builds normally the
// one with a win-only requirement (refused at plan time) and the one whose linux-64 build holds a
// compiled file (refused at build time), each with its reason in the state; osx-64 builds everything;
// `rebuild verify` converts again to the same bytes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexChannel } from '../../core/conda/repodata.ts';
import { readPackageInfoFiles } from '../../core/conda/read-package.ts';
import { sha256File } from '../../core/conda/file-hash.ts';
import { StateDb } from '../../core/state/state-db.ts';
import { testChannels, type TestChannels } from '../tester/fixtures/test-channel.ts';
import { convertToPlatform } from './convert-package.ts';
import { pythonStandIn, standIn } from './fixtures/pure-package.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

const recipe = (name: string, script: string, run: string[] = ['python']) => `package:
  name: ${name}
  version: "1.0"

build:
  number: 0
  script: |
${script.trim().split('\n').map((l) => `    ${l}`).join('\n')}

requirements:
  host:
    - python
  run:
${run.map((r) => `    - ${r}`).join('\n')}

test:
  imports:
    - ${name}

about:
  summary: ${name} (rebuild:converter fixture)
  license: MIT
`;

const greet = recipe('greet', `
mkdir -p "$SP_DIR/greet" "$PREFIX/bin"
printf 'def main():\\n    print("hello")\\n    return 0\\n' > "$SP_DIR/greet/__init__.py"
printf '#!%s/bin/python\\nimport sys\\nfrom greet import main\\nsys.exit(main())\\n' "$PREFIX" > "$PREFIX/bin/greet"
chmod +x "$PREFIX/bin/greet"
`);
const winonly = recipe('winonly', `
mkdir -p "$SP_DIR/winonly"
echo "NAME = 'winonly'" > "$SP_DIR/winonly/__init__.py"
`, ['python', 'pywin32  # [win]']);
const fastext = recipe('fastext', `
mkdir -p "$SP_DIR/fastext"
echo "NAME = 'fastext'" > "$SP_DIR/fastext/__init__.py"
printf '\\177ELF\\002\\001\\001\\000' > "$SP_DIR/fastext/_speedups.so"
`);

const write = (file: string, text: string) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
};

const s = suite('rebuild run with convert.to win-64', { ch: null as unknown as TestChannels });
s.before(async (ctx) => {
  ctx.ch = await testChannels();
  for (const subdir of ['osx-64', 'win-64']) await pythonStandIn(ctx.ch.build, subdir);
  await standIn(ctx.ch.build, 'win-64', 'pywin32', '306', 'Lib/site-packages/pywin32_system32/README.txt');
  await indexChannel(ctx.ch.build);
  const agg = join(ctx.ch.root, 'aggregate');
  write(join(agg, 'greet-feedstock', 'recipe', 'meta.yaml'), greet);
  write(join(agg, 'winonly-feedstock', 'recipe', 'meta.yaml'), winonly);
  write(join(agg, 'fastext-feedstock', 'recipe', 'meta.yaml'), fastext);
  writeFileSync(join(ctx.ch.root, 'rebuild.config.ts'), `export default {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64', 'osx-64', 'win-64'],
  aggregate: './aggregate',
  workDir: './work',
  channels: { build: ['./build-channel'] },
  convert: { from: 'linux-64', to: ['win-64'] },
};
`);
});
s.after((ctx) => ctx.ch.cleanup());

const rebuild = (cwd: string, args: string[]) => {
  const r = spawnSync(process.execPath, [join(repo, 'bin/rebuild.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: r.status, out: r.stdout + r.stderr };
};

/** The reason the state records for the build stage of `node` on `subdir`. */
function buildReason(work: string, node: string, subdir: string): string | null {
  const db = StateDb.open(work);
  try {
    const row = db.getPackage({ node, subdir, python: '3.13' });
    if (!row) return null;
    return db.stages(row.id).find((st) => st.stage === 'build')?.reason ?? null;
  } finally {
    db.close();
  }
}

s('win-64 converts greet from linux-64, builds winonly and fastext itself (with why), osx-64 builds all; everything is published', async ({ ch }) => {
  // `rebuild plan` says which builds win-64 converts and which it builds, with why.
  const plan = rebuild(ch.root, ['plan']);
  assert.is(plan.status, 0, plan.out);
  assert.match(plan.out, /win-64\/py3\.13: 3 planned[^]*made from another target's build \(the build's own files are checked again then: one it declines is built\):\n  converted from linux-64: fastext greet\nbuilt normally:\n  winonly \(not converted: platform-specific winonly run: pywin32 only on win-64\)\n/);
  assert.not.match(plan.out.split('win-64/py3.13:')[0], /converted from/, 'linux-64 and osx-64 convert nothing');

  const r = rebuild(ch.root, ['run']);
  assert.is(r.status, 0, r.out);
  const work = join(ch.root, 'work');
  assert.is(buildReason(work, 'greet', 'win-64'), 'built by rebuild:converter: converted from linux-64');
  assert.is(buildReason(work, 'winonly', 'win-64'), 'built by rebuild:builder-script (not converted: platform-specific winonly run: pywin32 only on win-64)');
  assert.is(buildReason(work, 'fastext', 'win-64'), 'built by rebuild:builder-script (not converted: lib/python3.13/site-packages/fastext/_speedups.so: compiled file (.so))');
  for (const node of ['greet', 'winonly', 'fastext']) {
    assert.is(buildReason(work, node, 'osx-64'), 'built by rebuild:builder-script', node);
    assert.is(buildReason(work, node, 'linux-64'), 'built by rebuild:builder-script', node);
  }

  // The converted package: Windows layout, win-64 metadata, transmuted to .conda, in production.
  const win = join(work, 'channel', 'win-64', 'greet-1.0-py313_0.tar.bz2');
  const meta = await readPackageInfoFiles(win, ['info/index.json', 'info/files']);
  const index = JSON.parse(meta.get('info/index.json')!.toString());
  assert.equal([index.subdir, index.platform, index.arch], ['win-64', 'win', 'x86_64']);
  assert.equal(meta.get('info/files')!.toString().trim().split('\n'), ['Lib/site-packages/greet/__init__.py', 'Scripts/greet-script.py', 'Scripts/greet.bat']);
  assert.ok(existsSync(join(work, 'channel', 'win-64', 'greet-1.0-py313_0.conda')), 'transmuted');
  const repodata = JSON.parse(readFileSync(join(work, 'channel', 'win-64', 'repodata.json'), 'utf8'));
  assert.is(repodata.packages['greet-1.0-py313_0.tar.bz2'].sha256, await sha256File(win));
  assert.match(r.out, /greet/);

  // Same input, same bytes: the converted file is what converting linux-64's build gives again.
  const again = await convertToPlatform(join(work, 'channel', 'linux-64', 'greet-1.0-py313_0.tar.bz2'), { to: 'win-64', outDir: join(ch.root, 'again'), python: '3.13' });
  assert.is(await sha256File(again.target), await sha256File(win));

  // `rebuild verify` makes the converted package again the same way (from linux-64's build), byte for byte.
  const verify = rebuild(ch.root, ['verify', 'greet']);
  assert.is(verify.status, 0, verify.out);
  assert.match(verify.out, /win-64\/greet-1\.0-py313_0\.tar\.bz2: identical/);

  // A second run does nothing.
  const second = rebuild(ch.root, ['run']);
  assert.is(second.status, 0, second.out);
  assert.is(buildReason(work, 'greet', 'win-64'), 'built by rebuild:converter: converted from linux-64');
});

s.run();

// `rebuild verify <name>`: a reproducible package rebuilds to the same bytes (its .tar.bz2 and the
// transmuter's .conda); one whose script writes a random number does not, and the report names the
// member, the field, and the info/paths.json field that records it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexChannel } from '../../conda/repodata.ts';
import { writeFakePython } from '../../../tests/fixtures/fake-python-package.ts';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

const recipe = (name: string, script: string) => `package:
  name: ${name}
  version: "1.4"
build:
  number: 0
  script: |
${script.split('\n').map((l) => `    ${l}`).join('\n')}
requirements:
  host:
    - python
  run:
    - python
about:
  license: MIT
`;

function rebuild(dir: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  delete env.SOURCE_DATE_EPOCH;
  return spawnSync(process.execPath, [join(repo, 'bin/rebuild.js'), ...args], { cwd: dir, encoding: 'utf8', env });
}

const s = suite('rebuild verify');

s.before(async (ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'verify-'));
  const aggregate = join(ctx.root, 'aggregate');
  for (const [name, script] of [
    ['steady', 'mkdir -p $PREFIX/share/steady\necho "steady files" > $PREFIX/share/steady/a.txt'],
    ['noisy', 'mkdir -p $PREFIX/share/noisy\nod -An -N16 -tx1 /dev/urandom > $PREFIX/share/noisy/random.txt\necho fixed > $PREFIX/share/noisy/fixed.txt'],
  ]) {
    mkdirSync(join(aggregate, `${name}-feedstock/recipe`), { recursive: true });
    writeFileSync(join(aggregate, `${name}-feedstock/recipe/meta.yaml`), recipe(name, script));
  }
  const channel = join(ctx.root, 'build-channel');
  await writeFakePython(join(channel, 'linux-64'));
  await indexChannel(channel, ['linux-64']);
  ctx.project = join(ctx.root, 'project');
  mkdirSync(ctx.project);
  writeFileSync(join(ctx.project, 'rebuild.config.ts'), `export default {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: '${aggregate}',
  workDir: './work',
  channels: { build: ['${channel}'] },
};
`);
  const r = rebuild(ctx.project, 'run');
  assert.is(r.status, 0, r.stdout + r.stderr);
});
s.after((ctx) => rmSync(ctx.root, { recursive: true, force: true }));

s('a reproducible package: both artifacts identical, exit 0', (ctx) => {
  const r = rebuild(ctx.project, 'verify', 'steady');
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /linux-64\/steady-1\.4-py313_0\.tar\.bz2: identical \(sha256 [0-9a-f]{16}…\)/);
  assert.match(r.stdout, /linux-64\/steady-1\.4-py313_0\.conda: identical/);
});

s('a package that is not: exit 1, the member and field, and the paths.json field that records it', (ctx) => {
  const r = rebuild(ctx.project, 'verify', 'noisy', '--json');
  assert.is(r.status, 1, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout);
  const [pkg] = report.packages;
  assert.is(pkg.node, 'noisy');
  const bz2 = pkg.artifacts.find((a: { filename: string }) => a.filename.endsWith('.tar.bz2'));
  assert.is(bz2.identical, false);
  const lines: string[] = bz2.differences;
  assert.ok(lines.some((l) => /^share\/noisy\/random\.txt: sha256 [0-9a-f]{12}… in the recorded, [0-9a-f]{12}… in the rebuilt$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^info\/paths\.json: paths\[\d\]\.sha256: "[0-9a-f]+" → "[0-9a-f]+"$/.test(l)), lines.join('\n'));
  assert.not.ok(lines.some((l) => l.startsWith('share/noisy/fixed.txt')), 'the fixed file is not named');
  const text = rebuild(ctx.project, 'verify', 'noisy');
  assert.match(text.stdout, /noisy-1\.4-py313_0\.conda: DIFFERS\n( {2}.*\n)* {2}share\/noisy\/random\.txt: sha256/);
});

s('a name nobody knows is a usage error; the work dir is left as it was', (ctx) => {
  const r = rebuild(ctx.project, 'verify', 'steadyy');
  assert.is(r.status, 64);
  assert.match(r.stderr, /did you mean 'steady'/);
});

s.run();

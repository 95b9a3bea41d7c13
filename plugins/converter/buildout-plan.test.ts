// The bundled buildout's `all-arches` profile converts on osx-64, osx-arm64 and win-64
// (rebuild.config.ts): `rebuild plan` says, per arch, what is converted from linux-64 and what is
// built, with why — on the real example recipes (v1 recipes whose build strings hash the platform,
// a multi-output feedstock pinning its own output exactly, compiler('c'), win-only requirements).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

const s = suite('rebuild plan --profile all-arches (convert.to osx-64, osx-arm64, win-64)');

s('lists the conversions and the normal builds per arch, with why', () => {
  const work = mkdtempSync(join(tmpdir(), 'rebuild-convert-plan-'));
  try {
    const r = spawnSync(process.execPath, [join(repo, 'bin/rebuild.js'), 'plan', '--profile', 'all-arches', '--work-dir', work], { cwd: repo, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    assert.is(r.status, 0, r.stderr);
    const section = (target: string) => r.stdout.split(/\n(?=[a-z0-9-]+\/py3\.13: )/).find((p) => p.startsWith(`${target}: `)) ?? '';
    const win = section('win-64/py3.13');
    const converted = (text: string) => text.match(/^ {2}converted from linux-64: (.*)$/m)?.[1].split(' ') ?? [];
    // attrs (recipe.yaml: its build string hashes target_platform) and flit (pins flit-core exactly) are converted.
    for (const id of ['attrs', 'flit', 'certifi', 'requests', 'setuptools']) assert.ok(converted(win).includes(id), `${id} converted on win-64`);
    assert.match(win, /\n {2}crc32c \(not converted: compiled: the recipe uses compiler\('c'\)\)\n/);
    assert.match(win, /\n {2}pytest \(not converted: platform-specific pytest run: colorama only on win-64\)\n/);
    assert.match(win, /\n {2}wincertstore \(not converted: not built on linux-64 \(excluded: /);
    assert.match(win, /\n {2}python@bootstrap \(not converted: a bootstrap build\)\n/);
    // On osx-64 pytest's requirements are linux-64's: converted there.
    assert.ok(converted(section('osx-64/py3.13')).includes('pytest'));
    // linux-64 converts from nobody; linux-aarch64 is not in convert.to: both build everything.
    for (const t of ['linux-64/py3.13', 'linux-aarch64/py3.13']) assert.not.match(section(t), /converted from|built normally/, t);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

s.run();

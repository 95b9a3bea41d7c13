// The example as a user runs it: `rebuild run` with examples/plugins/wheel-builder/rebuild.config.ts
// (which loads ./index.ts by relative import) builds, tests and publishes the wheels of
// aggregate/requirements.txt; then pip, in a fresh venv, installs unit-conv (and its dependency
// tinyunits) from `file://<workDir>/production/label/wheels/simple` and the module is imported.
// Needs a python3 with pip and venv (CI: .ci/install-system installs python3-pip, -venv, -setuptools,
// -wheel); without one these tests print why and skip — the missing-pip failure test still runs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolveInterpreter } from './build-wheel.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const CONFIG = 'examples/plugins/wheel-builder/rebuild.config.ts';
const cleanEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8' };

const CAN_BUILD =
  "import importlib.util as u, setuptools, sys; v = tuple(int(x) for x in setuptools.__version__.split('.')[:2]); sys.exit(0 if u.find_spec('wheel') or v >= (70, 1) else 3)";

/** The first interpreter with pip and venv that can build setuptools wheels, else the first with pip and venv. */
function pickPython(): { python: string | null; why: string } {
  const candidates = [...new Set([process.env.WHEEL_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p).map((p) => resolveInterpreter(p)).filter((p): p is string => !!p))];
  const usable = candidates.filter((p) => spawnSync(p, ['-c', 'import pip, venv, ensurepip'], { env: cleanEnv }).status === 0);
  if (!usable.length) return { python: null, why: `no python3 with pip and venv among ${candidates.join(', ') || '(none on PATH)'}: install python3-pip and python3-venv (.ci/install-system)` };
  const builds = usable.find((p) => spawnSync(p, ['-c', CAN_BUILD], { env: cleanEnv }).status === 0);
  return { python: builds ?? usable[0], why: builds ? '' : `${usable[0]} has no 'wheel' package for its setuptools: the build is expected to fail saying so` };
}

function rebuild(workDir: string, python: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin/rebuild.js'), 'run', '--config', CONFIG, '--work-dir', workDir, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...cleanEnv, WHEEL_PYTHON: python },
  });
}

/** Every file under `dir`, relative, sorted. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

const indexOf = (workDir: string) => join(workDir, 'production/label/wheels/simple');

const { python, why } = pickPython();
const e2e = suite('examples/plugins/wheel-builder: rebuild run, then pip install from the simple index', { dir: '' });
e2e.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'wheel-builder-'));
  if (!python) console.log(`examples/plugins/wheel-builder: pip tests skipped: ${why}`);
  else if (why) console.log(`examples/plugins/wheel-builder: ${why}`);
});
e2e.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

if (python) {
  e2e('builds, tests and publishes both wheels; pip installs unit-conv with its dependency from the index', ({ dir }) => {
    const work = join(dir, 'work');
    const r = rebuild(work, python);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /linux-64 tinyunits: tested in .*\(2 check\(s\) passed\)/);
    assert.match(r.stderr, /linux-64 unitconv: published in .*by acme:wheel-builder/);
    const simple = indexOf(work);
    assert.ok(r.stderr.includes(`acme:wheel-builder: simple index: ${pathToFileURL(simple).href}\n`), r.stderr);
    // setuptools 75.8+ writes the distribution part lower-case (tinyunits-…), older ones as named (TinyUnits-…).
    assert.equal(files(simple).map((f) => f.toLowerCase()).sort(), [
      'index.html',
      'tinyunits/index.html',
      'tinyunits/tinyunits-1.2.0-py3-none-any.whl',
      'unit-conv/index.html',
      'unit-conv/unit_conv-0.3.1-py3-none-any.whl',
    ]);
    // The pyproject's requires-python reached the page through the wheel's metadata.
    assert.match(readFileSync(join(simple, 'unit-conv/index.html'), 'utf8'), /#sha256=[0-9a-f]{64}" data-requires-python="&gt;=3\.8">unit_conv-0\.3\.1-py3-none-any\.whl</);
    // The conda side of the channel is untouched: no conda package was built.
    assert.not.ok(existsSync(join(work, 'production/linux-64')));

    const venv = join(dir, 'venv');
    const made = spawnSync(python, ['-m', 'venv', venv], { env: cleanEnv, encoding: 'utf8' });
    assert.is(made.status, 0, made.stderr);
    // --isolated: no pip.conf or PIP_* of this machine (an extra find-links would hide a broken index).
    const pip = spawnSync(join(venv, 'bin/python'), ['-m', 'pip', 'install', '--isolated', '--no-cache-dir', '--disable-pip-version-check', '--index-url', pathToFileURL(simple).href, 'unit-conv'], {
      env: cleanEnv,
      encoding: 'utf8',
    });
    assert.is(pip.status, 0, pip.stdout + pip.stderr);
    assert.match(pip.stdout, /Successfully installed tinyunits-1\.2\.0 unit-conv-0\.3\.1/);
    const run = spawnSync(join(venv, 'bin/python'), ['-c', "import unitconv; print(unitconv.convert(2, 'km', 'm'))"], { env: cleanEnv, encoding: 'utf8' });
    assert.is(run.stdout.trim(), '2000.0', run.stderr);
  });

  e2e('a second run builds nothing; another work dir publishes the same bytes', ({ dir }) => {
    const work = join(dir, 'work');
    const again = rebuild(work, python);
    assert.is(again.status, 0, again.stderr);
    assert.match(again.stderr, /2 package\(s\): 0 to build/);
    const other = join(dir, 'other');
    const r = rebuild(other, python);
    assert.is(r.status, 0, r.stderr);
    const list = files(indexOf(work));
    assert.equal(files(indexOf(other)), list);
    for (const f of list) assert.ok(readFileSync(join(indexOf(work), f)).equals(readFileSync(join(indexOf(other), f))), `${f} differs between two work dirs`);
  });
}

e2e('an interpreter without pip: the builds fail saying what to install', ({ dir }) => {
  const fake = join(dir, 'python-without-pip');
  writeFileSync(fake, '#!/bin/sh\necho "$0: No module named pip" >&2\nexit 1\n');
  chmodSync(fake, 0o755);
  const r = rebuild(join(dir, 'nopip'), fake);
  assert.is(r.status, 1, r.stderr);
  // The message names the interpreter: `python3` on PATH may not be Debian's (pyenv, a venv).
  assert.ok(r.stderr.includes(`linux-64 tinyunits: FAILED (build) plugin acme:wheel-builder failed in hook run.build[linux-64]: pip wheel exited with 1: ${fake} has no pip: install it (Debian: python3-pip) or set wheelBuilder({ python }) to one that has`), r.stderr);
  assert.not.ok(existsSync(join(dir, 'nopip/production/label/wheels/simple')));
});

e2e.run();

// The bundled buildout, run the way the README's first command runs it: the repo's rebuild.config.ts
// (script builder on the host, local channels, SQLite state), each suite in its own temp work dir.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPackageIndex } from '../../core/conda/read-package.ts';
import { commandOutput, readmeBlocks } from './readme-blocks.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hasCc = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;

function rebuild(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/rebuild.js'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, CI: 'true' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `rebuild run --json`: the exit code and the ids of the tasks this run built (not those found built). */
function run(workDir: string, ...args: string[]) {
  const r = rebuild(['run', '--json', '--work-dir', workDir, ...args]);
  const events = r.out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const reached = (status: string) => [...new Set(events.filter((e) => e.type === 'task' && e.status === status && !e.initial).map((e) => e.id))].sort();
  return { ...r, events, built: reached('built'), reached };
}

/** The root config's settings as JSON, with another aggregate (a copy the test may change). */
function writeConfigCopy(workDir: string, aggregate: string): string {
  const example = join(root, 'examples/buildout');
  const path = join(workDir, 'rebuild.config.json');
  writeFileSync(path, JSON.stringify({
    python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate,
    channels: { reference: join(example, 'reference'), build: [join(example, 'toolchain')] },
    blocklist: [{ name: 'tensorflow', reason: 'too-heavy' }, ...(hasCc ? [] : [{ name: 'crc32c', reason: 'other' }])],
    extraVersions: { packaging: [{ version: '21.3' }] },
  }));
  return path;
}

function planOf(args: string[]) {
  const r = rebuild(['plan', '--json', ...args]);
  assert.is(r.code, 0, r.err);
  return JSON.parse(r.out) as any[];
}

const statusOf = (plan: any) => Object.fromEntries(plan.nodes.map((n: any) => [n.id, `${n.status}: ${n.reason ?? ''}`]));
/** What a node's build waits for (its test may wait for more). */
const dependsOn = (plan: any, id: string) => plan.nodes.find((n: any) => n.id === id).dependsOn.filter((d: any) => d.blocksBuild).map((d: any) => d.id);

const plan = suite('examples/buildout plan', { workDir: '' });
plan.before((ctx) => { ctx.workDir = mkdtempSync(join(tmpdir(), 'rebuild-buildout-plan-')); });
plan.after((ctx) => rmSync(ctx.workDir, { recursive: true, force: true }));

plan('linux-64: the bootstrap chain first, the flit cycle broken by its own bootstrap key', ({ workDir }) => {
  const [p] = planOf(['--work-dir', workDir]);
  assert.equal(p.stages.slice(0, 6), [['python@bootstrap'], ['certifi'], ['setuptools'], ['wheel'], ['pip'], ['python']]);
  const cycles = p.cycleDetails ?? p.cycles;
  assert.ok(JSON.stringify(cycles).includes('flit@bootstrap'), JSON.stringify(cycles));
  assert.ok(p.nodes.some((n: any) => n.id === 'flit@bootstrap'));
  // What flit-core builds (tomli-w, docutils) waits for flit@bootstrap, not for the final flit.
  assert.ok(dependsOn(p, 'docutils').includes('flit@bootstrap'), dependsOn(p, 'docutils').join(', '));
  assert.ok(dependsOn(p, 'flit').includes('docutils'));
});

plan('linux-64: blocklist, noarch, win-only, the extra version, run_exports, the test-only cycle', ({ workDir }) => {
  const [p] = planOf(['--work-dir', workDir]);
  const status = statusOf(p);
  assert.match(status.tensorflow, /^excluded: blocklisted \(too-heavy: needs GPUs/);
  assert.match(status.keras, /^blocked: blocked by tensorflow \(too-heavy/);
  assert.match(status.six, /^excluded: noarch: python/);
  assert.match(status.wincertstore, /^excluded: every variant is skipped for linux-64/);
  // pluggy's tests need pytest, which needs pluggy: only its test waits, both build.
  assert.match(status.pluggy, /^planned/);
  assert.match(status.pytest, /^planned/);
  const pluggyOnPytest = p.nodes.find((n: any) => n.id === 'pluggy').dependsOn.filter((d: any) => d.id === 'pytest');
  assert.equal(pluggyOnPytest.map((d: any) => `${d.section} ${d.blocksBuild}`), ['test false']);
  assert.match(status['packaging@21.3'], /^planned/);
  assert.ok(dependsOn(p, 'dparse').includes('packaging@21.3'), dependsOn(p, 'dparse').join(', '));
  if (hasCc) {
    assert.match(status.crc32c, /^planned/);
    assert.ok(dependsOn(p, 'blobstore').includes('crc32c'));
  } else {
    assert.match(status.crc32c, /^excluded: blocklisted \(other: no C compiler/);
    assert.match(status.blobstore, /^blocked: blocked by crc32c/);
  }
  assert.is(p.nodes.filter((n: any) => n.status === 'error').length, 0);
  // The reference channel (the 3.12 builds) names what this campaign leaves out, and why.
  const missing = Object.fromEntries(p.reference.missing.map((m: any) => [m.name, m.reason]));
  assert.is(missing.pycrypto, 'no recipe in the aggregate');
  assert.match(missing.keras, /blocked by tensorflow/);
  assert.is(missing.six, undefined); // noarch: nothing to rebuild
});

plan('a machine without a C compiler: crc32c is left out with the reason, what builds against it is blocked', ({ workDir }) => {
  // The root config looks for `cc` on PATH; with none, it blocklists crc32c instead of failing its build.
  const r = spawnSync(process.execPath, [join(root, 'bin/rebuild.js'), 'plan', '--json', '--work-dir', workDir], {
    cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, CI: 'true', PATH: join(workDir, 'no-such-bin') },
  });
  assert.is(r.status, 0, r.stderr);
  const status = statusOf(JSON.parse(r.stdout)[0]);
  assert.match(status.crc32c, /^excluded: blocklisted \(other: no C compiler on this machine \(cc\): install gcc/);
  assert.match(status.blobstore, /^blocked: blocked by crc32c/);
  assert.match(status.streamhash, /^blocked: blocked by crc32c/);
});

plan('the all-arches profile plans the seven arches; win-64 has wincertstore in the chain', ({ workDir }) => {
  const plans = planOf(['--profile', 'all-arches', '--work-dir', workDir]);
  assert.equal(plans.map((p) => p.target.subdir).sort(), ['linux-64', 'linux-aarch64', 'linux-ppc64le', 'linux-s390x', 'osx-64', 'osx-arm64', 'win-64']);
  const win = plans.find((p) => p.target.subdir === 'win-64');
  assert.equal(win.stages.slice(0, 3), [['python@bootstrap'], ['wincertstore'], ['certifi']]);
  for (const p of plans) assert.is(p.nodes.filter((n: any) => n.status === 'error').length, 0, p.target.subdir);
});

plan.run();

const buildout = suite('examples/buildout run', { workDir: '' });
buildout.before((ctx) => { ctx.workDir = mkdtempSync(join(tmpdir(), 'rebuild-buildout-run-')); });
buildout.after((ctx) => rmSync(ctx.workDir, { recursive: true, force: true }));

buildout('run: builds what it can, fails nose (imp is gone), blocks what needs it, exit 1', async ({ workDir }) => {
  const first = run(workDir);
  assert.is(first.code, 1, first.err.slice(-3000));
  const expected = [
    'attrs', 'certifi', 'charset-normalizer', 'docutils', 'dparse', 'flit', 'flit@bootstrap', 'httpretty', 'idna', 'iniconfig',
    'packaging', 'packaging@21.3', 'pip', 'pluggy', 'pytest', 'python', 'python@bootstrap', 'requests', 'setuptools', 'tomli-w',
    'typing-extensions', 'urllib3', 'wheel', ...(hasCc ? ['blobstore', 'crc32c', 'streamhash'] : []),
  ].sort();
  assert.equal(first.built, expected);
  const status = JSON.parse(rebuild(['status', '--json', '--work-dir', workDir]).out);
  const failed = Object.fromEntries(status.failed.map((f: any) => [f.id, `${f.failure}: ${f.reason}`]));
  assert.equal(Object.keys(failed).sort(), ['httpretty', 'nose']);
  assert.match(failed.nose, /^build: .*ModuleNotFoundError: No module named 'imp'/s);
  // httpretty builds, but importing it needs distutils: its test fails, its package goes no further.
  assert.match(failed.httpretty, /^test: .*No module named 'distutils'/);
  const why = rebuild(['why', 'nose-exclude', '--work-dir', workDir]);
  assert.match(why.out, /nose/);

  const channel = join(workDir, 'channel', 'linux-64');
  const requests = await readPackageIndex(join(channel, 'requests-2.32.3-py313_0.tar.bz2'));
  assert.ok(requests.depends.includes('urllib3 >=1.21.1,<3'), requests.depends.join(', '));
  if (hasCc) {
    // crc32c's run_exports reach what builds against it.
    const blobstore = await readPackageIndex(join(channel, 'blobstore-1.2.0-py313_0.tar.bz2'));
    assert.ok(blobstore.depends.includes('crc32c >=2.4.1,<2.5.0a0'), blobstore.depends.join(', '));
  }
  // What passed its tests went on: .conda next to .tar.bz2, staged, validated, in production.
  const production = readdirSync(join(workDir, 'production', 'linux-64'));
  assert.ok(production.includes('requests-2.32.3-py313_0.tar.bz2') && production.includes('requests-2.32.3-py313_0.conda'), production.join(' '));
  assert.not.ok(production.some((f) => /^(httpretty|nose|python-3\.13\.0-bootstrap)/.test(f)), production.join(' '));
  assert.not.ok(readdirSync(join(workDir, 'tested', 'linux-64')).some((f) => f.startsWith('httpretty-')));
  // The report says what is missing against the 3.12 reference channel, and why.
  const report = readFileSync(join(workDir, 'report', 'report.md'), 'utf8');
  assert.match(report, /pycrypto/);
  assert.match(report, /No module named 'imp'/);

  const python = await readPackageIndex(join(channel, 'python-3.13.0-h0_0.tar.bz2'));
  assert.equal(python.depends, ['pip']);
  const bootstrapBuilds = readdirSync(join(workDir, 'bootstrap-channel', 'linux-64')).filter((f) => f.endsWith('.tar.bz2')).sort();
  assert.equal(bootstrapBuilds.map((f) => f.replace(/-[^-]+-[^-]+\.tar\.bz2$/, '')), ['flit-core', 'python']);
});

buildout('the README shows what plan, status and why print on the example after one run', ({ workDir }) => {
  const blocks = readmeBlocks();
  assert.ok(blocks.length >= 3, 'README output blocks');
  for (const block of blocks) {
    const actual = commandOutput(block.args, workDir);
    assert.fixture(actual, block.text, `rebuild ${block.args.join(' ')}: the README block differs (npx tsx examples/buildout/readme-blocks.ts --work-dir <dir of a first run> rewrites it)`);
  }
});

buildout('run again: nothing to do; a deleted artifact is rebuilt alone, the same bytes', ({ workDir }) => {
  const again = run(workDir);
  assert.is(again.code, 1, again.err.slice(-2000)); // nose is still failed (until --retry-failed)
  assert.equal(again.built, []);

  const channel = join(workDir, 'channel', 'linux-64');
  const [certifi] = readdirSync(channel).filter((f) => f.startsWith('certifi-'));
  const before = readFileSync(join(channel, certifi));
  rmSync(join(channel, certifi));
  // certifi is a member of the bootstrap chain: rebuilt against the bootstrap python, byte for byte;
  // the same bytes, so nothing that depends on it is built, tested or published again.
  const rerun = run(workDir);
  assert.equal(rerun.built, ['certifi']);
  const others = (ids: string[]) => ids.filter((id) => id !== 'certifi');
  assert.equal(others(rerun.reached('tested')), []);
  assert.equal(others(rerun.reached('published')), []);
  assert.ok(readFileSync(join(channel, certifi)).equals(before), 'the rebuilt certifi differs from the deleted one');
  assert.equal(run(workDir).built, []);
});

buildout('a changed recipe rebuilds that package and what builds against it, nothing else', ({ workDir }) => {
  // A copy of the aggregate, so the change stays in this test: the same config, pointed at it.
  const agg = join(workDir, 'aggregate');
  cpSync(join(root, 'examples/buildout/aggregate'), agg, { recursive: true });
  const copy = run(workDir, '--config', writeConfigCopy(workDir, agg));
  assert.equal(copy.built, [], 'the copy has the same recipes: nothing to build');
  appendFileSync(join(agg, 'tomli-w-feedstock/recipe/meta.yaml'), '# a change\n');
  // flit has tomli-w in its host environment, and what builds with flit-core (an output of flit)
  // follows flit; nothing else does.
  assert.equal(run(workDir, '--config', writeConfigCopy(workDir, agg)).built,
    ['flit', 'idna', 'iniconfig', 'packaging', ...(hasCc ? ['streamhash'] : []), 'tomli-w', 'typing-extensions', 'urllib3']);
});

buildout.run();

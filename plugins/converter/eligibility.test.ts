// Eligibility at plan time (nodeEligibility, buildSourceOf) and at build time (contentProblems), and the
// task graph the engine makes from the converter's answers (build(X@win-64) after build(X@linux-64)).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PackageNode, RenderedOutput, Subdir, Target } from '../../core/model/types.ts';
import type { Plan } from '../../core/graph/plan.ts';
import { BUILD_ONLY, buildTaskGraph } from '../../core/engine/task-graph.ts';
import { fakePlan } from '../../tests/fixtures/fake-plan.ts';
import { compiledMagic, contentProblems, isPythonScript, nodeEligibility, pythonHeaderLines } from './eligibility.ts';
import { buildSourceOf } from './index.ts';
import { ELF_HEAD } from './fixtures/pure-package.ts';

const target = (subdir: Subdir): Target => ({ subdir, python: '3.13' });
const CONVERT = { from: 'linux-64' as Subdir, to: ['win-64' as Subdir], windowsEntryPoints: 'bat' as const };

const output = (name: string, run: string[], over: Partial<RenderedOutput> = {}): RenderedOutput => ({
  name, version: '1.0', build: 'py313_0', buildNumber: 0, noarch: null,
  requirements: { build: [], host: ['python 3.13.*'], run, run_constrained: [] },
  test: { requires: [], imports: [name], commands: [] }, runExports: { weak: [], strong: [] }, script: null, ...over,
});

/** Plans for linux-64 and win-64 where each node renders `outputs(subdir)` (and variant keys `keys`). */
function plans(nodes: Record<string, { outputs: (subdir: Subdir) => RenderedOutput[]; keys?: Record<string, string>; deps?: string[]; winOnly?: boolean }>): Plan[] {
  return (['linux-64', 'win-64'] as Subdir[]).map((subdir) => {
    const ids = Object.entries(nodes).filter(([, n]) => subdir === 'win-64' || !n.winOnly);
    const plan = fakePlan(target(subdir), Object.fromEntries(ids.map(([id, n]) => [id, n.deps ?? []])));
    for (const [id, n] of ids) {
      plan.graph.mergeNodeAttributes(id, {
        recipe: { feedstock: id, dir: `/agg/${id}`, file: `/agg/${id}/meta.yaml`, format: 'meta.yaml', aggregate: '/agg', variantFiles: [] },
        variants: [{ variant: { python: '3.13', ...n.keys }, skip: false, outputs: n.outputs(subdir), source: [], script: null, buildNumber: 0, about: {} }],
      });
    }
    return plan;
  });
}

const node = (ps: Plan[], subdir: Subdir, id: string): PackageNode => ps.find((p) => p.target.subdir === subdir)!.graph.getNodeAttributes(id);
/** Why `id` on win-64 may not be made from linux-64 (null: it may). */
const refusal = (ps: Plan[], id: string): string | null => {
  const e = nodeEligibility(node(ps, 'win-64', id), node(ps, 'linux-64', id), 'linux-64');
  return e.ok ? null : e.reason;
};

const plan = suite('nodeEligibility / buildSourceOf (plan time)');

plan('pure python (same rendering on both arches) → converted from linux-64', () => {
  const ps = plans({ greet: { outputs: () => [output('greet', ['python >=3.13,<3.14.0a0'])] } });
  assert.is(refusal(ps, 'greet'), null);
  assert.equal(buildSourceOf(CONVERT, node(ps, 'win-64', 'greet'), ps), { from: target('linux-64'), reason: 'converted from linux-64', builds: new Map([['greet-1.0-py313_0', 'py313_0']]) });
  // Not an arch that converts (and never the source itself): no answer, a normal build.
  assert.is(buildSourceOf(CONVERT, node(ps, 'linux-64', 'greet'), ps), undefined);
});

plan("build strings whose hash covers the platform (rattler-build's target_platform) may differ: the converted package takes the target's", () => {
  const ps = plans({ v1: { outputs: (s) => [output('v1', ['python'], { build: s === 'win-64' ? 'py313ha763781_0' : 'py313hac9f204_0' })] } });
  const e = nodeEligibility(node(ps, 'win-64', 'v1'), node(ps, 'linux-64', 'v1'), 'linux-64');
  assert.equal(e, { ok: true, builds: new Map([['v1-1.0-py313hac9f204_0', 'py313ha763781_0']]) });
  // A multi-output node pinning its own output exactly (pin_subpackage exact): the same pin, each platform's build.
  const b = (s: Subdir, x: string) => (s === 'win-64' ? `py313hw${x}_0` : `py313hl${x}_0`);
  const flit = plans({ flit: { outputs: (s) => [
    output('flit-core', ['python'], { build: b(s, '1') }),
    output('flit', ['python', `flit-core 1.0 ${b(s, '1')}`], { build: b(s, '2') }),
  ] } });
  assert.equal(nodeEligibility(node(flit, 'win-64', 'flit'), node(flit, 'linux-64', 'flit'), 'linux-64'), {
    ok: true, builds: new Map([['flit-core-1.0-py313hl1_0', 'py313hw1_0'], ['flit-1.0-py313hl2_0', 'py313hw2_0']]),
  });
  // A different version is a different package, though.
  const vs = plans({ v: { outputs: (s) => [output('v', ['python'], { version: s === 'win-64' ? '2.0' : '1.0' })] } });
  assert.is(refusal(vs, 'v'), 'platform-specific v version: 2.0 only on win-64, 1.0 only on linux-64');
});

plan('a platform-specific run requirement (a selector resolved for win) → refused with the requirement', () => {
  const ps = plans({ winonly: { outputs: (s) => [output('winonly', s === 'win-64' ? ['python', 'pywin32'] : ['python'])] } });
  assert.equal(buildSourceOf(CONVERT, node(ps, 'win-64', 'winonly'), ps), { from: null, reason: 'not converted: platform-specific winonly run: pywin32 only on win-64' });
  const host = plans({ h: { outputs: (s) => [output('h', ['python'], { requirements: { build: [], host: s === 'win-64' ? ['python 3.13.*'] : ['python 3.13.*', 'libuuid'], run: ['python'], run_constrained: [] } })] } });
  assert.is(refusal(host, 'h'), 'platform-specific h host: libuuid only on linux-64');
});

plan("compiler('c') / stdlib('c') variant keys, noarch outputs, bootstrap builds, nodes not planned on linux-64 → refused", () => {
  const ps = plans({
    cext: { outputs: () => [output('cext', ['python'])], keys: { c_compiler: 'gcc' } },
    std: { outputs: () => [output('std', ['python'])], keys: { c_stdlib: 'sysroot' } },
    nx: { outputs: () => [output('nx', ['python'], { noarch: 'python' })] },
    onlywin: { outputs: () => [output('onlywin', ['python'])], winOnly: true },
  });
  assert.is(refusal(ps, 'cext'), "compiled: the recipe uses compiler('c')");
  assert.is(refusal(ps, 'std'), "compiled: the recipe uses stdlib('c')");
  assert.is(refusal(ps, 'nx'), 'noarch: python output nx');
  assert.equal(buildSourceOf(CONVERT, node(ps, 'win-64', 'onlywin'), ps), { from: null, reason: 'not converted: not planned on linux-64' });
  const excluded = plans({ x: { outputs: () => [output('x', ['python'])] } });
  excluded[0].graph.mergeNodeAttributes('x', { status: 'excluded', reason: 'blocklisted' });
  assert.is(refusal(excluded, 'x'), 'not built on linux-64 (excluded: blocklisted)');
  // linux-64 not among the run's targets (--arch win-64): built normally, with the reason.
  assert.equal(buildSourceOf(CONVERT, node(ps, 'win-64', 'cext'), [ps[1]]), { from: null, reason: 'not converted: linux-64 is not a target of this run' });
});

plan.run();

const graph = suite('buildTaskGraph with run.hooks.buildFrom');

graph('build(greet@win-64) waits for build(greet@linux-64) and carries its source; a refused node stays a normal build with its reason', () => {
  const ps = plans({
    greet: { outputs: () => [output('greet', ['python'])] },
    winonly: { outputs: (s) => [output('winonly', s === 'win-64' ? ['python', 'pywin32'] : ['python'])], deps: ['greet'] },
  });
  const tasks = buildTaskGraph(ps, { ...BUILD_ONLY, buildFrom: (n, p) => buildSourceOf(CONVERT, n, p) });
  const greet = tasks.get('win-64/py3.13/greet')!;
  assert.equal(greet.deps, ['linux-64/py3.13/greet']);
  assert.equal(greet.source, { pkg: 'linux-64/py3.13/greet', target: target('linux-64'), reason: 'converted from linux-64' });
  assert.ok(tasks.get('linux-64/py3.13/greet')!.dependents.includes('win-64/py3.13/greet'));
  const winonly = tasks.get('win-64/py3.13/winonly')!;
  assert.equal(winonly.deps, ['win-64/py3.13/greet']);
  assert.is(winonly.source, undefined);
  assert.is(winonly.notDerived, 'not converted: platform-specific winonly run: pywin32 only on win-64');
  // Without the hook: no edge across targets.
  assert.equal(buildTaskGraph(ps, BUILD_ONLY).get('win-64/py3.13/greet')!.deps, []);
});

graph.run();

const content = suite('contentProblems (build time)');

const INDEX = { name: 'p', version: '1', build: 'py313_0', build_number: 0, depends: ['python >=3.13'], subdir: 'linux-64' };
const OPTS = { from: 'linux-64', to: 'win-64', windowsEntryPoints: 'bat' as const };

content('a pure package has none; compiled files by name and by header, a binary placeholder, __osx each have one', () => {
  const py = { name: 'lib/python3.13/site-packages/p/__init__.py', type: 'file' as const, head: Buffer.from('"""p"""') };
  assert.equal(contentProblems(INDEX, [], [py], OPTS), []);
  assert.equal(contentProblems(INDEX, [], [py, { name: 'lib/python3.13/site-packages/p/_c.pyd', type: 'file', head: Buffer.from('xx') }], OPTS), ['lib/python3.13/site-packages/p/_c.pyd: compiled file (.pyd)']);
  assert.equal(contentProblems(INDEX, [], [{ name: 'share/p/blob', type: 'file', head: ELF_HEAD.subarray(0, 8) }], { ...OPTS, to: 'osx-64' }), ['share/p/blob: compiled file (ELF header)']);
  assert.equal(contentProblems(INDEX, [{ _path: 'share/p/blob', path_type: 'hardlink', file_mode: 'binary', prefix_placeholder: '/x' }], [], OPTS), ['share/p/blob: holds the build prefix in binary form (compiled code)']);
  assert.equal(contentProblems({ ...INDEX, depends: ['python', '__osx >=11'] }, [], [], OPTS), ["requirement '__osx >=11' is a virtual package of one platform"]);
  assert.equal(contentProblems({ ...INDEX, noarch: 'python' }, [], [], OPTS), ['noarch: python (one package serves every platform; nothing to convert)']);
});

content('headers and scripts', () => {
  assert.is(compiledMagic(Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1])), 'Mach-O');
  assert.is(compiledMagic(Buffer.from([0xca, 0xfe, 0xba, 0xbe])), 'Mach-O (fat)');
  assert.is(compiledMagic(Buffer.from('MZ\x90\x00')), 'PE');
  assert.is(compiledMagic(Buffer.from('#!/bin/sh\n')), null);
  assert.ok(isPythonScript(Buffer.from('#!/opt/env/bin/python3.13\nimport sys\n')));
  assert.not.ok(isPythonScript(Buffer.from('#!/bin/sh\nexec python3 "$@"\n')));
  assert.not.ok(isPythonScript(Buffer.from('import sys\n')));
  // pip's form for an interpreter path too long for `#!` (a build's placeholder prefix): 3 header lines.
  const shExec = `#!/bin/sh\n'''exec' "/opt/${'p'.repeat(200)}/bin/python3.13" "$0" "$@"\n' '''\nimport sys\n`;
  assert.ok(isPythonScript(Buffer.from(shExec)));
  assert.is(pythonHeaderLines(Buffer.from(shExec)), 3);
  assert.is(pythonHeaderLines(Buffer.from('#!/opt/env/bin/python3.13\nimport sys\n')), 1);
  assert.not.ok(isPythonScript(Buffer.from(`#!/bin/sh\n'''exec' "/opt/env/bin/ruby" "$0" "$@"\n' '''\n`)));
});

content.run();

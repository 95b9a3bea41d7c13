import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reportHasSeveralPythons, sideBySide, stateCell } from './side-by-side.ts';
import type { ReportPackage, ReportTarget } from './types.ts';

const pkg = (name: string, status: ReportPackage['status'], over: Partial<ReportPackage> = {}): ReportPackage => ({
  name, feedstock: name, outputs: [name], version: '1.0', status, stage: null, reason: null, class: null, classLine: null,
  blockedBy: null, exclusion: null, log: null, attempts: 1, durationMs: 1, ...over,
});
const target = (subdir: string, python: string, packages: ReportPackage[]): ReportTarget => ({ subdir, python, counts: {} as never, packages });

const s = suite('sideBySide');

s('per package, its state on every target; only the packages whose state differs between the pythons of a subdir', () => {
  const targets = [
    target('linux-64', '3.13', [pkg('numpy', 'published'), pkg('scipy', 'published'), pkg('legacy', 'published')]),
    target('linux-64', '3.14', [pkg('numpy', 'published'), pkg('scipy', 'failed', { stage: 'test' }), pkg('legacy', 'excluded', { exclusion: { kind: 'skipped', blocklist: null } })]),
    // win-64 differs from linux-64 for numpy, but not between its own pythons: not a difference of pythons.
    target('win-64', '3.13', [pkg('numpy', 'blocked'), pkg('scipy', 'published')]),
    target('win-64', '3.14', [pkg('numpy', 'blocked'), pkg('scipy', 'failed', { stage: 'test' })]),
  ];
  const r = sideBySide({ targets });
  assert.equal(r.columns, ['linux-64 py3.13', 'linux-64 py3.14', 'win-64 py3.13', 'win-64 py3.14']);
  assert.equal(r.rows, [
    { name: 'legacy', cells: ['published', 'excluded (skipped)', 'not planned', 'not planned'] },
    { name: 'scipy', cells: ['published', 'failed (test)', 'published', 'failed (test)'] },
  ]);
  assert.is(r.same, 1);
});

s('reportHasSeveralPythons :: from the targets, or a configured list; stateCell', () => {
  const config = (to: string | string[]) => ({ python: { from: '3.12', to }, arches: [], reference: null, waitingGoal: null, groups: {} });
  assert.not.ok(reportHasSeveralPythons({ targets: [target('linux-64', '3.13', []), target('win-64', '3.13', [])], config: config('3.13') }));
  assert.ok(reportHasSeveralPythons({ targets: [target('linux-64', '3.13', []), target('linux-64', '3.14', [])], config: config('3.13') }));
  assert.ok(reportHasSeveralPythons({ targets: [], config: config(['3.13', '3.14']) }));
  assert.is(stateCell(pkg('a', 'test-failed', { stage: 'test' })), 'test-failed (test)');
  assert.is(stateCell(undefined), 'not planned');
});

s.run();

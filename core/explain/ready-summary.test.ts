import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readySummary } from './ready-summary.ts';
import { formatReadyText } from './format-ready.ts';
import { readTargetStates } from './read-state.ts';
import { NO_STATE } from './target-state.ts';
import { ECOSYSTEM_STATE, ecosystemPlan, removeDir, writeState } from './fixtures/ecosystem.ts';

const ready = suite('readySummary');

ready.before(async (ctx) => {
  ctx.plan = await ecosystemPlan();
  ctx.dir = writeState(ECOSYSTEM_STATE);
  ctx.state = readTargetStates(ctx.dir, [ctx.plan.target]).get('linux-64/py3.13');
});
ready.after((ctx) => removeDir(ctx.dir));

ready('the fixture ecosystem with its state db: exact sets, counts and blockers', (ctx) => {
  const s = readySummary(ctx.plan, ctx.state);
  assert.equal(s, {
    target: { subdir: 'linux-64', python: '3.13' },
    // setuptools first: 3 waiting nodes need it; interrupted is not built.
    ready: ['setuptools', 'usezlib'],
    waiting: 3,
    built: 1,
    failed: ['six'],
    stages: {},
    // sixdep (its dependency six failed) and the plan's own blocked node.
    blocked: 2,
    present: 0,
    error: 0,
    mostNeeded: [
      { id: 'setuptools', waiting: 3 },
      { id: 'six', waiting: 1 },
      { id: 'wheel', waiting: 1 },
    ],
    lastBlockers: [
      { id: 'setuptools', unblocks: ['attrs', 'wheel'] },
      { id: 'six', unblocks: ['sixdep'] },
    ],
  });
  // The JSON keys, in order (the documented shape).
  assert.equal(Object.keys(JSON.parse(JSON.stringify(s))), ['target', 'ready', 'waiting', 'built', 'failed', 'blocked', 'present', 'error', 'mostNeeded', 'lastBlockers', 'stages']);
});

ready('no state: only python is ready, everything else waits on it', (ctx) => {
  const s = readySummary(ctx.plan, NO_STATE);
  assert.equal(s.ready, ['python']);
  assert.is(s.waiting, 7);
  assert.is(s.built, 0);
  assert.equal(s.failed, []);
  assert.equal(s.mostNeeded[0], { id: 'python', waiting: 7 });
  assert.equal(s.lastBlockers[0], { id: 'python', unblocks: ['setuptools', 'six', 'usezlib'] });
});

ready('text: counts line, then ready, failed, most needed and last blockers', (ctx) => {
  assert.is(
    formatReadyText(readySummary(ctx.plan, ctx.state)),
    [
      'linux-64/py3.13: 2 ready, 3 waiting, 1 built, 1 failed, 2 blocked, 0 present',
      'ready (2): setuptools (3 waiting), usezlib',
      'failed (1): six',
      'most needed:',
      '  setuptools  3 waiting [ready]',
      '  six         1 waiting [failed]',
      '  wheel       1 waiting',
      'last blockers:',
      '  setuptools  unblocks 2: attrs, wheel [ready]',
      '  six         unblocks 1: sixdep [failed]',
      '',
    ].join('\n'),
  );
});

ready('text: top 10 of each list, with how many more', () => {
  const many = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, '0')}`);
  const text = formatReadyText({
    target: { subdir: 'linux-64', python: '3.13' },
    ready: many,
    waiting: 0,
    built: 0,
    failed: [],
    stages: { 'test failed': many },
    blocked: 0,
    present: 0,
    error: 2,
    mostNeeded: [],
    lastBlockers: [],
  });
  assert.is(text, 'linux-64/py3.13: 12 ready, 0 waiting, 0 built, 0 failed, 0 blocked, 0 present, 2 error\nready (12): p00, p01, p02, p03, p04, p05, p06, p07, p08, p09 … and 2 more\n' +
    'built, test failed (12): p00, p01, p02, p03, p04, p05, p06, p07, p08, p09 … and 2 more\n');
});

ready.run();

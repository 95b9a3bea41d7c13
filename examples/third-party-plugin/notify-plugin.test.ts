import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from 'rebuild';
import { resolveConfig } from '../../core/config/resolve.ts';
import { notifyOnFailure } from './notify-plugin.ts';

const notify = suite('examples/third-party-plugin');

notify('reports failed tasks through the public hooks', () => {
  const lines: string[] = [];
  const config = resolveConfig(
    { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: '.', plugins: [notifyOnFailure((l) => lines.push(l))] },
    { rootDir: '/tmp', profile: null },
  );
  const run = new Engine(config).createRun();
  const target = run.targets[0];
  run.hooks.taskEnd.call({ id: 'numpy', target, status: 'failed', reason: 'exit 1', attempt: 1, durationMs: 5, artifacts: [] });
  run.hooks.taskEnd.call({ id: 'six', target, status: 'built', reason: null, attempt: 1, durationMs: 5, artifacts: [] });
  assert.equal(lines, ['numpy failed: exit 1']);
});

notify.run();

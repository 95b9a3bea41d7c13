import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { idleWorkerNotice } from './coordinator.ts';

const test = suite('coordinator: idle worker notices');
const w = (arch: string) => ({ name: 'host pid 7', arch });

test('a worker of an arch with builds to do gets no notice', () => {
  assert.is(idleWorkerNotice(w('linux-64'), { 'linux-64': 3 }), null);
});

test('a worker of an arch the run does not plan', () => {
  assert.is(idleWorkerNotice(w('linux-aarch64'), { 'linux-64': 3 }), 'queue: worker host pid 7 takes linux-aarch64 builds, which this run does not plan: it stays idle');
});

test('a worker of a planned arch whose builds are all done is not told its arch is unplanned', () => {
  assert.is(idleWorkerNotice(w('linux-64'), { 'linux-64': 0 }), 'queue: worker host pid 7 takes linux-64 builds, of which this run has none left to build: it stays idle');
});

test.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NameTable } from './name-table.ts';

const t = suite('NameTable');

t('numbers new names after the earlier table, keeps old numbers, leaves the earlier array alone', () => {
  const earlier = ['python', 'pip'];
  const table = new NameTable(earlier);
  assert.is(table.id('pip'), 1);
  assert.is(table.id('numpy'), 2);
  assert.is(table.id('python'), 0);
  assert.is(table.id('numpy'), 2);
  assert.equal(table.names, ['python', 'pip', 'numpy']);
  assert.equal(earlier, ['python', 'pip']);
});

t.run();

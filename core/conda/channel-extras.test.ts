import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { indentedRecordJson } from './channel-extras.ts';

const reference = (record: object) => JSON.stringify(record, null, 1).replace(/\n/g, '\n  ');

const records = suite('indentedRecordJson');

records('every record of the real 2018 linux-64 and noarch repodata gives the bytes JSON.stringify gives', () => {
  let n = 0;
  for (const file of ['main-linux-64.repodata.json.gz', 'main-noarch.repodata.json.gz']) {
    const repodata = JSON.parse(gunzipSync(readFileSync(join(import.meta.dirname, '../../data/defaults-2018', file))).toString('utf8'));
    for (const record of [...Object.values<object>(repodata.packages), ...Object.values<object>(repodata['packages.conda'] ?? {})]) {
      assert.is(indentedRecordJson(record), reference(record));
      n++;
    }
  }
  assert.ok(n > 5000, `${n} records`);
});

records('values records rarely hold: empty lists, escapes, null, booleans, nested objects, holes, numbers, undefined', () => {
  const cases: object[] = [
    {},
    { depends: [] },
    { name: 'a"b\\c\n\u2028é', version: '1', depends: ['x >=1', 'y "quoted"'], constrains: [] },
    { noarch: 'python', build_number: 0, timestamp: 1_700_000_000_000, size: -0, ratio: 0.5, big: 1e21, nan: NaN },
    { flag: true, off: false, nothing: null, gone: undefined, fn: () => 1 },
    { nested: { a: [1, 2], b: {} }, after: 'x' },
    { mixed: ['a', 1, null] },
    // eslint-disable-next-line no-sparse-arrays
    { holes: ['a', , 'b'] },
    { '0': 'integer-like keys first', z: 'z', '1': 'one' },
  ];
  for (const c of cases) assert.is(indentedRecordJson(c), reference(c), JSON.stringify(c));
});

records.run();

import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { keyedObject, keysOf, putKey } from './keyed-object.ts';

const keyed = suite('keyedObject');
const HERE = dirname(fileURLToPath(import.meta.url));

keyed('an empty plain object: Object.prototype, keys in insertion order, JSON and spreading as usual', () => {
  const o = keyedObject<string>();
  assert.equal(Object.keys(o), []);
  assert.is(Object.getPrototypeOf(o), Object.prototype);
  o.zlib = '1.3';
  o.c_compiler = 'gcc';
  o['2'] = 'two';
  putKey(o, '__proto__', 'x');
  assert.equal(Object.keys(o), ['2', 'zlib', 'c_compiler', '__proto__']);
  assert.is(Object.getPrototypeOf(o), Object.prototype);
  assert.is(JSON.stringify(o), '{"2":"two","zlib":"1.3","c_compiler":"gcc","__proto__":"x"}');
  assert.equal({ ...o }, JSON.parse(JSON.stringify(o)));
  assert.ok('toString' in o);
});

keyed('keysOf: the keys in order, listed once for a frozen object; an object that can change is listed each time', () => {
  const o = keyedObject<string>();
  o.zlib = '1.3';
  putKey(o, '__proto__', 'x');
  o['2'] = 'two';
  const open = keysOf(o);
  assert.equal(open, ['2', 'zlib', '__proto__']);
  o.numpy = '2.0';
  assert.equal(keysOf(o), ['2', 'zlib', '__proto__', 'numpy']);
  Object.freeze(o);
  const first = keysOf(o);
  assert.equal(first, Object.keys(o));
  assert.is(keysOf(o), first, 'the same listing again');
});

keyed('is in V8 dictionary mode, so data keys make no hidden classes', () => {
  // %HasFastProperties needs --allow-natives-syntax: asked in a child process.
  const url = pathToFileURL(join(HERE, 'keyed-object.ts')).href;
  const script = `import(${JSON.stringify(url)}).then(({ keyedObject }) => { const o = keyedObject(); o.a = 1; console.log(JSON.stringify([%HasFastProperties(o), %HasFastProperties({ a: 1 })])); });`;
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '-e', script], { encoding: 'utf8' });
  assert.equal(JSON.parse(out.trim()), [false, true]);
});

keyed.run();

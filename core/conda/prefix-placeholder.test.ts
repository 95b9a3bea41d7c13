import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  detectPrefixMode,
  placeholderPrefix,
  PrefixPaddingError,
  replacePrefixBinary,
  replacePrefixText,
} from './prefix-placeholder.ts';

const ph = suite('placeholderPrefix');

ph('pads the prefix to 255 characters :: /tmp/work', () => {
  const p = placeholderPrefix('/tmp/work');
  assert.is(p.length, 255);
  assert.ok(p.startsWith('/tmp/work/h_env_placehold_placehold'));
});

ph('keeps a parent that is already too long :: 300 chars', () => {
  const parent = `/${'x'.repeat(300)}`;
  assert.is(placeholderPrefix(parent, 'b'), `${parent}/b`);
});

ph.run();

const detect = suite('detectPrefixMode');

detect('text without NUL, binary with one, null without the prefix', () => {
  assert.is(detectPrefixMode(Buffer.from('#!/p/bin/python\n'), '/p'), 'text');
  assert.is(detectPrefixMode(Buffer.from('\0/p/lib\0'), '/p'), 'binary');
  assert.is(detectPrefixMode(Buffer.from('\0/q/lib\0'), '/p'), null);
});

detect.run();

const text = suite('replacePrefixText');

text('replaces every occurrence; the file may change size :: two occurrences', () => {
  const out = replacePrefixText(Buffer.from('a=/long/ph b=/long/ph/x'), '/long/ph', '/p');
  assert.is(out.toString(), 'a=/p b=/p/x');
});

text.run();

const bin = suite('replacePrefixBinary');

bin('pads each C string with NULs so the size and later offsets stay :: two strings', () => {
  const data = Buffer.from('\x7fELF\0/long/ph/lib:/long/ph/x\0tail\0/long/ph\0');
  const out = replacePrefixBinary(data, '/long/ph', '/p');
  assert.is(out.length, data.length);
  // first string held two occurrences: 12 bytes of padding after its text
  assert.is(out.toString('latin1'), '\x7fELF\0/p/lib:/p/x' + '\0'.repeat(13) + 'tail\0/p' + '\0'.repeat(7));
  assert.is(out.indexOf('tail'), data.indexOf('tail'));
});

bin('leaves an occurrence without a NUL after it :: unterminated', () => {
  const data = Buffer.from('\0/long/ph');
  assert.equal(replacePrefixBinary(data, '/long/ph', '/p'), data);
});

bin('refuses a prefix longer than the placeholder :: PrefixPaddingError', () => {
  assert.throws(() => replacePrefixBinary(Buffer.from('/a\0'), '/a', '/longer'), (e: Error) => e instanceof PrefixPaddingError);
});

bin.run();

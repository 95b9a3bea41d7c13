import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSecretValue, clearSecrets, redact, redactFileFrom, redactStream, secretVariables } from './redactor.ts';
import { env } from './secret.ts';
import { resolveConfig } from './resolve.ts';

const TOKEN = 'tok/en+4711 "quoted"';

const r = suite('redactor');
r.before.each(() => clearSecrets());
r.after(() => clearSecrets());

r('replaces every registered value, and its URL-encoded and JSON-escaped forms', () => {
  addSecretValue(TOKEN);
  const text = `plain ${TOKEN} url https://x/?t=${encodeURIComponent(TOKEN)} json ${JSON.stringify({ t: TOKEN })}`;
  const out = redact(text);
  assert.not.ok(out.includes('4711'), out);
  assert.is(out, 'plain [redacted] url https://x/?t=[redacted] json {"t":"[redacted]"}');
});

r('values under 4 characters are not registered (they would redact ordinary words)', () => {
  addSecretValue('abc');
  assert.is(redact('abc abcd'), 'abc abcd');
});

r('a value inside a longer one: the longer is replaced whole', () => {
  addSecretValue('abcd');
  addSecretValue('xxabcdxx');
  assert.is(redact('1 xxabcdxx 2 abcd'), '1 [redacted] 2 [redacted]');
});

r('env() handles register their variable and value when made (the value is known before a plugin uses it)', () => {
  process.env.REBUILD_REDACTOR_TEST_TOKEN = 'hunter2-very-secret';
  try {
    env('REBUILD_REDACTOR_TEST_TOKEN');
    assert.ok(secretVariables().has('REBUILD_REDACTOR_TEST_TOKEN'));
    assert.is(redact('Error: 401 for hunter2-very-secret'), 'Error: 401 for [redacted]');
  } finally {
    delete process.env.REBUILD_REDACTOR_TEST_TOKEN;
  }
});

r('config environment.secrets: the values of the named (and prefix-matched) variables are redacted', () => {
  process.env.REBUILD_REDACTOR_A = 'value-of-a';
  process.env.REBUILD_REDACTOR_PFX_B = 'value-of-b';
  try {
    resolveConfig(
      { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: 'a', environment: { secrets: ['REBUILD_REDACTOR_A', 'REBUILD_REDACTOR_PFX_*'] } },
      { configFile: null, rootDir: '/r' },
    );
    assert.is(redact('value-of-a value-of-b'), '[redacted] [redacted]');
  } finally {
    delete process.env.REBUILD_REDACTOR_A;
    delete process.env.REBUILD_REDACTOR_PFX_B;
  }
});

r('redactStream :: string and byte chunks', () => {
  addSecretValue(TOKEN);
  const seen: string[] = [];
  const stream = new Writable({ write: (chunk, _e, cb) => (seen.push(String(chunk)), cb()) });
  redactStream(stream);
  redactStream(stream); // idempotent
  stream.write(`a ${TOKEN}\n`);
  stream.write(Buffer.from(`b ${TOKEN}\n`));
  assert.equal(seen, ['a [redacted]\n', 'b [redacted]\n']);
});

r('redactFileFrom :: rewrites only the region after the offset, only when it holds a secret', () => {
  addSecretValue(TOKEN);
  const dir = mkdtempSync(join(tmpdir(), 'redactor-'));
  try {
    const file = join(dir, 'log');
    writeFileSync(file, `before ${TOKEN}\n`);
    const start = statSync(file).size;
    appendFileSync(file, 'clean line\n');
    assert.not.ok(redactFileFrom(file, start));
    appendFileSync(file, `env: MY_TOKEN=${TOKEN}\ndone\n`);
    assert.ok(redactFileFrom(file, start));
    assert.is(readFileSync(file, 'utf8'), `before ${TOKEN}\nclean line\nenv: MY_TOKEN=[redacted]\ndone\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

r.run();

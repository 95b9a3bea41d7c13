import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeQueueUrl, parseQueueUrl, queueSettings } from './connection.ts';
import { parseFailedReason, failedReason, jobIdOf } from './job.ts';
import { clearSecrets, redact } from '../config/redactor.ts';
import { env } from '../config/secret.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { UserError } from '../model/errors.ts';

const url = suite('queue URL');

url.after.each(() => clearSecrets());

url('--queue beats queue.url; the prefix and artifact folder come from the config', () => {
  const config = fakeConfig('/w', [], { queue: { url: 'redis://config-host:6379', prefix: 'campaign', artifacts: '/shared/artifacts' } });
  assert.equal(queueSettings(config, 'redis://cli-host:6380/2'), { url: 'redis://cli-host:6380/2', prefix: 'campaign', artifacts: '/shared/artifacts' });
  assert.is(queueSettings(config)!.url, 'redis://config-host:6379');
  // Not set: no queue; the defaults of the resolver.
  const plain = fakeConfig('/w', []);
  assert.is(queueSettings(plain), null);
  assert.equal(queueSettings(plain, 'redis://h:1'), { url: 'redis://h:1', prefix: 'rebuild', artifacts: '/w/queue-artifacts' });
});

url('a password in the URL is redacted everywhere; an env() URL entirely', () => {
  queueSettings(fakeConfig('/w', []), 'redis://:s3cret-pass@10.0.0.5:6379/1');
  assert.is(redact('connecting to redis://:s3cret-pass@10.0.0.5:6379/1'), 'connecting to redis://:[redacted]@10.0.0.5:6379/1');
  assert.is(describeQueueUrl('redis://:s3cret-pass@10.0.0.5:6379/1'), 'redis://:[redacted]@10.0.0.5:6379/1');
  process.env.REBUILD_TEST_REDIS_URL = 'redis://queue.internal:6390/3';
  try {
    const fromEnv = fakeConfig('/w', [], { queue: { url: env('REBUILD_TEST_REDIS_URL') } });
    assert.is(queueSettings(fromEnv)!.url, 'redis://queue.internal:6390/3');
    assert.is(redact('at redis://queue.internal:6390/3'), 'at [redacted]');
  } finally {
    delete process.env.REBUILD_TEST_REDIS_URL;
  }
});

url('a URL that is not redis://HOST:PORT[/DB] is a usage error naming the setting', () => {
  for (const [bad, pattern] of [
    ['127.0.0.1 6379', /--queue: not a URL/],
    ['http://localhost:6379', /--queue: http: is not redis/],
    ['redis://localhost:6379/queue', /--queue: the path must be a database number/],
  ] as const) {
    try {
      parseQueueUrl(bad);
      assert.unreachable(bad);
    } catch (err) {
      assert.instance(err, UserError);
      assert.match((err as Error).message, pattern);
      assert.is((err as UserError).exitCode, 64);
    }
  }
  assert.is(parseQueueUrl('rediss://h:1/0').port, '1');
});

url('queue.upload: listens on the URL\'s host and port unless told; the token comes from the environment, redacted; unset, short or written in the file: config errors', () => {
  const settings = (upload: Record<string, unknown>) => queueSettings(fakeConfig('/w', [], { queue: { url: 'redis://h:1', upload: { listen: null, ...upload } } as never }))!.upload!;
  const s = settings({ url: 'http://coordinator.internal:8790', token: env('REBUILD_TEST_UPLOAD_TOKEN') });
  assert.equal({ url: s.url, listen: s.listen, variable: s.variable }, { url: 'http://coordinator.internal:8790/', listen: { host: 'coordinator.internal', port: 8790 }, variable: 'REBUILD_TEST_UPLOAD_TOKEN' });
  assert.equal(settings({ url: 'https://proxy/rebuild/', token: env('REBUILD_TEST_UPLOAD_TOKEN'), listen: '0.0.0.0:8790' }).listen, { host: '0.0.0.0', port: 8790 });
  const configError = (fn: () => unknown, pattern: RegExp) => {
    try {
      fn();
      assert.unreachable(String(pattern));
    } catch (err) {
      assert.instance(err, UserError);
      assert.is((err as UserError).exitCode, 78);
      assert.match((err as Error).message, pattern);
    }
  };
  configError(() => s.token(), /^queue\.upload\.token: environment variable REBUILD_TEST_UPLOAD_TOKEN is not set: set it to the same secret on the coordinator and every worker$/);
  process.env.REBUILD_TEST_UPLOAD_TOKEN = 'short-one';
  try {
    configError(() => s.token(), /REBUILD_TEST_UPLOAD_TOKEN holds 9 characters: use at least 16/);
    process.env.REBUILD_TEST_UPLOAD_TOKEN = 'a-long-enough-token-value';
    assert.is(s.token(), 'a-long-enough-token-value');
    assert.is(redact('Bearer a-long-enough-token-value'), 'Bearer [redacted]');
  } finally {
    delete process.env.REBUILD_TEST_UPLOAD_TOKEN;
  }
  configError(() => settings({ url: 'http://h:1', token: 'written-in-the-config-file' }), /^queue\.upload\.token: expected env\('REBUILD_ARTIFACT_TOKEN'\): a token belongs in the environment/);
  configError(() => settings({ url: 'https://proxy/', token: env('X_TOKEN') }), /^queue\.upload\.listen: needed with an https:\/\/ url/);
  configError(() => settings({ url: 'ftp://h/', token: env('X_TOKEN') }), /^queue\.upload\.url: ftp: is not http/);
});

url('a failure class travels in failedReason; BullMQ\'s own reasons are internal; job ids hold no colon', () => {
  assert.equal(parseFailedReason(failedReason('timeout', 'worker w: timed out after 5 s')), { failure: 'timeout', message: 'worker w: timed out after 5 s' });
  assert.equal(parseFailedReason('job stalled more than allowable limit'), { failure: 'internal', message: 'job stalled more than allowable limit' });
  assert.equal(parseFailedReason('[weird] x'), { failure: 'internal', message: '[weird] x' });
  assert.is(jobIdOf('ab12', 'r3', 'linux-64', 'numpy@1.26:x', 'a1'), 'ab12.r3.linux-64.numpy@1.26_x.a1');
});

url.run();

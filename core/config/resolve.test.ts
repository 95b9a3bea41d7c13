import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig, type ResolveOptions } from './resolve.ts';
import { ConfigError } from './errors.ts';
import { pythonsLabel, targetPythons } from './pythons.ts';
import { UserError } from '../model/errors.ts';
import type { Plugin } from '../model/plugin.ts';

const FILE = '/proj/rebuild.config.ts';
const opts = (o: ResolveOptions = {}): ResolveOptions => ({ configFile: FILE, cwd: '/proj', ...o });
const base = () => ({ python: { from: '3.12', to: '3.13' }, arches: ['linux-64', 'win-64'], aggregate: './aggregate' });
const plugin = (name: string, tag = ''): Plugin & { tag: string } => ({ name, tag, apply() {} });

/** The message of the ConfigError `fn` throws. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.instance(err, UserError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const resolve = suite('resolveConfig');

resolve('fills every default from the schema and makes paths absolute against the config dir', () => {
  const c = resolveConfig({ ...base(), variantConfigs: ['cbc.yaml'], extraVersions: { numpy: [{ version: '1.26', recipe: 'old/numpy' }] } }, opts());
  assert.is(c.configFile, FILE);
  assert.is(c.rootDir, '/proj');
  assert.is(c.profile, null);
  assert.equal(c.aggregates, ['/proj/aggregate']);
  assert.is(c.workDir, '/proj/.rebuild');
  assert.is(c.concurrency, 2);
  assert.equal(c.bootstrap, { python: true, chain: ['certifi', 'setuptools', 'wheel', 'pip'], variants: {}, keys: ['bootstrap'] });
  assert.equal(c.selection, { noarch: false, prefer: {}, only: [] });
  assert.equal(c.timeouts, { buildSeconds: 7200, hookMs: 600000 });
  assert.equal(c.retry, { attempts: 3, backoffMs: 2000, transient: ['container-start', 'network'] });
  assert.equal(c.channels, { reference: null, target: null, build: [], staging: null, production: null, tested: '/proj/.rebuild/tested' });
  assert.equal(c.limits, { arch: {}, builder: {} });
  assert.is(c.failFast, false);
  assert.equal(c.environment, { allow: [], secrets: [] });
  assert.equal(c.variantConfigs, ['/proj/cbc.yaml']);
  assert.equal(c.extraVersions, { numpy: [{ version: '1.26', recipe: '/proj/old/numpy' }] });
});

resolve('channels :: local folders become absolute, URLs stay as written', () => {
  const c = resolveConfig({ ...base(), channels: { reference: 'https://conda.example/main', staging: 'out/staging', build: ['/abs/ch', 'file:///x'] } }, opts());
  assert.is(c.channels.reference, 'https://conda.example/main');
  assert.is(c.channels.staging, '/proj/out/staging');
  assert.equal(c.channels.build, ['/abs/ch', 'file:///x']);
  assert.is(resolveConfig({ ...base(), channels: { tested: 'out/tested' } }, opts()).channels.tested, '/proj/out/tested');
});

resolve('the result is deep-frozen; plugin objects are left to their authors', () => {
  const p = plugin('x:p');
  const c = resolveConfig({ ...base(), plugins: [p] }, opts());
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.arches) && Object.isFrozen(c.timeouts) && Object.isFrozen(c.plugins));
  assert.not.ok(Object.isFrozen(c.plugins[0]));
  assert.is(c.plugins[0], p);
  assert.throws(() => (c.arches as string[]).push('osx-64'));
});

resolve('does not mutate or freeze the input object', () => {
  const input = { ...base(), profiles: { smoke: { arches: ['linux-64'] } } };
  resolveConfig(input, opts({ profile: 'smoke' }));
  assert.not.ok(Object.isFrozen(input.arches));
  assert.equal(input.arches, ['linux-64', 'win-64']);
});

resolve('profile :: defaultProfile applies; --profile beats it; null means none', () => {
  const input = { ...base(), defaultProfile: 'smoke', profiles: { smoke: { arches: ['linux-64'] }, wide: { arches: ['osx-64', 'win-64'] } } };
  assert.equal(resolveConfig(input, opts()).arches, ['linux-64']);
  assert.is(resolveConfig(input, opts()).profile, 'smoke');
  assert.equal(resolveConfig(input, opts({ profile: 'wide' })).arches, ['osx-64', 'win-64']);
  assert.equal(resolveConfig(input, opts({ profile: null })).arches, ['linux-64', 'win-64']);
});

resolve('extends chain :: applied base-most first, each by the merge table', () => {
  const input = {
    ...base(),
    blocklist: [{ name: 'a', reason: 'obsolete' }],
    profiles: {
      smoke: { arches: ['linux-64'], concurrency: 1, timeouts: { hookMs: 5 }, blocklist: [{ name: 'b', reason: 'other' }] },
      release: { extends: 'smoke', concurrency: 6, blocklist: [{ name: 'c', reason: 'too-heavy' }], timeouts: { buildSeconds: 60 } },
    },
  };
  const c = resolveConfig(input, opts({ profile: 'release' }));
  assert.equal(c.arches, ['linux-64']);
  assert.is(c.concurrency, 6);
  assert.equal(c.timeouts, { buildSeconds: 60, hookMs: 5 });
  assert.equal(c.blocklist.map((b) => b.name), ['a', 'b', 'c']);
});

resolve('required keys may come from a profile', () => {
  const c = resolveConfig({ python: { from: '3.12', to: '3.13' }, aggregate: 'agg', profiles: { p: { arches: ['win-64'] } } }, opts({ profile: 'p' }));
  assert.equal(c.arches, ['win-64']);
});

resolve('CLI flags beat the profile and the file; --work-dir is relative to the working dir', () => {
  const input = { ...base(), concurrency: 3, workDir: 'w', profiles: { p: { concurrency: 4, arches: ['linux-64'] } } };
  const c = resolveConfig(input, opts({ profile: 'p', cwd: '/elsewhere', overrides: { concurrency: '9', workDir: 'cli-work', arches: ['osx-arm64', 'osx-arm64'] } }));
  assert.is(c.concurrency, 9);
  assert.is(c.workDir, '/elsewhere/cli-work');
  assert.is(c.channels.tested, '/elsewhere/cli-work/tested', 'the tested channel follows --work-dir');
  assert.equal(c.arches, ['osx-arm64']);
});

resolve('plugins :: defaults merged by name with the config and the profile, in place', () => {
  const defaults = [plugin('rebuild:a', 'default'), plugin('rebuild:b', 'default')];
  const input = { ...base(), plugins: [plugin('user:x', 'file'), plugin('rebuild:b', 'file')], profiles: { p: { plugins: [plugin('rebuild:a', 'profile')] } } };
  const c = resolveConfig(input, opts({ profile: 'p', defaultPlugins: defaults }));
  assert.equal(c.plugins.map((p) => `${p.name}=${(p as any).tag}`), ['rebuild:a=profile', 'rebuild:b=file', 'user:x=file']);
  assert.equal(defaults.map((p) => p.tag), ['default', 'default']);
});

resolve('a config given in code :: no file, paths against rootDir', () => {
  const c = resolveConfig(base(), { configFile: null, rootDir: '/code' });
  assert.is(c.configFile, null);
  assert.equal(c.aggregates, ['/code/aggregate']);
});

resolve('python.to :: one version as written, or a list a profile may set (the pythons of core/config/pythons.ts)', () => {
  const c = resolveConfig({ ...base(), profiles: { both: { python: { to: ['3.13', '3.14'] } } } }, opts());
  assert.is(c.python.to, '3.13');
  assert.equal(targetPythons(c.python), ['3.13']);
  assert.is(pythonsLabel(c.python), '3.13');
  const both = resolveConfig({ ...base(), profiles: { both: { python: { to: ['3.13', '3.14'] } } } }, opts({ profile: 'both' }));
  assert.equal(both.python, { from: '3.12', to: ['3.13', '3.14'] });
  assert.ok(Object.isFrozen(both.python.to));
  assert.equal(targetPythons(both.python), ['3.13', '3.14']);
  assert.is(pythonsLabel(both.python), '3.13, 3.14');
});

const errors = suite('resolveConfig errors');

errors('an unknown arch in a profile :: file, profile, JSON path, did-you-mean', () => {
  const input = { ...base(), profiles: { release: { arches: ['linux-65'] } } };
  assert.is(
    errorOf(() => resolveConfig(input, opts({ profile: 'release' }))),
    "rebuild.config.ts (profile release): /arches/0: 'linux-65' is not a known subdir; did you mean 'linux-64'?",
  );
});

errors('an unknown key :: did you mean the closest key', () => {
  assert.is(errorOf(() => resolveConfig({ ...base(), concurency: 4 }, opts())), "rebuild.config.ts: /concurency: unknown key; did you mean 'concurrency'?");
});

errors('an unknown key in a profile with nothing close :: lists the known keys', () => {
  const message = errorOf(() => resolveConfig({ ...base(), profiles: { p: { zzz: 1 } } }, opts({ profile: 'p' })));
  assert.is(message, 'rebuild.config.ts (profile p): /zzz: unknown key; known keys: extends, description, python, arches, aggregate, channels, workDir, concurrency, limits, blocklist, extraVersions, bootstrap, selection, variantConfigs, timeouts, retry, failFast, environment, report, tests, transmute, convert, publish, queue, plugins');
});

errors('unknown profile (from --profile)', () => {
  const input = { ...base(), profiles: { smoke: {}, release: {} } };
  assert.is(errorOf(() => resolveConfig(input, opts({ profile: 'relase' }))), "rebuild.config.ts: unknown profile 'relase'; known: smoke, release (did you mean 'release'?)");
});

errors('unknown defaultProfile :: named at /defaultProfile', () => {
  const input = { ...base(), defaultProfile: 'smoek', profiles: { smoke: {} } };
  assert.is(errorOf(() => resolveConfig(input, opts())), "rebuild.config.ts: /defaultProfile: unknown profile 'smoek'; known: smoke (did you mean 'smoke'?)");
});

errors('extends cycle', () => {
  const input = { ...base(), profiles: { a: { extends: 'b' }, b: { extends: 'a' } } };
  assert.is(errorOf(() => resolveConfig(input, opts({ profile: 'a' }))), 'rebuild.config.ts (profile b): /extends: extends cycle: a → b → a');
});

errors('a profile outside the selected chain is not checked', () => {
  const input = { ...base(), profiles: { good: {}, bad: { arches: ['nope'] } } };
  assert.equal(resolveConfig(input, opts({ profile: 'good' })).profile, 'good');
});

errors('every issue is listed, one per line', () => {
  const input = { ...base(), concurrency: 0, profiles: { p: { arches: ['win64'], retry: { attempts: 'x' } } } };
  assert.is(errorOf(() => resolveConfig(input, opts({ profile: 'p' }))), 'rebuild.config.ts: /concurrency: must be >= 1, got 0');
  const message = errorOf(() => resolveConfig({ ...base(), profiles: input.profiles }, opts({ profile: 'p' })));
  assert.is(
    message,
    [
      "rebuild.config.ts (profile p): /arches/0: 'win64' is not a known subdir; did you mean 'win-64'?",
      "rebuild.config.ts (profile p): /retry/attempts: must be an integer, got 'x'",
    ].join('\n'),
  );
});

errors('missing required key in the merged config names the selected profile', () => {
  const input = { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], profiles: { p: {} } };
  assert.is(errorOf(() => resolveConfig(input, opts({ profile: 'p' }))), "rebuild.config.ts (profile p): missing required key 'aggregate'");
  assert.is(errorOf(() => resolveConfig({ ...base(), python: { from: '3.12' } }, opts())), "rebuild.config.ts: /python: missing required key 'to'");
});

errors('python versions :: a number (unquoted YAML) and a bad pattern', () => {
  assert.is(
    errorOf(() => resolveConfig({ ...base(), python: { from: '3.12', to: 3.1 } }, opts())),
    'rebuild.config.ts: /python/to: must be a string or a non-empty array of strings, got 3.1 (quote versions in YAML: 3.10 unquoted is the number 3.1)',
  );
  assert.is(errorOf(() => resolveConfig({ ...base(), python: { from: '3', to: '3.13' } }, opts())), "rebuild.config.ts: /python/from: '3' is not a python major.minor version such as '3.13'");
});

errors('python.to as a list :: an empty list, a bad or repeated version, named by path and profile', () => {
  assert.is(errorOf(() => resolveConfig({ ...base(), python: { from: '3.12', to: [] } }, opts())), 'rebuild.config.ts: /python/to: must not be empty');
  assert.is(
    errorOf(() => resolveConfig({ ...base(), python: { from: '3.12', to: ['3.13', '3.14', 'next'] } }, opts())),
    "rebuild.config.ts: /python/to/2: 'next' is not a python major.minor version such as '3.13'",
  );
  const input = { ...base(), profiles: { both: { python: { to: ['3.13', 3.14] } }, twice: { python: { to: ['3.13', '3.13'] } } } };
  assert.is(
    errorOf(() => resolveConfig(input, opts({ profile: 'both' }))),
    'rebuild.config.ts (profile both): /python/to/1: must be a string, got 3.14 (quote versions in YAML: 3.10 unquoted is the number 3.1)',
  );
  assert.is(errorOf(() => resolveConfig(input, opts({ profile: 'twice' }))), "rebuild.config.ts (profile twice): /python/to: duplicate item '3.13' (at 0 and 1)");
});

errors('plugins :: not an object with a name and apply, named by index and profile', () => {
  const input = { ...base(), plugins: [plugin('ok:a')], profiles: { release: { plugins: [plugin('ok:b'), { name: 'half' }, 'str'] } } };
  assert.is(
    errorOf(() => resolveConfig(input, opts({ profile: 'release' }))),
    [
      "rebuild.config.ts (profile release): /plugins/1: a plugin must be an object with a string name and an apply function, got 'half' without an apply function",
      "rebuild.config.ts (profile release): /plugins/2: a plugin must be an object with a string name and an apply function, got 'str'",
    ].join('\n'),
  );
  assert.is(
    errorOf(() => resolveConfig({ ...base(), plugins: [plugin('x'), plugin('x')] }, opts())),
    "rebuild.config.ts: /plugins/1: duplicate plugin name 'x' (also at /plugins/0)",
  );
  assert.is(errorOf(() => resolveConfig({ ...base(), plugins: {} }, opts())), 'rebuild.config.ts: /plugins: must be an array of plugins, got an object');
});

errors('CLI flags :: bad --arch and --concurrency name the flag', () => {
  assert.is(
    errorOf(() => resolveConfig(base(), opts({ overrides: { arches: ['linux-65'], concurrency: 'abc' } }))),
    "--arch: 'linux-65' is not a known subdir; did you mean 'linux-64'?\n--concurrency: must be a positive integer, got 'abc'",
  );
  assert.is(errorOf(() => resolveConfig(base(), opts({ overrides: { concurrency: 0 } }))), '--concurrency: must be a positive integer, got 0');
});

errors('not an object at all', () => {
  assert.is(errorOf(() => resolveConfig([1], opts())), 'rebuild.config.ts: the config must be an object (export default defineConfig({...})), got an array');
});

errors('a config file outside the working dir is named by its absolute path', () => {
  assert.is(errorOf(() => resolveConfig({ ...base(), x: 1 }, opts({ configFile: '/other/c.json' }))), '/other/c.json: /x: unknown key; known keys: $schema, python, arches, aggregate, channels, workDir, concurrency, limits, blocklist, extraVersions, bootstrap, selection, variantConfigs, timeouts, retry, failFast, environment, report, tests, transmute, convert, publish, queue, plugins, profiles, defaultProfile');
});

resolve.run();
errors.run();

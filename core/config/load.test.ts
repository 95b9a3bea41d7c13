import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './load.ts';
import { resolveConfig } from './resolve.ts';
import { ConfigError } from './errors.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const CORE_INDEX = fileURLToPath(new URL('../index.ts', import.meta.url));

/** A temp project outside the repo: `files` written under it, with a package.json bounding the search. */
function project(files: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rebuild-config-')));
  const all = { 'package.json': '{ "type": "module" }\n', ...files };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Runs `fn` in a fresh temp project, removed afterwards even when an assertion fails. */
async function inProject(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = project(files);
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function loadError(cwd: string, config?: string): Promise<string> {
  try {
    await loadConfig({ cwd, config });
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const MINIMAL = `{ python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: 'agg' }`;

const formats = suite('loadConfig formats');

for (const [dir, file, arches] of [
  ['ts', 'rebuild.config.ts', ['linux-64']],
  ['mts', 'rebuild.config.mts', ['linux-aarch64']],
  ['js', 'rebuild.config.js', ['osx-64']],
  ['mjs', 'rebuild.config.mjs', ['linux-ppc64le']],
  ['json', 'rebuild.config.json', ['win-64']],
  ['yaml', 'rebuild.config.yaml', ['linux-s390x']],
  ['pkg', 'package.json', ['osx-arm64']],
] as const) {
  formats(`finds and loads :: ${file}`, async () => {
    const cwd = join(FIXTURES, dir);
    const loaded = await loadConfig({ cwd });
    assert.is(loaded.file, join(cwd, file));
    const resolved = resolveConfig(loaded.config, { configFile: loaded.file, cwd });
    assert.equal(resolved.arches, arches);
  });
}

formats('a TS config importing its own TS plugin and `rebuild` (package self-reference)', async () => {
  const cwd = join(FIXTURES, 'ts');
  const { file, config } = await loadConfig({ cwd });
  const c = resolveConfig(config, { configFile: file, cwd, profile: 'release' });
  assert.equal(c.plugins.map((p) => p.name), ['fixture:hello']);
  assert.equal((c.plugins[0] as any).options.greeting, 'hi');
  assert.is(typeof c.plugins[0].apply, 'function');
  assert.equal(c.arches, ['linux-64', 'win-64']);
  assert.equal(c.blocklist.map((b) => b.name), ['tensorflow', 'pytorch']);
});

formats('a typed profile may set only python.to (python merges per key)', async () => {
  const cwd = join(FIXTURES, 'ts');
  const { file, config } = await loadConfig({ cwd });
  const c = resolveConfig(config, { configFile: file, cwd, profile: 'next' });
  assert.equal(c.python, { from: '3.12', to: '3.14' });
  assert.equal(c.arches, ['linux-64', 'win-64']);
});

formats('searches up from a sub-folder', async () => {
  const { file } = await loadConfig({ cwd: join(FIXTURES, 'ts', 'plugins') });
  assert.is(file, join(FIXTURES, 'ts', 'rebuild.config.ts'));
});

formats('--config PATH, relative to the working dir', async () => {
  const { file, config } = await loadConfig({ cwd: FIXTURES, config: 'yaml/rebuild.config.yaml' });
  assert.is(file, join(FIXTURES, 'yaml', 'rebuild.config.yaml'));
  assert.equal((config as any).variantConfigs, ['cbc.yaml']);
});

formats('a TS config outside the repo importing rebuild by path, and a local TS plugin', async () => {
  const dir = project({
    'rebuild.config.ts': [
      `import { defineConfig, env } from ${JSON.stringify(CORE_INDEX)};`,
      `import { stamp } from './lib/stamp.ts';`,
      `const token = env('REBUILD_TEST_UNSET');`,
      `export default defineConfig({ ...${MINIMAL}, plugins: [stamp(token)] });`,
    ].join('\n'),
    'lib/stamp.ts': [
      `import type { Plugin } from ${JSON.stringify(CORE_INDEX)};`,
      `export const stamp = (token: unknown): Plugin & { options: unknown } => ({ name: 'tmp:stamp', options: { token }, apply() {} });`,
    ].join('\n'),
  });
  try {
    const { file, config } = await loadConfig({ cwd: dir });
    const c = resolveConfig(config, { configFile: file, cwd: dir });
    assert.equal(c.plugins.map((p) => p.name), ['tmp:stamp']);
    assert.is(c.aggregates[0], join(dir, 'agg'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

formats('config files win over a `rebuild` key in package.json of the same folder', async () => {
  const dir = project({ 'rebuild.config.json': JSON.stringify({ python: { from: '3.1', to: '3.2' } }) });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', rebuild: { python: 1 } }));
  try {
    assert.is((await loadConfig({ cwd: dir })).file, join(dir, 'rebuild.config.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const failures = suite('loadConfig errors');

failures('a TypeScript syntax error :: file:line:col and the parser message', async () => {
  await inProject({ 'rebuild.config.ts': `export default {\n  python: { from: '3.12' to: '3.13' },\n};\n` }, async (dir) => {
    assert.is(await loadError(dir), 'rebuild.config.ts:2:25: Expected "}" but found "to"');
  });
});

failures('a config that throws while importing :: file:line:col and the error', async () => {
  await inProject({ 'rebuild.config.ts': `const x = 1;\nexport default {\n  python: oops(),\n};\n` }, async (dir) => {
    assert.is(await loadError(dir), 'rebuild.config.ts:3:11: ReferenceError: oops is not defined');
  });
});

failures('a local plugin that throws while importing :: its own file and line, and the config', async () => {
  await inProject({
    'rebuild.config.ts': `import { p } from './plugins/p.ts';\nexport default { plugins: [p] };\n`,
    'plugins/p.ts': `// a plugin\nexport const p = 1;\nthrow new Error('boom');\n`,
  }, async (dir) => {
    assert.is(await loadError(dir), 'plugins/p.ts:3:7: boom (while loading rebuild.config.ts)');
  });
});

failures('a missing import :: the line that imports it', async () => {
  await inProject({ 'rebuild.config.ts': `// config\nimport { p } from './nope.ts';\nexport default { plugins: [p] };\n` }, async (dir) => {
    assert.is(await loadError(dir), `rebuild.config.ts:2:19: Cannot find module '${join(dir, 'nope.ts')}' imported from ${join(dir, 'rebuild.config.ts')}`);
  });
});

failures('a package that is not installed :: one line (no require stack) and what to do', async () => {
  await inProject({ 'rebuild.config.ts': `import { x } from 'no-such-package-for-rebuild';\nexport default { plugins: [x] };\n` }, async (dir) => {
    const message = await loadError(dir);
    assert.ok(message.startsWith('rebuild.config.ts'), message);
    assert.match(message, /Cannot find (module|package) 'no-such-package-for-rebuild'/);
    assert.match(message, 'install it where the config is (npm install no-such-package-for-rebuild) or fix the import');
    assert.not.match(message, 'Require stack');
    assert.not.match(message, '\n');
  });
});

failures('JSON and YAML syntax errors :: file:line:col', async () => {
  await inProject({ 'a/rebuild.config.json': '{\n  "python": {},\n  }\n', 'b/rebuild.config.yaml': 'python:\n  from: "3.12"\n arches: [x\n' }, async (dir) => {
    assert.is(await loadError(dir, 'a/rebuild.config.json'), 'a/rebuild.config.json:3:3: Expected double-quoted property name');
    assert.is(await loadError(dir, 'b/rebuild.config.yaml'), 'b/rebuild.config.yaml:3:1: All mapping items must start at the same column');
  });
});

failures('an empty file and a module without a default export', async () => {
  await inProject({ 'e/rebuild.config.ts': '', 'n/rebuild.config.ts': 'export const x = 1;\n' }, async (dir) => {
    assert.is(await loadError(join(dir, 'e')), 'rebuild.config.ts: the config file is empty');
    assert.is(await loadError(join(dir, 'n')), 'rebuild.config.ts: no default export; write `export default defineConfig({ ... })`');
  });
});

failures('no config found :: where it searched and which names', async () => {
  await inProject({ 'a/b/readme.txt': '' }, async (dir) => {
    assert.is(
      await loadError(join(dir, 'a', 'b')),
      `no rebuild config found: searched ${join(dir, 'a', 'b')} and its parents up to ${dir} for rebuild.config.ts, rebuild.config.mts, rebuild.config.js, rebuild.config.mjs, rebuild.config.json, rebuild.config.yaml, rebuild.config.yml, or a "rebuild" key in package.json; create one or pass --config PATH`,
    );
  });
});

failures('--config to a missing file, or of an unsupported type', async () => {
  await inProject({ 'rebuild.toml': 'x = 1\n' }, async (dir) => {
    assert.is(await loadError(dir, 'nope.ts'), `config file not found: nope.ts (resolved to ${join(dir, 'nope.ts')})`);
    assert.is(await loadError(dir, 'rebuild.toml'), "rebuild.toml: unsupported config file type '.toml'; use .ts, .mts, .js, .mjs, .json, .yaml, .yml, or a \"rebuild\" key in package.json");
  });
});

formats.run();
failures.run();

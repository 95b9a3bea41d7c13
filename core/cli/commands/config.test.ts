// `rebuild config` and `rebuild validate` in a temp project: through main() in this process (fast),
// and, for the exit codes and the secret check, as a user runs them: `node bin/rebuild.js`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../main.ts';

const BIN = fileURLToPath(new URL('../../../bin/rebuild.js', import.meta.url));
const CORE_INDEX = fileURLToPath(new URL('../../index.ts', import.meta.url));
const SECRET = 'tok-7f3a9c2e-very-secret';

const CONFIG = `import { defineConfig, env } from ${JSON.stringify(CORE_INDEX)};
import { uploader } from './plugins/uploader.ts';

export default defineConfig({
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64', 'osx-arm64', 'win-64'],
  aggregate: './aggregate',
  plugins: [uploader({ channel: 'staging', token: env('REBUILD_TEST_TOKEN') })],
  defaultProfile: 'smoke',
  profiles: {
    smoke: { arches: ['linux-64'], concurrency: 1 },
    release: { extends: 'smoke', description: 'the real thing', arches: ['linux-64', 'win-64'], timeouts: { buildSeconds: 60 } },
  },
});
`;

// A plugin that, carelessly, also keeps a plain copy of the secret's value in its options.
const UPLOADER = `import type { Plugin, Secret } from ${JSON.stringify(CORE_INDEX)};
export function uploader(options: { channel: string; token: Secret }): Plugin & { options: unknown } {
  return { name: 'test:uploader', options: { ...options, copied: process.env.REBUILD_TEST_TOKEN }, apply() {} };
}
`;

function project(files: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rebuild-cli-')));
  for (const [name, text] of Object.entries({ 'package.json': '{ "type": "module" }\n', ...files })) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** main() in this process, with the working dir and stdout/stderr captured. */
async function rebuild(cwd: string, ...args: string[]) {
  const out = { stdout: '', stderr: '' };
  const write = { stdout: process.stdout.write, stderr: process.stderr.write };
  const before = process.cwd();
  process.env.REBUILD_TEST_TOKEN = SECRET;
  process.chdir(cwd);
  process.stdout.write = ((chunk: string) => ((out.stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((out.stderr += chunk), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, ...out };
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
    process.chdir(before);
    delete process.env.REBUILD_TEST_TOKEN;
  }
}

/** `node bin/rebuild.js` in a child process. */
function rebuildProcess(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, REBUILD_TEST_TOKEN: SECRET, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cli = suite('rebuild config / validate (CLI)');

cli.before((ctx) => {
  ctx.dir = project({ 'rebuild.config.ts': CONFIG, 'plugins/uploader.ts': UPLOADER, 'aggregate/README.md': 'feedstocks go here\n' });
});
cli.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

cli('config --json (child process) :: the resolved config, plugins by name with options, the secret never printed', ({ dir }) => {
  const r = rebuildProcess(dir, 'config', '--json');
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(r.stdout.includes(SECRET), 'secret value leaked into stdout');
  assert.not.ok(r.stderr.includes(SECRET), 'secret value leaked into stderr');
  const c = JSON.parse(r.stdout);
  assert.is(c.profile, 'smoke');
  assert.equal(c.arches, ['linux-64']);
  assert.is(c.workDir, join(dir, '.rebuild'));
  const uploader = { name: 'test:uploader', options: { channel: 'staging', token: '[redacted] (env REBUILD_TEST_TOKEN)', copied: '[redacted]' } };
  // The built-in defaults come first (merged by name), the config's own plugins after them.
  assert.equal(c.plugins.at(-1), uploader);
  assert.ok(c.plugins.some((p: { name: string }) => p.name === 'rebuild:builder-script'));
});

cli('config (text) --profile release :: names the profile; no secret', async ({ dir }) => {
  const r = await rebuild(dir, 'config', '--profile', 'release');
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('# rebuild.config.ts, profile: release (the real thing)\n'), r.stdout);
  assert.match(r.stdout, /buildSeconds: 60\n/);
  assert.not.ok(r.stdout.includes(SECRET));
});

cli('CLI flags beat --profile and the file', async ({ dir }) => {
  const r = await rebuild(dir, 'config', '--json', '--profile', 'release', '--arch', 'osx-arm64', '--concurrency', '5', '--work-dir', 'elsewhere');
  assert.is(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout);
  assert.equal([c.profile, c.arches, c.concurrency, c.workDir], ['release', ['osx-arm64'], 5, join(dir, 'elsewhere')]);
});

cli('an unknown --profile (child process) :: a usage error, exit 64 and one line, no stack', ({ dir }) => {
  const r = rebuildProcess(dir, 'config', '--profile', 'relase');
  assert.is(r.code, 64);
  assert.is(r.stderr, "rebuild: rebuild.config.ts: unknown profile 'relase'; known: smoke, release (did you mean 'release'?)\n");
  assert.is(r.stdout, '');
});

cli('a bad --arch value :: a usage error, exit 64 naming the flag', async ({ dir }) => {
  const r = await rebuild(dir, 'config', '--arch', 'linux-65');
  assert.is(r.code, 64);
  assert.is(r.stderr, "rebuild: --arch: 'linux-65' is not a known subdir; did you mean 'linux-64'?\n");
});

cli('validate :: every profile ok → exit 0', async ({ dir }) => {
  const r = await rebuild(dir, 'validate');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'rebuild.config.ts:\n  ok   (no profile)\n  ok   smoke\n  ok   release\n3 valid\n');
});

cli('validate :: lists each failing profile\'s errors, exit 78; --profile checks one', async () => {
  const dir = project({
    'rebuild.config.yaml': [
      'python: { from: "3.12", to: "3.13" }',
      'arches: [linux-64]',
      'aggregate: agg',
      'profiles:',
      '  smoke: { concurency: 1 }',
      '  release: { arches: [linux-65] }',
      '  fine: { arches: [win-64] }',
      '',
    ].join('\n'),
    'agg/README.md': 'feedstocks go here\n',
  });
  try {
    const r = await rebuild(dir, 'validate');
    assert.is(r.code, 78);
    assert.is(
      r.stdout,
      [
        'rebuild.config.yaml:',
        '  ok   (no profile)',
        '  FAIL smoke',
        "       rebuild.config.yaml (profile smoke): /concurency: unknown key; did you mean 'concurrency'?",
        '  FAIL release',
        "       rebuild.config.yaml (profile release): /arches/0: 'linux-65' is not a known subdir; did you mean 'linux-64'?",
        '  ok   fine',
        '2 of 4 invalid',
        '',
      ].join('\n'),
    );
    assert.is((await rebuild(dir, 'validate', '--profile', 'fine')).code, 0);
    const one = await rebuild(dir, 'validate', '--profile', 'release', '--json');
    assert.is(one.code, 78);
    const json = JSON.parse(one.stdout);
    assert.is(json.ok, false);
    assert.equal(json.profiles.map((p: any) => [p.profile, p.ok, p.issues[0].path]), [['release', false, '/arches/0']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli('a config that fails to load :: file:line, exit 78, for config and validate', async () => {
  const dir = project({ 'rebuild.config.ts': `export default {\n  python: oops(),\n};\n` });
  try {
    for (const cmd of ['config', 'validate']) {
      const r = cmd === 'validate' ? rebuildProcess(dir, cmd) : await rebuild(dir, cmd);
      assert.is(r.code, 78);
      assert.is(r.stderr, 'rebuild: rebuild.config.ts:2:11: ReferenceError: oops is not defined\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli.run();

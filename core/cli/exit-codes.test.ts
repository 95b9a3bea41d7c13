// Every exit code of the CLI (core/engine/exit-codes.ts, README "Exit codes"), as a user meets it:
// `node bin/rebuild.js` in a child process, in a temp project. Each error is one line on stderr,
// without a stack unless --debug / REBUILD_DEBUG=1.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../engine/exit-codes.ts';

const BIN = fileURLToPath(new URL('../../bin/rebuild.js', import.meta.url));

const PYTHON = `package:
  name: python
  version: 3.13.0
build:
  number: 0
`;
const SIX = `package:
  name: six
  version: 1.16.0
requirements:
  host:
    - python
  run:
    - python
`;

function project(config: string, files: Record<string, string> = {}): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rebuild-exit-')));
  const all: Record<string, string> = {
    'package.json': '{ "type": "module" }\n',
    'rebuild.config.ts': config,
    'agg/python-feedstock/recipe/meta.yaml': PYTHON,
    'agg/python-feedstock/recipe/build.sh': '#!/bin/sh\nmkdir -p "$PREFIX/bin"\n',
    'agg/six-feedstock/recipe/meta.yaml': SIX,
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const config = (extra = '') => `export default {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: './agg',
  bootstrap: { python: false, chain: [] },
  ${extra}
};
`;

function rebuild(cwd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, REBUILD_DEBUG: '', NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line, `rebuild: ...`, and no stack frame. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, stderr);
  assert.ok(lines[0].startsWith('rebuild: '), stderr);
  assert.not.match(stderr, /\n\s+at /);
  return lines[0];
}

const codes = suite('CLI exit codes', { dirs: [] as string[] });
codes.after((ctx) => ctx.dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const make = (ctx: { dirs: string[] }, ...args: Parameters<typeof project>) => {
  const dir = project(...args);
  ctx.dirs.push(dir);
  return dir;
};

codes('0 ok; 64 usage: an unknown flag, a bad flag value, an unknown --arch or a --profile the config lacks', (ctx) => {
  const dir = make(ctx, config());
  assert.is(rebuild(dir, ['validate']).code, EXIT.OK);
  assert.is(rebuild(dir, ['plan', '--bogus']).code, EXIT.USAGE);
  assert.is(rebuild(dir, ['plan', '--format', 'pdf']).code, EXIT.USAGE);
  const badArch = rebuild(dir, ['ready', '--arch', 'linux-65']);
  assert.is(badArch.code, EXIT.USAGE);
  assert.is(oneLine(badArch.stderr), "rebuild: --arch: 'linux-65' is not a known subdir; did you mean 'linux-64'?");
  const profile = rebuild(dir, ['plan', '--profile', 'smoke']);
  assert.is(profile.code, EXIT.USAGE);
  assert.is(oneLine(profile.stderr), "rebuild: rebuild.config.ts: unknown profile 'smoke'; the config defines no profiles");
  assert.is(rebuild(dir, ['plan', '--concurrency', 'many']).code, EXIT.USAGE);
});

codes('why and logs agree on a name nobody knows: 64, the same line', (ctx) => {
  const dir = make(ctx, config());
  // A state database with the plan's rows: `rebuild run` on a work dir whose python build fails fast.
  writeFileSync(join(dir, 'agg/python-feedstock/recipe/build.sh'), '#!/bin/sh\nexit 3\n');
  assert.is(rebuild(dir, ['run']).code, EXIT.FAILURES);
  const why = rebuild(dir, ['why', 'sx']);
  const logs = rebuild(dir, ['logs', 'sx']);
  assert.is(why.code, EXIT.USAGE);
  assert.is(logs.code, EXIT.USAGE);
  assert.is(oneLine(why.stderr), "rebuild: unknown package 'sx'; did you mean 'six'?");
  assert.is(logs.stderr, why.stderr);
});

codes('1: a plan with errors (a recipe that fails to render)', (ctx) => {
  const dir = make(ctx, config(), { 'agg/bad-feedstock/recipe/meta.yaml': 'package:\n  name: bad\n  version: {{ 1 +\n' });
  assert.is(rebuild(dir, ['plan']).code, EXIT.FAILURES);
});

codes('65: a corrupt or empty state database, named, with the way out', (ctx) => {
  const dir = make(ctx, config());
  mkdirSync(join(dir, '.rebuild'));
  const db = join(dir, '.rebuild/state.db');
  // `run` opens it for writing: SQLite takes an empty file for a new database (a run killed as it
  // created the file leaves one), so only the read-only commands call an empty file corrupt.
  const cases = [
    ['not a database, just text\n'.repeat(100), 'file is not a database', ['status', 'why', 'run']],
    ['', 'the file is empty', ['status', 'logs']],
  ] as const;
  for (const [content, detail, commands] of cases) {
    writeFileSync(db, content);
    for (const cmd of commands) {
      const r = rebuild(dir, cmd === 'why' || cmd === 'logs' ? [cmd, 'six'] : [cmd]);
      assert.is(r.code, EXIT.DATAERR, `${cmd}: ${r.stderr}`);
      assert.is(
        oneLine(r.stderr),
        `rebuild: ${db}: corrupt state database (${detail}); move it aside (mv ${db} ${db}.corrupt) and run again: the channels, logs and caches are kept, but the new state knows no earlier build, so every package is built again`,
      );
    }
  }
});

codes('70: an internal error is one line with a hint; --debug and REBUILD_DEBUG=1 add the stack', (ctx) => {
  const broken = `plugins: [{ name: 'test:broken', apply() { (null as any).hooks.run.tap('x', () => {}); } }],`;
  const dir = make(ctx, config(broken));
  const r = rebuild(dir, ['plan']);
  assert.is(r.code, EXIT.SOFTWARE);
  assert.is(
    oneLine(r.stderr),
    "rebuild: internal error: PluginHookError: plugin test:broken failed in hook apply: Cannot read properties of null (reading 'hooks') (run again with --debug or REBUILD_DEBUG=1 for the stack)",
  );
  for (const [args, env] of [[['plan', '--debug'], {}], [['plan'], { REBUILD_DEBUG: '1' }]] as const) {
    const d = rebuild(dir, [...args], env);
    assert.is(d.code, EXIT.SOFTWARE);
    assert.match(d.stderr, /\n\s+at .*rebuild\.config\.ts/);
  }
});

codes('75: another run holds the work dir', (ctx) => {
  const dir = make(ctx, config());
  mkdirSync(join(dir, '.rebuild'));
  // This test process is alive on this host: the lock is held, not stale.
  writeFileSync(join(dir, '.rebuild/rebuild.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
  const r = rebuild(dir, ['run']);
  assert.is(r.code, EXIT.TEMPFAIL);
  assert.match(oneLine(r.stderr), new RegExp(`another rebuild run holds .*rebuild\\.lock \\(pid ${process.pid} on`));
});

codes('78: an invalid config, a missing aggregate, a missing production channel (one located line each)', (ctx) => {
  const invalid = make(ctx, config(`concurency: 2,`));
  const r = rebuild(invalid, ['plan']);
  assert.is(r.code, EXIT.CONFIG);
  assert.is(oneLine(r.stderr), "rebuild: rebuild.config.ts: /concurency: unknown key; did you mean 'concurrency'?");
  const paths = make(ctx, config(`channels: { production: './prod' },`).replace("'./agg'", "'./agregate'"));
  for (const cmd of ['run', 'validate']) {
    const p = rebuild(paths, [cmd]);
    assert.is(p.code, EXIT.CONFIG, cmd);
    const out = cmd === 'validate' ? p.stdout : p.stderr;
    assert.match(out, /rebuild\.config\.ts: \/aggregate: agregate does not exist; fix the path \(relative to the config file\) or check out the aggregate there/);
    assert.match(out, /rebuild\.config\.ts: \/channels\/production: prod does not exist; .*create the folder/);
    assert.not.match(p.stderr, /\n\s+at /);
  }
});

codes('130: interrupted (SIGINT during a build)', async (ctx) => {
  const dir = make(ctx, config(), { 'agg/python-feedstock/recipe/build.sh': '#!/bin/sh\necho building\nsleep 60\n' });
  const child = spawn(process.execPath, [BIN, 'run'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = join(dir, '.rebuild/logs/linux-64/python.log');
  const code = await new Promise<number | null>((resolve) => {
    const poll = setInterval(() => {
      if (existsSync(log)) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 50);
    child.on('close', (c) => {
      clearInterval(poll);
      resolve(c);
    });
  });
  assert.is(code, EXIT.INTERRUPTED);
});

codes.run();

// What a command loads: the built-in plugins' stage code (builds, tests, transmutes, publishing,
// the report and the installability check) and the executor are loaded when a run uses them, so
// `rebuild plan` does not pay for them (core/engine/README.md, "Loading"). The CLI runs in a child
// process whose module loader records every module it resolves.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'rebuild.js');

/** Modules only an executing run needs (each behind an `import()` where it is first used). */
const STAGE_CODE = [
  'core/engine/execute.ts',
  'plugins/builder-script/build.ts',
  'plugins/tester/test-task.ts',
  'plugins/transmuter/transmute-artifacts.ts',
  'plugins/converter/convert-package.ts',
  'plugins/publisher/publish-group.ts',
  'plugins/report/write-report.ts',
  'plugins/installability/check.ts',
];

/**
 * The package's modules (paths relative to the package) that `rebuild <args>` loaded in `cwd`, and how
 * many Ajv instances checked a schema against the draft-07 meta-schema (each compiles it, ~0.1 s).
 */
function modulesLoaded(cwd: string, args: string[]): { status: number | null; stderr: string; modules: Set<string>; importers: Map<string, Set<string>>; metaSchemaCompiles: number } {
  const out = join(cwd, 'modules.txt');
  const metaOut = join(cwd, 'meta-schema.txt');
  writeFileSync(metaOut, '');
  writeFileSync(join(cwd, 'record-ajv.cjs'), `const { appendFileSync } = require('node:fs');\nconst { default: Ajv } = require(${JSON.stringify(join(ROOT, 'node_modules/ajv/dist/core.js'))});\nconst seen = new WeakSet();\nconst validateSchema = Ajv.prototype.validateSchema;\nAjv.prototype.validateSchema = function (...args) {\n  if (!seen.has(this)) { seen.add(this); appendFileSync(${JSON.stringify(metaOut)}, 'compiled\\n'); }\n  return validateSchema.apply(this, args);\n};\n`);
  writeFileSync(join(cwd, 'record-hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) {\n  const r = await next(spec, ctx);\n  appendFileSync(${JSON.stringify(out)}, r.url + ' ' + ctx.parentURL + '\\n');\n  return r;\n}\n`);
  writeFileSync(join(cwd, 'record.mjs'), `import { register } from 'node:module';\nregister('./record-hooks.mjs', import.meta.url);\n`);
  writeFileSync(out, '');
  // The sources, not the CLI's plain-JS bundle (core/threads/bundle.ts: its chunks split at the same `import()`s).
  const r = spawnSync(process.execPath, ['--require', join(cwd, 'record-ajv.cjs'), '--import', join(cwd, 'record.mjs'), BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, REBUILD_RENDER_THREADS: '0', REBUILD_BUNDLE: '0' } });
  const prefix = `file://${ROOT}`;
  const ours = (u: string) => (u.startsWith(prefix) ? u.slice(prefix.length).replace(/\?.*$/, '') : null);
  const importers = new Map<string, Set<string>>();
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const [url, parent] = line.split(' ');
    const m = ours(url ?? '');
    if (m === null) continue;
    if (!importers.has(m)) importers.set(m, new Set());
    const p = ours(parent ?? '');
    if (p !== null) importers.get(m)!.add(p);
  }
  const modules = new Set(importers.keys());
  return { status: r.status, stderr: r.stderr, modules, importers, metaSchemaCompiles: readFileSync(metaOut, 'utf8').split('\n').filter(Boolean).length };
}

const startup = suite('CLI start-up: what a command loads');

startup('rebuild plan :: the plugins are applied, their stage code and the executor are not loaded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-startup-'));
  try {
    const recipe = join(dir, 'aggregate', 'six-feedstock', 'recipe');
    mkdirSync(recipe, { recursive: true });
    writeFileSync(join(recipe, 'meta.yaml'), 'package:\n  name: six\n  version: 1.16.0\nbuild:\n  number: 0\nrequirements:\n  host:\n    - python\n    - pip\n  run:\n    - python\n');
    writeFileSync(join(dir, 'rebuild.config.ts'), "export default { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: './aggregate' };\n");
    const { status, stderr, modules, importers, metaSchemaCompiles } = modulesLoaded(dir, ['plan', '--json']);
    assert.is(status, 0, stderr);
    // The default plugins were applied (their factories and taps are loaded) ...
    for (const m of ['plugins/publisher/index.ts', 'plugins/tester/index.ts', 'plugins/report/index.ts', 'plugins/builder-script/index.ts']) assert.ok(modules.has(m), `${m} loaded`);
    // ... what only their stages and the executor run is not.
    assert.equal(STAGE_CODE.filter((m) => modules.has(m)), []);
    // The config schema and the plugins' options are checked by one Ajv instance (core/config/ajv.ts).
    assert.ok(modules.has('core/config/validate-schema.ts') && modules.has('core/engine/plugin-options.ts'));
    assert.is(metaSchemaCompiles, 1, 'the draft-07 meta-schema is compiled once');
    // Reading repodata (the plan target, select, source-channel, path checks) does not load the channel
    // index writer (repodata.ts: package readers, the index thread, zstd); only LocalChannel does.
    assert.ok(modules.has('core/conda/repodata-read.ts'));
    assert.equal([...(importers.get('core/conda/repodata.ts') ?? [])].filter((m) => m !== 'core/conda/channel.ts'), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

startup.run();

// Fuzz: configs and recipes a user could write, mutated with a seeded PRNG (same seeds → same cases),
// fed to the config loader/resolver and to the two recipe renderers. Every case must end in a result
// or in an error the CLI shows as one located line (core/cli/error-exit.ts classes it; no internal
// error, no JS TypeError/RangeError anywhere in its causes), within a time limit, and nothing may be
// written outside the case's temp dir. Configs: object mutations (keys deleted, wrong types, random
// strings), and YAML / TypeScript files with broken syntax. Recipes: the renderers' real-shaped
// fixtures (meta.yaml and recipe.yaml) with lines truncated, characters flipped, unbalanced Jinja,
// bad selectors. (Archives are fuzzed with the package readers in core/conda.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { seeded } from '../../bench/measure.ts';
import { loadConfig } from '../config/load.ts';
import { resolveConfig } from '../config/resolve.ts';
import { configPathIssues } from '../config/check-paths.ts';
import { discoverRecipes } from '../recipes/discover.ts';
import { Engine } from '../engine/engine.ts';
import { EXIT } from '../engine/exit-codes.ts';
import type { RecipeRef } from '../model/types.ts';
import { errorExit } from './error-exit.ts';
import { defaultPlugins } from '../../plugins/defaults.ts';
import { renderMetaYaml } from '../../plugins/render-meta-yaml/index.ts';
import { renderRecipeYaml } from '../../plugins/render-recipe-yaml/index.ts';
import { testConfig } from '../../plugins/runner-container/test-task.ts';

const RECIPES = fileURLToPath(new URL('../recipes/', import.meta.url));
const FIXTURE_AGGREGATES = ['meta-yaml/fixtures/agg', 'meta-yaml/fixtures/realistic', 'meta-yaml/fixtures/idioms', 'recipe-yaml/fixtures/agg'].map((p) => join(RECIPES, p));
/** Per case: a tap that has not settled after this long is a hang (the engine's hook guard names it). */
const CASE_MS = 5000;
const SEEDS = { object: 300, yaml: 40, ts: 12, recipe: 240 };
/** Recipe seeds beyond SEEDS.recipe that once failed (kept so the fix stays tested): 1798 made an unanchored YAML alias. */
const RECIPE_REGRESSIONS = [1798];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

// ------------------------------------------------------------------ text mutations

const JINJA = ['{% if ', '{% if x %}', '{% endif %}', '{% for x in %}', '{{ ', ' }}', '{{ undefined_thing.attr }}', '{{ 1 / 0 }}', '{% set %}', '{{ load_setup_py_data().x }}', '{# ', "{{ 'a' ~ }}"];
const SELECTORS = ['  # [linux and (', '  # [py>=]', '  # [not]', '  # [win or]', '  # [undefined_name]', '  # [py3k and ]', '  # []', '  # [x86_64 == ]'];
const CHARS = ['{', '}', '%', '#', '[', ']', ':', '-', "'", '"', '\t', '\n', '|', '>', '&', '*', '!', '\\', '\u0000', 'é'];

function mutateText(text: string, r: Rand): string {
  let lines = text.split('\n');
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * Math.max(1, lines.length));
    switch (Math.floor(r() * 9)) {
      case 0: lines = lines.slice(0, at); break; // truncated file
      case 1: lines[at] = (lines[at] ?? '').slice(0, Math.floor(r() * (lines[at]?.length ?? 0))); break; // truncated line
      case 2: {
        const line = lines[at] ?? '';
        const c = Math.floor(r() * (line.length + 1));
        lines[at] = line.slice(0, c) + pick(r, CHARS) + line.slice(c + 1); // flipped character
        break;
      }
      case 3: lines.splice(at, 1); break;
      case 4: lines.splice(at, 0, lines[at] ?? ''); break;
      case 5: lines.splice(at, 0, pick(r, JINJA)); break; // unbalanced Jinja on its own line
      case 6: lines[at] = (lines[at] ?? '') + pick(r, JINJA); break;
      case 7: lines[at] = (lines[at] ?? '') + pick(r, SELECTORS); break;
      default: lines[at] = r() < 0.5 ? `  ${lines[at] ?? ''}` : (lines[at] ?? '').replace(/^ {1,2}/, ''); // indentation
    }
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------ config mutations

const BASE_CONFIG = {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64', 'win-64'],
  aggregate: './aggregate',
  channels: { reference: 'https://repo.example.org/main', build: ['./channels/extra'] },
  blocklist: [{ name: 'tensorflow', reason: 'too-heavy', note: 'CUDA builds', arches: ['win-64'] }],
  extraVersions: { numpy: [{ version: '1.26', recipe: './old/numpy' }] },
  limits: { arch: { 'win-64': 1 } },
  bootstrap: { variants: { flit: { bootstrap: true } } },
  selection: { prefer: { blas: 'openblas' }, only: ['numpy'] },
  timeouts: { buildSeconds: 600 },
  retry: { attempts: 2, transient: ['network'] },
  defaultProfile: 'smoke',
  profiles: {
    smoke: { description: 'quick', arches: ['linux-64'], concurrency: 1 },
    release: { extends: 'smoke', arches: ['linux-64', 'win-64'], blocklist: [{ name: 'pytorch', reason: 'not-ready' }] },
  },
};

const ODD_VALUES: unknown[] = [null, 0, -1, 1.5, 1e309, '', 'x'.repeat(300), 'linux-65', '../../..', '\u0000', true, [], [null], {}, { extends: 'release' }, ['linux-64', 'linux-64'], 'smoke', NaN];

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (!value || typeof value !== 'object') return [prefix];
  const keys = Object.keys(value);
  return [prefix, ...keys.flatMap((k) => paths((value as Record<string, unknown>)[k], [...prefix, k]))];
}

function randomString(r: Rand): string {
  return Array.from({ length: Math.floor(r() * 12) }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join('');
}

function mutateConfig(r: Rand): unknown {
  const config = structuredClone(BASE_CONFIG) as Record<string, unknown>;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const path = pick(r, paths(config).filter((p) => p.length));
    if (!path) break;
    const parent = path.slice(0, -1).reduce<any>((o, k) => o?.[k], config);
    if (!parent || typeof parent !== 'object') continue;
    const key = path[path.length - 1];
    switch (Math.floor(r() * 4)) {
      case 0: delete parent[key]; break;
      case 1: parent[key] = pick(r, ODD_VALUES); break;
      case 2: parent[key] = randomString(r); break;
      default: parent[randomString(r) || 'x'] = pick(r, ODD_VALUES); // unknown key
    }
  }
  return config;
}

// ------------------------------------------------------------------ the rule every case is held to

const BUILTIN_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError', 'InternalError']);

/** null when the outcome is acceptable, else why not. */
function unexpected(err: unknown): string | null {
  const { code, text } = errorExit(err, false);
  if (code === EXIT.SOFTWARE) return text.trim();
  for (let e: any = err, depth = 0; e && depth < 8; e = e.cause, depth++) {
    if (BUILTIN_ERRORS.has(e?.name)) return `${e.name} in the causes of: ${text.trim()}`;
  }
  if (text.includes('\n    at ')) return `a stack reaches the user: ${text}`;
  return null;
}

async function outcome(what: string, fn: () => unknown | Promise<unknown>, failures: string[]): Promise<'ok' | 'error'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${CASE_MS} ms (a hang)`)), CASE_MS))),
    ]);
    return 'ok';
  } catch (err) {
    const bad = unexpected(err);
    if (bad) failures.push(`${what}: ${bad}`);
    return 'error';
  } finally {
    clearTimeout(timer);
  }
}

/** Every file under dir with its size and mtime: compared before and after, nothing may change. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${relative(dir, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out.join('\n');
}

// ------------------------------------------------------------------ suites

const fuzz = suite('fuzz: configs and recipes', { cwd: '', before: '', home: process.cwd() });

fuzz.before((ctx) => {
  // Every case runs with a fresh, empty working dir: it must still be empty at the end.
  ctx.cwd = mkdtempSync(join(tmpdir(), 'rebuild-fuzz-cwd-'));
  process.chdir(ctx.cwd);
  ctx.before = FIXTURE_AGGREGATES.map(snapshot).join('\n');
});
fuzz.after((ctx) => {
  process.chdir(ctx.home);
  rmSync(ctx.cwd, { recursive: true, force: true });
});

fuzz(`config objects: ${SEEDS.object} seeds of deleted keys, wrong types, random strings → resolved or ConfigError`, async (ctx) => {
  const failures: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-fuzz-config-'));
  try {
    let ok = 0;
    for (let seed = 1; seed <= SEEDS.object; seed++) {
      const config = mutateConfig(seeded(seed));
      const result = await outcome(`config object seed ${seed}`, () => {
        const resolved = resolveConfig(config, { configFile: join(dir, 'rebuild.config.ts'), defaultPlugins: defaultPlugins(), cwd: dir });
        configPathIssues(resolved);
        new Engine(resolved).initialize();
      }, failures);
      if (result === 'ok') ok++;
    }
    assert.equal(failures, []);
    // The mutations are not all fatal, nor all harmless: both paths are exercised.
    assert.ok(ok > 0 && ok < SEEDS.object, `${ok} of ${SEEDS.object} resolved`);
    assert.is(readdirSync(dir).length, 0, 'nothing written into the config dir');
    assert.is(readdirSync(ctx.cwd).length, 0, 'nothing written into the working dir');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

fuzz(`config files: ${SEEDS.yaml} YAML and ${SEEDS.ts} TypeScript seeds with broken syntax → loaded or ConfigError`, async (ctx) => {
  const failures: string[] = [];
  const yamlText = toYaml(BASE_CONFIG);
  const tsText = `export default ${JSON.stringify(BASE_CONFIG, null, 2)};\n`;
  for (const [kind, text, count] of [['yaml', yamlText, SEEDS.yaml], ['ts', tsText, SEEDS.ts]] as const) {
    for (let seed = 1; seed <= count; seed++) {
      const dir = mkdtempSync(join(tmpdir(), `rebuild-fuzz-${kind}-`));
      try {
        writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
        writeFileSync(join(dir, `rebuild.config.${kind}`), mutateText(text, seeded(10_000 + seed)));
        const before = snapshot(dir);
        await outcome(`${kind} config seed ${seed}`, async () => {
          const { file, config } = await loadConfig({ cwd: dir });
          resolveConfig(config, { configFile: file, defaultPlugins: defaultPlugins(), cwd: dir });
        }, failures);
        assert.is(snapshot(dir), before, `${kind} seed ${seed}: the loader wrote into the config dir`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  assert.equal(failures, []);
  assert.is(readdirSync(ctx.cwd).length, 0, 'nothing written into the working dir');
});

fuzz(`recipes: ${SEEDS.recipe} seeds over the renderers' meta.yaml and recipe.yaml fixtures → rendered or a render error`, async (ctx) => {
  const failures: string[] = [];
  const root = mkdtempSync(join(tmpdir(), 'rebuild-fuzz-recipes-'));
  try {
    const aggregates = FIXTURE_AGGREGATES.map((src, i) => {
      const dst = join(root, `agg${i}`);
      cpSync(src, dst, { recursive: true });
      return dst;
    });
    const { recipes } = await discoverRecipes(aggregates);
    assert.ok(recipes.some((r) => r.format === 'meta.yaml') && recipes.some((r) => r.format === 'recipe.yaml'));
    const config = testConfig([renderMetaYaml(), renderRecipeYaml()], {
      rootDir: root, arches: ['linux-64', 'win-64'], aggregates, workDir: join(root, 'work'), timeouts: { buildSeconds: 10, hookMs: CASE_MS },
    });
    const run = new Engine(config).createRun();
    const before = snapshot(root);
    let rendered = 0;
    const seeds = [...Array.from({ length: SEEDS.recipe }, (_, i) => i + 1), ...RECIPE_REGRESSIONS];
    for (const seed of seeds) {
      const r = seeded(20_000 + seed);
      const recipe: RecipeRef = pick(r, recipes);
      const original = readFileSync(recipe.file, 'utf8');
      writeFileSync(recipe.file, mutateText(original, r));
      try {
        const target = pick(r, run.targets);
        const result = await outcome(`recipe seed ${seed} (${relative(root, recipe.file)}, ${target.subdir})`, () => run.hooks.render.promise(recipe, target), failures);
        if (result === 'ok') rendered++;
      } finally {
        writeFileSync(recipe.file, original);
      }
    }
    assert.equal(failures, []);
    assert.ok(rendered > 0 && rendered < seeds.length, `${rendered} of ${seeds.length} rendered`);
    // Renderers write only into the work dir (the render cache), inside this temp dir: the recipe
    // copies are back to their content (sizes must match) and nothing else appeared.
    const recipesOnly = (s: string) => s.split('\n').filter((l) => !l.startsWith('work/')).map((l) => l.replace(/ [\d.]+$/, '')).join('\n');
    assert.is(recipesOnly(snapshot(root)), recipesOnly(before));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.is(FIXTURE_AGGREGATES.map(snapshot).join('\n'), ctx.before, 'the fixtures themselves are untouched');
  assert.is(readdirSync(ctx.cwd).length, 0, 'nothing written into the working dir');
});

fuzz.run();

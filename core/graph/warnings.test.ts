import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecipeRef, RenderWarning } from '../model/types.ts';
import { resolveConfig } from '../config/resolve.ts';
import { Engine } from '../engine/engine.ts';
import { defaultPlugins } from '../../plugins/defaults.ts';
import { planTarget } from './plan-target.ts';
import { formatPlanText } from './format-text.ts';
import { toPlanJson } from './plan-json.ts';
import { dedupeSharedWarnings, formatWarnings, groupWarnings, warningKind } from './warnings.ts';

const unit = suite('plan warnings');

const ref = (feedstock: string, dir: string) => ({ feedstock, dir, file: join(dir, 'meta.yaml') }) as RecipeRef;
const w = (feedstock: string, file: string, line: number, message: string): RenderWarning => ({ feedstock, file, line, message });

unit('a shared file\'s warnings once, without a feedstock; a recipe\'s own warnings as they are', () => {
  const recipes = [ref('a', '/agg/a-feedstock/recipe'), ref('b', '/agg/b-feedstock/recipe')];
  const cbc = '/agg/conda_build_config.yaml';
  const out = dedupeSharedWarnings(
    [
      w('a', cbc, 3, "variant key 'vc' has no value; ignored"),
      w('a', '/agg/a-feedstock/recipe/meta.yaml', 9, 'undefined Jinja variable'),
      w('b', cbc, 3, "variant key 'vc' has no value; ignored"),
      w('b', '/agg/b-feedstock/recipe/conda_build_config.yaml', 1, "variant key 'x' has no value; ignored"),
      w('b', '/agg/b-feedstock/recipe/meta.yaml', 9, 'undefined Jinja variable'),
    ],
    recipes,
  );
  assert.equal(out, [
    w('', cbc, 3, "variant key 'vc' has no value; ignored"),
    w('a', '/agg/a-feedstock/recipe/meta.yaml', 9, 'undefined Jinja variable'),
    w('b', '/agg/b-feedstock/recipe/conda_build_config.yaml', 1, "variant key 'x' has no value; ignored"),
    w('b', '/agg/b-feedstock/recipe/meta.yaml', 9, 'undefined Jinja variable'),
  ]);
});

unit('grouped by kind (names and numbers left out), most frequent first; every one on request', () => {
  assert.is(warningKind("variant key 'vc' has no value; ignored"), "variant key '…' has no value; ignored");
  const ws = [
    w('', '/c.yaml', 3, "variant key 'vc' has no value; ignored"),
    w('x', '/x/meta.yaml', 4, "undefined Jinja variable 'foo' rendered as an empty string"),
    w('', '/c.yaml', 7, "variant key 'VERBOSE_AT' has no value; ignored"),
  ];
  assert.equal(groupWarnings(ws).map((g) => [g.count, g.kind]), [
    [2, "variant key '…' has no value; ignored"],
    [1, "undefined Jinja variable '…' rendered as an empty string"],
  ]);
  assert.equal(formatWarnings(ws, false), [
    'warnings (3, 2 kinds; rebuild plan --warnings lists them all):',
    "  2 × variant key '…' has no value; ignored  (first: /c.yaml:3)",
    "  1 × /x/meta.yaml:4: undefined Jinja variable 'foo' rendered as an empty string",
  ]);
  assert.equal(formatWarnings(ws, true), [
    'warnings (3):',
    "  /c.yaml:3: variant key 'vc' has no value; ignored",
    "  /x/meta.yaml:4: undefined Jinja variable 'foo' rendered as an empty string",
    "  /c.yaml:7: variant key 'VERBOSE_AT' has no value; ignored",
  ]);
  assert.equal(formatWarnings([], false), []);
});

const plan = suite('rebuild plan: the aggregate config\'s warnings once per aggregate');
let dir = '';
plan.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebuild-plan-warnings-'));
});
plan.after(() => rmSync(dir, { recursive: true, force: true }));

plan('three recipes stacking a config with two empty keys: two warnings, not six; text ends with them grouped', async () => {
  const agg = join(dir, 'agg');
  // Windows-only keys: on linux-64 they are left without a value.
  writeFileSync((mkdirSync(agg, { recursive: true }), join(agg, 'conda_build_config.yaml')), 'vc:\n  - 14  # [win]\nVERBOSE_AT:\n  - V=1  # [win]\nzlib:\n  - 1.3\n');
  for (const name of ['alpha', 'beta', 'gamma']) {
    const recipe = join(agg, `${name}-feedstock`, 'recipe');
    mkdirSync(recipe, { recursive: true });
    writeFileSync(join(recipe, 'meta.yaml'), `package:\n  name: ${name}\n  version: 1.0\nrequirements:\n  host:\n    - zlib\n`);
  }
  const config = resolveConfig(
    { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: agg, workDir: join(dir, 'work'), plugins: defaultPlugins() },
    { configFile: null, profile: null, cwd: dir },
  );
  const run = new Engine(config).createRun({ renderCache: false });
  const p = await planTarget(run, run.targets[0]);
  const cbc = join(agg, 'conda_build_config.yaml');
  assert.equal(p.warnings, [
    { feedstock: '', file: cbc, line: 1, message: "variant key 'vc' has no value; ignored" },
    { feedstock: '', file: cbc, line: 3, message: "variant key 'VERBOSE_AT' has no value; ignored" },
  ]);
  const text = formatPlanText(p);
  assert.ok(text.trimEnd().endsWith(`  2 × variant key '…' has no value; ignored  (first: ${cbc}:1)`), text);
  assert.match(formatPlanText(p, { allWarnings: true }), `  ${cbc}:3: variant key 'VERBOSE_AT' has no value; ignored\n`);
  assert.equal(toPlanJson(p).warnings, p.warnings);
});

unit.run();
plan.run();

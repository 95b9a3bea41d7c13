import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashDependencies } from '../../recipes/finalize-output.ts';
import { renderCommand, type RenderCommandOptions } from './render.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'recipes', 'meta-yaml', 'fixtures');
const AGG = join(FIX, 'agg');

async function run(args: string[], opts: RenderCommandOptions) {
  // A cwd without any config above it: render works from flags alone.
  const cwd = mkdtempSync(join(tmpdir(), 'rebuild-render-'));
  let stdout = '';
  let stderr = '';
  try {
    const code = await renderCommand(args, opts, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd });
    return { code, stdout, stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const cmd = suite('rebuild render');

cmd('--json for a recipe path :: the exact documented shape', async () => {
  const { code, stdout } = await run([join(AGG, 'libbar-feedstock')], { arch: ['linux-64'], python: '3.13', json: true });
  assert.is(code, 0);
  const lib = 'h0233521_1';
  assert.is(lib, `${hashDependencies({ c_compiler: 'gcc', c_compiler_version: '13', target_platform: 'linux-64', zlib: '1.3' })}_1`);
  const none = { requires: [], imports: [], commands: [] };
  assert.equal(JSON.parse(stdout), {
    feedstock: 'libbar',
    target: { subdir: 'linux-64', python: '3.13' },
    variants: [
      {
        variant: { c_compiler: 'gcc', c_compiler_version: '13', python: '3.13', zlib: '1.3' },
        skip: false,
        // The top-level build environment of this multi-output recipe.
        requirements: { build: ['gcc_linux-64 13.*', 'cmake'], host: ['zlib 1.3.*'] },
        outputs: [
          {
            name: 'libbar',
            version: '2.5.1',
            build: lib,
            noarch: null,
            requirements: { build: ['gcc_linux-64 13.*'], host: ['zlib 1.3.*'], run: ['zlib >=1.3,<2.0a0'], run_constrained: [] },
            test: { ...none, commands: ['test -f $PREFIX/lib/libbar.so.2.5'] },
          },
          {
            name: 'libbar-devel',
            version: '2.5.1',
            build: lib,
            noarch: null,
            requirements: { build: [], host: [], run: [`libbar 2.5.1 ${lib}`], run_constrained: [] },
            test: none,
          },
          {
            name: 'py-bar',
            version: '2.5.1',
            build: `py${hashDependencies({ c_compiler: 'gcc', c_compiler_version: '13', zlib: '1.3' })}_1`,
            noarch: 'python',
            requirements: { build: [], host: ['python 3.13.*', 'pip', 'libbar'], run: ['python >=3.9', 'libbar'], run_constrained: [] },
            test: { ...none, imports: ['bar'] },
          },
        ],
      },
    ],
    warnings: [],
  });
});

cmd('a feedstock name in --aggregate :: run_exports of aggregate packages applied', async () => {
  const { code, stdout } = await run(['blasdep'], { arch: ['linux-64'], python: '3.13', aggregate: AGG, json: true });
  assert.is(code, 0);
  const out = JSON.parse(stdout);
  assert.is(out.feedstock, 'blasdep');
  assert.equal(out.variants[0].outputs[0].requirements.run, ['python >=3.13,<3.14.0a0', 'libopenblas', 'libbar >=2.5.1,<2.6.0a0']);
});

cmd('--all with failures :: an array, error entries with file/line/message, exit 1', async () => {
  const { code, stdout } = await run([], { all: true, arch: ['linux-64'], python: '3.13', aggregate: join(FIX, 'errors'), json: true });
  assert.is(code, 1);
  const out = JSON.parse(stdout) as { feedstock: string; error?: { file: string; line: number | null; message: string } }[];
  assert.equal(out.map((e) => [e.feedstock, e.error?.line]), [
    ['bad-cbc', 4],
    ['bad-jinja', 7],
    ['bad-name', 4],
    ['bad-requirement', 8],
    ['bad-yaml', 9],
    ['missing-file', 4],
    ['no-version', 6],
    ['template-outside', 1],
  ]);
  assert.equal(out[1], {
    feedstock: 'bad-jinja',
    target: { subdir: 'linux-64', python: '3.13' },
    error: { file: join(FIX, 'errors/bad-jinja/recipe/meta.yaml'), line: 7, message: 'jinja error: syntax error: unexpected `}`, expected `,`' },
  });
});

cmd('text output :: a readable summary', async () => {
  const { code, stdout } = await run([join(AGG, 'purepy-feedstock')], { arch: ['linux-64', 'osx-arm64'], python: '3.13' });
  assert.is(code, 0);
  assert.match(stdout, /^purepy \(linux-64, python 3\.13\): 1 variant\n  \[python=3\.13\]\n    purepy-0\.9\.1-py_0  \(noarch: python\)\n      host: python 3\.13\.\*, pip\n/);
  assert.match(stdout, /purepy \(osx-arm64, python 3\.13\)/);
});

cmd('usage errors exit 64 :: unknown feedstock with close names, no python, bad arch', async () => {
  const unknown = await run(['pyfo'], { arch: ['linux-64'], python: '3.13', aggregate: AGG });
  assert.is(unknown.code, 64);
  assert.match(unknown.stderr, /unknown feedstock 'pyfo' .*did you mean: pyfoo\?/);
  const noPython = await run([join(AGG, 'pyfoo-feedstock')], { arch: ['linux-64'] });
  assert.is(noPython.code, 64);
  assert.match(noPython.stderr, /--python/);
  const badArch = await run([join(AGG, 'pyfoo-feedstock')], { arch: ['linux64'], python: '3.13' });
  assert.is(badArch.code, 64);
  assert.match(badArch.stderr, /unknown arch 'linux64'; did you mean linux-64/);
  const nothing = await run([], { arch: ['linux-64'], python: '3.13' });
  assert.is(nothing.code, 64);
});

cmd('--all text :: a warning of the aggregate\'s config is printed once, not once per recipe; --json keeps it per recipe', async () => {
  const agg = mkdtempSync(join(tmpdir(), 'rebuild-render-warn-'));
  try {
    writeFileSync(join(agg, 'conda_build_config.yaml'), 'vc:\n  - 14  # [win]\n');
    for (const name of ['one', 'two']) {
      mkdirSync(join(agg, `${name}-feedstock`, 'recipe'), { recursive: true });
      writeFileSync(join(agg, `${name}-feedstock`, 'recipe', 'meta.yaml'), `package:\n  name: ${name}\n  version: 1.0\n`);
    }
    const text = await run([], { all: true, arch: ['linux-64'], python: '3.13', aggregate: agg });
    assert.is(text.code, 0);
    assert.is(text.stdout.match(/variant key 'vc' has no value; ignored/g)?.length, 1, text.stdout);
    const json = JSON.parse((await run([], { all: true, arch: ['linux-64'], python: '3.13', aggregate: agg, json: true })).stdout) as { warnings: unknown[] }[];
    assert.equal(json.map((e) => e.warnings.length), [1, 1]);
  } finally {
    rmSync(agg, { recursive: true, force: true });
  }
});

cmd.run();

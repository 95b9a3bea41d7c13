import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Target } from '../../model/types.ts';
import { JinjaCompat } from './jinja-compat.ts';
import { condaBuildContext, type JinjaContextInput } from './jinja-context.ts';

const LINUX: Target = { subdir: 'linux-64', python: '3.12' };

function input(over: Partial<JinjaContextInput> = {}): JinjaContextInput & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    target: LINUX,
    variant: { python: '3.12', c_compiler_version: '13', numpy: '2.0', target_platform: 'linux-64' },
    selectors: { linux: true, win: false, py: 312, sel: () => true },
    lookup: { recipeDir: '/nonexistent/recipe', sourceDir: null },
    pkg: { name: 'demo', version: '1.0', buildNumber: '0', hash: '', buildString: 'placeholder' },
    outputs: new Map(),
    hostVersions: new Map([['numpy', '2.0.1']]),
    final: true,
    warn: (message) => warnings.push(message),
    warnings,
    ...over,
  };
}

const FUNCTIONS = ['environ', 'os', 'compiler', 'stdlib', 'cdt', 'ccache', 'pin_subpackage', 'pin_compatible', 'load_setup_py_data', 'load_setuptools', 'load_file_regex', 'load_file_data', 'load_str_data', 'resolved_packages'];

const ctx = suite('condaBuildContext');

ctx('every entry: selectors (not functions), variant, build variables, then the functions in their order', () => {
  const keys = Object.keys(condaBuildContext(input(), new JinjaCompat()));
  assert.equal(keys.slice(0, 3), ['linux', 'win', 'py']);
  assert.not.ok(keys.includes('sel'));
  assert.ok(keys.indexOf('c_compiler_version') < keys.indexOf('PKG_NAME'));
  assert.equal(keys.slice(-FUNCTIONS.length), FUNCTIONS);
});

ctx('only the wanted entries are made', () => {
  const asked: string[] = [];
  const c = condaBuildContext(input(), new JinjaCompat(), (name) => (asked.push(name), name === 'compiler' || name === 'PY_VER'));
  assert.equal(Object.keys(c), ['PY_VER', 'compiler']);
  assert.ok(FUNCTIONS.every((f) => asked.includes(f)));
});

ctx('the functions read their own context: two contexts made one after the other', () => {
  const first = condaBuildContext(input(), new JinjaCompat());
  const second = condaBuildContext(input({ variant: { python: '3.12', c_compiler: 'clang', target_platform: 'linux-64' }, hostVersions: new Map() }), new JinjaCompat());
  const compiler = (c: Record<string, unknown>) => c.compiler as (lang: string) => string;
  assert.is(compiler(first)('c'), 'gcc_linux-64 13.*');
  assert.is(compiler(second)('c'), 'clang_linux-64');
  assert.is((first.pin_compatible as (n: string) => string)('numpy'), 'numpy >=2.0.1,<3.0a0');
  assert.is((second.pin_compatible as (n: string) => string)('zlib'), 'zlib');
  assert.is((first.cdt as (n: string) => string)('libx11'), 'libx11-cos6-x86_64');
  assert.is((first.os as { environ: Record<string, string> }).environ.PKG_NAME, 'demo');
  assert.is((first.os as { getenv(k: string): string }).getenv('PKG_VERSION'), '1.0');
});

ctx('functions warn only in the final pass, through the context they were made for', () => {
  const early = input({ final: false });
  const late = input({ hostVersions: new Map() });
  const a = condaBuildContext(early, new JinjaCompat());
  const b = condaBuildContext(late, new JinjaCompat());
  assert.is((a.pin_compatible as (n: string) => string)('zlib'), 'zlib');
  assert.is((b.pin_subpackage as (n: string) => string)('demo-lib'), 'demo-lib');
  assert.is((b.load_setup_py_data as () => unknown)() instanceof Object, true);
  assert.equal(early.warnings, []);
  assert.is(late.warnings.length, 2);
  assert.match(late.warnings[0], /^pin_subpackage\('demo-lib'\): no output named/);
  assert.match(late.warnings[1], /^load_setup_py_data: /);
});

ctx('a __proto__ key of the variant is an own entry', () => {
  const variant: Record<string, string> = { python: '3.12' };
  Object.defineProperty(variant, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true });
  const c = condaBuildContext(input({ variant }), new JinjaCompat());
  assert.ok(Object.hasOwn(c, '__proto__'));
  assert.is(Object.getPrototypeOf(c), Object.prototype);
});

ctx.run();

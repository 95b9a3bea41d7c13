import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLASSES } from './classes.ts';
import { classifyLines, compileRules, logLines } from './classify.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'classes');
const rules = compileRules();
const classify = (file: string, stage = 'build') => classifyLines(logLines(readFileSync(join(FIXTURES, file), 'utf8')), { stage, failure: 'build' }, rules);
/** Fixtures of the test stage (the others are build logs). */
const STAGE: Record<string, string> = { 'test-failure.import.match.log': 'test', 'test-failure.match.log': 'test', 'test-failure.no-match.log': 'test' };

const defaults = suite('default classes');

for (const name of [...new Set(DEFAULT_CLASSES.map((r) => r.name))]) {
  const files = readdirSync(FIXTURES).filter((f) => f.startsWith(`${name}.`));
  defaults(`${name} :: has a log it matches and one it must not`, () => {
    assert.ok(files.some((f) => f.endsWith('.match.log') && !f.endsWith('no-match.log')), `no ${name}.match.log`);
    assert.ok(files.includes(`${name}.no-match.log`), `no ${name}.no-match.log`);
  });
  for (const file of files) {
    const must = !file.endsWith('.no-match.log');
    defaults(`${name} :: ${must ? 'matches' : 'does not match'} ${file}`, () => {
      const got = classify(file, STAGE[file]);
      if (must) {
        assert.is(got.class, name);
        assert.ok(got.line && got.line.length > 0);
      } else assert.is.not(got.class, name);
    });
  }
}

defaults('the winning line is the first line the winning rule matches', () => {
  assert.is(classify('linker-error.match.log').line, "bindings.cpp:(.text+0x1a4): undefined reference to `proj_create_crs_to_crs'");
  assert.is(classify('python-breakage.match.log').line, "ModuleNotFoundError: No module named 'distutils'");
});

defaults('a removed module is python breakage, not a missing dependency; another missing module is a missing dependency', () => {
  assert.is(classifyLines(["ModuleNotFoundError: No module named 'asyncore'"], {}, rules).class, 'python-breakage');
  assert.is(classifyLines(["ModuleNotFoundError: No module named 'cython'"], {}, rules).class, 'missing-dependency');
});

defaults('removed or hidden C API members are python breakage; a member of the package\'s own struct is a compiler error', () => {
  for (const line of [
    "src/trace.c:88:24: error: 'PyFrameObject' {aka 'struct _frame'} has no member named 'f_lasti'",
    "src/trace.c:90:9: error: invalid use of incomplete typedef 'PyFrameObject' {aka 'struct _frame'}",
    "src/ext.c:12:5: error: call to undeclared function 'PyUnicode_AS_UNICODE'; ISO C99 and later do not support implicit function declarations",
  ])
    assert.is(classifyLines([line], {}, rules).class, 'python-breakage', line);
  assert.is(classifyLines(["src/ext.c:40:9: error: 'speedups_state' has no member named 'table'"], {}, rules).class, 'compiler-error');
});

defaults('an import error in the test stage is a test failure', () => {
  assert.is(classifyLines(["ModuleNotFoundError: No module named 'scipy'"], { stage: 'test' }, rules).class, 'test-failure');
});

defaults('nothing matches: the engine class (timeout, network, ...) or unclassified', () => {
  assert.equal(classifyLines(['all good'], { failure: 'timeout' }, rules), { class: 'timeout', line: null });
  assert.equal(classifyLines(['all good'], { failure: 'container-start' }, rules), { class: 'container-start', line: null });
  assert.equal(classifyLines(['all good'], { failure: 'build' }, rules), { class: 'unclassified', line: null });
});

defaults('the reason is matched too (a solver message that reached no log)', () => {
  const got = classifyLines([], { reason: 'cannot solve the host environment (foo): Cannot solve the request because of: No candidates were found for foo.' }, rules);
  assert.is(got.class, 'missing-dependency');
});

defaults('colours and carriage-return progress are stripped before matching', () => {
  assert.equal(logLines('a\r\n\u001b[31mundefined reference to `x\'\u001b[0m\nprogress 10%\rprogress 100%\n'), ['a', "undefined reference to `x'", 'progress 100%', '']);
});

const config = suite('config classes');

config('come before the defaults; a stage limits a rule', () => {
  const mine = compileRules([
    { name: 'cuda-missing', pattern: 'nvcc: not found' },
    { name: 'flaky-test', pattern: 'undefined reference', stage: 'test' },
  ]);
  assert.is(classifyLines(['sh: nvcc: not found', 'collect2: error: ld returned 1 exit status'], {}, mine).class, 'cuda-missing');
  assert.is(classifyLines(['undefined reference to `x\''], { stage: 'build' }, mine).class, 'linker-error');
  assert.is(classifyLines(['undefined reference to `x\''], { stage: 'test' }, mine).class, 'flaky-test');
});

config('a bad pattern is a config error naming the rule', () => {
  try {
    compileRules([{ name: 'ok', pattern: 'a' }, { name: 'bad', pattern: 'unclosed(' }], 'rebuild.config.ts');
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /^rebuild\.config\.ts: \/report\/classes\/1\/pattern: not a regular expression: /);
    assert.is((err as { exitCode: number }).exitCode, 78);
  }
});

defaults.run();
config.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, UserError } from 'rebuild';
import { parseRequirements } from './requirements.ts';
import { readProject, requirementName } from './project.ts';

function thrown(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, UserError);
    return err as UserError;
  }
  throw new Error('did not throw');
}

const reqs = suite('parseRequirements', { dir: '', file: '' });
reqs.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'wheel-reqs-'));
  ctx.file = join(ctx.dir, 'requirements.txt');
  for (const d of ['alpha', 'pkgs/beta']) mkdirSync(join(ctx.dir, d), { recursive: true });
});
reqs.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

reqs('folders relative to the file, in order; comments and blank lines skipped', ({ dir, file }) => {
  const text = '# sources\n\n./alpha   # the first\npkgs/beta/\n';
  assert.equal(parseRequirements(text, file), [
    { dir: join(dir, 'alpha'), where: `${file}:3` },
    { dir: join(dir, 'pkgs/beta'), where: `${file}:4` },
  ]);
});

reqs('a name to download is refused with the file, the line and what to write', ({ file }) => {
  const err = thrown(() => parseRequirements('./alpha\nrequests==2.31\n', file));
  assert.is(err.message, `${file}:2: 'requests==2.31' is not a source folder: this builder builds local sources only; write its folder as ./<folder>`);
  assert.is(err.exitCode, EXIT.DATAERR);
});

reqs('pip options, continuations, missing and repeated folders: one located line each', ({ file }) => {
  assert.match(thrown(() => parseRequirements('-e ./alpha\n', file)).message, new RegExp(`^${file}:1: '-e ./alpha': options are not supported`));
  assert.match(thrown(() => parseRequirements('./alpha \\\n', file)).message, new RegExp(`^${file}:1: line continuations`));
  assert.match(thrown(() => parseRequirements('\n./gamma\n', file)).message, new RegExp(`^${file}:2: ./gamma: no such folder`));
  assert.is(thrown(() => parseRequirements('./alpha\nalpha/\n', file)).message, `${file}:2: alpha/ is listed twice (first at ${file}:1)`);
});

reqs.run();

const project = suite('readProject', { dir: '' });
project.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'wheel-project-'));
});
project.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const write = (dir: string, text: string) => writeFileSync(join(dir, 'pyproject.toml'), text);

project('name, normalized project, version and dependency names from [project]', ({ dir }) => {
  write(dir, '[project]\nname = "Unit_Conv"\nversion = "0.3.1"\ndescription = "Lengths"\nrequires-python = ">=3.8"\ndependencies = ["TinyUnits[fast] >=1.2; python_version > \'3\'", "tinyunits<2", "six"]\n');
  const p = readProject(dir);
  assert.equal([p.name, p.project, p.version, p.dependencies, p.requiresPython, p.summary], ['Unit_Conv', 'unit-conv', '0.3.1', ['tinyunits', 'six'], '>=3.8', 'Lengths']);
});

project('what cannot be planned says which file and why', ({ dir }) => {
  const file = join(dir, 'pyproject.toml');
  assert.match(thrown(() => readProject(dir)).message, `${file}: missing`);
  write(dir, '[tool.setuptools]\n');
  assert.match(thrown(() => readProject(dir)).message, `${file}: no [project] table`);
  write(dir, '[project]\nname = "foo"\ndynamic = ["version"]\n');
  assert.match(thrown(() => readProject(dir)).message, `${file}: [project] version must be written in the file`);
  write(dir, '[project]\nname = "foo"\nversion = "1.0"\ndependencies = ["==1.0"]\n');
  assert.match(thrown(() => readProject(dir)).message, `${file}: [project] dependencies: '==1.0' is not a requirement`);
  write(dir, '[project\nname = "foo"\n');
  assert.is(thrown(() => readProject(dir)).exitCode, EXIT.DATAERR);
});

project('requirementName: the name of a PEP 508 requirement, normalized', () => {
  assert.is(requirementName('Zope.Interface>=5'), 'zope-interface');
  assert.is(requirementName('foo @ https://example.org/foo.whl'), 'foo');
  assert.is(requirementName('>=1'), null);
});

project.run();

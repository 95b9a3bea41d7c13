// Resume on the bundled example through the CLI: a changed recipe is rebuilt with everything that
// depends on it, and nothing else; a deleted package of the bootstrap chain is rebuilt, the same bytes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function built(dir: string): string[] {
  const r = spawnSync(process.execPath, [join(root, 'bin/rebuild.js'), 'run', '--json'], { cwd: dir, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'task' && e.status === 'built' && !e.initial)
    .map((e) => e.id)
    .sort();
}

const resume = suite('examples/basic resume', { dir: '' });
resume.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-resume-'));
  cpSync(join(root, 'examples/basic/aggregate'), join(ctx.dir, 'aggregate'), { recursive: true });
  writeFileSync(
    join(ctx.dir, 'rebuild.config.json'),
    JSON.stringify({ python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: './aggregate', workDir: './work' }),
  );
});
resume.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

resume('a changed recipe invalidates its package and its dependents only', ({ dir }) => {
  assert.equal(built(dir), ['attrs', 'certifi', 'heavy-ml', 'ml-addon', 'pip', 'pluggy', 'python', 'python@bootstrap', 'setuptools', 'wheel']);
  assert.equal(built(dir), []);
  appendFileSync(join(dir, 'aggregate/wheel-feedstock/recipe/meta.yaml'), '# a change\n');
  assert.equal(built(dir), ['attrs', 'heavy-ml', 'ml-addon', 'pip', 'pluggy', 'python', 'wheel']);
});

resume('a deleted package of the bootstrap chain is rebuilt alone, against the bootstrap python, byte for byte', ({ dir }) => {
  built(dir); // whatever the previous test left to do
  const subdir = join(dir, 'work/channel/linux-64');
  const [certifi] = readdirSync(subdir).filter((f) => f.startsWith('certifi-'));
  const before = readFileSync(join(subdir, certifi));
  rmSync(join(subdir, certifi));
  assert.equal(built(dir), ['certifi']);
  assert.ok(readFileSync(join(subdir, certifi)).equals(before), 'the rebuilt certifi differs from the deleted one');
  assert.equal(built(dir), []);
});

resume.run();

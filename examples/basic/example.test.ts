// The bundled example, run the way the README's first command runs it: `rebuild run` with the repo's
// rebuild.config.ts (script builder on the host, local channels, SQLite state), in a temp work dir.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPackageIndex, readPackageInfoFiles } from '../../core/conda/read-package.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function rebuild(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/rebuild.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const example = suite('examples/basic', { workDir: '' });

example.before((ctx) => {
  ctx.workDir = mkdtempSync(join(tmpdir(), 'rebuild-example-'));
});
example.after((ctx) => rmSync(ctx.workDir, { recursive: true, force: true }));

example('plan: the python bootstrap chain first, the blocklist and noarch left out', ({ workDir }) => {
  const r = rebuild(['plan', '--json', '--work-dir', workDir]);
  assert.is(r.code, 0, r.err);
  const [plan] = JSON.parse(r.out);
  assert.equal(plan.stages, [['python@bootstrap'], ['certifi'], ['setuptools'], ['wheel'], ['pip'], ['python'], ['attrs', 'pluggy']]);
  const status = Object.fromEntries(plan.nodes.map((n: any) => [n.id, `${n.status}: ${n.reason ?? ''}`]));
  assert.match(status['heavy-ml'], /^excluded: .*too-heavy/);
  assert.match(status['ml-addon'], /^blocked: blocked by heavy-ml/);
  assert.match(status.six, /^excluded: noarch/);
});

example('run: builds every planned package into real conda packages, then resumes with nothing to do', ({ workDir }) => {
  const first = rebuild(['run', '--work-dir', workDir]);
  assert.is(first.code, 0, first.out + first.err);
  const channel = join(workDir, 'channel', 'linux-64');
  const files = readdirSync(channel).filter((f) => f.endsWith('.tar.bz2')).sort();
  assert.equal(files.map((f) => f.replace(/-[^-]+-[^-]+\.tar\.bz2$/, '')), ['attrs', 'certifi', 'pip', 'pluggy', 'python', 'setuptools', 'wheel']);
  assert.equal(readdirSync(join(workDir, 'bootstrap-channel', 'linux-64')).filter((f) => f.endsWith('.tar.bz2')), ['python-3.13.0-bootstrap_h0_0.tar.bz2']);

  return (async () => {
    for (const f of files) {
      const info = await readPackageInfoFiles(join(channel, f), ['info/paths.json']);
      const paths = JSON.parse(info.get('info/paths.json')!.toString()).paths;
      assert.ok(paths.length >= 1, `${f} holds files`);
    }
    const python = await readPackageIndex(join(channel, 'python-3.13.0-h0_0.tar.bz2'));
    assert.equal(python.depends, ['pip']);
    const certifi = await readPackageIndex(join(channel, files.find((f) => f.startsWith('certifi'))!));
    assert.ok(certifi.depends.some((d: string) => d.startsWith('python ')), certifi.depends.join(', '));

    const again = rebuild(['run', '--work-dir', workDir]);
    assert.is(again.code, 0, again.err);
    assert.match(again.out + again.err, /0 to build, 7 already built|0 to build, 8 already built/);
    const status = rebuild(['status', '--json', '--work-dir', workDir]);
    assert.is(status.code, 0, status.err);
  })();
});

example.run();

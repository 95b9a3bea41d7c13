import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { containerEnv, containerName, containerRunArgs, normaliseMounts, redactedCommand } from './container-args.ts';
import { resolveOptions } from './options.ts';
import { containerRunner, PluginOptionsError } from './index.ts';

const req = {
  argv: ['conda-build', '/r/pkg'],
  cwd: '/w/task',
  env: {},
  mounts: [{ path: '/w/task', mode: 'rw' as const }],
  network: false,
};

const args = suite('containerRunArgs');

args('lays out run arguments: name, labels, network, limits, mounts, workdir, env, extra, image, argv', () => {
  const options = resolveOptions({ images: { 'linux-64': 'img' }, cpus: 2, memory: '4g', pull: 'never', extraArgs: ['--user', '0:0'] });
  const { args: a } = containerRunArgs({
    req: { ...req, env: { PREFIX: '/w/task/p', B: '2' }, mounts: [{ path: '/r/pkg', mode: 'ro' }, { path: '/w/task', mode: 'rw' }] },
    options: { ...options, envAllowlist: ['B'] },
    image: 'img',
    name: 'rebuild-x',
    imagePath: null,
    labels: { 'io.rebuild.task': 'pkg' },
  });
  assert.equal(a, [
    'run', '--name', 'rebuild-x', '--label', 'io.rebuild.task=pkg', '--network', 'none', '--cpus', '2', '--memory', '4g', '--pull', 'never',
    '-v', '/r/pkg:/r/pkg:ro', '-v', '/w/task:/w/task:rw', '-w', '/w/task', '-e', 'B=2', '-e', 'PREFIX=/w/task/p',
    '--user', '0:0', 'img', 'conda-build', '/r/pkg',
  ]);
});

args('network only when the runner allows it and the command asks for it', () => {
  const has = (network: boolean, asked: boolean) =>
    containerRunArgs({ req: { ...req, network: asked }, options: resolveOptions({ images: {}, network }), image: 'i', name: 'n', imagePath: null }).args.includes('none');
  assert.is(has(false, false), true);
  assert.is(has(false, true), true);
  assert.is(has(true, false), true);
  assert.is(has(true, true), false);
});

args('rejects what a container cannot express', () => {
  const options = resolveOptions({ images: {} });
  assert.throws(() => containerRunArgs({ req: { ...req, argv: [] }, options, image: 'i', name: 'n', imagePath: null }), /empty argv/);
  assert.throws(() => containerRunArgs({ req: { ...req, cwd: 'rel' }, options, image: 'i', name: 'n', imagePath: null }), /cwd must be absolute/);
  assert.throws(() => normaliseMounts([{ path: 'rel/dir', mode: 'ro' }]), /must be absolute/);
  assert.throws(() => normaliseMounts([{ path: '/a:b', mode: 'ro' }]), /cannot contain/);
  assert.throws(() => normaliseMounts([{ path: '/a', mode: 'rx' as 'ro' }]), /'ro' or 'rw'/);
});
args.run();

const mounts = suite('normaliseMounts');
mounts('folds mounts covered by another; keeps a rw mount inside a ro one; parents first', () => {
  assert.equal(
    normaliseMounts([
      { path: '/w/task/out', mode: 'rw' },
      { path: '/w/task', mode: 'rw' },
      { path: '/w/task/', mode: 'ro' },
      { path: '/chan', mode: 'ro' },
      { path: '/chan', mode: 'ro' },
      { path: '/agg', mode: 'ro' },
      { path: '/agg/pkg/out', mode: 'rw' },
    ]),
    [
      { path: '/agg', mode: 'ro' },
      { path: '/chan', mode: 'ro' },
      { path: '/w/task', mode: 'rw' },
      { path: '/agg/pkg/out', mode: 'rw' },
    ],
  );
});
mounts.run();

const env = suite('containerEnv');
env('build variables pass, allowlist by name or prefix*, the rest is dropped by name', () => {
  const r = containerEnv({ env: { PREFIX: '/p', PKG_NAME: 'x', CONDA_BUILD_SYSROOT: '/s', HOME: '/root', AWS_KEY: 'k', MY_A: '1', MY_B: '2', OTHER: '3' }, mounts: [] }, ['MY_*', 'OTHER'], null);
  assert.equal(r.env, { PREFIX: '/p', PKG_NAME: 'x', CONDA_BUILD_SYSROOT: '/s', MY_A: '1', MY_B: '2', OTHER: '3' });
  assert.equal(r.dropped, ['AWS_KEY', 'HOME']);
});
env("the config's environment rule: its allow names pass too, and no prefix passes a secret (only its exact name)", () => {
  const req = { env: { MY_A: '1', MY_TOKEN: 't', CI_JOB: '2', CI_TOKEN: 'c' }, mounts: [] };
  const policy = { allow: ['CI_*'], secrets: ['MY_TOKEN', 'CI_TOKEN'] };
  assert.equal(containerEnv(req, ['MY_*'], null, policy), { env: { CI_JOB: '2', MY_A: '1' }, dropped: ['CI_TOKEN', 'MY_TOKEN'] });
  assert.equal(containerEnv(req, ['MY_*'], null, { ...policy, allow: ['CI_*', 'MY_TOKEN'] }).env, { CI_JOB: '2', MY_A: '1', MY_TOKEN: 't' });
});
env('PATH: mounted entries go in front of the image PATH; host-only entries are left out; allowlisting PATH passes it whole', () => {
  const mounted = [{ path: '/w/t', mode: 'rw' as const }];
  assert.is(containerEnv({ env: { PATH: '/w/t/p/bin:/usr/bin:/home/me/bin' }, mounts: mounted }, [], '/opt/conda/bin:/usr/bin').env.PATH, '/w/t/p/bin:/opt/conda/bin:/usr/bin');
  assert.is(containerEnv({ env: { PATH: '/w/t/p/bin' }, mounts: mounted }, [], null).env.PATH, '/w/t/p/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  assert.is(containerEnv({ env: { PATH: '/usr/bin:/home/me/bin' }, mounts: mounted }, [], null).env.PATH, undefined);
  assert.is(containerEnv({ env: { PATH: '/x:/y' }, mounts: mounted }, ['PATH'], null).env.PATH, '/x:/y');
});
env.run();

const misc = suite('containerName / redactedCommand');
misc('container names are valid for podman and docker and carry the task', () => {
  assert.is(containerName('python@bootstrap', 'linux-64', 'ab12'), 'rebuild-linux-64-python-bootstrap-ab12');
  assert.is(containerName('numpy@1.26', 'osx-arm64', 'ff'), 'rebuild-osx-arm64-numpy-1.26-ff');
  assert.match(containerName('x/y z', 'win-64', '00'), /^rebuild-[a-zA-Z0-9_.-]+$/);
});
misc('the logged command hides env values and quotes what the shell would split', () => {
  assert.is(redactedCommand('podman', ['run', '-e', 'TOKEN=s3cret', 'img', 'sh', '-c', 'echo a b']), "podman run -e TOKEN=… img sh -c 'echo a b'");
});
misc.run();

const options = suite('containerRunner options');
options('defaults: podman, no network, no allowlist, stop after 2 s', () => {
  const o = resolveOptions({ images: { 'linux-64': 'img' } });
  assert.is(o.engine, 'podman');
  assert.is(o.network, false);
  assert.equal(o.envAllowlist, []);
  assert.is(o.stopTimeoutSeconds, 2);
  assert.is(containerRunner({ images: {} }).name, 'rebuild:runner-container');
});
options('bad options fail at the factory with the plugin name and each problem', () => {
  try {
    containerRunner({ images: { 'linux-65': 'img' }, memory: 'lots', cpus: 0, envAllowlist: ['A B'], netwerk: true } as never);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, PluginOptionsError);
    const m = (err as Error).message;
    assert.match(m, 'invalid options for rebuild:runner-container');
    assert.match(m, "options.images: key 'linux-65' is not allowed");
    assert.match(m, "unknown option 'netwerk'");
    assert.match(m, 'options.memory must match pattern');
    assert.match(m, 'options.cpus must be > 0');
    assert.match(m, 'options.envAllowlist[0] must match pattern');
  }
  assert.throws(() => containerRunner(undefined as never), /must be object/);
  assert.throws(() => containerRunner({} as never), /must have required property 'images'/);
});
options.run();

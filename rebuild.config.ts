// The repo's own config: the bundled buildout (examples/buildout: 30 feedstocks in miniature) rebuilt
// from python 3.12 to 3.13 with the embedded defaults — the script builder on the host, local channels
// in the work dir, SQLite state. `npx rebuild run` carries it from bootstrap to the production channel.
import { spawnSync } from 'node:child_process';
import { defineConfig } from 'rebuild';
import { containerRunner } from 'rebuild/plugins/runner-container';

// crc32c is the example's C package: it needs the host's C compiler. A machine without one leaves it
// (and what builds against it) out with a reason, instead of a failed build.
const hasCc = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;

export default defineConfig({
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: './examples/buildout/aggregate',
  workDir: '.rebuild',
  concurrency: 2,
  channels: {
    // The old python's builds: what the plan compares against (and the report lists as missing).
    reference: './examples/buildout/reference',
    // Packages the aggregate does not build (the C compiler), as a real buildout's base channel.
    build: ['./examples/buildout/toolchain'],
    // tested, staging and production: the defaults, <workDir>/tested, <workDir>/staging, <workDir>/production.
  },
  blocklist: [
    {
      name: 'tensorflow',
      reason: 'too-heavy',
      note: 'needs GPUs and about 6 hours per arch; built by hand after the campaign',
      link: 'https://github.com/example-org/buildout/issues/12',
    },
    ...(hasCc
      ? []
      : [{ name: 'crc32c', reason: 'other' as const, note: 'no C compiler on this machine (cc): install gcc to build it (apt-get install gcc)' }]),
  ],
  // dparse needs packaging < 22 (LegacyVersion): 21.3 is built next to 24.1.
  extraVersions: { packaging: [{ version: '21.3' }] },
  // Every built package is tested (the example's python runs the imports for real); a failed test
  // holds that package's publication, not its dependents' builds (tests.blocksDependents: false).
  tests: { timeoutSeconds: 600 },
  // A name-version is published once every configured arch has it; wincertstore exists on win only.
  publish: { archExceptions: { wincertstore: ['win-64'] } },
  report: {
    // Tried before the default classes: the 3.12 removals get their own class in the report.
    classes: [{ name: 'removed-in-3.12', pattern: "No module named '(imp|distutils|asynchat|asyncore|smtpd)'" }],
    // The dashboard (<workDir>/report/dashboard.html): the waiting gate on its progress chart, and the
    // package sets the team watches first, each with its own status.
    waitingGoal: 5,
    groups: {
      bootstrap: ['python', 'certifi', 'setuptools', 'wheel', 'pip'],
      http: ['requests', 'urllib3', 'idna', 'charset-normalizer'],
      testing: ['pytest', 'pluggy', 'iniconfig', 'nose'],
    },
  },
  profiles: {
    smoke: { description: 'one worker, short timeouts', concurrency: 1, timeouts: { buildSeconds: 120 } },
    'all-arches': {
      description: 'plan every arch the campaign covers (only linux-64 builds on this machine)',
      arches: ['linux-64', 'linux-aarch64', 'linux-ppc64le', 'linux-s390x', 'osx-64', 'osx-arm64', 'win-64'],
      // The slow arches convert the pure-Python packages from linux-64's builds (rebuild:converter):
      // `rebuild plan --profile all-arches` lists per arch what is converted and what is built, with why.
      convert: { from: 'linux-64', to: ['osx-64', 'osx-arm64', 'win-64'] },
    },
    'two-arches': {
      description: 'linux-64 and linux-aarch64, both with the script builder on this host (every package but crc32c is pure python); what examples/buildout/queue.test.ts runs through the queue',
      arches: ['linux-64', 'linux-aarch64'],
      // The toolchain channel has no cross compiler (gcc_linux-aarch64): crc32c, and what builds against it, is linux-64 only.
      blocklist: [{ name: 'crc32c', reason: 'other', note: 'no cross compiler for linux-aarch64 in the toolchain channel', arches: ['linux-aarch64'] }],
      publish: { archExceptions: { crc32c: ['linux-64'], blobstore: ['linux-64'], streamhash: ['linux-64'] } },
      // One linux-aarch64 build at a time (one worker for it in the queue test): the other slots go to linux-64.
      limits: { arch: { 'linux-aarch64': 1 } },
      // The artifact folder coordinator and workers share: the same path whatever work dir each one has
      // (`rebuild worker --work-dir ...` on this machine); REBUILD_QUEUE_ARTIFACTS moves it (the test's temp dir).
      queue: { artifacts: process.env.REBUILD_QUEUE_ARTIFACTS ?? './.rebuild/queue-artifacts' },
    },
    container: {
      description: 'build linux-64 in a podman (or REBUILD_CONTAINER_ENGINE=docker) container instead of on the host',
      // Any image with /bin/sh, python3 and cc: the example's python runs the image's python3.
      plugins: [containerRunner({ engine: process.env.REBUILD_CONTAINER_ENGINE ?? 'podman', images: { 'linux-64': 'docker.io/library/buildpack-deps:bookworm' } })],
    },
  },
});

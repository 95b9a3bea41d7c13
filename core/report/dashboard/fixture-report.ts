// A report object (core/report/types.ts, valid against schema/report.schema.json) of a real-shaped
// buildout in progress, for the dashboard's tests: python 3.12 → 3.13 on linux-64 and osx-arm64, with
// built, tested, published, test-failed, failed (classified), blocked (by a failure, by a blocklist
// entry, by a package not in the aggregate), excluded, present, building and missing packages, the
// report's blockers and groups, and history. Logs are relative to the work dir, as in report.json.
import { count, emptyCounts } from '../collect.ts';
import type { Report, ReportPackage, ReportStatus, ReportTarget } from '../types.ts';

function pkg(name: string, version: string, status: ReportStatus, extra: Partial<ReportPackage> = {}): ReportPackage {
  return {
    name, feedstock: name, outputs: [name], version, status, stage: null, reason: null, class: null, classLine: null,
    blockedBy: null, exclusion: null, log: null, attempts: 0, durationMs: null, ...extra,
  };
}

function target(subdir: string, special: ReportPackage[]): ReportTarget {
  const done = (name: string, version: string, ms: number, status: ReportStatus = 'tested') =>
    pkg(name, version, status, { stage: status === 'built' ? 'build' : status === 'published' ? 'publish' : 'test', log: `logs/${subdir}/${name}.log`, attempts: 1, durationMs: ms });
  const packages = [
    done('python', '3.13.1', 2_460_000),
    done('cython', '3.0.11', 312_000),
    done('numpy', '2.1.3', 845_000),
    done('setuptools', '75.6.0', 41_000, 'published'),
    done('pytest', '8.3.4', 52_000),
    done('packaging', '24.2', 18_000, 'built'),
    pkg('requests', '2.32.3', 'excluded', { reason: 'noarch: python (one build serves every python)', exclusion: { kind: 'noarch', blocklist: null } }),
    pkg('six', '1.16.0', 'present', { reason: 'already in the target channel for python 3.13 (six-1.16.0-py313_0)', exclusion: { kind: 'present', blocklist: null } }),
    ...special,
  ].sort((a, b) => (a.name < b.name ? -1 : 1));
  const counts = emptyCounts();
  for (const p of packages) count(counts, p);
  return { subdir, python: '3.13', counts, packages };
}

const blocked = (name: string, version: string, root: string, why: string) =>
  pkg(name, version, 'blocked', { reason: `blocked by ${root} (${why})`, blockedBy: root });

export function fixtureReport(): Report {
  const tensorflow = { reason: 'too-heavy', note: 'needs 64 GB to link', link: 'https://tracker.example.org/buildout/12' };
  const targets = [
    target('linux-64', [
      pkg('scipy', '1.14.1', 'tested', { stage: 'test', log: 'logs/linux-64/scipy.log', attempts: 1, durationMs: 1_930_000 }),
      pkg('scikit-learn', '1.5.2', 'building', { stage: 'build', log: 'logs/linux-64/scikit-learn.log', attempts: 1 }),
      pkg('aiohttp', '3.11.9', 'failed', {
        stage: 'build', class: 'python-breakage', classLine: "ModuleNotFoundError: No module named 'asynchat'",
        reason: 'build.sh exited with 1', log: 'logs/linux-64/aiohttp.log', attempts: 1, durationMs: 95_000,
      }),
      pkg('tensorflow', '2.18.0', 'excluded', { reason: 'blocklisted (too-heavy: needs 64 GB to link)', exclusion: { kind: 'blocklist', blocklist: tensorflow } }),
      blocked('keras', '3.7.0', 'tensorflow', 'blocklisted: too-heavy'),
      blocked('pyobjc-core', '10.3', 'libffi-dev', 'not in the aggregate'),
    ]),
    target('osx-arm64', [
      pkg('scipy', '1.14.1', 'failed', {
        stage: 'build', class: 'compiler-error', classLine: "scipy/special/_ufuncs.c:1204:5: error: call to undeclared function '_PyLong_AsInt'",
        reason: 'build.sh exited with 1', log: 'logs/osx-arm64/scipy.log', attempts: 2, durationMs: 610_000,
      }),
      blocked('scikit-learn', '1.5.2', 'scipy', 'compiler-error'),
      blocked('statsmodels', '0.14.4', 'scipy', 'compiler-error'),
      blocked('seaborn', '0.13.2', 'scipy', 'compiler-error'),
      pkg('aiohttp', '3.11.9', 'waiting', { reason: 'waiting for multidict' }),
      pkg('multidict', '6.1.0', 'test-failed', {
        stage: 'test', class: 'test-failure', classLine: 'FAILED tests/test_multidict.py::test_pickle - TypeError',
        reason: 'test failed: commands[0]: pytest -x tests', log: 'logs/osx-arm64/multidict.log', attempts: 1, durationMs: 27_000,
      }),
    ]),
  ];
  const totals = emptyCounts();
  for (const t of targets) for (const p of t.packages) count(totals, p);
  return {
    version: 1,
    generated: '2026-12-05T06:00:00.000Z',
    running: false,
    run: { id: 3, started: '2026-12-04T08:00:00.000Z', ended: '2026-12-05T06:00:00.000Z', outcome: 'failed' },
    config: {
      python: { from: '3.12', to: '3.13' }, arches: ['linux-64', 'osx-arm64'], reference: 'channels/reference',
      waitingGoal: 3, groups: { core: ['python', 'numpy', 'scipy'], web: ['requests', 'aiohttp'] },
    },
    totals,
    targets,
    missing: [
      { name: 'asynctest', subdir: 'linux-64', version: '0.13.0', status: 'not-in-aggregate', node: null, reason: 'not in the aggregate', class: null, blockedBy: null },
      { name: 'keras', subdir: 'linux-64', version: '3.6.0', status: 'blocked', node: 'keras', reason: 'blocked by tensorflow (blocklisted: too-heavy)', class: null, blockedBy: 'tensorflow' },
    ],
    failures: [],
    publish: { counts: { published: 6, held: 2 }, notPublished: [] },
    blockers: [
      { name: 'scipy', subdir: 'osx-arm64', status: 'failed', blocks: 3 },
      { name: 'libffi-dev', subdir: 'linux-64', status: 'excluded', blocks: 1 },
      { name: 'tensorflow', subdir: 'linux-64', status: 'excluded', blocks: 1 },
    ],
    groups: [
      { name: 'core', packages: ['linux-64', 'osx-arm64'].flatMap((subdir) => ['numpy', 'python', 'scipy'].map((name) => ({ name, subdir, status: (name === 'scipy' && subdir === 'osx-arm64' ? 'failed' : 'tested') as ReportStatus }))) },
      { name: 'web', packages: [
        { name: 'aiohttp', subdir: 'linux-64', status: 'failed' }, { name: 'aiohttp', subdir: 'osx-arm64', status: 'waiting' },
        { name: 'requests', subdir: 'linux-64', status: 'excluded' }, { name: 'requests', subdir: 'osx-arm64', status: 'excluded' },
      ] },
    ],
    history: [
      { time: '2026-12-04T08:00:00.000Z', built: 0, tested: 0, failed: 0, waiting: 22 },
      { time: '2026-12-04T14:00:00.000Z', built: 6, tested: 4, failed: 0, waiting: 16 },
      { time: '2026-12-04T20:00:00.000Z', built: 11, tested: 9, failed: 1, waiting: 10 },
      { time: '2026-12-05T02:00:00.000Z', built: 14, tested: 12, failed: 2, waiting: 7 },
      { time: '2026-12-05T06:00:00.000Z', built: 16, tested: 13, failed: 2, waiting: 7 },
    ],
  };
}

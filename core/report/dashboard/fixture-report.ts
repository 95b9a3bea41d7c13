// A report object of a real-shaped buildout for the dashboard's tests: python 3.12 → 3.13 on linux-64
// and osx-arm64, with built, tested, failed (classified), blocked (by a failure, by a blocklist
// entry, by a package not in the aggregate), excluded, present and missing packages, history, and the
// report's blockers and groups (core/report/types.ts). Logs are relative to the work dir, as in report.json.
import type { DashboardReport } from './dashboard.ts';

type Pkg = DashboardReport['targets'][number]['packages'][number];

function pkg(name: string, version: string, status: string, extra: Partial<Pkg> = {}): Pkg {
  return { name, feedstock: `${name}-feedstock`, version, status, stage: null, reason: null, class: null, blockedBy: null, log: null, durationMs: null, ...extra };
}

function target(subdir: string, special: Pkg[]): DashboardReport['targets'][number] {
  const built = (name: string, version: string, ms: number, status = 'tested') =>
    pkg(name, version, status, { stage: status === 'built' ? 'build' : 'test', log: `logs/${subdir}/${name}.log`, durationMs: ms });
  const packages = [
    built('python', '3.13.1', 2_460_000),
    built('cython', '3.0.11', 312_000),
    built('numpy', '2.1.3', 845_000),
    built('setuptools', '75.6.0', 41_000, 'published'),
    built('pytest', '8.3.4', 52_000),
    built('packaging', '24.2', 18_000, 'built'),
    pkg('requests', '2.32.3', 'excluded', { reason: 'noarch: python' }),
    pkg('six', '1.16.0', 'present', { reason: 'already in the target channel' }),
    ...special,
  ].sort((a, b) => (a.name < b.name ? -1 : 1));
  const counts: Record<string, number> = {};
  for (const p of packages) counts[p.status] = (counts[p.status] ?? 0) + 1;
  return { subdir, python: '3.13', counts, packages };
}

export function fixtureReport(): DashboardReport {
  return {
    generated: '2026-12-05T06:00:00Z',
    config: { python: { from: '3.12', to: '3.13' }, arches: ['linux-64', 'osx-arm64'], waitingGoal: 3, groups: { core: ['python', 'numpy', 'scipy'], web: ['requests', 'aiohttp'] } },
    targets: [
      target('linux-64', [
        pkg('scipy', '1.14.1', 'tested', { stage: 'test', log: 'logs/linux-64/scipy.log', durationMs: 1_930_000 }),
        pkg('scikit-learn', '1.5.2', 'building', { stage: 'build', log: 'logs/linux-64/scikit-learn.log' }),
        pkg('aiohttp', '3.11.9', 'failed', { stage: 'build', class: 'python-breakage', reason: "ModuleNotFoundError: No module named 'asynchat'", log: 'logs/linux-64/aiohttp.log', durationMs: 95_000 }),
        pkg('tensorflow', '2.18.0', 'excluded', { reason: 'blocklist: too-heavy (needs 64 GB to link)' }),
        pkg('keras', '3.7.0', 'blocked', { reason: 'blocked by tensorflow (blocklist: too-heavy)', blockedBy: 'tensorflow' }),
        pkg('pyobjc-core', '10.3', 'blocked', { reason: 'blocked by libffi-dev (not in the aggregate)', blockedBy: 'libffi-dev' }),
      ]),
      target('osx-arm64', [
        pkg('scipy', '1.14.1', 'failed', { stage: 'build', class: 'compiler-error', reason: "scipy/special/_ufuncs.c:1204: error: call to undeclared function '_PyLong_AsInt'", log: 'logs/osx-arm64/scipy.log', durationMs: 610_000 }),
        pkg('scikit-learn', '1.5.2', 'blocked', { reason: 'blocked by scipy (compiler-error)', blockedBy: 'scipy' }),
        pkg('statsmodels', '0.14.4', 'blocked', { reason: 'blocked by scipy (compiler-error)', blockedBy: 'scipy' }),
        pkg('seaborn', '0.13.2', 'blocked', { reason: 'blocked by scipy (compiler-error)', blockedBy: 'scipy' }),
        pkg('aiohttp', '3.11.9', 'waiting', { reason: 'waiting for multidict' }),
        pkg('multidict', '6.1.0', 'testing', { stage: 'test', log: 'logs/osx-arm64/multidict.log' }),
      ]),
    ],
    blockers: [
      { name: 'scipy', subdir: 'osx-arm64', status: 'failed', blocks: 3 },
      { name: 'libffi-dev', subdir: 'linux-64', status: 'not-in-aggregate', blocks: 1 },
      { name: 'tensorflow', subdir: 'linux-64', status: 'excluded', blocks: 1 },
    ],
    groups: [
      { name: 'core', packages: ['linux-64', 'osx-arm64'].flatMap((subdir) => ['numpy', 'python', 'scipy'].map((name) => ({ name, subdir, status: name === 'scipy' && subdir === 'osx-arm64' ? 'failed' : 'tested' }))) },
      { name: 'web', packages: [
        { name: 'aiohttp', subdir: 'linux-64', status: 'failed' }, { name: 'aiohttp', subdir: 'osx-arm64', status: 'waiting' },
        { name: 'requests', subdir: 'linux-64', status: 'excluded' }, { name: 'requests', subdir: 'osx-arm64', status: 'excluded' },
      ] },
    ],
    missing: [
      { name: 'asynctest', version: '0.13.0', subdir: 'linux-64', status: 'not-in-aggregate', reason: 'not in the aggregate' },
      { name: 'tensorflow', version: '2.17.0', subdir: 'osx-arm64', status: 'not-in-aggregate', reason: 'not in the aggregate' },
    ],
    history: [
      { time: '2026-12-04T08:00:00Z', built: 0, tested: 0, failed: 0, waiting: 22 },
      { time: '2026-12-04T14:00:00Z', built: 6, tested: 4, failed: 0, waiting: 16 },
      { time: '2026-12-04T20:00:00Z', built: 11, tested: 9, failed: 1, waiting: 10 },
      { time: '2026-12-05T02:00:00Z', built: 14, tested: 12, failed: 2, waiting: 7 },
      { time: '2026-12-05T06:00:00Z', built: 15, tested: 13, failed: 2, waiting: 7 },
    ],
  };
}

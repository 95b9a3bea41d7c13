// Child process of the report benchmark: writes the state database of a finished buildout of n
// packages × target (n/2 feedstocks on linux-64 and osx-arm64) through the state database's own API —
// built (attempt, artifact, status history planned → waiting → building → built), failed with a
// real-shaped build log of ~200 lines (fixture logs of core/report/fixtures/classes in build noise),
// blocked behind them through chains, excluded of every kind, present — plus a reference channel of
// the old python's builds, then times `rebuild report`'s path: collectReport from the state database
// and the reference channel, and every registered format written. Baseline: `rebuild status`
// (statusReport) on the same database. Prints one JSON line.
// Usage: node --import tsx bench/report-child.ts <packages> <work dir>
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateDb } from '../core/state/state-db.ts';
import { statusReport } from '../core/state/status-report.ts';
import { collectReport } from '../core/report/collect.ts';
import { readReference } from '../core/report/reference.ts';
import { REPORT_WRITERS, reportDir, writeReport } from '../core/report/writers.ts';
import type { TaskStatus } from '../core/model/types.ts';
import { fakeConfig } from '../tests/fixtures/fake-config.ts';
import { seeded } from './measure.ts';

const [nArg, workDir] = process.argv.slice(2);
const n = Number(nArg);
const subdirs = ['linux-64', 'osx-arm64'] as const;
const perArch = Math.ceil(n / subdirs.length);
const rand = seeded(13);
mkdirSync(workDir, { recursive: true });

const CLASSES = join(import.meta.dirname, '../core/report/fixtures/classes');
const failureLogs = readdirSync(CLASSES).filter((f) => f.endsWith('.match.log')).map((f) => readFileSync(join(CLASSES, f), 'utf8'));
const noise = (i: number) =>
  Array.from({ length: 190 }, (_, k) => `[${String(k).padStart(3)}/190] x86_64-conda-linux-gnu-cc -O2 -fPIC -I$PREFIX/include/python3.13 -c src/mod${i}_${k}.c -o build/mod${i}_${k}.o`).join('\n');

// ------------------------------------------------------------ write the state (not timed)
const tState = performance.now();
const db = StateDb.open(workDir);
const runId = db.startRun(['run']);
const kinds: { to: TaskStatus; reason: string }[] = [
  { to: 'excluded', reason: 'blocklisted (not-ready: upstream has no 3.13 support)' },
  { to: 'excluded', reason: 'noarch: python (one build serves every python)' },
  { to: 'present', reason: 'already in /channels/target for python 3.13 (x-1.0-py313_0)' },
  { to: 'excluded', reason: 'superseded by other for linux-64/py3.13: provides x' },
  { to: 'excluded', reason: 'every variant is skipped for linux-64/py3.13' },
];
let failed = 0;
db.db.transaction(() => {
  for (const subdir of subdirs) {
    const logDir = join(workDir, 'logs', subdir);
    mkdirSync(logDir, { recursive: true });
    let lastFailed: string | null = null;
    const names = Array.from({ length: perArch }, (_, i) => `pkg${String(i).padStart(5, '0')}`);
    const rows = db.ensurePackages(names.map((node, i) => ({ key: { node, subdir, python: '3.13' }, info: { feedstock: node, outputs: [node], recipeHash: `h${i}` } })));
    for (let i = 0; i < perArch; i++) {
      const node = names[i];
      const { row } = rows[i];
      const r = rand();
      if (r < 0.07) {
        const k = kinds[i % kinds.length];
        db.setStatus(row.id, runId, k.to, k.reason);
        continue;
      }
      db.setStatus(row.id, runId, 'waiting', null);
      if (r < 0.14 && lastFailed) {
        db.setStatus(row.id, runId, 'blocked', `blocked by ${lastFailed} (failed)`);
        continue;
      }
      const logPath = join(logDir, `${node}.log`);
      const attempt = db.startAttempt(row.id, runId, 1, logPath, `h${i}`);
      if (r < 0.19) {
        writeFileSync(logPath, `${noise(i)}\n${failureLogs[failed++ % failureLogs.length]}`);
        db.endAttempt(attempt, { status: 'failed', failure: 'build', reason: 'build script exited with code 1', durationMs: 60_000 }, { to: 'failed', reason: 'build script exited with code 1', runId });
        lastFailed = node;
        continue;
      }
      writeFileSync(logPath, `${noise(i)}\nbuilt\n`);
      const filename = `${node}-1.${i % 10}.0-py313h${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}_0.conda`;
      db.recordBuilt(attempt, runId, [{ path: join(workDir, 'channel', subdir, filename), filename, sha256: '0'.repeat(64), size: 1000 + i }], 30_000 + i, 'built');
      db.completeAttempt(attempt, runId, rand() < 0.5 ? 'tested' : 'published', null);
    }
  }
})();
db.endRun(runId, 'failed');
db.close();

// The reference channel: every feedstock built for python 3.12, and 2% of names in no recipe.
const reference = join(workDir, 'reference');
for (const subdir of [...subdirs, 'noarch']) {
  const packages: Record<string, unknown> = {};
  if (subdir !== 'noarch')
    for (let i = 0; i < perArch * 1.02; i++) {
      const name = i < perArch ? `pkg${String(i).padStart(5, '0')}` : `gone${i}`;
      packages[`${name}-1.0-py312h1234567_0.tar.bz2`] = { name, version: '1.0', build: 'py312h1234567_0', build_number: 0, depends: ['python >=3.12,<3.13.0a0'], subdir };
    }
  mkdirSync(join(reference, subdir), { recursive: true });
  writeFileSync(join(reference, subdir, 'repodata.json'), JSON.stringify({ info: { subdir }, packages, 'packages.conda': {} }));
}
const stateMs = performance.now() - tState;

// ------------------------------------------------------------ time `rebuild report`
const config = fakeConfig(workDir, [], { arches: [...subdirs], channels: { ...fakeConfig(workDir, []).channels, reference } });

const tStatus = performance.now();
const statusDb = StateDb.open(workDir, { readonly: true });
const status = statusReport(statusDb, workDir, { holder: null });
statusDb.close();
const statusMs = performance.now() - tStatus;

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const { reference: refs } = await readReference(config);
const tRef = performance.now();
const reportDb = StateDb.open(workDir, { readonly: true });
const report = collectReport(reportDb, config, { reference: refs });
reportDb.close();
const tCollect = performance.now();
const formatMs: Record<string, number> = {};
for (const format of Object.keys(REPORT_WRITERS)) {
  const t = performance.now();
  await writeReport(report, { outDir: reportDir(workDir), workDir }, [format]);
  formatMs[format] = performance.now() - t;
}
const reportMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);

process.stdout.write(JSON.stringify({
  packages: report.totals.total, stateMs, statusMs, statusTotal: status.totals.all, reportMs, reportCpuMs: (cpu.user + cpu.system) / 1000,
  referenceMs: tRef - t0, collectMs: tCollect - tRef, formatMs,
  failed: report.totals.failed, blocked: report.totals.blocked, missing: report.missing?.length ?? null, history: report.history.length,
  maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
}) + '\n');

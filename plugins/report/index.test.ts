import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from './index.ts';
import { runBuildout } from '../../core/report/fixtures/buildout.ts';
import { assertValid } from '../../core/report/fixtures/validate.ts';
import { defaultPlugins } from '../defaults.ts';
import { StateDb } from '../../core/state/state-db.ts';
import { collectReport } from '../../core/report/collect.ts';

const plugin = suite('rebuild:report');

plugin('the end of every run writes the report into <workDir>/report/ and says where', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-report-plugin-'));
  try {
    const notices: string[] = [];
    const { config, code } = await runBuildout(dir, { plugins: [report({ notice: (m) => void notices.push(m), formats: ['md', 'json', 'junit'] })] });
    assert.is(code, 1);
    const out = join(config.workDir, 'report');
    assert.equal(notices, [`report written to ${out}/ (report.md, report.json, report.junit.xml)`]);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assertValid(json);
    assert.is(json.running, false);
    assert.is(json.run.outcome, 'failed');
    assert.is(json.generated, json.run.ended);
    assert.is(json.totals.failed, 5);
    assert.ok(existsSync(join(out, 'report.md')));
    // What only the plan knew is in the state now: a failed package's version, the blocklist entry
    // (even once the config no longer has it), the root of a plan-time block.
    const db = StateDb.open(config.workDir, { readonly: true });
    try {
      const later = collectReport(db, { ...config, blocklist: [] });
      const linux = later.targets.find((t) => t.subdir === 'linux-64')!.packages;
      const scipy = linux.find((p) => p.name === 'scipy')!;
      assert.equal([scipy.status, scipy.version], ['failed', '1.0']);
      assert.equal(linux.find((p) => p.name === 'tensorflow')!.exclusion, { kind: 'blocklist', blocklist: { reason: 'too-heavy', note: 'needs 64 GB to link', link: 'https://tracker.example.org/buildout/12' } });
      assert.is(linux.find((p) => p.name === 'keras-cv')!.blockedBy, 'tensorflow');
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

plugin('is one of the default plugins', () => {
  assert.ok(defaultPlugins().some((p) => p.name === 'rebuild:report'));
});

plugin('options are checked', () => {
  assert.throws(() => report({ formats: 'md' } as never), /formats/);
});

plugin.run();

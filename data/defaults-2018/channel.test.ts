import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaults2018Repodata, writeDefaults2018Channel } from './channel.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const data = suite('data/defaults-2018');

data('the repodata carried in the repo holds the records PROVENANCE.md counts', () => {
  const linux = JSON.parse(defaults2018Repodata('linux-64'));
  const noarch = JSON.parse(defaults2018Repodata('noarch'));
  assert.is(Object.keys(linux.packages).length, 5293);
  assert.is(new Set(Object.values<{ name: string }>(linux.packages).map((r) => r.name)).size, 494);
  assert.is(Object.keys(noarch.packages).length, 338);
  assert.is(linux.info.subdir, 'linux-64');
});

data('writeDefaults2018Channel lays the data out as a conda channel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-defaults-2018-'));
  try {
    writeDefaults2018Channel(dir);
    assert.is(readFileSync(join(dir, 'noarch', 'repodata.json'), 'utf8'), defaults2018Repodata('noarch'));
    assert.ok(JSON.parse(readFileSync(join(dir, 'linux-64', 'repodata.json'), 'utf8')).packages);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

data('the repository is self-contained: no tracked file reads data from outside it', () => {
  // A user's clone has no sibling folders: every reader uses ./channel.ts instead.
  const outside = ['..', 'shared'].join('/');
  const self = 'data/defaults-2018/channel.test.ts';
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => /\.(ts|js|md|json|sh)$/.test(f) && f !== self);
  const offenders = files.filter((f) => {
    let text: string;
    try {
      text = readFileSync(join(root, f), 'utf8');
    } catch {
      return false;
    }
    return text.includes(outside) || /'\.\.',\s*'shared'/.test(text);
  });
  assert.equal(offenders, []);
});

data.run();

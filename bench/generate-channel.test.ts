import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateChannel } from './generate-channel.ts';

const gen = suite('generateChannel');

gen('seeded: the same bytes twice; ~1% unsatisfiable, exactly those needing libmissing, and nothing depends on them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gen-channel-'));
  try {
    const a = generateChannel(join(dir, 'a'), 2000, ['linux-64', 'linux-aarch64']);
    const b = generateChannel(join(dir, 'b'), 2000, ['linux-64', 'linux-aarch64']);
    const text = (root: string, subdir: string) => readFileSync(join(root, subdir, 'repodata.json'), 'utf8');
    assert.is(text(a.packages, 'linux-64'), text(b.packages, 'linux-64'));
    const records = Object.values(JSON.parse(text(a.packages, 'linux-aarch64'))['packages.conda']) as { name: string; depends: string[] }[];
    assert.is(records.length, 2000);
    const missing = records.filter((r) => r.depends.includes('libmissing >=2')).map((r) => r.name);
    assert.equal(new Set(missing), a.unsatisfiable);
    assert.ok(missing.length > 5 && missing.length < 50, `${missing.length} unsatisfiable`);
    const dependsOnBroken = records.filter((r) => r.depends.some((d) => a.unsatisfiable.has(d.split(' ')[0])));
    assert.equal(dependsOnBroken, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

gen.run();

// The committed toolchain channel is what make-toolchain.ts writes (same inputs, same bytes).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { TOOLCHAIN, writeToolchain } from './make-toolchain.ts';

function files(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), base) : [relative(base, join(dir, e.name))]);
}

const toolchain = suite('examples/buildout toolchain channel', { dir: '' });
toolchain.before((ctx) => { ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-toolchain-test-')); });
toolchain.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

toolchain('is current: regenerated, every file is byte for byte the committed one', async ({ dir }) => {
  await writeToolchain(dir);
  const made = files(dir).sort();
  assert.equal(files(TOOLCHAIN).filter((f) => !f.endsWith('.ts')).sort(), made, 'run: npx tsx examples/buildout/toolchain/make-toolchain.ts');
  for (const f of made) assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(TOOLCHAIN, f))), `${f} is stale: npx tsx examples/buildout/toolchain/make-toolchain.ts`);
});

toolchain.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildBundle, freshBundle } from './bundle.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/bundle', import.meta.url));

interface Ctx {
  root: string;
  dir: string;
  entry: URL;
}

const bundle = suite<Ctx>('worker bundle');

bundle.before.each((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'rebuild-bundle-'));
  cpSync(FIXTURE, join(ctx.root, 'src'), { recursive: true });
  ctx.dir = join(ctx.root, 'cache');
  ctx.entry = pathToFileURL(join(ctx.root, 'src', 'entry.ts'));
});
bundle.after.each((ctx) => rmSync(ctx.root, { recursive: true, force: true }));

bundle('a bundle loads as its sources do :: same exports, each source its own import.meta.url', async ({ root, dir, entry }) => {
  const path = await buildBundle(entry, { dir, root });
  assert.ok(path, 'built');
  assert.match(path!, /\.mjs$/);
  const fromBundle = await import(pathToFileURL(path!).href);
  const fromSources = await import(entry.href);
  assert.is(fromBundle.answer, 'hello bundle (plain)');
  assert.is(fromBundle.answer, fromSources.answer);
  assert.is(fromBundle.entryUrl, entry.href);
  assert.is(fromBundle.depUrl, pathToFileURL(join(root, 'src', 'dep.ts')).href);
  assert.is(freshBundle(entry, { dir, root }), path);
});

bundle('used while every source reads the same; a changed source makes it stale, built again with the change', async ({ root, dir, entry }) => {
  assert.is(freshBundle(entry, { dir, root }), null, 'none before the first build');
  const first = await buildBundle(entry, { dir, root });
  const dep = join(root, 'src', 'dep.ts');
  // Same size, same mtime second: only the content tells.
  writeFileSync(dep, readFileSync(dep, 'utf8').replace('hello', 'howdy'));
  assert.is(freshBundle(entry, { dir, root }), null, 'stale after dep.ts changed');
  const second = await buildBundle(entry, { dir, root });
  assert.ok(second && second !== first);
  assert.is(freshBundle(entry, { dir, root }), second);
  assert.is((await import(pathToFileURL(second!).href)).answer, 'howdy bundle (plain)');
});

bundle('a bundle made for the package in another place is not used there', async ({ root, dir, entry }) => {
  await buildBundle(entry, { dir, root });
  const moved = mkdtempSync(join(tmpdir(), 'rebuild-bundle-moved-'));
  try {
    cpSync(join(root, 'src'), join(moved, 'src'), { recursive: true });
    assert.is(freshBundle(pathToFileURL(join(moved, 'src', 'entry.ts')), { dir, root: moved }), null);
  } finally {
    rmSync(moved, { recursive: true, force: true });
  }
});

bundle('a source that does not compile gives no bundle (the module then loads as before)', async ({ root, dir, entry }) => {
  writeFileSync(join(root, 'src', 'dep.ts'), 'export const depUrl = ;\n');
  assert.is(await buildBundle(entry, { dir, root }), null);
  assert.is(freshBundle(entry, { dir, root }), null);
});

bundle.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildBundle, buildBundleDetached, freshBundle } from './bundle.ts';
import { manifestPath } from './fresh-bundle.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/bundle', import.meta.url));

interface Ctx {
  root: string;
  dir: string;
  entry: string;
}

const bundle = suite<Ctx>('worker bundle');

bundle.before.each((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'rebuild-bundle-'));
  cpSync(FIXTURE, join(ctx.root, 'src'), { recursive: true });
  ctx.dir = join(ctx.root, 'cache');
  ctx.entry = join(ctx.root, 'src', 'entry.ts');
});
bundle.after.each((ctx) => rmSync(ctx.root, { recursive: true, force: true }));

bundle('a bundle loads as its sources do :: same exports, each source its own import.meta.url', async ({ root, dir, entry }) => {
  const path = await buildBundle(entry, { dir, root });
  assert.ok(path, 'built');
  assert.match(path!, /\.mjs$/);
  const fromBundle = await import(pathToFileURL(path!).href);
  const fromSources = await import(pathToFileURL(entry).href);
  assert.is(fromBundle.answer, 'hello bundle (plain)');
  assert.is(fromBundle.answer, fromSources.answer);
  assert.is(fromBundle.entryUrl, pathToFileURL(entry).href);
  assert.is(fromBundle.depUrl, pathToFileURL(join(root, 'src', 'dep.ts')).href);
  // The lazy import is a chunk of its own, loaded when imported.
  assert.ok(readdirSync(dirname(path!)).some((f) => f.startsWith('chunk-') && f.endsWith('.mjs')));
  assert.is((await fromBundle.lazy()).lazyUrl, pathToFileURL(join(root, 'src', 'lazy.ts')).href);
  assert.is(freshBundle(entry, { dir, root }), path);
});

bundle('used while every source reads the same; a changed source makes it stale, built again with the change', async ({ root, dir, entry }) => {
  assert.is(freshBundle(entry, { dir, root }), null, 'none before the first build');
  const first = await buildBundle(entry, { dir, root });
  const dep = join(root, 'src', 'dep.ts');
  // A file written again with its own bytes (a checkout): still fresh.
  writeFileSync(dep, readFileSync(dep));
  utimesSync(dep, new Date(), new Date(Date.now() + 5000));
  assert.is(freshBundle(entry, { dir, root }), first, 'fresh after dep.ts was rewritten unchanged');
  // Same size, mtime put back: only the content tells.
  const { atime, mtime } = statSync(dep);
  writeFileSync(dep, readFileSync(dep, 'utf8').replace('hello', 'howdy'));
  utimesSync(dep, atime, mtime);
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
    assert.is(freshBundle(join(moved, 'src', 'entry.ts'), { dir, root: moved }), null);
  } finally {
    rmSync(moved, { recursive: true, force: true });
  }
});

bundle('a source that does not compile gives no bundle (the module then loads as before)', async ({ root, dir, entry }) => {
  writeFileSync(join(root, 'src', 'dep.ts'), 'export const depUrl = ;\n');
  assert.is(await buildBundle(entry, { dir, root }), null);
  assert.is(freshBundle(entry, { dir, root }), null);
});

bundle('a process that found none builds it detached, one builder at a time', async ({ root, dir, entry }) => {
  buildBundleDetached(entry, { dir, root });
  // Started again while the first builds: the lock is held, no second builder.
  const lock = `${manifestPath(entry, dir, root)}.lock`;
  assert.ok(existsSync(lock), 'lock taken');
  buildBundleDetached(entry, { dir, root });
  const deadline = Date.now() + 60_000;
  while (!freshBundle(entry, { dir, root }) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(freshBundle(entry, { dir, root }), 'built by the detached process');
  while (existsSync(lock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(existsSync(lock), 'lock released');
  assert.is(readdirSync(dir).filter((f) => !f.startsWith('.') && !f.endsWith('.json')).length, 1, 'one build');
});

bundle.run();

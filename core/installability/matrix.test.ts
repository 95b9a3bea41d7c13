import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { solve, SolveError } from '../conda/solve.ts';
import { assertJunitValid } from '../report/fixtures/validate.ts';
import { installabilityCacheDir } from './cache.ts';
import { buildChannel, referenceChannel, testedChannel, writeChannel } from './fixtures/channels.ts';
import { installabilityMatrix, type InstallabilityOptions, type InstallabilityResult } from './matrix.ts';
import { writeInstallability } from './write.ts';

interface Ctx {
  dir: string;
  opts: InstallabilityOptions;
}

const matrix = suite<Ctx>('installabilityMatrix');

matrix.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'installability-'));
  ctx.opts = {
    python: '3.13', pythonFrom: '3.12', subdirs: ['linux-64', 'linux-aarch64'],
    tested: testedChannel(join(ctx.dir, 'tested')),
    reference: referenceChannel(join(ctx.dir, 'reference')),
    channels: [join(ctx.dir, 'channel'), buildChannel(join(ctx.dir, 'conda-forge'))],
    cacheDir: installabilityCacheDir(join(ctx.dir, 'work')),
    threads: 2,
  };
});
matrix.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const outcomes = (r: InstallabilityResult) => r.cases.map((c) => `${c.subdir} ${c.name}: ${c.outcome.ok ? 'ok' : 'no'} (${c.sources.join('+')})`);

matrix('every package of the tested channel and of the reference list, per arch, noarch included :: ok and not installable', async ({ opts }) => {
  const r = await installabilityMatrix(opts);
  assert.equal(outcomes(r), [
    'linux-64 attrs: ok (tested)',
    'linux-64 numpy: ok (tested+reference)',
    'linux-64 pyyaml: ok (tested)',
    'linux-64 scipy: no (reference)',
    'linux-64 six: ok (reference)',
    'linux-aarch64 attrs: ok (tested)',
    'linux-aarch64 numpy: no (tested+reference)',
    'linux-aarch64 pyyaml: ok (tested)',
    'linux-aarch64 scipy: no (reference)',
    'linux-aarch64 six: ok (reference)',
  ]);
  const numpy = r.cases.find((c) => c.subdir === 'linux-64' && c.name === 'numpy')!;
  assert.equal(numpy.outcome.ok && numpy.outcome.packages, [
    'libopenblas-0.3.28-pthreads_h94d23a6_1', 'libzlib-1.3.1-hb9d3cd8_2', 'numpy-2.1.3-py313h4bf6692_0',
    'openssl-3.4.0-h7b32b05_1', 'python-3.13.1-ha99a958_102_cp313', 'python_abi-3.13-5_cp313',
  ]);
  assert.equal(r.channels, [opts.tested, ...opts.channels], 'the tested channel is solved first');
  assert.equal([r.stats.solves, r.stats.cacheHits], [10, 0]);
});

matrix("an unsatisfiable package carries the solver's message :: a missing dependency on one arch, a package never rebuilt", async ({ opts }) => {
  const r = await installabilityMatrix(opts);
  const message = (subdir: string, name: string) => {
    const c = r.cases.find((x) => x.subdir === subdir && x.name === name)!;
    return c.outcome.ok ? null : c.outcome.message;
  };
  assert.match(message('linux-aarch64', 'numpy')!, /numpy 2\.1\.3 would require\n\s*└─ libopenblas >=0\.3\.28,<1\.0a0, for which no candidates were found/);
  assert.match(message('linux-64', 'scipy')!, /scipy 1\.14\.1 would require[\s\S]*python >=3\.12,<3\.13\.0a0/);
  // The message is rattler's own, as solve() gives it for the same request against the whole channels.
  try {
    await solve(['numpy', 'python 3.13.*'], { channels: [opts.tested!, ...opts.channels], subdir: 'linux-aarch64' });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, SolveError);
    assert.is((err as SolveError).solverMessage, message('linux-aarch64', 'numpy'));
  }
});

matrix('solves against the pruned channels answer as against the whole channels :: every case', async ({ opts }) => {
  const r = await installabilityMatrix({ ...opts, cacheDir: null });
  for (const c of r.cases) {
    const whole = await solve([c.name, 'python 3.13.*'], { channels: r.channels, subdir: c.subdir }).then(
      (records) => ({ ok: true, packages: records.map((x) => `${x.name}-${x.version}-${x.build}`).sort() }),
      (err: SolveError) => ({ ok: false, message: err.solverMessage }),
    );
    assert.equal(c.outcome, whole, `${c.subdir} ${c.name}`);
  }
});

matrix('cache :: a second matrix solves nothing; a changed channel index solves again', async (ctx) => {
  const first = await installabilityMatrix(ctx.opts);
  assert.is(first.stats.solves, 10);
  assert.is(readdirSync(ctx.opts.cacheDir!).filter((f) => f.endsWith('.json')).length, 2, 'one file per subdir and channel state');
  const second = await installabilityMatrix(ctx.opts);
  assert.equal([second.stats.solves, second.stats.cacheHits], [0, 10]);
  assert.ok(second.cases.every((c) => c.cached));
  assert.equal(second.cases.map((c) => c.outcome), first.cases.map((c) => c.outcome));
  // libopenblas lands for linux-aarch64 in the output channel: that subdir is solved again, with the new answer.
  writeChannel(join(ctx.dir, 'channel'), { 'linux-aarch64': [{ name: 'libopenblas', version: '0.3.28', build: 'pthreads_h0_1' }] });
  const third = await installabilityMatrix(ctx.opts);
  assert.equal([third.stats.solves, third.stats.cacheHits], [10, 0], 'the output channel now has linux-aarch64 and noarch indexes: both subdirs are new states');
  assert.ok(third.cases.find((c) => c.subdir === 'linux-aarch64' && c.name === 'numpy')!.outcome.ok);
});

matrix('JUnit and HTML :: one testcase per package × arch, the message on failure, valid JUnit, the same bytes from the cache', async (ctx) => {
  const out = join(ctx.dir, 'out');
  const files = await writeInstallability(await installabilityMatrix(ctx.opts), out);
  assert.equal(files, [join(out, 'installability.junit.xml'), join(out, 'installability.html')]);
  const xml = readFileSync(files[0], 'utf8');
  await assertJunitValid(xml);
  assert.is(xml.match(/<testcase /g)!.length, 10);
  assert.match(xml, /<testsuites name="installability python 3\.13" tests="10" failures="3" errors="0" skipped="0">/);
  assert.match(xml, /<testsuite name="installability linux-aarch64 python 3\.13" tests="5" failures="2"/);
  assert.match(xml, /<testcase name="attrs" classname="installability\.linux-64\.py3\.13"\/>/);
  assert.match(
    xml,
    /<testcase name="numpy" classname="installability\.linux-aarch64\.py3\.13">\n {6}<failure message="Cannot solve the request because of: numpy \* cannot be installed because there are no viable options:" type="not installable">Cannot solve[^<]*libopenblas &gt;=0\.3\.28,&lt;1\.0a0, for which no candidates were found\.<\/failure>\n {4}<\/testcase>/,
  );
  const html = readFileSync(files[1], 'utf8');
  assert.match(html, /<li>linux-64: 4 of 5 installable, <strong>1 not<\/strong><\/li>/);
  assert.match(html, /<tr><th>numpy <span class="src">reference, tested<\/span><\/th><td class="ok">ok <span class="src">\(6 packages\)<\/span><\/td><td class="fail">not installable<pre>Cannot solve [^<]*libopenblas &gt;=0\.3\.28/);
  assert.not.match(html, /<script|src=|href=/, 'self-contained, nothing to load');
  // Same inputs, same bytes: the cached matrix writes the same files.
  const again = join(ctx.dir, 'again');
  await writeInstallability(await installabilityMatrix(ctx.opts), again);
  assert.is(readFileSync(join(again, 'installability.junit.xml'), 'utf8'), xml);
  assert.is(readFileSync(join(again, 'installability.html'), 'utf8'), html);
});

matrix('a solve that did not run (a worker died) is not installable with the reason, and is not cached', async ({ opts }) => {
  let calls = 0;
  const solver = {
    solve: async () => {
      calls++;
      throw new Error('solver thread stopped: exit code 134');
    },
    close: async () => {},
  };
  const r = await installabilityMatrix({ ...opts, subdirs: ['linux-64'], solver });
  assert.is(calls, 5);
  assert.equal(r.cases.map((c) => c.outcome), Array(5).fill({ ok: false, message: 'the solve did not run: solver thread stopped: exit code 134' }));
  const again = await installabilityMatrix({ ...opts, subdirs: ['linux-64'] });
  assert.equal([again.stats.solves, again.stats.cacheHits], [5, 0], 'nothing was cached');
  assert.ok(again.cases.find((c) => c.name === 'numpy')!.outcome.ok);
});

matrix('nothing to check :: no tested channel yet and no reference gives an empty matrix, no solve', async ({ dir, opts }) => {
  const r = await installabilityMatrix({ ...opts, tested: join(dir, 'not-yet'), reference: null });
  assert.equal([r.cases, r.stats.solves], [[], 0]);
});

matrix.run();

// The page's view functions (page/client.js), run in Node: the script registers RebuildDashboard on
// its global and stops before touching the DOM when there is no document.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { fixtureReport } from './fixture-report.ts';

type Api = {
  view(r: unknown): any; blockers(r: unknown, limit?: number): any[]; groups(r: unknown): any[]; tallies(r: unknown): any;
  progress(r: unknown): any; rows(r: unknown): any[]; query(rows: any[], q: Record<string, unknown>): any[];
};

function loadApi(): Api {
  const sandbox: Record<string, unknown> = {};
  runInNewContext(readFileSync(new URL('./page/client.js', import.meta.url), 'utf8'), sandbox);
  const api = sandbox.RebuildDashboard as Record<string, (...args: unknown[]) => unknown>;
  // Results come back as this realm's objects (deep equality compares prototypes).
  const wrap = (f: (...args: unknown[]) => unknown) => (...args: unknown[]) => JSON.parse(JSON.stringify(f(...args)));
  return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, typeof v === 'function' ? wrap(v) : v])) as unknown as Api;
}

const view = suite('dashboard view', { api: loadApi() });

view('tallies: per arch, every status counted once per package, columns in status order', ({ api }) => {
  const t = api.tallies(fixtureReport());
  assert.equal(t.subdirs, ['linux-64', 'osx-arm64']);
  assert.ok(t.columns.indexOf('waiting') < t.columns.indexOf('tested'));
  assert.ok(t.columns.indexOf('tested') < t.columns.indexOf('failed'));
  assert.not.ok(t.columns.includes('missing'), 'missing reference packages are not a target tally');
  const linux = Object.fromEntries(t.columns.map((c: string, i: number) => [c, t.counts[0][i]]));
  assert.equal({ failed: linux.failed, blocked: linux.blocked, excluded: linux.excluded, building: linux.building }, { failed: 1, blocked: 2, excluded: 2, building: 1 });
  assert.is(t.totals.reduce((a: number, b: number) => a + b, 0), 28);
});

view("blockers: the report's, folded per package, most first, with their own status and what they block", ({ api }) => {
  const b = api.blockers(fixtureReport());
  assert.equal(b.map((x: any) => [x.name, x.count]), [['scipy', 3], ['libffi-dev', 1], ['tensorflow', 1]]);
  assert.equal(b[0].statuses, ['failed']);
  assert.equal(b[0].reasons, ['compiler-error']);
  assert.equal(b[0].subdirs, [{ subdir: 'osx-arm64', count: 3 }]);
  assert.equal(b[0].blocked, ['scikit-learn (osx-arm64)', 'seaborn (osx-arm64)', 'statsmodels (osx-arm64)']);
  assert.equal(b[1].statuses, ['missing'], 'a blocker with no row in its arch is not in the aggregate');
  assert.equal(b[1].reasons, ['not in the aggregate']);
  assert.equal(b[2].statuses, ['excluded']);
  assert.equal(b[2].reasons, ['blocklisted (too-heavy: needs 64 GB to link)']);
});

view('blockers: one package blocking on two arches is one entry with both counts; limit applies', ({ api }) => {
  const r = fixtureReport();
  r.blockers.push({ name: 'scipy', subdir: 'linux-64', status: 'tested', blocks: 2 });
  const [top] = api.blockers(r, 1);
  assert.equal(api.blockers(r, 1).length, 1);
  assert.is(top.count, 5);
  assert.equal(top.subdirs, [{ subdir: 'linux-64', count: 2 }, { subdir: 'osx-arm64', count: 3 }]);
});

view('groups: each member per arch; a failure anywhere fails the group, all done is done; unmatched names are missing', ({ api }) => {
  const r = fixtureReport();
  const [core, web] = api.groups(r);
  assert.is(core.name, 'core');
  assert.is(core.state, 'failed');
  assert.is(core.done, 5);
  assert.equal(core.members.find((m: any) => m.name === 'scipy').arches.map((a: any) => a.status), ['tested', 'failed']);
  assert.is(web.state, 'failed');
  r.groups = [{ name: 'core', packages: r.groups[0].packages.filter((p) => p.name !== 'scipy') }];
  r.config.groups = { core: ['python', 'numpy'] };
  assert.is(api.groups(r)[0].state, 'done');
  r.config.groups = { core: ['python', 'numpy', 'numpy-base', 'not-there'] };
  r.targets[0].packages.find((p) => p.name === 'numpy')!.outputs.push('numpy-base');
  const members = api.groups(r)[0].members;
  assert.equal(members.map((m: any) => m.name), ['not-there', 'numpy', 'python'], 'numpy-base is an output of numpy: not listed again');
  assert.equal(members[0].arches.map((a: any) => a.status), ['missing', 'missing']);
  assert.is(api.groups(r)[0].state, 'failed');
});

view('progress: time-ordered points and the waiting goal', ({ api }) => {
  const r = fixtureReport();
  r.history!.reverse();
  const p = api.progress(r);
  assert.is(p.time.length, 5);
  assert.ok(p.time[0] < p.time[4]);
  assert.is(p.waiting[0], 22);
  assert.is(p.goal, 3);
  r.config.waitingGoal = null;
  assert.is(api.progress(r).goal, null);
});

view('query: search words must all match; filters; sort by column either way', ({ api }) => {
  const rows = api.rows(fixtureReport());
  assert.is(rows.length, 29, '28 target rows + 1 missing (not in the aggregate; the blocked one has its row)');
  assert.equal(api.query(rows, { search: 'scipy osx' }).map((x: any) => `${x.name}/${x.subdir}`).sort(),
    ['scikit-learn/osx-arm64', 'scipy/osx-arm64', 'seaborn/osx-arm64', 'statsmodels/osx-arm64']);
  assert.equal(api.query(rows, { status: 'failed' }).map((x: any) => x.name), ['aiohttp', 'scipy']);
  assert.equal(api.query(rows, { status: 'missing' }).map((x: any) => x.name), ['asynctest']);
  assert.equal(api.query(rows, { klass: 'compiler-error' }).map((x: any) => x.subdir), ['osx-arm64']);
  const byDuration = api.query(rows, { sort: 'durationMs', desc: true });
  assert.is(byDuration[0].name, 'python');
  const asc = api.query(rows, { sort: 'name' }).map((x: any) => x.name);
  assert.equal(asc, [...asc].sort());
  const desc = api.query(rows, { sort: 'name', desc: true }).map((x: any) => x.name);
  assert.equal(desc, [...asc].reverse().map((_: string, i: number) => desc[i]));
  assert.is(desc[0], 'tensorflow');
});

view.run();

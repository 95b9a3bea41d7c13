// The environment walks of applyRunExports on dense aggregates (run lists long enough to be read
// through their bitsets): cycles, packages reached by several paths, run lists grown by exports
// after a walk read them, weak and strong exports with and without a host section. Each case is
// checked against the rules written plainly (`reference` below: a breadth-first walk per
// environment over the live requirement arrays, specs added one by one), and the hand-made ones
// against their expected lists too.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RenderedOutput, RenderedRecipe } from '../model/types.ts';
import { seeded } from '../../bench/measure.ts';
import { applyRunExports } from './run-exports.ts';
import { specName } from './finalize-output.ts';
import { output, recipe } from './rendered-fixture.ts';
import { randomAggregate } from './random-aggregate-fixture.ts';

type Exports = RenderedOutput['runExports'];

/** applyRunExports as its rules read, for aggregates whose names each have one rendering. */
function reference(recipes: RenderedRecipe[]): void {
  const byName = new Map<string, RenderedOutput>();
  for (const r of recipes) for (const v of r.variants) if (!v.skip) for (const o of v.outputs) if (!byName.has(o.name)) byName.set(o.name, o);
  const walk = (specs: string[], self: string, ignoreFrom: ReadonlySet<string>): Exports[] => {
    const queue: RenderedOutput[] = [];
    const queued = new Set<RenderedOutput>();
    const visit = (spec: string) => {
      const pkg = byName.get(specName(spec));
      if (pkg && !queued.has(pkg)) {
        queued.add(pkg);
        queue.push(pkg);
      }
    };
    specs.forEach(visit);
    const out: Exports[] = [];
    for (const pkg of queue) {
      if (pkg.name === self) continue;
      if (!ignoreFrom.has(pkg.name)) out.push(pkg.runExports);
      pkg.requirements.run.forEach(visit);
    }
    return out;
  };
  const add = (target: string[], specs: string[], ignore: ReadonlySet<string>) => {
    for (const spec of specs) if (!ignore.has(specName(spec)) && !target.includes(spec)) target.push(spec);
  };
  const none = new Set<string>();
  const applyRecipe = (r: RenderedRecipe) => {
    for (const v of r.variants) {
      if (v.requirements?.host.length) add(v.requirements.host, walk(v.requirements.build, '', none).flatMap((e) => e.strong), none);
      for (const o of v.outputs) {
        const ignore = new Set(o.ignoreRunExports?.names ?? []);
        const ignoreFrom = new Set(o.ignoreRunExports?.from ?? []);
        const req = o.requirements;
        const hasHost = req.host.length > 0;
        const fromBuild = walk(req.build, o.name, ignoreFrom);
        const fromHost = hasHost ? walk(req.host, o.name, ignoreFrom) : [];
        if (o.noarch) {
          add(req.run, (hasHost ? fromHost : fromBuild).flatMap((e) => e.noarch ?? []), ignore);
          continue;
        }
        if (hasHost) add(req.host, fromBuild.flatMap((e) => e.strong), ignore);
        add(req.run, [...fromBuild.flatMap((e) => (hasHost ? e.strong : [...e.strong, ...e.weak])), ...fromHost.flatMap((e) => [...e.strong, ...e.weak])], ignore);
        add(
          req.run_constrained,
          [
            ...fromBuild.flatMap((e) => [...(e.strong_constrains ?? []), ...(hasHost ? [] : (e.weak_constrains ?? []))]),
            ...fromHost.flatMap((e) => [...(e.strong_constrains ?? []), ...(e.weak_constrains ?? [])]),
          ],
          ignore,
        );
      }
    }
  };
  // Dependency order: r reads s when a name of r's specs (top-level build/host, outputs'
  // build/host/run and run_exports) is built by s; r after everything it reaches outside its cycle;
  // a cycle's recipes in the aggregate's order, again until a pass adds nothing.
  const builds = recipes.map((r) => new Set(r.variants.filter((v) => !v.skip).flatMap((v) => v.outputs.map((o) => o.name))));
  const reads = recipes.map((r) => {
    const specs = r.variants.flatMap((v) => [
      ...(v.requirements?.build ?? []),
      ...(v.requirements?.host ?? []),
      ...v.outputs.flatMap((o) => [...o.requirements.build, ...o.requirements.host, ...o.requirements.run, ...Object.values(o.runExports).flatMap((l) => l ?? [])]),
    ]);
    return new Set(specs.map(specName));
  });
  const edges = reads.map((names) => recipes.map((_, s) => s).filter((s) => [...names].some((n) => builds[s].has(n))));
  const reach = recipes.map((_, i) => {
    const seen = new Set<number>();
    const todo = [i];
    while (todo.length)
      for (const s of edges[todo.pop()!])
        if (!seen.has(s)) {
          seen.add(s);
          todo.push(s);
        }
    return seen;
  });
  const done = new Set<number>();
  const size = (rs: number[]) => rs.reduce((n, i) => n + JSON.stringify(recipes[i].variants.map((v) => [v.requirements, v.outputs.map((o) => o.requirements)])).length, 0);
  while (done.size < recipes.length) {
    const r = recipes.findIndex((_, i) => !done.has(i) && [...reach[i]].every((s) => done.has(s) || reach[s].has(i)));
    const members = recipes.map((_, i) => i).filter((i) => i === r || (reach[r].has(i) && reach[i].has(r)));
    if (!reach[r].has(r)) applyRecipe(recipes[r]);
    else for (let before = -1; before !== size(members); ) {
      before = size(members);
      members.forEach((i) => applyRecipe(recipes[i]));
    }
    members.forEach((i) => done.add(i));
  }
}

/** Both applications of the same aggregate give the same bytes; returns the applied one. */
function same(make: () => RenderedRecipe[], label: string): RenderedRecipe[] {
  const applied = make();
  applyRunExports(applied);
  const expected = make();
  reference(expected);
  // Compared array by array, so a difference shows as one requirement list (not the aggregate).
  const lists = (rs: RenderedRecipe[]) =>
    rs.flatMap((r) => r.variants.flatMap((v) => [...(v.requirements ? [[`${r.feedstock} (top level)`, v.requirements] as const] : []), ...v.outputs.map((o) => [o.name, o.requirements] as const)]));
  const got = lists(applied);
  const want = lists(expected);
  assert.is(got.length, want.length, label);
  got.forEach(([name, reqs], i) => assert.equal(reqs, want[i][1], `${label}: ${name}`));
  return applied;
}

/** `n` library names `${prefix}0`… each exporting a weak pin of itself. */
const libs = (prefix: string, n: number, over: (i: number) => Partial<RenderedOutput> = () => ({})) =>
  Array.from({ length: n }, (_, i) => output(`${prefix}${i}`, { runExports: { weak: [`${prefix}${i} >=1.0`], strong: [] }, ...over(i) }));

const runOf = (recipes: RenderedRecipe[], name: string) => recipes.flatMap((r) => r.variants[0].outputs).find((o) => o.name === name)!.requirements.run;

const walks = suite('run_exports walks over long run lists');

walks('a cycle through a long run list: each package once, a package named like the output is not walked through', () => {
  // hub (40 run deps) → ring-a → ring-b → hub: a cycle; app's host reaches all of it.
  const make = () => {
    const wide = libs('w', 40);
    const hub = output('hub', { runExports: { weak: ['hub >=2'], strong: [] } }, { run: [...wide.map((w) => w.name), 'ring-a'] });
    const a = output('ring-a', { runExports: { weak: ['ring-a >=1'], strong: [] } }, { run: ['ring-b'] });
    const b = output('ring-b', { runExports: { weak: ['ring-b >=1'], strong: [] } }, { run: ['hub', 'tail'] });
    const tail = output('tail', { runExports: { weak: ['tail 1.*'], strong: [] } });
    const app = output('app', {}, { host: ['hub'] });
    // ring-a's own host env reaches ring-a again through the cycle: it exports nothing to itself,
    // and what only ring-a leads to (nothing here but ring-b through it) is not reached past it.
    const self = output('ring-a', {}, { host: ['ring-b'] });
    return [recipe('wide', wide), recipe('ring', [a, b]), recipe('tail', [tail]), recipe('hub', [hub]), recipe('app', [app]), recipe('ring-a-user', [self])];
  };
  const applied = same(make, 'cycle');
  const run = runOf(applied, 'app');
  assert.equal(run.slice(0, 2), ['hub >=2', 'w0 >=1.0']);
  assert.equal(run.slice(-3), ['ring-a >=1', 'ring-b >=1', 'tail 1.*'], 'the cycle after the wide list, breadth first; each once');
  assert.is(run.length, 44);
});

walks('the output itself first met inside its own walk (a cycle back to it) is not walked through', () => {
  // The first walk of all: nothing is known before it; mid's run list leads back to `self-ref`.
  const make = () => {
    const me = output('self-ref', { runExports: { weak: ['self-ref >=1'], strong: [] } }, { host: ['mid'], run: ['only-through-me'] });
    const mid = output('mid', { runExports: { weak: ['mid >=1'], strong: [] } }, { run: ['self-ref', 'other'] });
    const other = output('other', { runExports: { weak: ['other >=1'], strong: [] } });
    const hidden = output('only-through-me', { runExports: { weak: ['only-through-me >=1'], strong: [] } });
    return [recipe('self-ref', [me]), recipe('mid', [mid, other, hidden])];
  };
  assert.equal(runOf(same(make, 'self first met in its walk'), 'self-ref'), ['only-through-me', 'mid >=1', 'other >=1']);
});

walks('a package reached by two paths is placed by the first (the shortest, then the earliest)', () => {
  // late is in far's run list (level 2) and at the end of a 40-long chain of long lists (deeper):
  // it comes right after far's level; deep is only reached through the chain.
  const make = () => {
    const wide = libs('w', 40, (i) => ({ requirements: { build: [], host: [], run: i === 39 ? ['deep'] : [], run_constrained: [] } }));
    const hub = output('hub', {}, { run: wide.map((w) => w.name) });
    const far = output('far', { runExports: { weak: ['far >=1'], strong: [] } }, { run: ['late'] });
    const late = output('late', { runExports: { weak: ['late >=1'], strong: [] } }, { run: ['w0'] });
    const deep = output('deep', { runExports: { weak: ['deep >=1'], strong: [] } }, { run: ['late'] });
    const app = output('app', {}, { host: ['hub', 'far'] });
    return [recipe('wide', wide), recipe('hub', [hub]), recipe('far', [far]), recipe('late', [late]), recipe('deep', [deep]), recipe('app', [app])];
  };
  const run = runOf(same(make, 'two paths'), 'app');
  assert.equal(run.slice(0, 3), ['far >=1', 'w0 >=1.0', 'w1 >=1.0']);
  assert.equal(run.slice(-3), ['w39 >=1.0', 'late >=1', 'deep >=1']);
});

walks('a long run list grown by its own exports: every walk through it follows the new entries, whatever the order', () => {
  // mid's own exports add `extra >=1` to its run list (40 libs); user-1 (listed before mid) and
  // user-2 (after) reach extra only through that addition: mid is applied before both.
  const make = () => {
    const wide = libs('w', 40);
    const extra = output('extra', { runExports: { weak: ['extra >=1'], strong: [] } });
    const user1 = output('user-1', {}, { host: ['mid'] });
    const mid = output('mid', { runExports: { weak: ['mid >=1'], strong: [] } }, { host: ['extra'], run: wide.map((w) => w.name) });
    const user2 = output('user-2', {}, { host: ['mid'] });
    return [recipe('wide', wide), recipe('extra', [extra]), recipe('user-1', [user1]), recipe('mid', [mid]), recipe('user-2', [user2])];
  };
  const applied = same(make, 'grown');
  assert.is(runOf(applied, 'user-1').at(-1), 'extra >=1', 'listed before mid, applied after it');
  assert.is(runOf(applied, 'mid').at(-1), 'extra >=1');
  assert.is(runOf(applied, 'user-2').at(-1), 'extra >=1');
});

walks('weak and strong exports: build gives strong to host and run, host gives both; without a host the build gives both', () => {
  const make = () => {
    const wide = libs('w', 40, (i) => ({ runExports: { weak: [`w${i} >=1.0`], strong: i % 10 === 0 ? [`w${i}-rt >=1`] : [], weak_constrains: [`w${i}-tools >=1`], strong_constrains: [`w${i}-abi 1`] } }));
    const cc = output('cc', { runExports: { weak: ['cc-weak'], strong: ['libcc >=13'], strong_constrains: ['cc-abi 13'], weak_constrains: ['cc-tools 13'] } }, { run: wide.map((w) => w.name) });
    const withHost = output('with-host', {}, { build: ['cc'], host: ['w3'] });
    const noHost = output('no-host', {}, { build: ['cc'] });
    const pure = output('pure', { noarch: 'python', runExports: { weak: [], strong: [] } }, { build: ['cc'], host: ['w3'] });
    const ignoring = output('ignoring', { ignoreRunExports: { names: ['libcc', 'w5'], from: ['w7'] } }, { build: ['cc'], host: ['w3', 'w7'] });
    return [recipe('wide', wide), recipe('cc', [cc]), recipe('with-host', [withHost]), recipe('no-host', [noHost]), recipe('pure', [pure]), recipe('ignoring', [ignoring])];
  };
  const applied = same(make, 'weak/strong');
  const out = (name: string) => applied.flatMap((r) => r.variants[0].outputs).find((o) => o.name === name)!.requirements;
  const withHost = out('with-host');
  assert.equal(withHost.host.slice(0, 3), ['w3', 'libcc >=13', 'w0-rt >=1'], 'strong exports of the build env to host');
  assert.not.ok(withHost.run.includes('cc-weak'), 'weak exports of the build env do not reach run when there is a host');
  assert.equal(withHost.run.slice(0, 2), ['libcc >=13', 'w0-rt >=1']);
  assert.ok(withHost.run.includes('w3 >=1.0'));
  assert.equal(withHost.run_constrained.slice(0, 2), ['cc-abi 13', 'w0-abi 1']);
  assert.not.ok(withHost.run_constrained.includes('cc-tools 13'));
  const noHost = out('no-host');
  assert.equal(noHost.run.slice(0, 3), ['libcc >=13', 'cc-weak', 'w0-rt >=1']);
  assert.equal(noHost.run_constrained.slice(0, 3), ['cc-abi 13', 'cc-tools 13', 'w0-abi 1']);
  assert.equal(out('pure').run, [], 'noarch: only noarch exports');
  const ignoring = out('ignoring');
  assert.not.ok(ignoring.run.includes('libcc >=13') || ignoring.run.includes('w5 >=1.0') || ignoring.run.includes('w7 >=1.0'));
  assert.ok(ignoring.run.includes('w3 >=1.0'));
});

walks('more packages than the first bitset holds (2,048): met during a walk, they are walked once and forgotten after it', () => {
  const make = () => {
    const many = libs('l', 2100);
    const hub = output('hub', {}, { run: many.map((l) => l.name) });
    const first = output('first', {}, { host: ['hub'] });
    const second = output('second', {}, { host: ['l2099', 'hub'] });
    return [recipe('many', many), recipe('hub', [hub]), recipe('first', [first]), recipe('second', [second])];
  };
  const applied = same(make, 'many');
  assert.is(runOf(applied, 'first').length, 2100);
  assert.equal(runOf(applied, 'second').slice(0, 2), ['l2099 >=1.0', 'l0 >=1.0']);
  assert.is(runOf(applied, 'second').length, 2100);
});

walks('random dense aggregates (cycles, shared paths, long grown run lists) :: the same as the rules read plainly', () => {
  let longest = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const applied = same(() => randomAggregate(seed), `seed ${seed}`);
    for (const r of applied) for (const o of r.variants[0].outputs) longest = Math.max(longest, o.requirements.run.length);
  }
  assert.ok(longest >= 64, `run lists long enough to be read through bitsets (longest ${longest})`);
});

walks('a dependent listed before its dependency gets what it gets listed after it', () => {
  // app hosts lib; lib hosts zlib and so gets zlib's export in its run list; app reaches it through lib.
  const make = () => [
    recipe('app', [output('app', {}, { host: ['lib'] })]),
    recipe('lib', [output('lib', { runExports: { weak: ['lib >=1.0'], strong: [] } }, { host: ['zlib'] })]),
    recipe('zlib', [output('zlib', { version: '1.3', runExports: { weak: ['zlib >=1.3'], strong: [] } })]),
  ];
  const first = same(make, 'dependent first');
  const last = same(() => make().reverse(), 'dependent last');
  assert.equal(runOf(first, 'app'), ['lib >=1.0', 'zlib >=1.3']);
  assert.equal(runOf(last, 'app'), runOf(first, 'app'));
  assert.equal(runOf(last, 'lib'), runOf(first, 'lib'));
});

walks('random dense aggregates :: applying twice adds nothing (idempotent)', () => {
  const lists = (rs: RenderedRecipe[]) => rs.map((r) => JSON.stringify(r.variants.map((v) => [v.requirements, v.outputs.map((o) => o.requirements)])));
  for (let seed = 1; seed <= 20; seed++) {
    const once = randomAggregate(seed);
    applyRunExports(once);
    const twice = randomAggregate(seed);
    applyRunExports(twice);
    applyRunExports(twice);
    assert.equal(lists(twice), lists(once), `seed ${seed}: applied twice`);
  }
});

walks.run();

// run_exports between packages built in the same aggregate, as conda-build's add_upstream_pins
// applies them when it finalises a package:
//   - strong exports of the build environment → host (when the recipe has a host section) and run;
//   - weak and strong exports of the host environment → run (weak_constrains/strong_constrains → run_constrained);
//   - without a host section, the build environment is the host: its weak exports count too;
//   - noarch outputs only take the host environment's `noarch:` exports;
//   - the top-level build environment of a multi-output recipe takes its build's strong exports
//     into its host (it has no run section).
// An environment holds its direct requirements plus, transitively, their run requirements (what
// conda installs). Only packages rendered in the same aggregate and target are known here; the
// exports of channel packages are the builder's business. Specs are added once (exact text).
//
// Only the package that would be installed exports: when several renderings build a name (python-,
// python-3.10- and python-3.11-feedstock all build python), a spec takes the first rendering whose
// version satisfies the spec and, for the dependent's own build/host specs, its variant value for
// that name (python: always the target's); when none does, the package comes from a channel and
// nothing is exported from the aggregate (a 3.14 python's `python_abi 3.14.*` never reaches a 3.11
// build). Run requirements pulled in transitively carry their own pins and resolve by the spec.
import { targetKey, type RenderedOutput, type RenderedRecipe, type Target } from '../model/types.ts';
import { tryParseMatchSpec, versionMatches } from '../conda/match-spec.ts';
import { specName } from './finalize-output.ts';
import { componentsOf } from '../graph/scc.ts';
import { NameTable } from './name-table.ts';

/**
 * The export lists a walk's packages give each requirement array (see `Adder`), as the numbers of
 * their specs (`Environments.specNumber`): strong; strong then weak; strong_constrains;
 * strong_constrains then weak_constrains; noarch.
 */
type Exported = RenderedOutput['runExports'];
const STRONG = 0;
const STRONG_WEAK = 1;
const STRONG_CONSTRAINS = 2;
const ALL_CONSTRAINS = 3;
const NOARCH = 4;
const LISTS = 5;
type ListKind = typeof STRONG | typeof STRONG_WEAK | typeof STRONG_CONSTRAINS | typeof ALL_CONSTRAINS | typeof NOARCH;

/** The outputs of one target by package name (every non-skipped variant's, in recipe order). */
export interface OutputsByName {
  get(name: string): RenderedOutput[] | undefined;
}

/** Index of the outputs of one target (every non-skipped variant's, in recipe order), by package name. */
function indexOutputs(recipes: RenderedRecipe[]): Map<string, RenderedOutput[]> {
  const byName = new Map<string, RenderedOutput[]>();
  for (const r of recipes)
    for (const v of r.variants) {
      if (v.skip) continue;
      for (const o of v.outputs) {
        const list = byName.get(o.name);
        if (!list) byName.set(o.name, [o]);
        else if (!list.includes(o)) list.push(o);
      }
    }
  return byName;
}

/** Does a version satisfy a spec's version (or a variant value, as conda-build pins it: `3.11` or `3.11.*`)? Unreadable counts as yes. */
function fits(spec: string, version: string, variantValue = false): boolean {
  try {
    return versionMatches(spec, version) || (variantValue && versionMatches(`${spec}.*`, version));
  } catch {
    return true;
  }
}

/** What the walks know of one spec text: its name, the index's candidates, its resolutions. */
interface SpecEntry {
  name: string;
  candidates: RenderedOutput[] | undefined;
  /** The name with `_` for `-`, when different (variant keys spell names either way). */
  variantKey: string | undefined;
  /** The spec's version constraint (null: none or unreadable), parsed on first resolution. */
  version: string | null | undefined;
  /** Resolved without a variant value, and per variant value. */
  plain: number | undefined;
  byValue: Map<string, number> | undefined;
}

/**
 * The packages of one target's index as small integers, with the ids of their run requirements,
 * for the environment walks: every output walks its build and host environments, so the walk is
 * made of array reads. A spec resolves to a package (a rendered output) or to nothing (a channel
 * package), once per spec text and variant value of its name. Run requirements are read as they
 * are at the walk (in dependency order, those of the packages reached already have their own
 * exports; within a cycle, a later pass reads what earlier ones added): `added` mirrors every spec
 * added to an indexed output.
 */
class Environments {
  private readonly ids = new Map<RenderedOutput, number>();
  private readonly pkgs: RenderedOutput[] = [];
  /** Per package id: the ids of its run requirements (made on first use). */
  private readonly runIds: (number[] | undefined)[] = [];
  /** Per spec text: its name, candidates and resolutions (one lookup per spec in the walks). */
  private readonly specs = new Map<string, SpecEntry>();
  /**
   * Per package id with a long run list: the same ids as a bitset (bit d of word d >> 5), so a walk
   * learns with a few word operations whether the list names a package it has not queued yet.
   */
  private readonly runBits: (Int32Array | undefined)[] = [];
  /** The ids whose run requirements are read from each array (to mirror what is added to it). */
  private readonly readers = new Map<string[], number[]>();
  /** The walk's queued packages, as a bitset (cleared after each walk, by its queue). */
  private seen: Int32Array = new Int32Array(64);
  /** Per package id: the last run list that named it (to list each package once). */
  private readonly mark: number[] = [];
  private marks = 0;
  /** Per package id: does it export anything (the walks list only those)? */
  private readonly exporting: boolean[] = [];
  /** Per package id: the number of its name (the walks compare numbers). */
  private readonly nameNumber: number[] = [];
  private readonly nameNumbers = new Map<string, number>();
  /**
   * The export lists of the exporting packages, one after the other in `lists`: list `k` of
   * package `id` is lists[listStart[id * LISTS + k] .. listStart[id * LISTS + k + 1]).
   */
  lists: Int32Array = new Int32Array(1024);
  listStart: Int32Array = new Int32Array(1024);
  private listsEnd = 0;
  /** Per spec text: its number (the adder marks spec numbers); per number: the text. */
  private readonly specNumbers = new Map<string, number>();
  readonly specTexts: string[] = [];
  /** Per spec number: 2 + what `specIdOfNumber` gives (0: not known yet). */
  private idByNumber: Int32Array = new Int32Array(256);
  /** The variant of the output whose environment is walked, and the target python. */
  private variant: Record<string, string> = {};

  constructor(
    private readonly index: OutputsByName,
    private readonly python: string,
  ) {}

  private entry(spec: string): SpecEntry {
    let e = this.specs.get(spec);
    if (!e) {
      const name = specName(spec);
      const candidates = this.index.get(name);
      const variantKey = name.replace(/-/g, '_');
      e = { name, candidates, variantKey: variantKey === name ? undefined : variantKey, version: undefined, plain: undefined, byValue: undefined };
      this.specs.set(spec, e);
    }
    return e;
  }

  /** The number of a spec text (the same for the same text). */
  specNumber(spec: string): number {
    let n = this.specNumbers.get(spec);
    if (n === undefined) {
      this.specNumbers.set(spec, (n = this.specTexts.length));
      this.specTexts.push(spec);
    }
    return n;
  }

  /** Lay out the export lists of package `id` (see `lists`). */
  private addLists(id: number, e: Exported): void {
    const kinds: (readonly string[] | undefined)[][] = [[e.strong], [e.strong, e.weak], [e.strong_constrains], [e.strong_constrains, e.weak_constrains], [e.noarch]];
    let size = 0;
    for (const parts of kinds) for (const part of parts) size += part?.length ?? 0;
    if (this.listsEnd + size > this.lists.length) this.lists = grownTo(this.lists, this.listsEnd + size);
    if ((id + 1) * LISTS + 1 > this.listStart.length) this.listStart = grownTo(this.listStart, (id + 1) * LISTS + 1);
    let end = this.listsEnd;
    kinds.forEach((parts, k) => {
      this.listStart[id * LISTS + k] = end;
      for (const part of parts) if (part) for (const spec of part) this.lists[end++] = this.specNumber(spec);
    });
    this.listStart[id * LISTS + LISTS] = end;
    this.listsEnd = end;
  }

  /** The number of a package name (the same for the same name, whether a package has it yet or not). */
  private nameNumberOf(name: string): number {
    let n = this.nameNumbers.get(name);
    if (n === undefined) this.nameNumbers.set(name, (n = this.nameNumbers.size));
    return n;
  }

  nameOfSpec(spec: string): string {
    return this.entry(spec).name;
  }

  /**
   * The package a spec installs, or -1 (from a channel). Direct build/host specs are pinned by the
   * dependent's variant (`withVariant`); run requirements of packages already carry their pins, and
   * resolve by the spec alone (python: the target's), so their resolution is shared by every walk.
   */
  specId(spec: string, withVariant = false): number {
    const e = this.entry(spec);
    if (!e.candidates) return -1;
    const own = withVariant ? (this.variant[e.name] ?? (e.variantKey === undefined ? undefined : this.variant[e.variantKey])) : undefined;
    const value = own ?? (e.name === 'python' ? this.python : undefined);
    let id = value === undefined ? e.plain : e.byValue?.get(value);
    if (id === undefined) {
      if (e.version === undefined) e.version = tryParseMatchSpec(spec)?.version ?? null;
      const version = e.version;
      const pkg = e.candidates.find((c) => (version === null || fits(version, c.version)) && (value === undefined || fits(value, c.version, true)));
      id = pkg ? this.idOf(pkg) : -1;
      if (value === undefined) e.plain = id;
      else (e.byValue ??= new Map()).set(value, id);
    }
    return id;
  }

  private idOf(pkg: RenderedOutput): number {
    let id = this.ids.get(pkg);
    if (id === undefined) {
      this.ids.set(pkg, (id = this.pkgs.length));
      this.pkgs.push(pkg);
      this.runIds.push(undefined);
      this.runBits.push(undefined);
      if (id >> 5 >= this.seen.length) this.seen = grown(this.seen, id);
      this.mark.push(0);
      const e = pkg.runExports;
      const some = e.strong.length + e.weak.length + (e.strong_constrains?.length ?? 0) + (e.weak_constrains?.length ?? 0) + (e.noarch?.length ?? 0) > 0;
      this.exporting.push(some);
      this.nameNumber.push(this.nameNumberOf(pkg.name));
      if (some) this.addLists(id, e);
    }
    return id;
  }

  /**
   * The packages a package's run requirements install, each once, in the order of their first spec
   * (channel packages left out): a walk reaches a package through its first mention only, so the
   * later ones and the channel's change nothing — and run lists grown by exports repeat packages.
   */
  private runOf(id: number): number[] {
    let run = this.runIds[id];
    if (!run) {
      const specs = this.pkgs[id].requirements.run;
      const mark = ++this.marks;
      this.runIds[id] = run = [];
      for (const dep of specs) {
        const d = this.specId(dep);
        if (d >= 0 && this.mark[d] !== mark) {
          this.mark[d] = mark;
          run.push(d);
        }
      }
      if (run.length >= BITS_MIN) {
        this.runBits[id] = bitsOf(run);
      }
      const readers = this.readers.get(specs);
      if (readers) readers.push(id);
      else this.readers.set(specs, [id]);
    }
    return run;
  }

  /** `spec` was added to the run requirements array `specs`. */
  added(specs: string[], spec: string): void {
    const readers = this.readers.get(specs);
    if (readers) this.addedTo(readers, this.specId(spec));
  }

  /** The ids whose run requirements are read from `specs` (see `added`), if any. */
  readersOf(specs: string[]): number[] | undefined {
    return this.readers.get(specs);
  }

  /** The package spec number `n` resolves to as a run requirement (`specId(text)`, kept by number). */
  specIdOfNumber(n: number): number {
    if (n >= this.idByNumber.length) this.idByNumber = grownTo(this.idByNumber, n + 1);
    let id = this.idByNumber[n] - 2;
    if (id === -2) this.idByNumber[n] = (id = this.specId(this.specTexts[n])) + 2;
    return id;
  }

  /** Package `d` (or -1: none) was added to the run requirements the `readers` read. */
  addedTo(readers: readonly number[], d: number): void {
    if (d < 0) return;
    for (const id of readers) {
      const run = this.runIds[id]!;
      const bits = this.runBits[id];
      if (bits ? hasBit(bits, d) : run.includes(d)) continue;
      run.push(d);
      if (bits) this.runBits[id] = withBit(bits, d);
      else if (run.length >= BITS_MIN) this.runBits[id] = bitsOf(run);
    }
  }

  /** Walk the environments of an output of this variant next. */
  use(variant: Record<string, string>): void {
    this.variant = variant;
  }

  /** The ids of the exporting packages of the environment made from `specs` (transitively through run requirements), breadth first (their exports: `lists`). */
  exports(specs: string[], self: string, ignoreFrom: ReadonlySet<string>): number[] {
    // A package is marked when queued: it is visited at its first mention, as with a mark when
    // visited, but each package is queued once (queues held every edge of the environment).
    const queue: number[] = [];
    for (const spec of specs) {
      const id = this.specId(spec, true);
      const seen = this.seen;
      if (id >= 0 && !(seen[id >> 5] & (1 << (id & 31)))) {
        seen[id >> 5] |= 1 << (id & 31);
        queue.push(id);
      }
    }
    const out: number[] = [];
    // The hottest loop of applying run_exports (1,300 real-size recipes: 1.5 M packages visited
    // whose run lists hold 247 M entries, nearly all already queued). A long run list is read only
    // when its bitset has packages not yet queued, and only until the last of them: the queue (the
    // order of the exports) is the one a read of every entry makes.
    const { pkgs, runIds, runBits, exporting, nameNumber } = this;
    // A package named `self` is queued (found) but not walked through.
    const selfName = this.nameNumberOf(self);
    // (Re-read when a run list is first made: new packages may grow it.)
    let seen = this.seen;
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i];
      if (nameNumber[id] === selfName) continue;
      if (exporting[id] && (!ignoreFrom.size || !ignoreFrom.has(pkgs[id].name))) out.push(id);
      let run = runIds[id];
      if (run === undefined) {
        run = this.runOf(id);
        seen = this.seen;
      }
      const bits = runBits[id];
      let fresh = run.length;
      if (bits !== undefined && bits.length < run.length) {
        fresh = 0;
        for (let k = 0; k < bits.length; k++) {
          const w = bits[k] & ~seen[k];
          if (w !== 0) fresh += popcount(w);
        }
      }
      for (let j = 0; fresh > 0 && j < run.length; j++) {
        const dep = run[j];
        if (!(seen[dep >> 5] & (1 << (dep & 31)))) {
          seen[dep >> 5] |= 1 << (dep & 31);
          queue.push(dep);
          fresh--;
        }
      }
    }
    for (const id of queue) seen[id >> 5] = 0;
    return out;
  }
}

/** Run lists from this length on get a bitset (shorter ones are read entry by entry). */
const BITS_MIN = 32;

/** `bits` with room for bit `d` (a copy when it has none). */
function grown(bits: Int32Array, d: number): Int32Array {
  const more: Int32Array = new Int32Array(Math.max((d >> 5) + 1, bits.length * 2));
  more.set(bits);
  return more;
}

/** The bitset of ids `ids`. */
function bitsOf(ids: readonly number[]): Int32Array {
  let max = 0;
  for (const d of ids) if (d > max) max = d;
  const bits: Int32Array = new Int32Array((max >> 5) + 1);
  for (const d of ids) bits[d >> 5] |= 1 << (d & 31);
  return bits;
}

function hasBit(bits: Int32Array, d: number): boolean {
  return d >> 5 < bits.length && (bits[d >> 5] & (1 << (d & 31))) !== 0;
}

/** `bits` with bit `d` set (grown when needed: the caller keeps the result). */
function withBit(bits: Int32Array, d: number): Int32Array {
  if (d >> 5 >= bits.length) {
    const more: Int32Array = new Int32Array((d >> 5) + 1);
    more.set(bits);
    bits = more;
  }
  bits[d >> 5] |= 1 << (d & 31);
  return bits;
}

/** A copy of `a` with room for `size` entries at least. */
function grownTo(a: Int32Array, size: number): Int32Array {
  const more: Int32Array = new Int32Array(Math.max(size, a.length * 2));
  more.set(a);
  return more;
}

/** The number of bits set in a 32-bit word. */
function popcount(w: number): number {
  w -= (w >>> 1) & 0x55555555;
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Adds specs to a requirement array, each once: those not yet in it nor ignored, in the order
 * given. The exports of a walk are added list by list as they come (no list of them all first):
 * `to` starts on an array, `add` adds one export list to it.
 */
class Adder {
  /** Per spec number: the stamp of the array it is (or was found ignored) in. */
  private marks: Int32Array = new Int32Array(256);
  private stamp = 0;
  private target: string[] = [];
  private ignore: ReadonlySet<string> = NONE;
  /** The packages whose run requirements are `target` (their walks' lists get what is added). */
  private readers: number[] | undefined;

  constructor(private readonly env: Environments) {}

  to(target: string[], ignore: ReadonlySet<string>): void {
    const stamp = ++this.stamp;
    for (let i = 0; i < target.length; i++) this.mark(this.env.specNumber(target[i]), stamp);
    this.target = target;
    this.ignore = ignore;
    this.readers = this.env.readersOf(target);
  }

  private mark(n: number, stamp: number): void {
    if (n >= this.marks.length) {
      const more: Int32Array = new Int32Array(Math.max(n + 1, this.marks.length * 2));
      more.set(this.marks);
      this.marks = more;
    }
    this.marks[n] = stamp;
  }

  /** Add list `kind` of each package of `ids` (a walk's exporting packages), in order. */
  add(ids: readonly number[], kind: ListKind): void {
    const { stamp, target, ignore, env, readers } = this;
    const { lists, listStart, specTexts } = env;
    for (let i = 0; i < ids.length; i++) {
      const at = ids[i] * LISTS + kind;
      for (let k = listStart[at], end = listStart[at + 1]; k < end; k++) {
        const n = lists[k];
        if (n < this.marks.length && this.marks[n] === stamp) continue;
        this.mark(n, stamp);
        const spec = specTexts[n];
        if (ignore.size && ignore.has(env.nameOfSpec(spec))) continue;
        target.push(spec);
        if (readers) env.addedTo(readers, env.specIdOfNumber(n));
      }
    }
  }
}

/** Apply the exports of the environments of `r`'s outputs (and top-level build) to `r`'s own requirements. */
function applyToRecipe(r: RenderedRecipe, env: Environments, adder: Adder): void {
  for (const v of r.variants) {
    env.use(v.variant);
    // The top-level build environment of a multi-output recipe (no package of its own): strong
    // exports of its build go to its host, as for an output; nothing goes to a run section.
    const top = v.requirements;
    if (top?.host.length) {
      const fromBuild = env.exports(top.build, '', NONE);
      adder.to(top.host, NONE);
      adder.add(fromBuild, STRONG);
    }
    for (const o of v.outputs) {
      const ignore = o.ignoreRunExports ? new Set(o.ignoreRunExports.names) : NONE;
      const ignoreFrom = o.ignoreRunExports ? new Set(o.ignoreRunExports.from) : NONE;
      const req = o.requirements;
      const hasHost = req.host.length > 0;
      const fromBuild = env.exports(req.build, o.name, ignoreFrom);
      const fromHost = hasHost ? env.exports(req.host, o.name, ignoreFrom) : [];
      if (o.noarch) {
        adder.to(req.run, ignore);
        adder.add(hasHost ? fromHost : fromBuild, NOARCH);
        continue;
      }
      // Host, then run, then run_constrained, each in the order of the walks (build, then host).
      if (hasHost) {
        adder.to(req.host, ignore);
        adder.add(fromBuild, STRONG);
        adder.to(req.run, ignore);
        adder.add(fromBuild, STRONG);
        adder.add(fromHost, STRONG_WEAK);
        adder.to(req.run_constrained, ignore);
        adder.add(fromBuild, STRONG_CONSTRAINS);
        adder.add(fromHost, ALL_CONSTRAINS);
      } else {
        adder.to(req.run, ignore);
        adder.add(fromBuild, STRONG_WEAK);
        adder.to(req.run_constrained, ignore);
        adder.add(fromBuild, ALL_CONSTRAINS);
      }
    }
  }
}

/**
 * The requirement arrays of a recipe that its exports may grow, in a fixed order: per variant its
 * top-level host, then per output host, run and run_constrained. An array met twice (shared by two
 * outputs) is listed once.
 */
export function exportTargets(r: RenderedRecipe): string[][] {
  const out: string[][] = [];
  const seen = new Set<string[]>();
  for (const v of r.variants) {
    addTarget(out, seen, v.requirements?.host);
    for (const o of v.outputs) {
      addTarget(out, seen, o.requirements.host);
      addTarget(out, seen, o.requirements.run);
      addTarget(out, seen, o.requirements.run_constrained);
    }
  }
  return out;
}

/** exportTargets' step (not a closure per call: the bundle's keepNames names each one it makes). */
function addTarget(out: string[][], seen: Set<string[]>, a: string[] | undefined): void {
  if (a && !seen.has(a)) {
    seen.add(a);
    out.push(a);
  }
}

/** What applying the exports appended to each of a recipe's exportTargets, in order. */
export type ExportAdditions = string[][];

/**
 * A replay of an earlier application (run-exports-memo.ts): for a recipe, the additions known to be
 * what its walk would add (they are appended as the walk would, without walking), or undefined to
 * walk; `walked` is told what a walk added. A recipe is asked only when nothing it may read (the
 * recipes it reaches in the order, `applicationOrder`) differs from last time: a walked recipe
 * differs unless `walked` says it is the same (true: what the others' walks read of it, its
 * interface and additions, is last time's), and so does every recipe reaching one that differs.
 */
export interface RunExportsReplay {
  additions(r: RenderedRecipe): ExportAdditions | undefined;
  walked(r: RenderedRecipe, added: ExportAdditions): boolean | void;
  /** The outputs by name, when known without reading every recipe's variants (default: all read). */
  index?: OutputsByName;
  /**
   * Run `append` (the replayed additions) when `r`'s variants are first read, if they are not yet
   * (true): a recipe nothing reads before is not read for its replay. Its arrays have no reader in
   * the walks until then, and a walk that reads it after its turn gets it with its additions.
   */
  defer?(r: RenderedRecipe, append: () => void): boolean;
  /**
   * Instead of `additions` then `defer`, for a recipe whose variants are not read yet: the replay
   * appends its additions itself through `append` (the same function for every recipe of an
   * application) when they are read (true), so nothing is decoded or allocated for a recipe never
   * read; false: ask `additions`.
   */
  replayLater?(r: RenderedRecipe, append: (r: RenderedRecipe, stored: ExportAdditions) => void): boolean;
  /**
   * Would `additions(r)` give last time's additions now (without asking)? When it would for every
   * recipe, they are replayed in the aggregate's order without working out the dependency order.
   */
  replays?(r: RenderedRecipe): boolean;
  /** What the order reads of a target's recipes (`OrderInput`), when known without reading their variants. */
  orderInput?(group: RenderedRecipe[]): OrderInput | undefined;
  /** The application order of a target's recipes when known already (the same OrderInput as last time). */
  knownOrder?(group: RenderedRecipe[]): Order | undefined;
  /** Told the order worked out for a target's recipes (to keep it). */
  madeOrder?(group: RenderedRecipe[], order: Order): void;
}

/** What the application order reads of a recipe (see `applicationOrder`), each name once, in first-seen order. */
export interface OrderNames {
  /** The names its non-skipped outputs build. */
  outputs: readonly string[];
  /**
   * The names of its specs: every variant's top-level build and host, each output's build, host
   * and run, and its run_exports (what they add leads the dependents' walks on).
   */
  specs: readonly string[];
}

/** The names of the specs of an array. */
function addNames(into: Set<string>, specs: readonly string[] | undefined): void {
  if (specs) for (const spec of specs) into.add(specName(spec));
}

/** A rendering's OrderNames (read before its exports are added: the order is worked out first). */
export function orderNames(r: RenderedRecipe): OrderNames {
  const outputs = new Set<string>();
  const specs = new Set<string>();
  for (const v of r.variants) {
    addNames(specs, v.requirements?.build);
    addNames(specs, v.requirements?.host);
    for (const o of v.outputs) {
      if (!v.skip) outputs.add(o.name);
      const req = o.requirements;
      addNames(specs, req.build);
      addNames(specs, req.host);
      addNames(specs, req.run);
      const e = o.runExports;
      addNames(specs, e.strong);
      addNames(specs, e.weak);
      addNames(specs, e.strong_constrains);
      addNames(specs, e.weak_constrains);
      addNames(specs, e.noarch);
    }
  }
  return { outputs: [...outputs], specs: [...specs] };
}

/**
 * What the application order reads of a target's recipes 0..n-1 (each one's OrderNames), in numbers:
 * `names` holds every name once; recipe i builds names[outIds[outStarts[i] .. outStarts[i+1])] and
 * its specs name names[specIds[specStarts[i] .. specStarts[i+1])].
 */
export interface OrderInput {
  names: readonly string[];
  outStarts: Uint32Array;
  outIds: Uint32Array;
  specStarts: Uint32Array;
  specIds: Uint32Array;
}

/** An OrderInput made recipe by recipe; names numbered as first met, after those of `names`. */
export class OrderInputBuilder {
  private readonly table: NameTable;
  private readonly outStarts = [0];
  private readonly outIds: number[] = [];
  private readonly specStarts = [0];
  private readonly specIds: number[] = [];

  constructor(names: readonly string[] = []) {
    this.table = new NameTable(names);
  }

  /** The next recipe, from its names. */
  add(names: OrderNames): void {
    for (const name of names.outputs) this.outIds.push(this.table.id(name));
    for (const name of names.specs) this.specIds.push(this.table.id(name));
    this.outStarts.push(this.outIds.length);
    this.specStarts.push(this.specIds.length);
  }

  /** The next recipe, as recipe i of `from` (whose names are the first of this builder's). */
  copy(from: OrderInput, i: number): void {
    for (let k = from.outStarts[i]; k < from.outStarts[i + 1]; k++) this.outIds.push(from.outIds[k]);
    for (let k = from.specStarts[i]; k < from.specStarts[i + 1]; k++) this.specIds.push(from.specIds[k]);
    this.outStarts.push(this.outIds.length);
    this.specStarts.push(this.specIds.length);
  }

  done(): OrderInput {
    return {
      names: this.table.names,
      outStarts: Uint32Array.from(this.outStarts),
      outIds: Uint32Array.from(this.outIds),
      specStarts: Uint32Array.from(this.specStarts),
      specIds: Uint32Array.from(this.specIds),
    };
  }
}

/** The OrderInput of renderings, read from them. */
function orderInputOf(group: RenderedRecipe[]): OrderInput {
  const builder = new OrderInputBuilder();
  for (const r of group) builder.add(orderNames(r));
  return builder.done();
}

/** buildersOf per OrderInput (an OrderInput is not changed once made: its order and index share them). */
const buildersMade = new WeakMap<OrderInput, { starts: Uint32Array; list: Uint32Array }>();

/** Per name number, the recipes building it in ascending order: list[starts[id] .. starts[id+1]). */
export function buildersOf(input: OrderInput): { starts: Uint32Array; list: Uint32Array } {
  let made = buildersMade.get(input);
  if (!made) buildersMade.set(input, (made = makeBuilders(input)));
  return made;
}

function makeBuilders(input: OrderInput): { starts: Uint32Array; list: Uint32Array } {
  const n = input.outStarts.length - 1;
  const starts = new Uint32Array(input.names.length + 1);
  for (const id of input.outIds) starts[id + 1]++;
  for (let id = 0; id < input.names.length; id++) starts[id + 1] += starts[id];
  const at = starts.slice(0, input.names.length);
  const list = new Uint32Array(input.outIds.length);
  for (let i = 0; i < n; i++) for (let k = input.outStarts[i]; k < input.outStarts[i + 1]; k++) list[at[input.outIds[k]]++] = i;
  return { starts, list };
}

/**
 * The application order of a target's recipes and the edges it was made from, in numbers (kept by
 * the run-exports memo): component c is recipes members[compStarts[c] .. compStarts[c+1]) in the
 * aggregate's order, cyclic when cyclic[c] is 1; recipe i may read the recipes
 * succ[starts[i] .. starts[i+1]).
 */
export interface Order {
  compStarts: Uint32Array;
  members: Uint32Array;
  cyclic: Uint8Array;
  starts: Uint32Array;
  succ: Uint32Array;
}

/** An order of components without its edges (nothing to tell what a recipe reads). */
type Components = Pick<Order, 'compStarts' | 'members' | 'cyclic'> & { starts: null; succ: null };

/** Each recipe of `members` a component of its own, in that order; cyclic as `cyclic` says. */
function singles(members: number[], cyclic: boolean[]): Components {
  const compStarts = new Uint32Array(members.length + 1);
  for (let c = 0; c < members.length; c++) compStarts[c + 1] = c + 1;
  return { compStarts, members: Uint32Array.from(members), cyclic: Uint8Array.from(cyclic, Number), starts: null, succ: null };
}

/** Does `o` hold together as the Order of n recipes (every index in range, every slice inside its array)? */
export function orderHolds(o: Order, n: number): boolean {
  if (!o || !(o.compStarts instanceof Uint32Array) || !(o.members instanceof Uint32Array) || !(o.cyclic instanceof Uint8Array)) return false;
  if (!(o.starts instanceof Uint32Array) || !(o.succ instanceof Uint32Array)) return false;
  const count = o.cyclic.length;
  if (o.compStarts.length !== count + 1 || o.compStarts[0] !== 0 || o.compStarts[count] !== n || o.members.length !== n) return false;
  for (let c = 0; c < count; c++) if (o.compStarts[c + 1] <= o.compStarts[c]) return false;
  const seen = new Uint8Array(n);
  for (const i of o.members) {
    if (i >= n || seen[i]) return false;
    seen[i] = 1;
  }
  if (o.starts.length !== n + 1 || o.starts[0] !== 0 || o.starts[n] !== o.succ.length) return false;
  for (let i = 0; i < n; i++) if (o.starts[i + 1] < o.starts[i]) return false;
  for (const s of o.succ) if (s >= n) return false;
  return true;
}

/**
 * The order in which the recipes 0..n-1 of one target are applied: a recipe after every recipe it
 * may read (dependencies first), as components of recipes reading each other (strongly connected),
 * each in the aggregate's order; `cyclic` tells a component whose walks may read run lists its own
 * application grows (several recipes, or one whose outputs build names its own specs name).
 * Recipe r may read recipe s when a name of r's specs is a name s builds (OrderNames, `input`).
 * A walk of r reads only recipes r reaches by these edges: the packages its build and host name,
 * then their run requirements, which are their own specs or exports of what their host names.
 */
function applicationOrder(input: OrderInput): Order {
  const n = input.outStarts.length - 1;
  const builders = buildersOf(input);
  const starts = new Uint32Array(n + 1);
  let succ = new Uint32Array(Math.max(16, input.specIds.length * 2));
  let size = 0;
  const seen = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let k = input.specStarts[i]; k < input.specStarts[i + 1]; k++) {
      const id = input.specIds[k];
      for (let b = builders.starts[id]; b < builders.starts[id + 1]; b++) {
        const s = builders.list[b];
        if (seen[s] === i) continue;
        seen[s] = i;
        if (size === succ.length) {
          const grown = new Uint32Array(size * 2);
          grown.set(succ);
          succ = grown;
        }
        succ[size++] = s;
      }
    }
    starts[i + 1] = size;
  }
  succ = succ.subarray(0, size);
  // Strongly connected components in Tarjan's order: each is complete when every component it
  // reaches is, so they come out dependencies first.
  const component = componentsOf(n, starts, succ);
  let count = 0;
  for (let i = 0; i < n; i++) if (component[i] + 1 > count) count = component[i] + 1;
  // Members in the aggregate's order (a counting sort by component).
  const compStarts = new Uint32Array(count + 1);
  for (let i = 0; i < n; i++) compStarts[component[i] + 1]++;
  for (let c = 0; c < count; c++) compStarts[c + 1] += compStarts[c];
  const fill = compStarts.slice(0, count);
  const members = new Uint32Array(n);
  for (let i = 0; i < n; i++) members[fill[component[i]]++] = i;
  const cyclic = new Uint8Array(count);
  for (let c = 0; c < count; c++) {
    const v = members[compStarts[c]];
    cyclic[c] = compStarts[c + 1] - compStarts[c] > 1 || succ.subarray(starts[v], starts[v + 1]).includes(v) ? 1 : 0;
  }
  return { compStarts, members, cyclic, starts, succ };
}

/**
 * Does recipe i read itself, i.e. reach itself by the edges of applicationOrder (one edge or more)?
 * That is when its component there is cyclic: several recipes (i reaches one that reaches i) or a
 * self-loop. A search from i alone, for an application to one recipe (`only`), which needs no order.
 */
function readsItself(input: OrderInput, i: number): boolean {
  const builders = buildersOf(input);
  const seen = new Uint8Array(input.outStarts.length - 1);
  const queue = [i];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (let k = input.specStarts[v]; k < input.specStarts[v + 1]; k++) {
      const id = input.specIds[k];
      for (let b = builders.starts[id]; b < builders.starts[id + 1]; b++) {
        const s = builders.list[b];
        if (s === i) return true;
        if (!seen[s]) {
          seen[s] = 1;
          queue.push(s);
        }
      }
    }
  }
  return false;
}

/** The position of the one recipe of `group` in `only`, or -1 when there are none or several. */
function onlyOne(group: readonly RenderedRecipe[], only: ReadonlySet<RenderedRecipe>): number {
  let at = -1;
  for (let i = 0; i < group.length; i++) {
    if (!only.has(group[i])) continue;
    if (at >= 0) return -1;
    at = i;
  }
  return at;
}

/**
 * targetKey, remembering the last one: the renderings of a plan share one target, so grouping
 * 25,000 of them makes one key text instead of one each.
 */
let last: Target = { subdir: '' as Target['subdir'], python: '' };
let lastKey = targetKey(last);
export function keyOfTarget(t: Target): string {
  if (t.subdir !== last.subdir || t.python !== last.python) {
    lastKey = targetKey(t);
    last = { subdir: t.subdir, python: t.python };
  }
  return lastKey;
}

/** The total length of arrays (to tell whether a pass added anything). */
const totalLength = (arrays: readonly string[][]) => arrays.reduce((sum, a) => sum + a.length, 0);

/**
 * Add the run_exports of packages built in the same aggregate to their dependents' requirements,
 * in place, per target. Recipes are applied in dependency order (`applicationOrder`): a walk reads
 * the run requirements of the packages it reaches with their own exports already added, whatever
 * the order of the aggregate; recipes that read each other (a cycle) are applied in the aggregate's
 * order again and again until a pass adds nothing. So the result does not depend on the order of
 * the feedstocks outside such cycles, and applying twice adds nothing more (idempotent). With
 * `only`, the exports of all `recipes` are applied to the `only` ones alone (a recipe rendered
 * later, e.g. a bootstrap build, gets what it would have got with the others; `only` must be among
 * `recipes`). With `replay`, a recipe's additions may come from an earlier application instead of
 * its walk (a cycle's recipes: all replayed, or all walked).
 */
export function applyRunExports(recipes: RenderedRecipe[], only?: ReadonlySet<RenderedRecipe>, replay?: RunExportsReplay): void {
  const byTarget = new Map<string, RenderedRecipe[]>();
  for (const r of recipes) {
    const key = keyOfTarget(r.target);
    let group = byTarget.get(key);
    if (!group) byTarget.set(key, (group = []));
    group.push(r);
  }
  for (const group of byTarget.values()) {
    const env = new Environments(replay?.index ?? indexOutputs(group), group[0].target.python);
    const adder = new Adder(env);
    // Appended in each array's order, as the walk appends them (the environments mirror them).
    const append = (r: RenderedRecipe, stored: ExportAdditions) => {
      const targets = exportTargets(r);
      for (let i = 0; i < targets.length; i++) {
        for (const spec of stored[i] ?? []) {
          targets[i].push(spec);
          env.added(targets[i], spec);
        }
      }
    };
    // No closure per recipe unless its rendering is not read yet.
    const replayed = (r: RenderedRecipe, stored: ExportAdditions) => {
      if (!replay!.defer?.(r, () => append(r, stored))) append(r, stored);
    };
    const replayOnly = !!replay?.replays && group.every((r) => (only && !only.has(r)) || replay.replays!(r));
    // Applied to one recipe of the group (`only`: a bootstrap build): no order among the others is
    // needed, only whether its own walks read what they add (its component would be cyclic).
    const alone = only && !replayOnly ? onlyOne(group, only) : -1;
    let order: Order | Components;
    if (replayOnly) order = singles(Array.from(group, (_, i) => i), new Array<boolean>(group.length).fill(false));
    else if (alone >= 0) order = singles([alone], [readsItself(replay?.orderInput?.(group) ?? orderInputOf(group), alone)]);
    else {
      // The order of last time when what it is made of is the same (run-exports-memo.ts).
      const known = replay?.knownOrder?.(group);
      order = known ?? applicationOrder(replay?.orderInput?.(group) ?? orderInputOf(group));
      if (!known) replay?.madeOrder?.(group, order);
    }
    // Per recipe: does what a walk reads of it, or of a recipe it reaches, differ from last time?
    const differs = replay && order.starts ? new Uint8Array(group.length) : null;
    const { compStarts, cyclic } = order;
    for (let c = 0; c + 1 < compStarts.length; c++) {
      const size = compStarts[c + 1] - compStarts[c];
      // One recipe replayed (most of a re-plan): nothing allocated.
      const single = !!replay && size === 1 && cyclic[c] === 0;
      if (single) {
        const i = order.members[compStarts[c]];
        if (only && !only.has(group[i])) continue;
        let reads = false;
        if (differs)
          for (let e = order.starts![i]; e < order.starts![i + 1]; e++)
            if (differs[order.succ![e]] === 1) {
              reads = true;
              break;
            }
        if (!reads && replay!.replayLater?.(group[i], append)) continue;
        const stored = reads ? undefined : replay!.additions(group[i]);
        if (stored !== undefined) {
          replayed(group[i], stored);
          continue;
        }
      }
      const component = Array.from(order.members.subarray(compStarts[c], compStarts[c + 1]));
      const isCyclic = cyclic[c] === 1;
      const members = component.map((i) => group[i]).filter((r) => !only || only.has(r));
      if (!members.length) continue;
      let reads = false;
      if (differs)
        for (const i of component)
          for (let e = order.starts![i]; e < order.starts![i + 1] && !reads; e++) reads = differs[order.succ![e]] === 1;
      if (replay && !reads && !single) {
        const stored = members.map((r) => replay.additions(r));
        if (stored.every((s) => s !== undefined)) {
          members.forEach((r, i) => replayed(r, stored[i]!));
          continue;
        }
      }
      const targets = replay || isCyclic ? members.map(exportTargets) : [];
      const before = replay ? targets.map((ts) => ts.map((t) => t.length)) : [];
      if (!isCyclic) applyToRecipe(members[0], env, adder);
      else
        for (let size = -1, now = totalLength(targets.flat()); size !== now; size = now, now = totalLength(targets.flat()))
          for (const r of members) applyToRecipe(r, env, adder);
      if (replay) {
        let same = !reads;
        members.forEach((r, i) => {
          if (replay.walked(r, targets[i].map((t, k) => t.slice(before[i][k]))) !== true) same = false;
        });
        if (differs && !same) for (const i of component) differs[i] = 1;
      }
    }
  }
}

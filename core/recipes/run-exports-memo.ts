// What applying run_exports added to each recipe of a target, kept in the render cache dir
// (`exports-<hash of the target>.bin`), so that planning again after a few recipes changed walks the
// environments of those recipes only (the walks of 25,000 recipes cost about as much as reading
// their renderings from the cache).
//
// Each recipe is known by its render cache key (render-cache.ts: every input of its rendering; a
// rendering without one, e.g. from a plugin's renderer, counts as changed every time) and by its
// interface: what the other recipes' walks read of it (per non-skipped variant, each output's
// name, version, run_exports and run requirements, before exports). Replaying is exact, i.e. gives
// the requirements a full application gives, under these rules (recipes are applied in dependency
// order, run-exports.ts: a walk reads the run requirements of the recipes applied before it as they
// are after their exports; "after" below is that order):
//   - the same recipes in the same order (else: everything is walked);
//   - a changed recipe (another key) building other names than last time: everything is walked;
//   - a changed recipe is walked; when its interface or what its walk adds differs from last
//     time, every recipe that may read it (reaches it in the application order's edges) is walked
//     too, and so on from each of those whose additions differ in turn;
//   - any other recipe gets last time's additions, appended as its walk would append them.
// The order is worked out from what the memo keeps of each recipe (its output names and the names
// its specs name, `OrderNames`), so that only the changed recipes' renderings are read for it.
// The memo holds the version of the code that made it (another version: no memo).
// Replaying reads no more renderings than the walks need: the memo keeps each recipe's output names
// (non-skipped variants), so the walks' index of outputs by name reads the recipes of a name when a
// walk first looks it up, and a replayed recipe whose variants are not read yet (render-cache.ts
// parses them on first read) gets its additions when they are (`whenParsed`): a recipe no walk and
// no later step looks at is never parsed.
// The file is written under a temporary name and renamed into place (concurrent plans each write a
// whole memo of their own renderings); one that cannot be read or does not hold together is none.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { RenderedRecipe } from '../model/types.ts';
import { writeFileAtomicSync } from '../conda/atomic-write.ts';
import { isRenderingParsed, sourcesVersion, whenParsed, whenParsedCall } from './render-cache.ts';
import { applyRunExports, buildersOf, keyOfTarget, orderHolds, type Order, exportTargets, orderNames, OrderInputBuilder, type ExportAdditions, type OrderInput, type OrderNames, type OutputsByName, type RunExportsReplay } from './run-exports.ts';
import type { RenderedOutput } from '../model/types.ts';
import { NameTable } from './name-table.ts';

/**
 * The version of the code an application runs: core/recipes (run-exports.ts, spec names), core/conda
 * (match specs) and core/model, and the library matching versions; another version is no memo.
 */
const codeVersion = () => sourcesVersion(['core/recipes', 'core/conda', 'core/model'], ['@conda-org/rattler']);

/** The memo of one target's application, as stored. */
interface Memo {
  format: 5;
  code: string;
  /** Per recipe, in order: its render cache key (null: unknown, always walked) and its interface. */
  keys: (string | null)[];
  ifaces: string[];
  /** Per recipe, what the application order reads of it: its output names (non-skipped variants) and the names its specs name. */
  order: OrderInput;
  /** The application order made from `order` (null: not known), reused while `order` is the same. */
  applied: Order | null;
  /** Every added spec text once; additions refer to them by index. */
  table: string[];
  /** Recipe i's additions are adds[offsets[i]..offsets[i+1]): the number of arrays, then per array its length and table indexes. */
  offsets: Uint32Array;
  adds: Uint32Array;
}

/** What the memo did in this process (tests, bench). */
export const runExportsMemoStats = { replayed: 0, walked: 0, written: 0, ordered: 0 };

/**
 * The additions replayed onto recipes of one application whose variants were not read then: decoded
 * from the memo (`old`, recipe `at` its position) when they are, or when asked (one per application).
 */
interface Later {
  old: Memo;
  at: ReadonlyMap<RenderedRecipe, number>;
  /** appliedAdditionsText's answers per spec of `old.table` (0: not asked, 1: yes, 2: no), for the function `testedBy`. */
  tested?: Int8Array;
  testedBy?: (spec: string) => boolean;
}

/** What the memo replayed onto each rendering: its additions, or where they are (appended when its variants are read). */
const replayedOnto = new WeakMap<RenderedRecipe, ExportAdditions | Later>();

/**
 * The additions the memo replayed onto `r` in this plan (applied, or to be applied when its variants
 * are first read), without reading them; undefined when `r` was walked or not applied through the memo.
 */
export function replayedAdditions(r: RenderedRecipe): ExportAdditions | undefined {
  const got = replayedOnto.get(r);
  return got === undefined || Array.isArray(got) ? got : decode(got.old, got.at.get(r)!);
}

/** What a walk added to each rendering it walked in this plan (what the memo stores for it). */
const walkedOnto = new WeakMap<RenderedRecipe, ExportAdditions>();

/**
 * The additions applied to `r` in this plan through the memo, replayed or walked — what the next
 * plan replays onto the same rendering when the memo is written —; undefined when not applied
 * through the memo.
 */
export function appliedAdditions(r: RenderedRecipe): ExportAdditions | undefined {
  return replayedAdditions(r) ?? walkedOnto.get(r);
}

/**
 * The appliedAdditions of `r` that `test` accepts, as text (`<array index>\t<spec>\n` each, in
 * order), without decoding a replayed recipe's additions nor testing a spec text of the memo twice;
 * undefined when `r` was not applied through the memo.
 */
export function appliedAdditionsText(r: RenderedRecipe, test: (spec: string) => boolean): string | undefined {
  const got = replayedOnto.get(r);
  let out = '';
  if (got !== undefined && !Array.isArray(got)) {
    const { old } = got;
    if (got.testedBy !== test) {
      got.tested = new Int8Array(old.table.length);
      got.testedBy = test;
    }
    const tested = got.tested!;
    let at = old.offsets[got.at.get(r)!];
    const arrays = old.adds[at++];
    for (let a = 0; a < arrays; a++) {
      const len = old.adds[at++];
      for (let k = 0; k < len; k++) {
        const id = old.adds[at++];
        if (tested[id] === 0) tested[id] = test(old.table[id]) ? 1 : 2;
        if (tested[id] === 1) out += `${a}\t${old.table[id]}\n`;
      }
    }
    return out;
  }
  const adds = (got as ExportAdditions | undefined) ?? walkedOnto.get(r);
  if (adds === undefined) return undefined;
  for (let a = 0; a < adds.length; a++) for (const spec of adds[a]) if (test(spec)) out += `${a}\t${spec}\n`;
  return out;
}

/** A rendering's output names (non-skipped variants), in first-seen order, NUL-joined. */

/**
 * The outputs by name of `group` as indexOutputs (run-exports.ts) makes them, reading a recipe's
 * variants only when a name it builds is looked up (`names[i]`: recipe i's output names).
 */
export function lazyIndex(group: RenderedRecipe[], names: string[]): OutputsByName {
  const builders = new Map<string, number[]>();
  names.forEach((list, i) => {
    if (!list) return;
    for (const name of list.split('\0')) {
      const at = builders.get(name);
      if (at) at.push(i);
      else builders.set(name, [i]);
    }
  });
  const made = new Map<string, RenderedOutput[] | undefined>();
  return {
    get(name) {
      if (made.has(name)) return made.get(name);
      const positions = builders.get(name);
      let list: RenderedOutput[] | undefined;
      for (const i of positions ?? []) {
        for (const v of group[i].variants) {
          if (v.skip) continue;
          for (const o of v.outputs) if (o.name === name && !(list ??= []).includes(o)) list.push(o);
        }
      }
      made.set(name, list);
      return list;
    },
  };
}

/** lazyIndex from the OrderInput of `group` (its output names by number; made on the first look-up). */
export function lazyIndexOf(group: RenderedRecipe[], orderInput: () => OrderInput): OutputsByName {
  let ids: Map<string, number> | undefined;
  let builders: ReturnType<typeof buildersOf> | undefined;
  const made = new Map<string, RenderedOutput[] | undefined>();
  return {
    get(name) {
      if (made.has(name)) return made.get(name);
      const input = orderInput();
      ids ??= new Map(input.names.map((n, id) => [n, id]));
      builders ??= buildersOf(input);
      const id = ids.get(name);
      let list: RenderedOutput[] | undefined;
      if (id !== undefined)
        for (let b = builders.starts[id]; b < builders.starts[id + 1]; b++) {
          for (const v of group[builders.list[b]].variants) {
            if (v.skip) continue;
            for (const o of v.outputs) if (o.name === name && !(list ??= []).includes(o)) list.push(o);
          }
        }
      made.set(name, list);
      return list;
    },
  };
}

/** The interface of a rendering: what other recipes' run_exports walks read of it (see the header). */
export function exportsInterface(r: RenderedRecipe): string {
  const outputs = r.variants.filter((v) => !v.skip).map((v) => v.outputs.map((o) => [o.name, o.version, o.runExports ?? null, o.requirements.run]));
  return createHash('sha256').update(JSON.stringify(outputs)).digest('base64');
}

const memoFile = (dir: string, target: string) => join(dir, `exports-${createHash('sha256').update(target).digest('hex').slice(0, 16)}.bin`);

/** The memo in `file` if it holds together (every index in range), else undefined. */
function readMemo(file: string): Memo | undefined {
  let m: Memo;
  try {
    m = deserialize(readFileSync(file)) as Memo;
  } catch {
    return undefined;
  }
  if (m?.format !== 5 || m.code !== codeVersion() || !Array.isArray(m.keys) || !Array.isArray(m.ifaces) || !Array.isArray(m.table)) return undefined;
  if (!(m.offsets instanceof Uint32Array) || !(m.adds instanceof Uint32Array)) return undefined;
  const n = m.keys.length;
  if (!validOrder(m.order, n)) return undefined;
  if (m.applied !== null && !orderHolds(m.applied, n)) return undefined;
  if (m.ifaces.length !== n || m.offsets.length !== n + 1 || m.offsets[0] !== 0 || m.offsets[n] !== m.adds.length) return undefined;
  for (let i = 0; i < n; i++) {
    let at = m.offsets[i];
    const end = m.offsets[i + 1];
    if (end < at) return undefined;
    const arrays = m.adds[at++];
    for (let a = 0; a < arrays && at <= end; a++) {
      const len = m.adds[at++];
      for (let k = 0; k < len; k++) if (m.adds[at++] >= m.table.length) return undefined;
    }
    if (at !== end) return undefined;
  }
  return m;
}

/** Does `o` hold together as the OrderInput of n recipes? */
function validOrder(o: OrderInput, n: number): boolean {
  if (!o || !Array.isArray(o.names) || !o.names.every((name) => typeof name === 'string')) return false;
  const lists: [Uint32Array, Uint32Array][] = [
    [o.outStarts, o.outIds],
    [o.specStarts, o.specIds],
  ];
  for (const [starts, ids] of lists) {
    if (!(starts instanceof Uint32Array) || !(ids instanceof Uint32Array) || starts.length !== n + 1 || starts[0] !== 0 || starts[n] !== ids.length) return false;
    for (let i = 0; i < n; i++) if (starts[i + 1] < starts[i]) return false;
    for (const id of ids) if (id >= o.names.length) return false;
  }
  return true;
}

/** Are `names` recipe i's spec names in an OrderInput (the same, in the same order)? */
function sameNames(names: readonly string[], o: OrderInput, i: number): boolean {
  const from = o.specStarts[i];
  if (names.length !== o.specStarts[i + 1] - from) return false;
  for (let k = 0; k < names.length; k++) if (o.names[o.specIds[from + k]] !== names[k]) return false;
  return true;
}

/** Recipe i's output names in an OrderInput. */
function outputsAt(o: OrderInput, i: number): string[] {
  const out: string[] = [];
  for (let k = o.outStarts[i]; k < o.outStarts[i + 1]; k++) out.push(o.names[o.outIds[k]]);
  return out;
}

function decode(m: Memo, i: number): ExportAdditions {
  const out: ExportAdditions = [];
  let at = m.offsets[i];
  const arrays = m.adds[at++];
  for (let a = 0; a < arrays; a++) {
    const len = m.adds[at++];
    const list: string[] = [];
    for (let k = 0; k < len; k++) list.push(m.table[m.adds[at++]]);
    out.push(list);
  }
  return out;
}

const sameAdditions = (a: ExportAdditions, b: ExportAdditions) => a.length === b.length && a.every((list, i) => list.length === b[i].length && list.every((s, k) => s === b[i][k]));

/**
 * applyRunExports (one application per target, in place) through the memo in `dir`; `keys[i]` is
 * the render cache key of `recipes[i]` (null when unknown). Without a dir: a plain application.
 * Returns the recipes whose additions were replayed (their requirements are those of last time).
 */
export function applyRunExportsMemo(dir: string | null, recipes: RenderedRecipe[], keys: (string | null)[]): Set<RenderedRecipe> {
  const replayed = new Set<RenderedRecipe>();
  if (!dir) {
    applyRunExports(recipes);
    return replayed;
  }
  const groups = new Map<string, number[]>();
  recipes.forEach((r, i) => {
    const key = keyOfTarget(r.target);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  for (const [target, positions] of groups) {
    applyGroup(
      memoFile(dir, target),
      positions.map((i) => recipes[i]),
      positions.map((i) => keys[i]),
      replayed,
    );
  }
  return replayed;
}

const sameRecipes = (a: RenderedRecipe[], b: RenderedRecipe[]) => a.length === b.length && a.every((r, i) => r === b[i]);

/** Per target group applied through the memo (by its first rendering): the group and what its order read. */
const orderInputs = new WeakMap<RenderedRecipe, { group: RenderedRecipe[]; input: () => OrderInput }>();

/**
 * What the application order reads of `recipes` (OrderInput) when they begin with a group applied
 * through the memo in this plan (kept by the memo for its unchanged recipes: their variants are
 * not read), the others read from their renderings; undefined when they do not. A later
 * application over the same renderings and more (a bootstrap build's, with `only`) orders with it.
 */
export function knownOrderInput(recipes: RenderedRecipe[]): OrderInput | undefined {
  const known = recipes.length ? orderInputs.get(recipes[0]) : undefined;
  if (!known || known.group.length > recipes.length || !sameRecipes(recipes.slice(0, known.group.length), known.group)) return undefined;
  const input = known.input();
  if (known.group.length === recipes.length) return input;
  const builder = new OrderInputBuilder(input.names);
  for (let i = 0; i < known.group.length; i++) builder.copy(input, i);
  for (const r of recipes.slice(known.group.length)) builder.add(orderNames(r));
  return builder.done();
}

function applyGroup(file: string, group: RenderedRecipe[], keys: (string | null)[], replayed: Set<RenderedRecipe>): void {
  const n = group.length;
  const old = readMemo(file);
  let changed: number[] | null = null; // null: walk everything
  if (old && old.keys.length === n) {
    changed = [];
    for (let i = 0; i < n; i++) if (keys[i] === null || keys[i] !== old.keys[i]) changed.push(i);
  }
  const isChanged = new Set(changed ?? []);
  const fromMemo = (i: number) => changed !== null && !isChanged.has(i);
  // What the order reads of the changed recipes, read before any export is added.
  const fresh = new Map<number, OrderNames>();
  // Do the changed recipes' names equal last time's (then the order's input, and so the order, is)?
  let sameOrder = true;
  const ifaces: string[] = new Array(n);
  // Changed recipes whose interface differs from last time's: what the others' walks read of them differs.
  const otherInterface = new Set<number>();
  if (changed && old) {
    for (let i = 0; i < n; i++) ifaces[i] = old.ifaces[i];
    for (const i of changed) {
      const names = orderNames(group[i]);
      fresh.set(i, names);
      // Other output names: the outputs by name (what every walk looks names up in) differ.
      const before = outputsAt(old.order, i);
      if (sameOrder && !sameNames(names.specs, old.order, i)) sameOrder = false;
      if (names.outputs.length !== before.length || names.outputs.some((name, k) => name !== before[k])) {
        changed = null;
        break;
      }
      ifaces[i] = exportsInterface(group[i]);
      if (ifaces[i] !== old.ifaces[i]) otherInterface.add(i);
    }
  }
  if (!changed) for (let i = 0; i < n; i++) ifaces[i] = exportsInterface(group[i]);
  // The order's input: last time's for the same key (the same rendering), else read.
  let input: OrderInput | undefined;
  const orderInput = (): OrderInput => {
    if (input) return input;
    const builder = new OrderInputBuilder(changed && old ? old.order.names : []);
    for (let i = 0; i < n; i++) {
      if (fromMemo(i)) builder.copy(old!.order, i);
      else builder.add(fresh.get(i) ?? orderNames(group[i]));
    }
    return (input = builder.done());
  };
  orderInputs.set(group[0], { group, input: orderInput });

  const position = new Map<RenderedRecipe, number>(group.map((r, i) => [r, i]));
  const walkedAdds = new Map<number, ExportAdditions>();
  let dirty = !changed || !old;
  let later: Later | undefined;
  let made: Order | undefined;
  let appendLater: ((r: RenderedRecipe, i: number) => void) | undefined;
  const replay: RunExportsReplay = {
    additions(r) {
      const i = position.get(r)!;
      if (dirty || isChanged.has(i)) return undefined;
      const stored = decode(old!, i);
      // The same key is the same rendering, so the same arrays; checked when its variants are read already.
      if (isRenderingParsed(r) && stored.length !== exportTargets(r).length) {
        dirty = true; // cannot happen for the same key: walk it and every recipe after it
        return undefined;
      }
      runExportsMemoStats.replayed++;
      replayed.add(r);
      replayedOnto.set(r, stored);
      return stored;
    },
    walked(r, added) {
      const i = position.get(r)!;
      // A recipe of a cycle whose other recipes are walked is walked too (after its additions were asked).
      if (replayed.delete(r)) {
        replayedOnto.delete(r);
        runExportsMemoStats.replayed--;
      }
      runExportsMemoStats.walked++;
      walkedAdds.set(i, added);
      walkedOnto.set(r, added);
      // What the others read of it is last time's: the same interface, the same additions.
      return !dirty && !otherInterface.has(i) && sameAdditions(added, decode(old!, i));
    },
    // A full walk reads every recipe anyway.
    ...(dirty ? {} : { index: lazyIndexOf(group, orderInput) }),
    defer: (r, append) => whenParsed(r, append),
    replayLater(r, append) {
      const i = position.get(r)!;
      if (dirty || isChanged.has(i) || isRenderingParsed(r)) return false;
      later ??= { old: old!, at: position };
      appendLater ??= (r: RenderedRecipe, i: number) => append(r, decode(old!, i));
      if (!whenParsedCall(r, appendLater, i)) return false;
      runExportsMemoStats.replayed++;
      replayed.add(r);
      replayedOnto.set(r, later);
      return true;
    },
    replays: (r) => !dirty && !isChanged.has(position.get(r)!),
    orderInput: (g) => (sameRecipes(g, group) ? orderInput() : undefined),
    knownOrder: (g) => (changed && old?.applied && sameOrder && sameRecipes(g, group) ? old.applied : undefined),
    madeOrder(g, order) {
      runExportsMemoStats.ordered++;
      if (sameRecipes(g, group)) made = order;
    },
  };
  applyRunExports(group, undefined, replay);

  // Nothing new to keep but keys: every walk added what the memo holds for that recipe, whose
  // interface is the one it holds (e.g. a comment edited). Such a recipe is walked again by the next
  // plan (another key than the memo's), which costs less than writing every recipe's memo again.
  if (old && changed && !dirty && [...walkedAdds].every(([i, added]) => ifaces[i] === old.ifaces[i] && sameAdditions(added, decode(old, i)))) return;
  // Every changed recipe's names were read before the application (a full walk: by the order).
  const applied = made ?? (changed && old && sameOrder ? old.applied : null);
  writeMemo(file, keys, ifaces, orderInput(), applied, old && changed ? old : undefined, walkedAdds);
}

/** Store the memo: walked recipes' additions as walked, the others' as in `old`. */
function writeMemo(
  file: string,
  keys: (string | null)[],
  ifaces: string[],
  order: OrderInput,
  applied: Order | null,
  old: Memo | undefined,
  walked: Map<number, ExportAdditions>,
): void {
  const specs = new NameTable(old?.table);
  // The walked recipes' additions encoded first; then every recipe's, old ones copied as slices.
  const mineEncoded = new Map<number, number[]>();
  let size = 0;
  for (let i = 0; i < keys.length; i++) {
    const mine = walked.get(i);
    if (mine) {
      const enc = [mine.length];
      for (const list of mine) {
        enc.push(list.length);
        for (const spec of list) enc.push(specs.id(spec));
      }
      mineEncoded.set(i, enc);
      size += enc.length;
    } else size += old ? old.offsets[i + 1] - old.offsets[i] : 1;
  }
  const offsets = new Uint32Array(keys.length + 1);
  const adds = new Uint32Array(size);
  let at = 0;
  for (let i = 0; i < keys.length; i++) {
    offsets[i] = at;
    const mine = mineEncoded.get(i);
    if (mine) {
      adds.set(mine, at);
      at += mine.length;
    } else if (old) {
      adds.set(old.adds.subarray(old.offsets[i], old.offsets[i + 1]), at);
      at += old.offsets[i + 1] - old.offsets[i];
    } else {
      adds[at++] = 0; // not applied (cannot happen: without a memo every recipe is walked)
    }
  }
  offsets[keys.length] = at;
  const memo: Memo = { format: 5, code: codeVersion(), keys, ifaces, order, applied, table: specs.names, offsets, adds };
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileAtomicSync(file, serialize(memo));
    runExportsMemoStats.written++;
  } catch {
    // not written: the next plan walks every recipe
  }
}

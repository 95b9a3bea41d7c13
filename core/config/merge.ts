// Applies one config layer (the file, a profile, the CLI flags) over another, key by key, following
// MERGE_TABLE. Inputs are already validated; nothing is mutated.
import { isDeepStrictEqual } from 'node:util';
import { MERGE_TABLE, type MergeStrategy } from './merge-table.ts';

type Obj = Record<string, unknown>;

const REPLACE: MergeStrategy = { kind: 'replace' };

export function mergeValue(strategy: MergeStrategy, base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (base === undefined) return over;
  switch (strategy.kind) {
    case 'replace':
      return over;
    case 'union': {
      const out = [...(base as unknown[])];
      for (const item of over as unknown[]) if (!out.some((b) => isDeepStrictEqual(b, item))) out.push(item);
      return out;
    }
    case 'assign': {
      const out: Obj = { ...(base as Obj) };
      for (const [k, v] of Object.entries(over as Obj)) out[k] = mergeValue(strategy.keys?.[k] ?? REPLACE, out[k], v);
      return out;
    }
    case 'by-name':
      return mergeByName(base as { name: string }[], over as { name: string }[]);
  }
}

/** Later items replace earlier items of the same name, in place; new names are appended. */
export function mergeByName<T extends { name: string }>(base: readonly T[], over: readonly T[]): T[] {
  const out = [...base];
  for (const item of over) {
    const at = out.findIndex((b) => b.name === item.name);
    if (at >= 0) out[at] = item;
    else out.push(item);
  }
  return out;
}

/** `layer` over `base` for every key the layer sets. Keys absent from MERGE_TABLE are a bug (validation rejects them first). */
export function mergeLayer(base: Obj, layer: Obj): Obj {
  const out: Obj = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const strategy = (MERGE_TABLE as Record<string, MergeStrategy>)[key];
    if (!strategy) throw new Error(`internal: no merge strategy for config key '${key}'`);
    out[key] = mergeValue(strategy, out[key], value);
  }
  return out;
}

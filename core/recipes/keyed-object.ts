// Plain objects whose keys come from data (variant keys, which differ from recipe to recipe).
// V8 gives every new sequence of keys added to a fast-mode object its own hidden classes: a
// render makes several objects keyed by the recipe's variant keys, and creating those classes
// cost more than filling the objects (a recipe's full variant: ~40 µs the first time its keys
// are seen, ~8 µs in dictionary mode). An object that had a property other than its last one
// deleted is in dictionary mode for good: its keys are added without new hidden classes.
// Everything else is a plain object's: Object.prototype, insertion order, JSON, spreading.

/** An empty plain object in dictionary mode, for keys that come from data. */
export function keyedObject<T>(): Record<string, T> {
  const o: Record<string, unknown> = { dictionary: 0, mode: 0 };
  delete o.dictionary;
  delete o.mode;
  return o as Record<string, T>;
}

/** A key put as `o[key] = value` puts it, except `__proto__`, which becomes an own property. */
export function putKey<T>(o: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}

// The keys of frozen keyed objects (listing a dictionary-mode object's keys sorts them by
// insertion): a renderer's full variant is listed by several steps of every output.
const keyLists = new WeakMap<object, readonly string[]>();

/** Object.keys(o), listed once for a frozen object (the same array again: do not change it). */
export function keysOf(o: object): readonly string[] {
  let keys = keyLists.get(o);
  if (!keys) {
    keys = Object.keys(o);
    if (Object.isFrozen(o)) keyLists.set(o, keys);
  }
  return keys;
}

// Deep-freeze for the resolved config. Plugin objects are left as they are: they belong to their
// authors and may keep state; only the list holding them is frozen.

const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

export function deepFreeze<T>(value: T, skip: (v: unknown) => boolean = () => false): T {
  if (skip(value)) return value;
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item, skip);
    return Object.freeze(value);
  }
  if (isPlain(value)) {
    for (const v of Object.values(value)) deepFreeze(v, skip);
    return Object.freeze(value);
  }
  return value;
}

/**
 * A copy of plain objects and arrays without `undefined` members; other objects (secrets) and what
 * `keep` selects (plugins) are kept by reference.
 */
export function cleanCopy(value: unknown, keep: (v: unknown) => boolean = () => false): unknown {
  if (keep(value)) return value;
  if (Array.isArray(value)) return value.map((v) => cleanCopy(v, keep));
  if (isPlain(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = cleanCopy(v, keep);
    return out;
  }
  return value;
}

export { isPlain };

// The plugin contract: `{ name, apply(engine) }`, made by a factory. Built-ins use the same shape.
import type { Engine } from '../engine/engine.ts';

export interface Plugin {
  /** Namespaced name, e.g. `rebuild:builder-script`; profiles merge plugins by this name. */
  name: string;
  apply(engine: Engine): void;
}

/** Typed identity for plugin objects (or factories) written in a config or a package. */
// The return type is `Plugin` (not inferred) so `apply(engine)` gets its parameter type from context.
// The factory overload comes first: a function has `name` and `apply` too, so it would match `Plugin`.
export function definePlugin<A extends unknown[]>(factory: (...args: A) => Plugin): (...args: A) => Plugin;
export function definePlugin(plugin: Plugin): Plugin;
export function definePlugin(p: unknown): unknown {
  return p;
}

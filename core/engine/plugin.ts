// The plugin contract: `{ name, apply(engine) }`, made by a factory. Built-ins use the same shape.
import type { Engine } from './engine.ts';

export interface Plugin {
  /** Namespaced name, e.g. `rebuild:builder-script`; profiles merge plugins by this name. */
  name: string;
  apply(engine: Engine): void;
}

/** Typed identity for plugin objects (or factories) written in a config or a package. */
export function definePlugin<T extends Plugin>(plugin: T): T;
export function definePlugin<A extends unknown[], T extends Plugin>(factory: (...args: A) => T): (...args: A) => T;
export function definePlugin(p: unknown): unknown {
  return p;
}

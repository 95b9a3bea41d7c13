// Engine: one per process. Holds the frozen config and applies the plugins; each command makes a Run.
import { SyncHook } from 'tapable';
import type { ResolvedConfig } from '../config/resolved.ts';
import { guardHooks } from './guard.ts';
import { PluginHookError } from '../model/errors.ts';
import { Run, type RunOptions } from './run.ts';
import { CORE_CONFIG_KEYS, ConfigReaders } from './config-readers.ts';

export class Engine {
  readonly hooks = Object.freeze({
    /** Config frozen, every plugin applied. */
    initialize: new SyncHook<[ResolvedConfig]>(['config']),
    /** A new Run was made: tap its hooks here. */
    run: new SyncHook<[Run]>(['run']),
  });

  /** Which config keys are read, and by whom: a plugin declares the keys it reads in `apply` (config-readers.ts). */
  readonly configReaders = new ConfigReaders();

  private initialized = false;

  constructor(readonly config: ResolvedConfig) {
    guardHooks('engine', this.hooks, { timeoutMs: () => this.config.timeouts.hookMs });
    this.configReaders.declare('rebuild', CORE_CONFIG_KEYS);
  }

  /** Apply every plugin (each names itself in errors), then call `initialize`. Idempotent. */
  initialize(): this {
    if (this.initialized) return this;
    this.initialized = true;
    for (const plugin of this.config.plugins) {
      try {
        plugin.apply(this);
      } catch (err) {
        throw new PluginHookError(plugin.name, 'apply', err);
      }
    }
    this.hooks.initialize.call(this.config);
    return this;
  }

  /** A new Run for one command invocation, with its hooks tapped by the plugins. */
  createRun(options: RunOptions = {}): Run {
    this.initialize();
    const run = new Run(this, options);
    this.hooks.run.call(run);
    return run;
  }
}

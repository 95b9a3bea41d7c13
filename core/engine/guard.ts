// Wraps every tap of a hook so an error names its plugin and the hook, and a tap that never
// settles is reported by name after a timeout. Installed as a tapable `register` interceptor,
// so core code and plugins stay unaware of it.
import { HookMap, type Hook } from 'tapable';
import { HookTimeoutError, PluginHookError } from '../model/errors.ts';

type AnyFn = (...args: any[]) => any;
type AnyHook = Hook<any, any> & { name?: string };

function attribute(err: unknown, plugin: string, hook: string): Error {
  if (err instanceof PluginHookError || err instanceof HookTimeoutError) return err;
  return new PluginHookError(plugin, hook, err);
}

function withTimeout<T>(p: Promise<T>, ms: number, plugin: string, hook: string): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return p;
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HookTimeoutError(plugin, hook, ms)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface GuardOptions {
  /** Milliseconds a tap may take before it is reported as hung; 0 disables. */
  timeoutMs: () => number;
}

/** Install the guard on one hook; `hookName` is how errors name it (e.g. `run.build[linux-64]`). */
export function guardHook(hook: AnyHook, hookName: string, opts: GuardOptions): void {
  hook.intercept({
    register(tap: any) {
      const plugin = tap.name;
      const fn = tap.fn as AnyFn;
      if (tap.type === 'sync') {
        tap.fn = (...args: unknown[]) => {
          try {
            return fn(...args);
          } catch (err) {
            throw attribute(err, plugin, hookName);
          }
        };
      } else if (tap.type === 'promise') {
        tap.fn = (...args: unknown[]) => {
          let p: Promise<unknown>;
          try {
            p = Promise.resolve(fn(...args));
          } catch (err) {
            return Promise.reject(attribute(err, plugin, hookName));
          }
          return withTimeout(p, opts.timeoutMs(), plugin, hookName).catch((err) => {
            throw attribute(err, plugin, hookName);
          });
        };
      } else if (tap.type === 'async') {
        tap.fn = (...args: unknown[]) => {
          const callback = args.pop() as (err?: unknown, result?: unknown) => void;
          const p = new Promise((resolve, reject) => {
            try {
              fn(...args, (err: unknown, result: unknown) => (err ? reject(err) : resolve(result)));
            } catch (err) {
              reject(err);
            }
          });
          withTimeout(p, opts.timeoutMs(), plugin, hookName).then(
            (result) => callback(null, result),
            (err) => callback(attribute(err, plugin, hookName)),
          );
        };
      }
      return tap;
    },
  });
}

/** Guard every hook of a frozen hooks object (HookMaps included, for each key as it is created). */
export function guardHooks(owner: string, hooks: Record<string, AnyHook | HookMap<any>>, opts: GuardOptions): void {
  for (const [key, hook] of Object.entries(hooks)) {
    const name = `${owner}.${key}`;
    if (hook instanceof HookMap) {
      hook.intercept({
        factory: (mapKey: any, created: AnyHook) => {
          guardHook(created, `${name}[${String(mapKey)}]`, opts);
          return created;
        },
      } as any);
    } else {
      guardHook(hook as AnyHook, name, opts);
    }
  }
}

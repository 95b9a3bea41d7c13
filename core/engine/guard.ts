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

/**
 * Taps in flight with a time limit, watched by ONE timer for the whole process (a setTimeout,
 * Promise.race and clearTimeout per tap call cost ~2 µs: 0.1 s per 25,000 render cache hits).
 * Calls with the same limit end in the order they started, so each limit keeps a FIFO queue whose
 * head ends first; the timer is armed for the earliest head. A call that settles only marks its
 * entry (and drops its `reject`, so nothing keeps its result alive); settled heads are dropped as
 * they are met. The timer is cleared as soon as no call is in flight, so a settled tap keeps the
 * process alive no longer than before (and an unsettled one until its limit, as before).
 */
interface Watched {
  deadline: number;
  /** Undefined once settled. */
  reject: ((err: Error) => void) | undefined;
  plugin: string;
  hook: string;
  ms: number;
}

interface Queue {
  items: Watched[];
  head: number;
}

const queues = new Map<number, Queue>();
let inFlight = 0;
let timer: NodeJS.Timeout | undefined;
let armedFor = Infinity;

/** Drop the settled entries at the head of `q`; its first unsettled entry, if any. */
function liveHead(q: Queue): Watched | undefined {
  while (q.head < q.items.length && !q.items[q.head].reject) q.head++;
  if (q.head === q.items.length) {
    q.items.length = 0;
    q.head = 0;
    return undefined;
  }
  if (q.head > 1024 && q.head * 2 > q.items.length) {
    q.items = q.items.slice(q.head);
    q.head = 0;
  }
  return q.items[q.head];
}

function arm(deadline: number): void {
  if (timer) clearTimeout(timer);
  armedFor = deadline;
  timer = setTimeout(expire, Math.max(0, deadline - performance.now()));
}

function disarm(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  armedFor = Infinity;
}

/** The timer: reject every call past its limit, then arm for the next head (or stop). */
function expire(): void {
  timer = undefined;
  armedFor = Infinity;
  const now = performance.now();
  let next = Infinity;
  for (const q of queues.values()) {
    for (let w = liveHead(q); w; w = liveHead(q)) {
      if (w.deadline > now) {
        next = Math.min(next, w.deadline);
        break;
      }
      const reject = w.reject!;
      settle(w);
      reject(new HookTimeoutError(w.plugin, w.hook, w.ms));
    }
  }
  if (inFlight > 0 && next < Infinity) arm(next);
}

function watch(ms: number, plugin: string, hook: string, reject: (err: Error) => void): Watched {
  const w: Watched = { deadline: performance.now() + ms, reject, plugin, hook, ms };
  let q = queues.get(ms);
  if (!q) queues.set(ms, (q = { items: [], head: 0 }));
  q.items.push(w);
  inFlight++;
  if (w.deadline < armedFor) arm(w.deadline);
  return w;
}

function settle(w: Watched): void {
  if (!w.reject) return;
  w.reject = undefined;
  if (--inFlight === 0) {
    disarm();
    for (const q of queues.values()) {
      q.items.length = 0;
      q.head = 0;
    }
  }
}

/** The calls in flight under a time limit and whether the guard's timer is armed (tests). */
export function guardWatch(): { inFlight: number; armed: boolean } {
  return { inFlight, armed: timer !== undefined };
}

/** `p`, attributed to `plugin` on error; rejected with HookTimeoutError when it has not settled after `ms`. */
function guarded<T>(p: Promise<T>, ms: number, plugin: string, hook: string): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) {
    return p.then(undefined, (err) => {
      throw attribute(err, plugin, hook);
    });
  }
  return new Promise<T>((resolve, reject) => {
    const w = watch(ms, plugin, hook, reject);
    p.then(
      (value) => {
        settle(w);
        resolve(value);
      },
      (err) => {
        settle(w);
        reject(attribute(err, plugin, hook));
      },
    );
  });
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
          return guarded(p, opts.timeoutMs(), plugin, hookName);
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
          guarded(p, opts.timeoutMs(), plugin, hookName).then(
            (result) => callback(null, result),
            (err) => callback(err),
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

// The floor of the meta.yaml render, measured (bench/README.md §6, "Eighth round"): what minijinja
// costs alone, cold and warm, on the templates and contexts the renderer gives it, and where the
// JavaScript side's CPU goes per phase. Not part of `npm run bench`; three modes, each in a fresh
// process (`node --import tsx bench/render-floor.ts <mode> ...`):
//
//   capture <aggregate> <python> <file>  render every meta.yaml recipe (linux-64) once and record
//       each minijinja render (template, context, undefined behaviour, output); a context's
//       functions are recorded as the values they returned, in order.
//   replay <file> [passes]  minijinja alone: the recorded renders again in a new process, the
//       functions answering what they answered (so every render takes the same path), contexts
//       made before the timing; per pass ms per recipe (wall, process CPU, main-thread CPU) and
//       how many outputs differ from the recorded ones (0: the replay is the renderer's work).
//   profile <aggregate> <python> <passes> <from> [file]  the recipes rendered `passes` times in
//       one process, passes `from`.. CPU-profiled (inspector, 250 µs): CPU per phase (each sample
//       counted in the innermost phase function on its stack, PHASES) and the top functions by
//       self time. Function names are the sources'; run it on the tsx sources or on a bundle.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { deserialize, serialize } from 'node:v8';
import { discoverRecipes } from '../core/recipes/discover.ts';
import { renderMetaYamlHere } from '../core/recipes/meta-yaml/render.ts';
import { RelayCompat } from '../core/recipes/meta-yaml/jinja-compat.ts';
import { Environment } from '../core/recipes/minijinja.ts';
import type { RecipeRef, Target } from '../core/model/types.ts';

interface Recorded {
  recipe: number;
  template: string;
  /** The context as data: a function is `{ fn: path }`, its returns in `returns[path]`. */
  ctx: unknown;
  returns: Record<string, unknown[]>;
  undefinedBehavior: string;
  output: string | null;
}

type Env = InstanceType<typeof Environment>;

/** Main-thread CPU ms (Linux: /proc/thread-self; 10 ms ticks), else null. */
function mainThreadMs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

const processMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function metaRecipes(aggregate: string): Promise<RecipeRef[]> {
  const { recipes } = await discoverRecipes([aggregate]);
  return recipes.filter((r) => r.format === 'meta.yaml');
}

async function capture(aggregate: string, python: string, file: string): Promise<void> {
  const recipes = await metaRecipes(aggregate);
  const target: Target = { subdir: 'linux-64', python };
  const records: Recorded[] = [];
  let current = -1;
  const proto = Environment.prototype as unknown as { renderStr(this: Env, t: string, ctx: unknown): string };
  const renderStr = proto.renderStr;
  proto.renderStr = function (template, ctx) {
    const returns: Record<string, unknown[]> = {};
    const asData = (v: unknown, path: string): unknown => {
      if (typeof v === 'function') return { fn: path };
      if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, asData(x, `${path}.${k}`)]));
      if (Array.isArray(v)) return v.map((x, i) => asData(x, `${path}[${i}]`));
      if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).map((k) => [k, asData((v as Record<string, unknown>)[k], `${path}.${k}`)]));
      return v;
    };
    // The same context with each function recording what it returns.
    const recording = (v: unknown, path: string): unknown => {
      if (typeof v === 'function') {
        return (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown)(...args);
          (returns[path] ??= []).push(asData(r, `${path}()`));
          return r;
        };
      }
      if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, recording(x, `${path}.${k}`)]));
      if (Array.isArray(v)) return v.map((x, i) => recording(x, `${path}[${i}]`));
      if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).map((k) => [k, recording((v as Record<string, unknown>)[k], `${path}.${k}`)]));
      return v;
    };
    const record: Recorded = { recipe: current, template, ctx: asData(ctx, ''), returns, undefinedBehavior: String(this.undefinedBehavior), output: null };
    records.push(record);
    const output = renderStr.call(this, template, recording(ctx, ''));
    record.output = output;
    return output;
  };
  for (let i = 0; i < recipes.length; i++) {
    current = i;
    try {
      await renderMetaYamlHere(recipes[i], target);
    } catch {
      // A recipe that fails to render fails in the replay too (its record has no output).
    }
  }
  proto.renderStr = renderStr;
  writeFileSync(file, serialize({ recipes: recipes.length, records }));
  const chars = records.reduce((n, r) => n + r.template.length, 0);
  process.stdout.write(`${JSON.stringify({ recipes: recipes.length, renders: records.length, templateChars: Math.round(chars / records.length), file })}\n`);
}

function replay(file: string, passes: number): void {
  const { recipes, records } = deserialize(readFileSync(file)) as { recipes: number; records: Recorded[] };
  // The environment as the renderer makes it (render.ts makeEnvironment).
  const env = new Environment();
  env.enablePyCompat();
  env.undefinedBehavior = 'chainable';
  env.keepTrailingNewline = true;
  new RelayCompat().register(env);
  const live = (v: unknown, r: Recorded, calls: Map<string, number>): unknown => {
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, live(x, r, calls)]));
    if (Array.isArray(v)) return v.map((x) => live(x, r, calls));
    if (v && typeof v === 'object') {
      const fn = (v as { fn?: unknown }).fn;
      if (typeof fn === 'string' && Object.keys(v).length === 1) {
        return () => {
          const i = calls.get(fn) ?? 0;
          calls.set(fn, i + 1);
          return live(r.returns[fn]?.[i] ?? '', r, calls);
        };
      }
      return Object.fromEntries(Object.keys(v).map((k) => [k, live((v as Record<string, unknown>)[k], r, calls)]));
    }
    return v;
  };
  for (let pass = 1; pass <= passes; pass++) {
    const contexts = records.map((r) => live(r.ctx, r, new Map()));
    let differ = 0;
    const m0 = mainThreadMs();
    const c0 = processMs();
    const t0 = performance.now();
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      env.undefinedBehavior = r.undefinedBehavior as 'chainable';
      let out: string | null;
      try {
        out = env.renderStr(r.template, contexts[i]);
      } catch {
        out = null;
      }
      if (out !== r.output) differ++;
    }
    const wall = performance.now() - t0;
    const cpu = processMs() - c0;
    const m1 = mainThreadMs();
    const per = (ms: number) => Number((ms / recipes).toFixed(3));
    process.stdout.write(`${JSON.stringify({ pass, recipes, renders: records.length, wallMs: per(wall), cpuMs: per(cpu), mainThreadMs: m0 === null || m1 === null ? null : per(m1 - m0), differ })}\n`);
  }
}

/** Phase of a function (by name): the innermost one on a sample's stack names the sample's phase. */
const PHASES: Record<string, string> = {
  renderJinja: 'jinja: minijinja renderStr (wasm, context conversion, callbacks)',
  condaBuildContext: 'jinja context: build + filter',
  contextFilter: 'jinja context: build + filter',
  rewriteTemplate: 'template rewrite, loads, pin checks',
  recipeTemplates: 'template rewrite, loads, pin checks',
  deferPinsOnly: 'template rewrite, loads, pin checks',
  selectLines: 'selectors',
  applySelectors: 'selectors',
  selectorNamespace: 'selectors',
  parseRecipeYaml: 'YAML',
  extractRecipe: 'recipe shape (extract)',
  keyScope: 'key scope + covers',
  covers: 'key scope + covers',
  usedVariantKeys: 'used keys (usedVariantKeys, outputKeys)',
  outputKeys: 'used keys (usedVariantKeys, outputKeys)',
  reusedKeys: 'used keys (usedVariantKeys, outputKeys)',
  selectorNames: 'used keys (usedVariantKeys, outputKeys)',
  expandVariants: 'variants: expand, complete, config',
  completeVariant: 'variants: expand, complete, config',
  loadSharedVariantConfig: 'variants: expand, complete, config',
  finalizeOutput: 'finalize: pins, hash, build string',
  readFileSync: 'file reads',
  statSync: 'file reads',
  '(garbage collector)': 'GC',
};

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

async function profile(aggregate: string, python: string, passes: number, from: number, file?: string): Promise<void> {
  const recipes = await metaRecipes(aggregate);
  const target: Target = { subdir: 'linux-64', python };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  for (let pass = 1; pass <= passes; pass++) {
    if (pass === from) await session.post('Profiler.start');
    const m0 = mainThreadMs();
    const c0 = processMs();
    for (const recipe of recipes) {
      try {
        await renderMetaYamlHere(recipe, target);
      } catch {
        // Counted as rendered: the bench's child does the same.
      }
    }
    const m1 = mainThreadMs();
    process.stderr.write(`pass ${pass}: ${((processMs() - c0) / recipes.length).toFixed(3)} ms CPU per recipe (main thread ${m0 === null || m1 === null ? '?' : ((m1 - m0) / recipes.length).toFixed(3)})${pass >= from ? ', profiled' : ''}\n`);
  }
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
  session.disconnect();
  if (file) writeFileSync(file, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phases = new Map<string, number>();
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    total += ms;
    let phase = 'other (renderVariant and what it inlined, the rest)';
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const name = byId.get(id)!.callFrame.functionName;
      if (Object.hasOwn(PHASES, name)) {
        phase = PHASES[name];
        break;
      }
    }
    phases.set(phase, (phases.get(phase) ?? 0) + ms);
    const frame = byId.get(profile.samples[i])!.callFrame;
    const fn = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(core|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`;
    self.set(fn, (self.get(fn) ?? 0) + ms);
  }
  const renders = recipes.length * (passes - from + 1);
  const line = (ms: number, what: string) => `${((ms / renders) * 1000).toFixed(0).padStart(6)} µs ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${what}\n`;
  let out = `sampled ${((total / renders) * 1000).toFixed(0)} µs per recipe (profiler overhead included; shares are the figure)\nper phase:\n`;
  for (const [phase, ms] of [...phases].sort((a, b) => b[1] - a[1])) out += line(ms, phase);
  out += 'top functions by self time:\n';
  for (const [fn, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) out += line(ms, fn);
  process.stdout.write(out);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'capture' && args.length === 3) await capture(args[0], args[1], args[2]);
else if (mode === 'replay' && args.length >= 1) replay(args[0], Number(args[1] ?? 4));
else if (mode === 'profile' && args.length >= 4) await profile(args[0], args[1], Number(args[2]), Number(args[3]), args[4]);
else {
  process.stderr.write('usage: render-floor.ts capture <aggregate> <python> <file> | replay <file> [passes] | profile <aggregate> <python> <passes> <from> [file]\n');
  process.exitCode = 2;
}

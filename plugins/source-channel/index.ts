// rebuild:source-channel — plan a rebuild from a channel's repodata.json alone, before any aggregate
// checkout exists: one synthetic recipe per package name built for the old python (run.discover),
// rendered from its newest such record (run.render). The rest of the planner is unchanged, so the
// plan's size and order come from the same code as a plan from recipes. See README.md.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import type { Run, RunOptions } from '../../core/engine/run.ts';
import type { RecipeRef } from '../../core/model/types.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { channelDir, readRepodata, type Repodata } from '../../core/conda/repodata-read.ts';
import { planRun, type PlanOptions } from '../../core/graph/plan-target.ts';
import type { Plan } from '../../core/graph/plan.ts';
import { newestForPython, newestVersionOf, type ChannelRecord } from './channel-records.ts';
import { renderRecord } from './render-record.ts';

export const PLUGIN_NAME = 'rebuild:source-channel';

export interface ChannelSourceOptions {
  /** The channel to plan from: a local dir, a file:// URL or an http(s) URL (conda layout). */
  channel: string;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['channel'],
  properties: {
    channel: { type: 'string', minLength: 1, description: 'Channel holding <subdir>/repodata.json: a dir, file:// URL or http(s) URL.' },
  },
} as const;

/** The channel as RecipeRef.dir/aggregate: its absolute dir, or the URL as given. */
function channelLocation(channel: string): string {
  return channelDir(channel) ?? channel.replace(/\/+$/, '');
}

/** The synthetic recipe of one package name of the channel. */
export function channelRecipe(channel: string, name: string): RecipeRef {
  const where = channelLocation(channel);
  return { feedstock: name, dir: where, file: `${where}#${name}`, format: 'repodata', aggregate: where, variantFiles: [] };
}

interface SubdirRecords {
  /** Per name, the newest record built for the old python (subdir + noarch). */
  old: Map<string, ChannelRecord>;
  /** The newest python record of the target python, when the channel has one. */
  newPython: ChannelRecord | null;
}

/** Tap one run's discover and render hooks (what the plugin does for every run). */
export function tapChannelSource(run: Run, options: ChannelSourceOptions): void {
  validatePluginOptions<ChannelSourceOptions>(PLUGIN_NAME, optionsSchema, options);
  const { channel } = options;
  const location = channelLocation(channel);
  const from = run.config.python.from;
  // One read per subdir and run, shared by discover and every render.
  const indexes = new Map<string, Promise<Repodata>>();
  const read = (subdir: string) => {
    let p = indexes.get(subdir);
    if (!p) indexes.set(subdir, (p = readRepodata(channel, subdir)));
    return p;
  };
  const bySubdir = new Map<string, Promise<SubdirRecords>>();
  const records = (subdir: string, python: string) => {
    const key = `${subdir}/${python}`;
    let p = bySubdir.get(key);
    if (!p) {
      p = Promise.all([read(subdir), read('noarch')]).then((idx) => ({ old: newestForPython(idx, from), newPython: newestVersionOf(idx, 'python', python) }));
      bySubdir.set(key, p);
    }
    return p;
  };

  // Replace the recipe list: the channel is the source of this run.
  run.hooks.discover.tapPromise(PLUGIN_NAME, async () => {
    const names = new Set<string>();
    for (const t of run.targets) for (const name of (await records(t.subdir, t.python)).old.keys()) names.add(name);
    return [...names].sort().map((name) => channelRecipe(channel, name));
  });

  // Before the recipe renderers: nobody else knows the 'repodata' format.
  run.hooks.render.tapPromise({ name: PLUGIN_NAME, stage: STAGE.PRE }, async (recipe, target) => {
    if (recipe.format !== 'repodata' || recipe.aggregate !== location) return undefined;
    const { old, newPython } = await records(target.subdir, target.python);
    const entry = old.get(recipe.feedstock.toLowerCase()) ?? null;
    // python itself is planned at the target version (so `python 3.7.*` resolves to it).
    const version = entry?.record.name === 'python' ? (newPython?.record.version ?? target.python) : undefined;
    return renderRecord(recipe, target, entry, { version });
  });
}

/** The plugin: `rebuild plan` plans from `channel` instead of the aggregates. */
export function channelSource(options: ChannelSourceOptions): Plugin {
  validatePluginOptions<ChannelSourceOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => tapChannelSource(run, options));
    },
  };
}

/**
 * Plan every target of a new run from `channel` alone (for `rebuild plan --channel URL`): the
 * aggregates are not read. The engine's other plugins (select, blocklist, bootstrap) still apply.
 */
export async function planFromChannel(
  engine: Engine,
  channel: string,
  options: { run?: RunOptions; plan?: Omit<PlanOptions, 'recipes' | 'discovered'> } = {},
): Promise<Plan[]> {
  const run = engine.createRun(options.run);
  // Tapped last, so its discover result replaces any other source's (a configured channelSource too).
  tapChannelSource(run, { channel });
  return planRun(run, { ...options.plan, recipes: [] });
}

// rebuild:select — the built-in vetoes of the rebuild set, on `run.hooks.select`: the blocklist
// (per arch, with its structured reason), `noarch: python` outputs (unless selection.noarch; with it
// and several pythons, on every python but the first: built once per subdir, `builtOn` that target),
// and packages already built for the new python in the target channel (channels.target ?? production).
import type { Plugin } from '../../core/model/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import type { Engine } from '../../core/engine/engine.ts';
import type { Exclusion, PackageNode, Target } from '../../core/model/types.ts';
import { targetKey } from '../../core/model/types.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { readRepodata, type PackageRecord, type Repodata } from '../../core/conda/repodata-read.ts';
import { pythonOutputs, recordPinsPython } from '../../core/graph/python-dependency.ts';
import { nodeAllNoarch } from '../../core/graph/render-nodes.ts';
import { blocklistApplies, blocklistLabel } from '../../core/graph/blocklist-propagation.ts';

export const PLUGIN_NAME = 'rebuild:select';

export interface SelectOptions {
  /** Veto blocklisted packages (default true). */
  blocklist?: boolean;
  /** Veto `noarch: python` feedstocks unless `selection.noarch` (default true). */
  noarch?: boolean;
  /** Veto packages already present for the new python in the target channel (default true). */
  present?: boolean;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    blocklist: { description: 'Veto blocklisted packages (default true).', type: 'boolean' },
    noarch: { description: 'Veto noarch: python feedstocks unless selection.noarch (default true).', type: 'boolean' },
    present: { description: 'Veto packages already present for the new python in the target channel (default true).', type: 'boolean' },
  },
} as const;

/** name → the records of the repodata built for `python`. */
export function presentForPython(repodata: Repodata, python: string): Map<string, PackageRecord[]> {
  const out = new Map<string, PackageRecord[]>();
  for (const map of [repodata.packages ?? {}, repodata['packages.conda'] ?? {}]) {
    for (const [filename, record] of Object.entries(map)) {
      if (!recordPinsPython(record, python)) continue;
      const name = record.name.toLowerCase();
      const list = out.get(name) ?? [];
      list.push({ ...record, fn: filename });
      out.set(name, list);
    }
  }
  return out;
}

export function select(options: SelectOptions = {}): Plugin {
  const opts = { blocklist: true, noarch: true, present: true, ...validatePluginOptions<SelectOptions>(PLUGIN_NAME, optionsSchema, options) };
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      const config = engine.config;
      const channel = config.channels.target ?? config.channels.production;
      engine.configReaders.declare(PLUGIN_NAME, [
        ...(opts.blocklist ? ['blocklist'] : []),
        ...(opts.noarch ? ['selection.noarch'] : []),
        ...(opts.present ? ['channels.target', 'channels.production'] : []),
      ]);
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        // Per run and target: the target channel's packages built for the new python.
        const present = new Map<string, Map<string, PackageRecord[]>>();
        if (opts.present && channel) {
          run.hooks.prepareSelect.tapPromise(PLUGIN_NAME, async (target: Target) => {
            const key = targetKey(target);
            if (!present.has(key)) present.set(key, presentForPython(await readRepodata(channel, target.subdir), target.python));
          });
        }
        run.hooks.select.tap({ name: PLUGIN_NAME, stage: STAGE.FILTER }, (node: PackageNode): Exclusion | undefined => {
          if (opts.blocklist) {
            const entry = config.blocklist.find((e) => blocklistApplies(e, node));
            if (entry) return { status: 'excluded', kind: 'blocklist', reason: `blocklisted (${blocklistLabel(entry)})`, blocklist: entry };
          }
          // Known without reading the node's variants when it was made from a kept summary (node-memo.ts).
          if (opts.noarch && nodeAllNoarch(node)) {
            if (!config.selection.noarch) return { status: 'excluded', kind: 'noarch', reason: 'noarch: python (one build serves every python)' };
            // Several pythons: built once per subdir, for the first (two builds would write the same file).
            const first = run.targets.find((t) => t.subdir === node.target.subdir);
            if (first && first.python !== node.target.python) {
              return { status: 'excluded', kind: 'noarch', reason: `noarch: python, built once for python ${first.python} (one build serves every python)`, builtOn: { ...first } };
            }
          }
          const records = present.get(targetKey(node.target));
          // An empty channel has nothing present (and the node's variants are not read).
          if (records?.size && channel) {
            const wanted = new Set(pythonOutputs(node.variants).filter((o) => o.output.noarch !== 'python').map((o) => o.output.name.toLowerCase()));
            const found = [...wanted].map((name) => records.get(name)?.[0]);
            if (wanted.size && found.every(Boolean)) {
              const first = found[0]!;
              return {
                status: 'present',
                kind: 'present',
                reason: `already in ${channel} for python ${node.target.python} (${first.name}-${first.version}-${first.build})`,
              };
            }
          }
          return undefined;
        });
      });
    },
  };
}

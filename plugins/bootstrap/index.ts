// rebuild:bootstrap — executes bootstrap builds. A bootstrap node (`python@bootstrap`) writes into
// `<workDir>/bootstrap-channel` instead of the run's output channel; a task that needs a bootstrap
// build (directly or through its build dependencies) while that feedstock's final build is not
// done yet resolves from the bootstrap channel too, right after the output channel, so the final
// build supersedes it once present. Bootstrap artifacts are never published.
// The graph comes from run.hooks.planned (the planner calls it once per target).
import { join, sep } from 'node:path';
import type { Plugin } from '../../core/engine/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { targetKey, type PackageNode, type TaskStatus } from '../../core/engine/types.ts';
import type { PackageGraph } from '../../core/graph/package-graph.ts';

export const PLUGIN_NAME = 'rebuild:bootstrap';

export interface BootstrapOptions {
  /** Channel dir for bootstrap builds (default `<workDir>/bootstrap-channel`). */
  channelDir?: string;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    channelDir: { description: 'Channel dir for bootstrap builds (default <workDir>/bootstrap-channel).', type: 'string', minLength: 1 },
  },
} as const;

const DONE: ReadonlySet<TaskStatus> = new Set(['built', 'tested', 'published']);

/** The final (normal) build of a bootstrap node: same feedstock and extra version, not bootstrap. */
export function finalBuildOf(graph: PackageGraph, boot: PackageNode): string | null {
  let found: string | null = null;
  graph.forEachNode((id, n) => {
    if (found === null && !n.bootstrap && n.feedstock === boot.feedstock && n.extraVersion === boot.extraVersion) found = id;
  });
  return found;
}

/** Bootstrap nodes `id` needs for its build: ancestors over build-blocking edges. */
export function bootstrapAncestors(graph: PackageGraph, id: string): PackageNode[] {
  const seen = new Set<string>([id]);
  const stack = [id];
  const out: PackageNode[] = [];
  while (stack.length) {
    const current = stack.pop()!;
    graph.forEachInEdge(current, (_e, attr, source) => {
      if (!attr.blocksBuild || seen.has(source)) return;
      seen.add(source);
      stack.push(source);
      const node = graph.getNodeAttributes(source);
      if (node.bootstrap) out.push(node);
    });
  }
  return out;
}

export function bootstrap(options: BootstrapOptions = {}): Plugin {
  validatePluginOptions<BootstrapOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    name: PLUGIN_NAME,
    apply(engine) {
      const channelDir = options.channelDir ?? join(engine.config.workDir, 'bootstrap-channel');
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        const graphs = new Map<string, PackageGraph>();
        const done = new Set<string>();
        const mark = (target: { subdir: string; python: string }, id: string, status: TaskStatus) => {
          const key = `${targetKey(target as any)}/${id}`;
          if (DONE.has(status)) done.add(key);
          else done.delete(key);
        };

        run.hooks.planned.tap(PLUGIN_NAME, (plan) => void graphs.set(targetKey(plan.target), plan.graph));
        run.hooks.executionStart.tap(PLUGIN_NAME, (start) => start.tasks.forEach((t) => mark(t.target, t.id, t.status)));
        run.hooks.taskEnd.tap(PLUGIN_NAME, (r) => mark(r.target, r.id, r.status));

        run.hooks.prepareTask.tapPromise({ name: PLUGIN_NAME, stage: STAGE.PRE }, async (task) => {
          const output = task.outputChannel;
          if (task.node.bootstrap) task.outputChannel = channelDir;
          const graph = graphs.get(targetKey(task.target));
          if (!graph || !graph.hasNode(task.id)) {
            task.log(`${PLUGIN_NAME}: no plan graph for ${task.id} (${targetKey(task.target)}): bootstrap channel not added`);
            return task;
          }
          const pending = bootstrapAncestors(graph, task.id).filter((boot) => {
            const final = finalBuildOf(graph, boot);
            return final === null || !done.has(`${targetKey(task.target)}/${final}`);
          });
          if (pending.length && !task.channels.includes(channelDir)) {
            const at = task.channels.indexOf(output);
            const channels = [...task.channels];
            channels.splice(at < 0 ? channels.length : at + 1, 0, channelDir);
            task.channels = channels;
            task.log(`${PLUGIN_NAME}: resolving from ${channelDir} too (${pending.map((p) => p.id).join(', ')} not superseded yet)`);
          }
          return task;
        });

        run.hooks.shouldPublish.tap(PLUGIN_NAME, (artifacts) =>
          artifacts.some((a) => a.path.startsWith(channelDir + sep)) ? false : undefined,
        );
      });
    },
  };
}

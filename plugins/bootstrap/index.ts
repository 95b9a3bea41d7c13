// rebuild:bootstrap — executes bootstrap builds. A bootstrap node (`python@bootstrap`) writes into
// `<workDir>/bootstrap-channel` instead of the run's output channel; a task that needs a bootstrap
// build (directly or through its build dependencies) while that feedstock's final build is not
// done yet resolves from the bootstrap channel too, right after the output channel, so the final
// build supersedes it once present; a member of the cycle the bootstrap build broke resolves from the
// bootstrap channel first, always. Bootstrap artifacts are never published.
// The graph comes from run.hooks.planned (the planner calls it once per target).
import { join, sep } from 'node:path';
import type { Plugin } from '../../core/model/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { targetKey, type PackageNode, type StageName, type TaskStatus } from '../../core/model/types.ts';
import { isBuiltStatus } from '../../core/state/stage-status.ts';
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


/** The final (normal) build of a bootstrap node: same feedstock and extra version, not bootstrap. */
export function finalBuildOf(graph: PackageGraph, boot: PackageNode): string | null {
  let found: string | null = null;
  graph.forEachNode((id, n) => {
    if (found === null && !n.bootstrap && n.feedstock === boot.feedstock && n.extraVersion === boot.extraVersion) found = id;
  });
  return found;
}

/** Ids `id` needs for its build: its ancestors over build-blocking edges. */
export function buildAncestorIds(graph: PackageGraph, id: string): Set<string> {
  const seen = new Set<string>([id]);
  const stack = [id];
  while (stack.length) {
    const current = stack.pop()!;
    graph.forEachInEdge(current, (_e, attr, source) => {
      if (!attr.blocksBuild || seen.has(source)) return;
      seen.add(source);
      stack.push(source);
    });
  }
  seen.delete(id);
  return seen;
}

/** Bootstrap nodes `id` needs for its build: ancestors over build-blocking edges. */
export function bootstrapAncestors(graph: PackageGraph, id: string): PackageNode[] {
  const out: PackageNode[] = [];
  for (const a of buildAncestorIds(graph, id)) {
    const node = graph.getNodeAttributes(a);
    if (node.bootstrap) out.push(node);
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
        // Per graph and bootstrap node: its final build and what that final build needs (both
        // graph walks, asked for by every task that has the bootstrap node among its ancestors).
        const finals = new WeakMap<PackageGraph, Map<string, { id: string | null; needs: Set<string> }>>();
        const finalOf = (graph: PackageGraph, boot: PackageNode) => {
          let byBoot = finals.get(graph);
          if (!byBoot) finals.set(graph, (byBoot = new Map()));
          let final = byBoot.get(boot.id);
          if (!final) {
            const id = finalBuildOf(graph, boot);
            byBoot.set(boot.id, (final = { id, needs: id === null ? new Set() : buildAncestorIds(graph, id) }));
          }
          return final;
        };
        const done = new Set<string>();
        // Built: a done status, or any status of a stage after the build (a failed test is built).
        const mark = (target: { subdir: string; python: string }, id: string, status: TaskStatus, stage?: StageName) => {
          const key = `${targetKey(target as any)}/${id}`;
          if (isBuiltStatus({ status, stage, reason: null })) done.add(key);
          else done.delete(key);
        };

        run.hooks.planned.tap(PLUGIN_NAME, (plan) => void graphs.set(targetKey(plan.target), plan.graph));
        run.hooks.executionStart.tap(PLUGIN_NAME, (start) => start.tasks.forEach((t) => mark(t.target, t.id, t.status, t.stage)));
        run.hooks.taskEnd.tap(PLUGIN_NAME, (r) => mark(r.target, r.id, r.status, r.stage));

        run.hooks.prepareTask.tapPromise({ name: PLUGIN_NAME, stage: STAGE.PRE }, async (task) => {
          const output = task.outputChannel;
          if (task.node.bootstrap) task.outputChannel = channelDir;
          const graph = graphs.get(targetKey(task.target));
          if (!graph || !graph.hasNode(task.id)) {
            task.log(`${PLUGIN_NAME}: no plan graph for ${task.id} (${targetKey(task.target)}): bootstrap channel not added`);
            return task;
          }
          const boots = bootstrapAncestors(graph, task.id);
          // A member of the cycle a bootstrap build broke (the final build needs it) is built against
          // the bootstrap build, always: the bootstrap channel comes first (the solver takes a
          // package from the first channel that has it). Rebuilding it alone later — its artifact
          // was deleted — must not pick the final build, which needs it.
          const cycle = boots.filter((boot) => finalOf(graph, boot).needs.has(task.id));
          const pending = boots.filter((boot) => {
            const final = finalOf(graph, boot).id;
            return final === null || !done.has(`${targetKey(task.target)}/${final}`);
          });
          if ((cycle.length || pending.length) && !task.channels.includes(channelDir)) {
            const at = task.channels.indexOf(output);
            const channels = [...task.channels];
            channels.splice(cycle.length ? Math.max(at, 0) : at < 0 ? channels.length : at + 1, 0, channelDir);
            task.channels = channels;
            task.log(
              cycle.length
                ? `${PLUGIN_NAME}: resolving from ${channelDir} first (${task.id} is needed by the final build of ${cycle.map((p) => p.id).join(', ')})`
                : `${PLUGIN_NAME}: resolving from ${channelDir} too (${pending.map((p) => p.id).join(', ')} not superseded yet)`,
            );
          }
          return task;
        });

        run.hooks.shouldPublish.tap(PLUGIN_NAME, (group) =>
          group.members.some((m) => m.artifacts.some((a) => a.path.startsWith(channelDir + sep))) ? false : undefined,
        );
      });
    },
  };
}

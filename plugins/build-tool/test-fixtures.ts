// Fixtures for the builder tests: a recipe folder, a task wired to a real Run's exec hook, and fake
// build tools written as shell scripts.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Run } from '../../core/engine/run.ts';
import type { BuildTask, RecipeFormat, RecipeRef } from '../../core/model/types.ts';
import { testTask } from '../runner-container/test-task.ts';

/** aggregate/conda_build_config.yaml, aggregate/demo/recipe/{meta.yaml|recipe.yaml, conda_build_config.yaml}, a local channel. */
export function recipeFixture(dir: string, format: RecipeFormat, over: Partial<RecipeRef> = {}): { recipe: RecipeRef; channel: string } {
  const aggregate = join(dir, 'aggregate');
  const recipeDir = join(aggregate, 'demo', 'recipe');
  mkdirSync(recipeDir, { recursive: true });
  writeFileSync(join(aggregate, 'conda_build_config.yaml'), 'python:\n  - "3.12"\n');
  writeFileSync(join(recipeDir, 'conda_build_config.yaml'), 'bootstrap:\n  - "false"\n');
  writeFileSync(join(recipeDir, format), 'package:\n  name: demo\n  version: "1.0"\n');
  const channel = join(dir, 'channel-in');
  mkdirSync(join(channel, 'noarch'), { recursive: true });
  return {
    channel,
    recipe: {
      feedstock: 'demo', dir: recipeDir, file: join(recipeDir, format), format, aggregate,
      variantFiles: [join(aggregate, 'conda_build_config.yaml'), join(recipeDir, 'conda_build_config.yaml')],
      ...over,
    },
  };
}

/** A task for `recipe` whose exec goes through `run`'s exec hook (as the scheduler wires it). */
export function recipeTask(dir: string, run: Run | null, recipe: RecipeRef, over: Partial<BuildTask> = {}): BuildTask {
  const t = testTask(dir, { id: 'demo', ...over });
  t.node = { ...t.node, id: 'demo', feedstock: 'demo', recipe };
  if (run) t.exec = (req) => run.hooks.exec.promise({ ...req, task: t }).then((r) => r ?? Promise.reject(new Error('no runner answered')));
  return t;
}

/**
 * A fake build tool (POSIX sh, runs on the host and in the busybox image): records its argv one per
 * line in <outputFolder>/../argv.txt and its environment in <outputFolder>/../env.txt, then writes `package` (if any) into <outputFolder>/<subdir>/
 * and exits with `exit`. `outputFlag` names the flag that carries the output folder.
 */
export function writeFakeTool(path: string, o: { outputFlag: string; subdir: string; package?: string; exit?: number }): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(
    path,
    `#!/bin/sh
out=""
prev=""
for a in "$@"; do
  if [ "$prev" = "${o.outputFlag}" ]; then out="$a"; fi
  prev="$a"
done
[ -n "$out" ] || { echo "fake tool: no ${o.outputFlag}" >&2; exit 64; }
for a in "$@"; do printf '%s\\n' "$a"; done > "$out/../argv.txt"
env | sort > "$out/../env.txt"
echo "fake tool: building into $out"
${o.package ? `mkdir -p "$out/${o.subdir}"\nprintf 'package bytes of %s\\n' "${o.package}" > "$out/${o.subdir}/${o.package}"` : ''}
exit ${o.exit ?? 0}
`,
  );
  chmodSync(path, 0o755);
  return path;
}

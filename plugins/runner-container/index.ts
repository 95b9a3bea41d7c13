// rebuild:runner-container — runs build commands in a podman or docker container, one image per subdir.
// Taps run.exec at STAGE.DEFAULT, before the host runner (STAGE.FALLBACK); subdirs without an image
// are left to it. See README.md.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { PLUGIN_NAME, resolveOptions, type ContainerRunnerOptions } from './options.ts';
import { runContainer } from './run-container.ts';

export type { ContainerRunnerOptions } from './options.ts';
export { PLUGIN_NAME, optionsSchema } from './options.ts';
export { ContainerStartError } from './errors.ts';
export { ContainerRequestError } from './container-args.ts';
export { PluginOptionsError } from '../../core/engine/plugin-options.ts';

export function containerRunner(options: ContainerRunnerOptions): Plugin {
  const resolved = resolveOptions(options);
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        const imagePaths = new Map<string, Promise<string | null>>();
        run.hooks.exec.tapPromise({ name: PLUGIN_NAME, stage: STAGE.DEFAULT }, async (req) => {
          const image = resolved.images[req.task.target.subdir];
          if (!image) return undefined;
          return runContainer({ req, image, options: resolved, imagePaths, policy: run.config.environment });
        });
      });
    },
  };
}

// Plugin `rebuild:transmuter` (default set): taps run.hooks.transmute. Each artifact gets its other
// format next to it (a .tar.bz2 its .conda, a .conda its .tar.bz2) unless the artifacts already
// hold it; the conversion runs on worker threads (pool.ts), is verified against the source
// (convert.ts) and keeps an output already there only when it holds what the source holds (a .conda
// beside its .tar.bz2 in the artifacts is checked too). Returns the artifacts plus the new ones.
// Config: `transmute: { enabled, zstdLevel, threads }`.
// The conversion's code (convert.ts, the worker pool) is loaded at the first transmute
// (transmute-artifacts.ts), not by every command that loads the config.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';

export const PLUGIN_NAME = 'rebuild:transmuter';

export function transmuter(): Plugin {
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      const { transmute } = engine.config;
      engine.configReaders.declare(PLUGIN_NAME, ['transmute']);
      if (!transmute.enabled) return;
      const options = { zstdLevel: transmute.zstdLevel };
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        run.hooks.transmute.tapPromise(PLUGIN_NAME, async (artifacts, task) => {
          const { transmuteArtifacts, defaultThreads, sharedPool } = await import('./transmute-artifacts.ts');
          const p = sharedPool(transmute.threads ?? defaultThreads());
          // Nothing goes to the task's log on success (a build that logged nothing keeps no log file);
          // a failure reaches it through the engine with the error's message.
          void task;
          return transmuteArtifacts(artifacts, (source, target) => p.convert(source, target, options));
        });
      });
    },
  };
}

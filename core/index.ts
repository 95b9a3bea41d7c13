// Public API of the rebuild package: what configs and third-party plugins import.
export { defineConfig, type UserConfig, type UserProfile } from './config/define-config.ts';
export { env, type Secret } from './config/secret.ts';
export { definePlugin, type Plugin } from './model/plugin.ts';
export { Engine } from './engine/engine.ts';
export { Run, type RunHooks, type RunOptions } from './engine/run.ts';
export { STAGE } from './engine/stage.ts';
export { PluginHookError, HookTimeoutError, UserError } from './model/errors.ts';
export { BuildFailureError } from './model/failure.ts';
export { isBuiltStatus, stagedText } from './state/stage-status.ts';
export { validatePluginOptions, PluginOptionsError } from './engine/plugin-options.ts';
export { EXIT, type ExitCode } from './engine/exit-codes.ts';
// For plugins that write a channel kind of their own (examples/plugins/wheel-builder): a channel's
// folder from a path or file:// URL, its label folders, atomic writes, file hashes.
export { channelDir } from './conda/repodata-read.ts';
export { LocalChannel } from './conda/channel.ts';
export { writeFileAtomic } from './conda/atomic-write.ts';
export { sha256File } from './conda/file-hash.ts';
export type { ResolvedConfig } from './config/resolved.ts';
export type * from './model/types.ts';
export type { Plan, PlanNode } from './graph/plan.ts';
export type { PackageGraph } from './graph/package-graph.ts';

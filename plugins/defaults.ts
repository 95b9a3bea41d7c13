// The built-in plugins a config gets unless it names a plugin of the same name (merged by name):
// the embedded default needs no conda and no container engine — both recipe renderers, the
// selection vetoes, bootstrap builds, the script builder on the host runner, progress output.
import type { Plugin } from '../core/model/plugin.ts';
import { renderMetaYaml } from './render-meta-yaml/index.ts';
import { renderRecipeYaml } from './render-recipe-yaml/index.ts';
import { select } from './select/index.ts';
import { bootstrap } from './bootstrap/index.ts';
import { scriptBuilder } from './builder-script/index.ts';
import { hostRunner } from './runner-host/index.ts';
import { progress } from './progress/index.ts';

export function defaultPlugins(): Plugin[] {
  return [renderMetaYaml(), renderRecipeYaml(), select(), bootstrap(), scriptBuilder(), hostRunner(), progress()];
}

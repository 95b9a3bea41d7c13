// The built-in plugins a config gets unless it names a plugin of the same name (merged by name):
// the embedded default needs no conda and no container engine — both recipe renderers, the
// selection vetoes, bootstrap builds, the script builder on the host runner, the tester (every
// built package tested in a fresh prefix; off with `tests: { enabled: false }`), the transmuter
// (.tar.bz2 → .conda next to it, verified), the converter (off until `convert.to` lists arches:
// pure-Python packages converted from another arch's build), progress output, and the
// publisher (staging → validation → production, in the work dir unless the config names channels), and
// the report and the installability matrix of the tested and reference packages at the end of every
// run (<workDir>/report/).
import type { Plugin } from '../core/model/plugin.ts';
import { renderMetaYaml } from './render-meta-yaml/index.ts';
import { renderRecipeYaml } from './render-recipe-yaml/index.ts';
import { select } from './select/index.ts';
import { bootstrap } from './bootstrap/index.ts';
import { scriptBuilder } from './builder-script/index.ts';
import { hostRunner } from './runner-host/index.ts';
import { progress } from './progress/index.ts';
import { tester } from './tester/index.ts';
import { transmuter } from './transmuter/index.ts';
import { converter } from './converter/index.ts';
import { publisher } from './publisher/index.ts';
import { report } from './report/index.ts';
import { installability } from './installability/index.ts';

export function defaultPlugins(): Plugin[] {
  return [renderMetaYaml(), renderRecipeYaml(), select(), bootstrap(), scriptBuilder(), converter(), hostRunner(), tester(), transmuter(), progress(), publisher(), report(), installability()];
}

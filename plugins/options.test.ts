// Every built-in plugin validates its factory options against its own schema (validatePluginOptions):
// each schema describes every property and refuses unknown ones, and a bad option fails in the
// factory with PluginOptionsError naming the plugin and the option.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { referenceRows } from '../core/config/reference.ts';
import type { JsonSchema } from '../core/config/schema.ts';
import type { Plugin } from '../core/model/plugin.ts';
import { PluginOptionsError } from '../core/index.ts';
import * as bootstrap from './bootstrap/index.ts';
import * as condaBuild from './builder-conda-build/index.ts';
import * as rattlerBuild from './builder-rattler-build/index.ts';
import * as script from './builder-script/index.ts';
import * as progress from './progress/index.ts';
import * as metaYaml from './render-meta-yaml/index.ts';
import * as recipeYaml from './render-recipe-yaml/index.ts';
import * as container from './runner-container/index.ts';
import * as host from './runner-host/index.ts';
import * as select from './select/index.ts';
import * as channel from './source-channel/index.ts';
import * as publisher from './publisher/index.ts';
import * as tester from './tester/index.ts';

interface Case {
  name: string;
  schema: object;
  /** The factory called with valid options plus an unknown key. */
  withUnknown: () => Plugin;
}

const UNKNOWN = { notAnOption: true };
const cases: Case[] = [
  { name: bootstrap.PLUGIN_NAME, schema: bootstrap.optionsSchema, withUnknown: () => bootstrap.bootstrap(UNKNOWN as never) },
  { name: condaBuild.PLUGIN_NAME, schema: condaBuild.optionsSchema, withUnknown: () => condaBuild.condaBuildBuilder(UNKNOWN as never) },
  { name: rattlerBuild.PLUGIN_NAME, schema: rattlerBuild.optionsSchema, withUnknown: () => rattlerBuild.rattlerBuildBuilder(UNKNOWN as never) },
  { name: script.PLUGIN_NAME, schema: script.optionsSchema, withUnknown: () => script.scriptBuilder(UNKNOWN as never) },
  { name: progress.PLUGIN_NAME, schema: progress.optionsSchema, withUnknown: () => progress.progress(UNKNOWN as never) },
  { name: metaYaml.PLUGIN_NAME, schema: metaYaml.optionsSchema, withUnknown: () => metaYaml.renderMetaYaml(UNKNOWN as never) },
  { name: recipeYaml.PLUGIN_NAME, schema: recipeYaml.optionsSchema, withUnknown: () => recipeYaml.renderRecipeYaml(UNKNOWN as never) },
  { name: container.PLUGIN_NAME, schema: container.optionsSchema, withUnknown: () => container.containerRunner({ images: {}, ...UNKNOWN } as never) },
  { name: host.PLUGIN_NAME, schema: host.optionsSchema, withUnknown: () => host.hostRunner(UNKNOWN as never) },
  { name: select.PLUGIN_NAME, schema: select.optionsSchema, withUnknown: () => select.select(UNKNOWN as never) },
  { name: publisher.PLUGIN_NAME, schema: publisher.optionsSchema, withUnknown: () => publisher.publisher(UNKNOWN as never) },
  { name: tester.PLUGIN_NAME, schema: tester.optionsSchema, withUnknown: () => tester.tester(UNKNOWN as never) },
  { name: channel.PLUGIN_NAME, schema: channel.optionsSchema, withUnknown: () => channel.channelSource({ channel: '/c', ...UNKNOWN } as never) },
];

const schemas = suite('plugin options schemas');

schemas('every plugin schema describes every property and refuses unknown keys', () => {
  for (const c of cases) {
    assert.not.throws(() => referenceRows(c.schema as JsonSchema, {}), `${c.name}: a property without a description`);
    assert.is((c.schema as { additionalProperties?: unknown }).additionalProperties, false, `${c.name}: additionalProperties`);
  }
});

schemas('every factory rejects an unknown option, naming the plugin and the option', () => {
  for (const c of cases) {
    try {
      c.withUnknown();
      assert.unreachable(`${c.name} accepted an unknown option`);
    } catch (err) {
      assert.instance(err, PluginOptionsError, c.name);
      assert.is((err as Error).message, `invalid options for ${c.name}:\n  - options: unknown option 'notAnOption'`);
    }
  }
});

schemas.run();

// rebuild:publisher — publishes each publish group (a name-version across its required arches)
// through staging → validation → production (publish-group.ts), taps `run.hooks.publish`; writes a
// markdown notice per feedstock for each failure (`run.hooks.publishFailed`, notice.ts). The
// production channel is a folder, anaconda.org or a prefix.dev-style server, chosen by its URL or
// the `kind` option. See README.md.
import { join } from 'node:path';
import type { Engine } from '../../core/engine/engine.ts';
import type { Run } from '../../core/engine/run.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import type { ResolvedConfig } from '../../core/config/resolved.ts';
import { channelDir } from '../../core/conda/repodata-read.ts';
import { UserError } from '../../core/model/errors.ts';
import { EXIT } from '../../core/engine/exit-codes.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import type { PublishGroup } from '../../core/model/types.ts';
import { AnacondaChannel, anacondaOwnerOf, type AnacondaOptions } from './anaconda.ts';
import { MAIN_LABEL, type ChannelDestination } from './destination.ts';
import { LocalFolderChannel, SharedFolders } from './local-folder.ts';
import { NoticeWriter } from './notice.ts';
import { OutputsMap } from './owners.ts';
import { PrefixChannel, prefixChannelOf, type PrefixOptions } from './prefix.ts';
import type { PublishContext } from './publish-group.ts';

export const PLUGIN_NAME = 'rebuild:publisher';

// For notice plugins (a webhook, a chat bot): the markdown the default handler writes, per group.
export { feedstockOf, renderGroupSection, type PublishNoticeFailure } from './notice.ts';

export interface PublisherOptions {
  /** The kind of the production channel when its URL does not say (a folder, anaconda.org and prefix.dev URLs do). */
  kind?: 'local' | 'anaconda' | 'prefix';
  /** Write a markdown notice per feedstock in `<workDir>/notices/` for each failure (default true). */
  notices?: boolean;
  anaconda?: AnacondaOptions;
  prefix?: PrefixOptions;
}

const remoteProps = {
  skipExisting: { type: 'boolean', description: 'A file that exists with other content is left as it is (the re-check after the copy then fails the group).' },
  force: { type: 'boolean', description: 'A file that exists with other content is replaced.' },
  attempts: { type: 'integer', minimum: 1, description: 'Tries per request on a 5xx answer or a refused or reset connection (default 4).' },
  backoffMs: { type: 'integer', minimum: 0, description: 'Wait before the second try, doubled for each further one (default 1000).' },
} as const;

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { enum: ['local', 'anaconda', 'prefix'], description: 'Kind of the production channel when its URL does not say (http(s) URLs other than anaconda.org and prefix.dev).' },
    notices: { type: 'boolean', description: 'Write a markdown notice per feedstock in <workDir>/notices/ for each publish failure (default true).' },
    anaconda: {
      type: 'object',
      additionalProperties: false,
      description: 'anaconda.org uploads; the token is read from the environment variable ANACONDA_TOKEN only.',
      properties: {
        api: { type: 'string', description: 'API base URL (default https://api.anaconda.org).' },
        owner: { type: 'string', description: 'User or organisation to upload to (default: the first path part of the channel URL).' },
        ...remoteProps,
      },
    },
    prefix: {
      type: 'object',
      additionalProperties: false,
      description: 'prefix.dev-style uploads; the key is read from the environment variable PREFIX_API_KEY only.',
      properties: {
        server: { type: 'string', description: 'Server base URL (default: the channel URL origin).' },
        channel: { type: 'string', description: 'Channel name on the server (default: the channel URL path).' },
        ...remoteProps,
      },
    },
  },
} as const;

/** The publish settings the publisher reads from the config (keys it declares). */
export interface PublishSettings {
  staging: string;
  production: string;
  /** Label in staging and (unless productionLabel) in production; `main` = the channel itself. */
  label: string;
  productionLabel: string;
  owners: Record<string, string[]>;
}

export function publishSettings(config: ResolvedConfig): PublishSettings {
  const label = config.publish.label ?? MAIN_LABEL;
  return {
    staging: config.channels.staging ?? join(config.workDir, 'staging'),
    production: config.channels.production ?? join(config.workDir, 'production'),
    label,
    productionLabel: config.publish.productionLabel ?? label,
    owners: config.publish.owners ?? {},
  };
}

/** The production channel's destination: a folder, else by URL host, else the `kind` option. */
export function destinationFor(channel: string, options: PublisherOptions, log?: (line: string) => void, folders?: SharedFolders): ChannelDestination {
  const dir = channelDir(channel);
  if (dir !== null) return folders ? folders.acquire(dir, channel) : new LocalFolderChannel(dir, channel);
  const kind = options.kind ?? (anacondaOwnerOf(channel) ? 'anaconda' : prefixChannelOf(channel) ? 'prefix' : null);
  if (kind === 'anaconda') return new AnacondaChannel(channel, options.anaconda ?? {}, { log });
  if (kind === 'prefix') return new PrefixChannel(channel, options.prefix ?? {}, { log });
  throw new UserError(`channels.production ${channel}: which kind of server is it? Set the publisher's kind option ('anaconda' or 'prefix')`, EXIT.CONFIG);
}

function stagingFolder(staging: string, folders: SharedFolders): ChannelDestination {
  const dir = channelDir(staging);
  if (dir === null) throw new UserError(`channels.staging ${staging}: must be a folder (the publisher validates the staged files where they are)`, EXIT.CONFIG);
  return folders.acquire(dir, staging);
}

/** What publishing a run's groups needs, made once per run. */
export interface Publisher {
  owners: OutputsMap;
  notices: NoticeWriter | null;
  settings: PublishSettings;
  /** A context for one group (its log is where the destinations log retries). */
  context(group: Pick<PublishGroup, 'log' | 'signal'>, fire: PublishContext['fire']): PublishContext;
}

export function createPublisher(config: ResolvedConfig, options: PublisherOptions = {}): Publisher {
  const settings = publishSettings(config);
  const owners = new OutputsMap();
  for (const [feedstock, names] of Object.entries(settings.owners)) owners.add(feedstock, names, true);
  // Groups in flight at the same time share one index writer per local folder (see SharedFolders).
  const folders = new SharedFolders();
  return {
    owners,
    settings,
    notices: options.notices === false ? null : new NoticeWriter(join(config.workDir, 'notices')),
    context(group, fire) {
      return {
        publisher: PLUGIN_NAME,
        staging: stagingFolder(settings.staging, folders),
        stagingLabel: settings.label,
        production: destinationFor(settings.production, options, (line) => group.log(line), folders),
        productionLabel: settings.productionLabel,
        owners,
        fire,
      };
    },
  };
}

const byRun = new WeakMap<Run, Publisher>();

/** The publisher tapped into a run (`rebuild publish` feeds its outputs map from the state database). */
export function publisherOf(run: Run): Publisher | undefined {
  return byRun.get(run);
}

/** Tap one run: learn the outputs map from its plans, publish its groups, write notices. */
export function tapPublisher(run: Run, options: PublisherOptions = {}): Publisher {
  const publisher = createPublisher(run.config, options);
  byRun.set(run, publisher);
  run.hooks.planned.tap(PLUGIN_NAME, (plan) => {
    for (const node of plan.nodes) publisher.owners.add(node.feedstock, node.outputs);
  });
  if (publisher.notices) {
    const notices = publisher.notices;
    run.hooks.publishFailed.tapPromise({ name: PLUGIN_NAME, stage: STAGE.FALLBACK }, async (failure) => {
      await notices.record(failure);
    });
  }
  // The run ends by saying where its packages went (next to the report's line).
  run.hooks.report.tapPromise({ name: PLUGIN_NAME, stage: STAGE.OBSERVE }, async (summary) => {
    if (run.config.publish.enabled === false) return;
    const published = summary.counts.published ?? 0;
    process.stderr.write(`rebuild: production channel: ${publisher.settings.production} (${published} package(s) published; staging: ${publisher.settings.staging})\n`);
  });
  run.hooks.publish.tapPromise(PLUGIN_NAME, async (group) => {
    // publish.enabled: false — the engine holds groups; should one arrive anyway, this publisher does not own it.
    if (run.config.publish.enabled === false) return undefined;
    // The publishing's code (copy, validation, the index) is loaded at the first group published.
    const { publishGroup } = await import('./publish-group.ts');
    const ctx = publisher.context(group, (failure) => run.hooks.publishFailed.promise(failure));
    try {
      const result = await publishGroup(group, ctx);
      await publisher.notices?.clear(group);
      return result;
    } finally {
      await Promise.all([ctx.staging.close(), ctx.production.close()]);
    }
  });
  return publisher;
}

export function publisher(options: PublisherOptions = {}): Plugin & { options: PublisherOptions } {
  validatePluginOptions<PublisherOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    name: PLUGIN_NAME,
    options,
    apply(engine: Engine) {
      engine.configReaders.declare(PLUGIN_NAME, ['channels.staging', 'channels.production', 'publish.label', 'publish.productionLabel', 'publish.owners']);
      engine.hooks.run.tap(PLUGIN_NAME, (run) => void tapPublisher(run, options));
    },
  };
}

// A plugin that needs a token: it asks a remote build cache for a package before anything is built,
// and its error, like many HTTP clients' errors, quotes the URL it called, token included.
import { definePlugin, STAGE, type Secret } from 'rebuild';

export interface RemoteCacheOptions {
  url: string;
  token: Secret;
  /** Packages the cache is asked for (the example's cache answers with an error). */
  packages: string[];
}

export const remoteCache = definePlugin((options: RemoteCacheOptions) => ({
  name: 'example:remote-cache',
  apply(engine) {
    engine.hooks.run.tap('example:remote-cache', (run) => {
      for (const target of run.targets) {
        run.hooks.build.for(target.subdir).tapPromise({ name: 'example:remote-cache', stage: STAGE.PRE }, async (task) => {
          if (!task.node.outputs.some((o) => options.packages.includes(o))) return undefined;
          const url = `${options.url}/${target.subdir}/${task.id}?token=${encodeURIComponent(options.token.reveal())}`;
          task.log(`remote cache: GET ${url}`);
          throw new Error(`GET ${url}: 401 Unauthorized (token ${options.token.reveal()} expired)`);
        });
      }
    });
  },
}));

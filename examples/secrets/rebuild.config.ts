// Secrets, the way a release team has them: a token in the environment that one plugin needs
// (`env('MY_TOKEN')`), other variables a build may use, and recipes that try to read the token.
// The token never reaches a recipe, a build, the terminal, the logs, state.db or a package; the
// `pass-token` profile hands it to the builds that ask for it (script_env), and it is still
// redacted from everything written. See examples/secrets/secrets.test.ts.
import { defineConfig, env } from 'rebuild';
import { remoteCache } from './remote-cache.ts';

export default defineConfig({
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: './aggregate',
  workDir: '.rebuild',
  concurrency: 1,
  bootstrap: { python: false },
  retry: { attempts: 1 },
  // What recipes and builds may see: FEATURE_FLAG, and MY_* except the token (a prefix never
  // matches a secret: env('MY_TOKEN') makes MY_TOKEN one).
  environment: { allow: ['FEATURE_FLAG', 'MY_*'] },
  plugins: [remoteCache({ url: 'https://cache.example.org/api', token: env('MY_TOKEN'), packages: ['leaky'] })],
  profiles: {
    'pass-token': { description: 'builds that list MY_TOKEN in script_env get it', environment: { allow: ['MY_TOKEN'] } },
  },
});

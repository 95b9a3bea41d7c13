// The repo's own config: rebuilds the bundled example aggregate (examples/basic) for python 3.13
// with the embedded defaults — the script builder on the host, local channels, SQLite state.
import { defineConfig } from 'rebuild';

export default defineConfig({
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: './examples/basic/aggregate',
  workDir: '.rebuild',
  concurrency: 2,
  blocklist: [
    { name: 'heavy-ml', reason: 'too-heavy', note: 'needs GPUs to build; built by hand later' },
  ],
  profiles: {
    smoke: { description: 'one worker, short timeouts', concurrency: 1, timeouts: { buildSeconds: 120 } },
    release: { description: 'every arch the example has recipes for', extends: 'smoke', concurrency: 2 },
  },
});

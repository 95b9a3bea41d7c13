// Planning before there is an aggregate checkout: `rebuild plan --channel <channel>` plans the
// python 3.6 → 3.7 rebuild from a channel's repodata.json alone (package names with builds for 3.6,
// edges from their records' depends). The aggregate is not read in that mode.
import { defineConfig } from 'rebuild';

export default defineConfig({
  python: { from: '3.6', to: '3.7' },
  arches: ['linux-64'],
  aggregate: '.',
  workDir: '../../.rebuild-channel-only',
});

// A config that loads a local plugin by relative import: failed publications are posted to a
// webhook (NOTICE_WEBHOOK_URL) besides the markdown notices the publisher writes in the work dir.
// See examples/plugins/webhook-notice.test.ts.
import { defineConfig, env } from 'rebuild';
import { webhookNotice } from './webhook-notice.ts';

export default defineConfig({
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: '../basic/aggregate',
  workDir: '.rebuild',
  publish: { label: 'rc' },
  plugins: [webhookNotice({ url: process.env.NOTICE_WEBHOOK_URL ?? 'https://hooks.example.org/rebuild', token: env('NOTICE_WEBHOOK_TOKEN') })],
});

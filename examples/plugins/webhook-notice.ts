// A third-party notice plugin: posts each publish failure to a webhook (a chat channel, an issue
// bot) as JSON `{ text, feedstock, group, step, package, reason }`, `text` being the markdown section
// the publisher's own notice has for the group. Written against the package's public API; loaded by
// a relative import from ./rebuild.config.ts. A webhook that fails is logged in the group's log and
// never hides the publish failure itself.
import { definePlugin, STAGE, type Secret } from 'rebuild';
import { feedstockOf, renderGroupSection } from 'rebuild/plugins/publisher';

export interface WebhookNoticeOptions {
  /** Where to POST. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when given (env('...'): never written anywhere). */
  token?: Secret;
}

export const webhookNotice = definePlugin((options: WebhookNoticeOptions) => ({
  name: 'acme:webhook-notice',
  apply(engine) {
    engine.hooks.run.tap('acme:webhook-notice', (run) => {
      run.hooks.publishFailed.tapPromise({ name: 'acme:webhook-notice', stage: STAGE.OBSERVE }, async (failure) => {
        const { group, artifact } = failure;
        const body = {
          text: renderGroupSection(group, [failure]),
          feedstock: feedstockOf(failure),
          group: group.key,
          step: failure.step,
          package: artifact ? `${artifact.subdir}/${artifact.filename}` : null,
          reason: failure.reason,
        };
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (options.token?.isSet()) headers.Authorization = `Bearer ${options.token.reveal()}`;
        try {
          const res = await fetch(options.url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
          await res.body?.cancel();
          if (!res.ok) group.log(`acme:webhook-notice: the webhook answered HTTP ${res.status}`);
        } catch (err) {
          group.log(`acme:webhook-notice: the webhook could not be reached: ${(err as Error).message}`);
        }
      });
    });
  },
}));

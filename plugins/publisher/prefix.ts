// A prefix.dev-style server as a publish destination: one authenticated POST per file, as
// rattler-build's `upload prefix` sends it:
//   POST <server>/api/v1/upload/<channel>[?force=true]   Authorization: Bearer <PREFIX_API_KEY>
//        multipart/form-data, one part `file` (filename, Content-Type application/octet-stream,
//        X-File-Name, X-File-SHA256) → 2xx; 409 when the file exists; 401/403 when refused
// and the channel's index to look a file up (and re-check its hash after the upload):
//   GET  <server>/<channel>/<subdir>/repodata.json
// The key comes from the environment only (env('PREFIX_API_KEY')). Labels do not exist there: the
// label is ignored. Not tried against the real service (see README.md).
import { openAsBlob } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { readRepodata } from '../../core/conda/repodata-read.ts';
import { env, type Secret } from '../../core/config/secret.ts';
import { ChannelConflictError, TransientUploadError, type ChannelDestination, type PackageFile, type PutResult } from './destination.ts';
import { jsonOf, requestWithRetry, snippet, type RetryPolicy } from './http.ts';

export interface PrefixOptions {
  /** Server base URL. Default: the channel URL's origin (https://prefix.dev). */
  server?: string;
  /** Channel name on the server. Default: the channel URL's path. */
  channel?: string;
  /** A 409 (the file exists) is not an error; the re-check compares what the channel holds. */
  skipExisting?: boolean;
  /** Overwrite a file that exists (`?force=true`). */
  force?: boolean;
  /** Tries per request (5xx, refused or reset connections). Default 4. */
  attempts?: number;
  /** Wait before the second try, doubled after. Default 1000 ms. */
  backoffMs?: number;
}

export const PREFIX_API_KEY = 'PREFIX_API_KEY';

/** `https://prefix.dev/<channel>` → { server, channel }; null for other URLs. */
export function prefixChannelOf(url: string): { server: string; channel: string } | null {
  const m = /^(https?:\/\/(?:www\.)?prefix\.dev)\/(?:channels\/)?([^/?#]+)/i.exec(url);
  return m ? { server: m[1], channel: decodeURIComponent(m[2]) } : null;
}

/** A multipart body with one `file` part carrying the per-part headers FormData cannot set. */
async function multipartFile(file: PackageFile): Promise<{ body: Blob; contentType: string }> {
  const boundary = `----rebuild-${randomBytes(12).toString('hex')}`;
  const name = file.filename.replace(/["\r\n]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n' +
      `Content-Length: ${file.size}\r\n` +
      `X-File-Name: ${name}\r\n` +
      `X-File-SHA256: ${file.sha256}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: new Blob([head, await openAsBlob(file.path), tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

export class PrefixChannel implements ChannelDestination {
  readonly kind = 'prefix' as const;
  private readonly server: string;
  private readonly name: string;
  private readonly key: Secret;

  constructor(
    readonly channel: string,
    private readonly options: PrefixOptions,
    private readonly policy: Omit<RetryPolicy, 'attempts' | 'backoffMs'> = {},
  ) {
    const parsed = prefixChannelOf(channel);
    const server = options.server ?? parsed?.server;
    const name = options.channel ?? parsed?.channel;
    if (!server || !name) throw new Error(`channel ${channel}: no prefix.dev server and channel; set the publisher's prefix.server and prefix.channel options or use https://prefix.dev/<channel>`);
    this.server = server.replace(/\/+$/, '');
    this.name = name;
    this.key = env(PREFIX_API_KEY);
  }

  private retry(): RetryPolicy {
    return { attempts: this.options.attempts ?? 4, backoffMs: this.options.backoffMs ?? 1000, ...this.policy };
  }

  async lookup(file: PackageFile): Promise<string | null> {
    const repodata = await readRepodata(`${this.server}/${encodeURIComponent(this.name)}`, file.subdir);
    const record = repodata.packages[file.filename] ?? repodata['packages.conda'][file.filename];
    return typeof record?.sha256 === 'string' ? record.sha256 : null;
  }

  async put(file: PackageFile): Promise<PutResult> {
    const location = `${this.server}/${this.name}/${file.subdir}/${file.filename}`;
    const existing = await this.lookup(file);
    if (existing === file.sha256) return { sha256: existing, skipped: true, location };
    if (existing !== null && this.options.skipExisting && !this.options.force) return { sha256: existing, skipped: true, location };
    if (existing !== null && !this.options.force) {
      throw new ChannelConflictError(`${location} exists with other content (sha256 ${existing}, this file ${file.sha256}); remove it or set the publisher's prefix.force`, existing);
    }
    if (!this.key.isSet()) throw new Error(`${PREFIX_API_KEY} is not set: export an API key with upload rights for channel ${this.name}`);
    const what = `${this.server}: upload ${file.subdir}/${file.filename} to ${this.name}`;
    const url = `${this.server}/api/v1/upload/${encodeURIComponent(this.name)}${this.options.force ? '?force=true' : ''}`;
    const { body, contentType } = await multipartFile(file);
    const answer = await requestWithRetry(
      what,
      () => ({ url, init: { method: 'POST', headers: { Authorization: `Bearer ${this.key.reveal()}`, 'Content-Type': contentType }, body } }),
      this.retry(),
    );
    if (answer.status === 401 || answer.status === 403) {
      throw new Error(`${what}: HTTP ${answer.status}: ${PREFIX_API_KEY} is not accepted (an API key with upload rights for channel ${this.name} is needed)`);
    }
    if (answer.status === 409 && !this.options.skipExisting) {
      throw new ChannelConflictError(`${location}: HTTP 409, the channel has this file already; set the publisher's prefix.skipExisting or prefix.force`, null);
    }
    if (answer.status !== 409 && (answer.status < 200 || answer.status >= 300)) {
      throw new Error(`${what}: HTTP ${answer.status}${answer.text ? `: ${snippet(answer.text)}` : ''}`);
    }
    const reported = jsonOf(answer)?.sha256;
    if (typeof reported === 'string') return { sha256: reported, skipped: answer.status === 409, location };
    // No hash in the answer: read it from the channel's index (a server may index a moment later).
    const policy = this.retry();
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
      const sha = await this.lookup(file);
      if (sha !== null) return { sha256: sha, skipped: answer.status === 409, location };
      await sleep(policy.backoffMs * 2 ** (attempt - 1), undefined, { signal: policy.signal });
    }
    throw new TransientUploadError(`${what}: uploaded, but ${this.server}/${this.name}/${file.subdir}/repodata.json does not list it: its hash cannot be checked`);
  }

  async remove(): Promise<void> {
    // No delete endpoint is known here: a bad upload is reported, and removed by hand.
  }

  async close(): Promise<void> {}
}

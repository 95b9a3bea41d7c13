// anaconda.org (or an Anaconda Server with the same API) as a publish destination, with the calls
// anaconda-client's `anaconda upload` makes (binstar_client: Binstar.upload and its helpers):
//   GET  /dist/<owner>/<name>/<version>/<subdir>/<file>      does the file exist (and its sha256)
//   DELETE the same                                           --force: remove it first
//   GET/POST /package/<owner>/<name>                          create the package when missing
//   GET/POST /release/<owner>/<name>/<version>                create the release when missing
//   POST /stage/<owner>/<name>/<version>/<subdir>/<file>      { distribution_type, attrs: index.json,
//        channels: [label], sha256 } → { post_url, form_data, dist_id } (409: it exists)
//   POST <post_url>                                           multipart: form_data, Content-Length,
//        Content-MD5 (base64), file → 201 (the storage bucket; no token is sent there)
//   POST /commit/<owner>/<name>/<version>/<subdir>/<file>     { dist_id } → the file's record
// Headers: `Authorization: token <ANACONDA_TOKEN>`, `Accept: application/json`. The token comes from
// the environment only (env('ANACONDA_TOKEN')) and is registered with the redactor when read.
// Not tried against the real service (see README.md).
import { openAsBlob } from 'node:fs';
import { readPackageInfoFiles } from '../../core/conda/read-package.ts';
import { digestFile } from '../../core/conda/file-hash.ts';
import { env, type Secret } from '../../core/config/secret.ts';
import { ChannelConflictError, type ChannelDestination, type PackageFile, type PutResult } from './destination.ts';
import { jsonOf, requestWithRetry, snippet, type HttpAnswer, type RetryPolicy } from './http.ts';

export interface AnacondaOptions {
  /** API base URL. Default https://api.anaconda.org. */
  api?: string;
  /** The user or organisation to upload to. Default: the first path part of the channel URL. */
  owner?: string;
  /** A file that exists with other content is left as it is (the re-check after the copy then fails). */
  skipExisting?: boolean;
  /** A file that exists with other content is removed first, then uploaded. */
  force?: boolean;
  /** Tries per request (5xx, refused or reset connections). Default 4. */
  attempts?: number;
  /** Wait before the second try, doubled after. Default 1000 ms. */
  backoffMs?: number;
}

export const ANACONDA_TOKEN = 'ANACONDA_TOKEN';

/** `https://anaconda.org/<owner>[/...]` → owner; null for other URLs. */
export function anacondaOwnerOf(channel: string): string | null {
  const m = /^https?:\/\/(?:www\.)?anaconda\.org\/([^/]+)/i.exec(channel);
  return m ? decodeURIComponent(m[1]) : null;
}

const enc = encodeURIComponent;

export class AnacondaChannel implements ChannelDestination {
  readonly kind = 'anaconda' as const;
  private readonly api: string;
  private readonly owner: string;
  private readonly token: Secret;

  constructor(
    readonly channel: string,
    private readonly options: AnacondaOptions,
    private readonly policy: Omit<RetryPolicy, 'attempts' | 'backoffMs'> = {},
  ) {
    this.api = (options.api ?? 'https://api.anaconda.org').replace(/\/+$/, '');
    const owner = options.owner ?? anacondaOwnerOf(channel);
    if (!owner) throw new Error(`channel ${channel}: no anaconda.org owner; set the publisher's anaconda.owner option or use https://anaconda.org/<owner>`);
    this.owner = owner;
    this.token = env(ANACONDA_TOKEN);
  }

  private retry(): RetryPolicy {
    return { attempts: this.options.attempts ?? 4, backoffMs: this.options.backoffMs ?? 1000, ...this.policy };
  }

  private headers(json = false): Record<string, string> {
    if (!this.token.isSet()) throw new Error(`${ANACONDA_TOKEN} is not set: export a token with upload rights for ${this.owner} (anaconda auth --create)`);
    return { Authorization: `token ${this.token.reveal()}`, Accept: 'application/json', ...(json ? { 'Content-Type': 'application/json' } : {}) };
  }

  private call(what: string, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    return requestWithRetry(
      what,
      () => ({ url: `${this.api}${path}`, init: { method, headers: this.headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) } }),
      this.retry(),
    );
  }

  /** A 4xx that is not expected: one line that says what to do. */
  private fail(what: string, answer: HttpAnswer): never {
    if (answer.status === 401 || answer.status === 403) {
      throw new Error(`${what}: HTTP ${answer.status}: ${ANACONDA_TOKEN} is not accepted for ${this.owner} (a token with api:write scope for that owner is needed)`);
    }
    throw new Error(`${what}: HTTP ${answer.status}${answer.text ? `: ${snippet(answer.text)}` : ''}`);
  }

  private distPath(file: PackageFile): string {
    return `/dist/${enc(this.owner)}/${enc(file.name)}/${enc(file.version)}/${enc(file.subdir)}/${enc(file.filename)}`;
  }

  async lookup(file: PackageFile): Promise<string | null> {
    const what = `anaconda.org ${this.owner}: look up ${file.subdir}/${file.filename}`;
    const answer = await this.call(what, 'GET', this.distPath(file));
    if (answer.status === 404) return null;
    if (answer.status !== 200) this.fail(what, answer);
    const sha = jsonOf(answer)?.sha256;
    if (typeof sha !== 'string') throw new Error(`${what}: the answer has no sha256`);
    return sha;
  }

  private async ensure(kind: 'package' | 'release', path: string, body: unknown): Promise<void> {
    const what = `anaconda.org ${this.owner}: ${kind} ${path.split('/').slice(3).map(decodeURIComponent).join(' ')}`;
    const got = await this.call(what, 'GET', path);
    if (got.status === 200) return;
    if (got.status !== 404) this.fail(what, got);
    const made = await this.call(what, 'POST', path, body);
    // 409: made meanwhile by another upload (of another arch).
    if (made.status !== 200 && made.status !== 201 && made.status !== 409) this.fail(what, made);
  }

  async put(file: PackageFile, label: string): Promise<PutResult> {
    const location = `${this.owner}/${file.subdir}/${file.filename}`;
    const existing = await this.lookup(file);
    if (existing === file.sha256) return { sha256: existing, skipped: true, location };
    if (existing !== null) {
      if (this.options.skipExisting && !this.options.force) return { sha256: existing, skipped: true, location };
      if (!this.options.force) {
        throw new ChannelConflictError(`anaconda.org ${location} exists with other content (sha256 ${existing}, this file ${file.sha256}); remove it or set the publisher's anaconda.force`, existing);
      }
      await this.remove(file);
    }
    const info = await readPackageInfoFiles(file.path, ['info/index.json', 'info/about.json']);
    const index = JSON.parse(info.get('info/index.json')!.toString('utf8'));
    const about = info.has('info/about.json') ? JSON.parse(info.get('info/about.json')!.toString('utf8')) : {};
    const o = enc(this.owner);
    const n = enc(file.name);
    await this.ensure('package', `/package/${o}/${n}`, {
      public: true,
      publish: false,
      public_attrs: { package_types: ['conda'], name: file.name, summary: about.summary ?? null, license: about.license ?? index.license ?? null },
    });
    await this.ensure('release', `/release/${o}/${n}/${enc(file.version)}`, { requirements: [], announce: false, description: null });

    const stageWhat = `anaconda.org ${this.owner}: stage ${file.subdir}/${file.filename}`;
    const staged = await this.call(stageWhat, 'POST', `/stage/${o}/${n}/${enc(file.version)}/${enc(file.subdir)}/${enc(file.filename)}`, {
      distribution_type: 'conda',
      description: null,
      attrs: index,
      channels: [label],
      sha256: file.sha256,
    });
    if (staged.status === 409) {
      throw new ChannelConflictError(`anaconda.org ${location} was uploaded by someone else meanwhile (HTTP 409); run the publish again to compare it`, null);
    }
    if (staged.status !== 200 && staged.status !== 201) this.fail(stageWhat, staged);
    const stage = jsonOf(staged);
    const postUrl = stage?.post_url ?? stage?.s3_url;
    const formData = stage?.form_data ?? stage?.s3form_data;
    if (typeof postUrl !== 'string' || !formData || typeof stage.dist_id !== 'string') throw new Error(`${stageWhat}: the answer has no post_url, form_data or dist_id`);

    const { md5, size } = await digestFile(file.path);
    const blob = await openAsBlob(file.path);
    const uploadWhat = `anaconda.org ${this.owner}: upload ${file.subdir}/${file.filename}`;
    const uploaded = await requestWithRetry(
      uploadWhat,
      () => {
        const form = new FormData();
        for (const [k, v] of Object.entries(formData)) form.append(k, String(v));
        form.append('Content-Length', String(size));
        form.append('Content-MD5', Buffer.from(md5, 'hex').toString('base64'));
        form.append('file', blob, file.filename);
        return { url: postUrl, init: { method: 'POST', headers: { Accept: 'application/json' }, body: form } };
      },
      this.retry(),
    );
    if (uploaded.status < 200 || uploaded.status >= 300) this.fail(uploadWhat, uploaded);

    const commitWhat = `anaconda.org ${this.owner}: commit ${file.subdir}/${file.filename}`;
    const committed = await this.call(commitWhat, 'POST', `/commit/${o}/${n}/${enc(file.version)}/${enc(file.subdir)}/${enc(file.filename)}`, { dist_id: stage.dist_id });
    if (committed.status !== 200 && committed.status !== 201) this.fail(commitWhat, committed);
    const reported = jsonOf(committed)?.sha256;
    return { sha256: typeof reported === 'string' ? reported : ((await this.lookup(file)) ?? ''), skipped: false, location };
  }

  async remove(file: PackageFile): Promise<void> {
    const what = `anaconda.org ${this.owner}: remove ${file.subdir}/${file.filename}`;
    const answer = await this.call(what, 'DELETE', this.distPath(file));
    if (answer.status !== 200 && answer.status !== 201 && answer.status !== 204 && answer.status !== 404) this.fail(what, answer);
  }

  async close(): Promise<void> {}
}

// The worker's side of `queue.upload`: each artifact streamed to the coordinator's endpoint
// (upload-server.ts) with its size and sha256, `Expect: 100-continue` so a refused token costs no
// body. A refusal or a lost connection throws a BuildFailureError saying which: the job fails with it
// and the coordinator records nothing (a lost connection is `network`, retried by the coordinator's
// retry settings; a wrong token or a refused file is not).
import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import type { Artifact } from '../model/types.ts';
import { BuildFailureError, errorMessage } from '../model/failure.ts';
import type { ArtifactSink, StoredArtifact } from './artifact-store.ts';
import type { UploadSettings } from './connection.ts';
import { SHA256_HEADER } from './upload-server.ts';

export class HttpArtifactUpload implements ArtifactSink {
  constructor(private readonly settings: Pick<UploadSettings, 'url' | 'token' | 'variable'>) {}

  async put(jobId: string, artifacts: Artifact[]): Promise<StoredArtifact[]> {
    const out: StoredArtifact[] = [];
    for (const a of artifacts) {
      const filename = basename(a.filename || a.path);
      const { stored } = await this.send(jobId, a, filename);
      const { path: _path, ...rest } = a;
      out.push({ ...rest, filename, stored });
    }
    return out;
  }

  /** PUT one file; resolves with the coordinator's answer (where it keeps the file). */
  private send(jobId: string, a: Artifact, filename: string): Promise<{ stored: string }> {
    const base = this.settings.url.endsWith('/') ? this.settings.url : `${this.settings.url}/`;
    const url = new URL(`artifacts/${[jobId, a.subdir, filename].map(encodeURIComponent).join('/')}`, base);
    const what = `artifact upload of ${filename} to ${base}`;
    const token = this.settings.token();
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: BuildFailureError) => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(err);
      };
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(url, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'content-length': String(a.size),
          [SHA256_HEADER]: a.sha256,
          expect: '100-continue',
        },
      });
      req.on('continue', () => {
        const body = createReadStream(a.path);
        body.on('error', (err) => fail(new BuildFailureError(`${what}: could not read ${a.path}: ${errorMessage(err)}`, 'build')));
        body.pipe(req);
      });
      req.on('response', (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => void (text.length < 4096 && (text += d)));
        res.on('end', () => {
          if (settled) return;
          if (res.statusCode === 201) {
            settled = true;
            try {
              resolve(JSON.parse(text) as { stored: string });
            } catch {
              reject(new BuildFailureError(`${what}: the answer is not the endpoint's (${text.slice(0, 200)})`, 'network'));
            }
            return;
          }
          const said = text.trim().slice(0, 300);
          if (res.statusCode === 401) {
            fail(new BuildFailureError(`${what} refused (401): wrong or missing token: ${this.settings.variable} must hold the coordinator's value; nothing was kept`, 'build'));
          } else {
            fail(new BuildFailureError(`${what} refused (${res.statusCode}): ${said}`, (res.statusCode ?? 500) >= 500 ? 'network' : 'build'));
          }
        });
        res.on('error', (err) => fail(new BuildFailureError(`${what}: connection lost while reading the answer (${errorMessage(err)}); nothing was kept`, 'network')));
      });
      req.on('error', (err) => fail(new BuildFailureError(`${what}: connection lost (${errorMessage(err)}): the coordinator kept nothing`, 'network')));
    });
  }
}

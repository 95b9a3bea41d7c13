// A render worker of render-pool.ts: every job offered to it that it claims first (render-pool.ts's
// shared claims) it renders with the local renderers and answers with the result, or with ok: false
// (the caller renders it again itself, so the error it sees is the local one). A job another thread
// claimed is skipped without an answer.
import { parentPort, workerData } from 'node:worker_threads';
import type { RenderedRecipe } from '../model/types.ts';
import { claimJob, type RenderJob, type RenderWorkerData } from './render-pool.ts';
import { renderMetaYamlHere } from './meta-yaml/render.ts';
import { renderRecipeYamlHere } from './recipe-yaml/render.ts';

const port = parentPort!;
const { claims: buffer, index } = workerData as RenderWorkerData;
const claims = new Int32Array(buffer);

port.on('message', async ({ id, job }: { id: number; job: Omit<RenderJob, 'options'> & { options: Record<string, unknown> } }) => {
  if (!claimJob(claims, id, -(index + 1))) return;
  Atomics.add(claims, 0, 1);
  let rendered: RenderedRecipe;
  try {
    rendered =
      job.format === 'meta.yaml'
        ? await renderMetaYamlHere(job.recipe, job.target, job.options)
        : await renderRecipeYamlHere(job.recipe, job.target, job.options);
  } catch {
    port.postMessage({ id, ok: false });
    return;
  }
  try {
    port.postMessage({ id, ok: true, rendered });
  } catch {
    port.postMessage({ id, ok: false });
  }
});

port.postMessage({ ready: true });

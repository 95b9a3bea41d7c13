// A render worker of render-pool.ts: renders the jobs it is sent with the local renderers and
// answers each with the result, or with ok: false (the caller renders it again itself, so the
// error it sees is the local one).
import { parentPort } from 'node:worker_threads';
import type { RenderedRecipe } from '../model/types.ts';
import type { RenderJob } from './render-pool.ts';
import { renderMetaYamlHere } from './meta-yaml/render.ts';
import { renderRecipeYamlHere } from './recipe-yaml/render.ts';

const port = parentPort!;

port.on('message', async ({ id, job }: { id: number; job: Omit<RenderJob, 'options'> & { options: Record<string, unknown> } }) => {
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

// Worker side of core/conda/index-thread.ts: the same functions the index writer runs in place.
import { compress } from 'zstd-napi';
import { serveWorker } from '../threads/worker-pool.ts';
import type { IndexRequest } from './index-thread.ts';
import { readEntries } from './repodata.ts';
import { forgetGenerations, writeGeneration } from './generation-write.ts';

serveWorker<IndexRequest, unknown>((req) => {
  if (req.kind === 'read') return readEntries(req.subdir, req.items, 8, true);
  if (req.kind === 'generation') return writeGeneration(req);
  if (req.kind === 'forget') return forgetGenerations(req.key);
  return compress(req.data, { compressionLevel: req.level });
});

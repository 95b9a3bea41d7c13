// A transmuter worker thread (pool.ts): converts the packages it is sent and answers each with the
// result, or with the error's class, message and differences (rebuilt as the same class there).
import { parentPort } from 'node:worker_threads';
import { convertPackage, type ConvertOptions } from './convert.ts';

const port = parentPort!;

port.on('message', async ({ id, source, target, options }: { id: number; source: string; target: string; options: ConvertOptions }) => {
  try {
    port.postMessage({ id, ok: true, result: await convertPackage(source, target, options) });
  } catch (err) {
    const e = err as Error & { differences?: string[]; code?: string; syscall?: string };
    port.postMessage({ id, ok: false, error: { name: e?.name, message: e?.message ?? String(err), differences: e?.differences, code: e?.code, syscall: e?.syscall } });
  }
});

port.postMessage({ ready: true });

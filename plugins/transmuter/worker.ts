// A transmuter worker thread (pool.ts): converts the packages it is sent and answers each with the
// result, or with the error's class, message and fields (rebuilt as the same class there).
import { serveWorker } from '../../core/threads/worker-pool.ts';
import { convertPackage } from './convert.ts';
import type { ConvertRequest } from './pool.ts';

serveWorker(({ source, target, options }: ConvertRequest) => convertPackage(source, target, options));

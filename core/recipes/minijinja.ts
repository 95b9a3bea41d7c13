// minijinja-js for the renderers, its WebAssembly module compiled once per process and shared with
// the render workers. minijinja-js's Node build compiles its 1 MB module in every thread that loads
// it, so each thread also tiers its hot functions up again (the first ~100 renders of a thread pay
// ~2 ms each for it). Its web build (the same minijinja, same version) takes a compiled module:
// the render pool passes this thread's to its workers (`workerData.minijinja`; a WebAssembly.Module
// crosses threads without a copy), so compiled and tiered-up code is shared by every thread.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';
import { Environment, initSync, type SyncInitInput } from 'minijinja-js/dist/web/minijinja_js.js';

/** A compiled WebAssembly module (the project's TypeScript libs do not declare WebAssembly's values). */
export type WasmModule = object;
const { Module } = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule } }).WebAssembly;

let compiled: WasmModule | undefined;

/** This process's minijinja module: the one the render pool gave this worker, else compiled here once. */
export function minijinjaModule(): WasmModule {
  if (!compiled) {
    const given = (workerData as { minijinja?: unknown } | null)?.minijinja;
    compiled = given instanceof Module ? given : new Module(readFileSync(createRequire(import.meta.url).resolve('minijinja-js/dist/web/minijinja_js_bg.wasm')));
  }
  return compiled;
}

initSync({ module: minijinjaModule() as SyncInitInput });

export { Environment };

// @conda-org/rattler, loaded from its CommonJS build: the same bindings and wasm as its ES module
// build, which inlines the 3 MB wasm in 4 MB of JavaScript — ~0.1 s of CPU to load through tsx, in
// every thread that loads it (the CLI, each render worker); the CommonJS build reads the .wasm file
// (~0.04 s). One module for every user, so a process holds one copy of the wasm.
import { createRequire } from 'node:module';
import type * as Rattler from '@conda-org/rattler';

const rattler = createRequire(import.meta.url)('@conda-org/rattler') as typeof Rattler;

export const { Version, VersionSpec, simpleSolve } = rattler;
export type Version = Rattler.Version;
export type VersionSpec = Rattler.VersionSpec;
export type { Platform } from '@conda-org/rattler';

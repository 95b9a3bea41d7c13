#!/usr/bin/env node
// Entry point: registers the tsx loader so the TypeScript sources (and TypeScript configs) run as-is.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

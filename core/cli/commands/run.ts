import { notImplemented } from './not-implemented.ts';

export async function runCommand(): Promise<number> {
  return notImplemented('run');
}

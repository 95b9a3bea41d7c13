import { notImplemented } from './not-implemented.ts';

export async function readyCommand(): Promise<number> {
  return notImplemented('ready');
}

import { notImplemented } from './not-implemented.ts';

export async function whyCommand(): Promise<number> {
  return notImplemented('why');
}

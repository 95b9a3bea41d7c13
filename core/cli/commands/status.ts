import { notImplemented } from './not-implemented.ts';

export async function statusCommand(): Promise<number> {
  return notImplemented('status');
}

import { notImplemented } from './not-implemented.ts';

export async function reportCommand(): Promise<number> {
  return notImplemented('report');
}

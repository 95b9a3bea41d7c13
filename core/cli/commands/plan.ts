import { notImplemented } from './not-implemented.ts';

export async function planCommand(): Promise<number> {
  return notImplemented('plan');
}

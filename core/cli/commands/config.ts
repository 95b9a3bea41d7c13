import { notImplemented } from './not-implemented.ts';

export async function configCommand(): Promise<number> {
  return notImplemented('config');
}

import { notImplemented } from './not-implemented.ts';

export async function validateCommand(): Promise<number> {
  return notImplemented('validate');
}

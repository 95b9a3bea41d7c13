import { notImplemented } from './not-implemented.ts';

export async function renderCommand(): Promise<number> {
  return notImplemented('render');
}

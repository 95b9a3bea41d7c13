import { notImplemented } from './not-implemented.ts';

export async function logsCommand(): Promise<number> {
  return notImplemented('logs');
}

// `--arch` narrows a command to arches of the config; one outside it is a usage error (exit 64).
import { UserError } from '../model/errors.ts';
import { EXIT } from '../engine/exit-codes.ts';
import type { ResolvedConfig } from './resolved.ts';

export function assertConfiguredArches(arches: readonly string[] | undefined, config: Pick<ResolvedConfig, 'arches'>): void {
  const unknown = (arches ?? []).filter((a) => !config.arches.includes(a as never));
  if (unknown.length) throw new UserError(`--arch ${unknown.join(', ')}: not an arch of the config (${config.arches.join(', ')})`, EXIT.USAGE);
}
